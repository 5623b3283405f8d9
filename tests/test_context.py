"""Document context (neighbours, heading above, document profile) and the released model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.bundle import read_bundle, verify_bundle
from pipeline.context import PARTS, context_rows, document_runs, is_heading
from pipeline.features import FeatureSpace
from pipeline.params import Params
from pipeline.release import RELEASE_PARAMS, RELEASED, ReleaseError, build, main, release_params
from pipeline.segment import Segmenter
from pipeline.themes import ThemeSet

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "data/sample/labels.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def space(sample: list[dict], params: Params) -> FeatureSpace:
    segmenter = Segmenter.from_files(ROOT / "data/dict/policy_terms.txt", ROOT / "data/dict/stopwords.txt")
    themes = ThemeSet.read(ROOT / "data/dict/themes.json")
    config = dataclasses.replace(params.features, topics=False, context=True)
    return FeatureSpace(segmenter, themes.lexicon, config).fit([r["text"] for r in sample])


def test_context_rows_take_neighbours_heading_and_document_mean() -> None:
    rows = np.arange(10, dtype=float).reshape(5, 2)  # paragraphs a0 a1 a2 | b0 b1
    out = context_rows(rows, ["a", "a", "a", "b", "b"], [True, False, False, False, False])
    prev, nxt, heading, mean = (out[:, 2 * k : 2 * k + 2] for k in range(len(PARTS)))
    assert prev[1].tolist() == rows[0].tolist() and prev[0].tolist() == [0, 0] and prev[3].tolist() == [0, 0]
    assert nxt[2].tolist() == [0, 0] and nxt[3].tolist() == rows[4].tolist()
    assert heading[2].tolist() == rows[0].tolist() and heading[0].tolist() == [0, 0] and heading[4].tolist() == [0, 0]
    assert mean[4].tolist() == rows[3].tolist() and mean[0].tolist() == rows[1:3].mean(axis=0).tolist()
    assert not context_rows(rows[:1], ["alone"], [False]).any()
    assert document_runs(["a", "a", "b", "a"]) == [(0, 2), (2, 3), (3, 4)]


def test_headings_are_numbered_or_short_unpunctuated_lines() -> None:
    assert is_heading("一、深化外事工作") and is_heading("（三）城市治理") and is_heading("第二章 总则")
    assert not is_heading("推进城市治理体系和治理能力现代化，加强基层治理，完善社区服务。")
    assert not is_heading("")


def test_a_document_gets_the_same_features_alone_or_among_other_documents(
    space: FeatureSpace, sample: list[dict]
) -> None:
    docs = sorted({r["doc"] for r in sample})[:3]
    rows = [r for r in sample if r["doc"] in docs]
    together = space.transform([r["text"] for r in rows], [r["doc"] for r in rows]).to_scipy().toarray()
    start = 0
    for doc in docs:
        part = [r for r in rows if r["doc"] == doc]
        alone = space.transform([r["text"] for r in part], [r["doc"] for r in part]).to_scipy().toarray()
        assert np.array_equal(alone, together[start : start + len(part)])
        start += len(part)


def test_context_changes_a_paragraph_only_through_its_own_document(space: FeatureSpace, sample: list[dict]) -> None:
    texts = [r["text"] for r in sample[:6]]
    as_one = space.transform(texts, ["d"] * 6).to_scipy().toarray()
    apart = space.transform(texts).to_scipy().toarray()
    n_context = len(space.feature_blocks()[-1][1])
    assert np.array_equal(as_one[:, :-n_context], apart[:, :-n_context])  # other blocks do not depend on it
    assert not np.array_equal(as_one[:, -n_context:], apart[:, -n_context:])


def test_released_model_is_shipped_and_intact() -> None:
    """A fresh clone classifies with the released model: it verifies and says what it was trained on."""
    manifest = verify_bundle(RELEASED)
    model, manifest = read_bundle(RELEASED)
    data = manifest["params"]["data"]
    assert {k: data[k] for k in RELEASE_PARAMS} == RELEASE_PARAMS
    assert model.themes == ThemeSet.read(ROOT / "data/dict/themes.json").names
    assert "logo" in manifest["metrics"] and manifest["metrics"]["cv"]["macro_f1"] > 0.8


def test_release_ablation_changes_one_params_key_and_never_the_release(capsys: pytest.CaptureFixture) -> None:
    project = {"data": {"corpus": "data/sample/docs", "holdout_docs": ["a"]}, "features": {"affinity": True}}
    params = release_params(project, ["features.affinity=false", "features.affinity_weight=0.5"])
    assert params["features"] == {"affinity": False, "affinity_weight": 0.5}
    assert params["data"]["holdout_docs"] == [] and project["features"] == {"affinity": True}
    with pytest.raises(ReleaseError, match=r"section\.key=value"):
        release_params(project, ["nosuchsection.key=1"])
    assert main(["--set", "features.affinity=false"]) == 2  # would overwrite models/released
    assert "its own --out" in capsys.readouterr().err


@pytest.mark.shared
@pytest.mark.slow
def test_release_rebuilds_byte_identically(shared_dir: Path, tmp_path: Path) -> None:
    """`python -m pipeline.release` from ../shared gives exactly the committed bundle."""
    out = build(shared_dir, tmp_path / "released")
    committed = {p.name: p.read_bytes() for p in RELEASED.iterdir()}
    rebuilt = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(rebuilt) == sorted(committed)
    for name, data in committed.items():
        assert rebuilt[name] == data, f"{name} differs: rebuild with `python -m pipeline.release` and commit"


def test_cli_batches_cut_only_where_a_document_ends() -> None:
    from pipeline.cli.classify import _batches, context_doc
    from pipeline.readers import Paragraph

    units = [Paragraph(f"a#{i:03d}", "a", i, "外事工作。") for i in range(58)]
    units += [Paragraph(f"r{i}", "recs", i + 1, "城市治理。", {"source": "x.jsonl"}) for i in range(10)]
    sizes = [len(b) for b in _batches(iter(units), 7, [])]
    assert sizes[0] == 58  # the document stays whole however small the batch size
    assert sum(sizes) == 68 and all(s == 7 for s in sizes[1:-1])  # records stand alone: ordinary batches
    assert context_doc(units[0]) == "a" and context_doc(units[-1]) == "r9"
