"""Annotation files: validation errors name the file and line; the split is by document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.annotations import label_matrix, read_annotations, split_by_document
from pipeline.metrics import best_threshold, document_bootstrap, document_counts, macro_f1_of_counts, theme_scores
from pipeline.readers import InputError
from pipeline.themes import ThemeSet

ROOT = Path(__file__).resolve().parents[1]
THEMES = ThemeSet.read(ROOT / "data/dict/themes.json")


def write(path: Path, rows: list) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_sample_labels_cover_every_theme_and_genre() -> None:
    rows = read_annotations(ROOT / "data/sample/labels.jsonl", THEMES)
    y = label_matrix(rows, THEMES.names)
    assert y.sum(axis=0).min() >= 60 and (y.sum(axis=1) == 0).sum() >= 150
    assert len({a.doc for a in rows}) >= 6 and len({a.group for a in rows}) >= 5


def test_unknown_theme_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.jsonl",
        [{"id": "a#0", "text": "x", "labels": []}, {"id": "a#1", "text": "y", "labels": ["economy"]}],
    )
    with pytest.raises(InputError, match=r"l\.jsonl:2: unknown theme 'economy'"):
        read_annotations(path, THEMES)


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "l.jsonl", [{"id": "a#0", "text": "x", "labels": []}, "{not json"])
    with pytest.raises(InputError, match=r"l\.jsonl:2: malformed JSON"):
        read_annotations(path, THEMES)


def test_unknown_id_without_text(tmp_path: Path) -> None:
    path = write(tmp_path / "l.jsonl", [{"id": "doc#007", "labels": ["governance"]}])
    with pytest.raises(InputError, match=r"unknown id 'doc#007'"):
        read_annotations(path, THEMES, corpus_text={"doc#000": "text"})
    resolved = read_annotations(path, THEMES, corpus_text={"doc#007": "城市治理"})
    assert resolved[0].text == "城市治理" and resolved[0].labels == ("governance",)


def test_split_is_by_document_and_eval_only_files(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    write(folder / "main.jsonl", [{"id": f"d{i}#{j}", "text": "t", "labels": []} for i in range(3) for j in range(2)])
    write(folder / "other.jsonl", [{"id": "s#0", "text": "t", "labels": ["diplomacy"]}])
    rows = read_annotations(folder, THEMES, groups={"main": "national_report"})
    train, test = split_by_document(rows, ["d1"], ["other"])
    assert {a.doc for a in train} == {"d0", "d2"}
    assert {a.id for a in test} == {"d1#0", "d1#1", "s#0"}
    assert {a.group for a in test} == {"national_report", "other"}


def test_theme_scores_and_threshold() -> None:
    import numpy as np

    y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    s = theme_scores(y, y, THEMES.names)
    assert s["macro_f1"] == 1.0 and s["diplomacy"]["support"] == 2
    proba = np.array([0.9, 0.2, 0.7, 0.1])
    assert 0.2 < best_threshold(y[:, 0], proba) <= 0.7


def test_document_counts_give_theme_scores_back_and_a_bootstrap_interval_around_them() -> None:
    """Per-document [tp, fp, fn] summed back give exactly `theme_scores`' macro-F1 (its convention
    for a theme with nothing to find included), and resampling documents brackets that figure."""
    import numpy as np

    rng = np.random.default_rng(3)
    y = rng.random((120, 3)) < 0.3
    y_hat = y ^ (rng.random((120, 3)) < 0.15)  # 15 % of decisions flipped
    y[:, 2] = y_hat[:, 2] = False  # a theme nobody has and nobody claims: F1 1 by convention
    docs = [f"doc{i // 10}" for i in range(120)]
    rows = document_counts(y, y_hat, docs, ["g"] * 120)
    assert [r[0] for r in rows] == [f"doc{k}" for k in range(12)] and all(r[1] == "g" for r in rows)
    counts = np.array([r[2] for r in rows])
    assert counts.shape == (12, 3, 3) and counts.sum() == (y | y_hat).sum()
    point = theme_scores(y, y_hat, THEMES.names)["macro_f1"]
    assert round(float(macro_f1_of_counts(counts.sum(axis=0))), 4) == point
    low, high = document_bootstrap(counts, resamples=500, seed=1)
    assert low < point < high and (low, high) == document_bootstrap(counts, resamples=500, seed=1)
    narrow = document_bootstrap(counts, resamples=500, seed=1, level=0.5)
    assert low <= narrow[0] < narrow[1] <= high
