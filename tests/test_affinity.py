"""The theme-affinity block (pipeline/affinity.py) and the word vectors it is built from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipeline.affinity import affinity_names, read_word_vectors, theme_affinity, write_word_vectors
from pipeline.lexicon import ThemeLexicon
from pipeline.params import Params

ROOT = Path(__file__).resolve().parents[1]
LEXICON = ThemeLexicon.from_json(
    {"themes": {"diplomacy": {"strong": ["外交", "会谈"]}, "governance": {"strong": ["治理"]}, "belt_and_road": {}}}
)
# four words in two dimensions: two along the diplomacy axis, one along governance, one in between
VOCABULARY = {"外交": 0, "会谈": 1, "治理": 2, "协调": 3}
VECTORS = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 3.0], [1.0, 1.0]])


def test_centroids_are_unit_means_of_the_strong_terms() -> None:
    aff = theme_affinity(VOCABULARY, VECTORS, LEXICON)
    assert np.allclose(aff.centroids[0], [1.0, 0.0])
    assert np.allclose(aff.centroids[1], [0.0, 1.0])
    assert not aff.centroids[2].any()  # a theme without any strong term that has a vector
    assert np.allclose(np.linalg.norm(aff.vectors, axis=1), 1.0)


def test_rows_give_similarity_share_and_top_per_theme() -> None:
    aff = theme_affinity(VOCABULARY, VECTORS, LEXICON)
    # "外交" (cos 1 with diplomacy), "协调" (cos 0.707 with both), "未知" (no vector)
    row = aff.rows([["外交", "协调", "未知"]], threshold=0.9)[0]
    names = affinity_names(LEXICON.themes)
    value = dict(zip(names, row, strict=True))
    mean = np.array([1.0, 0.0]) + np.array([1.0, 1.0]) / np.sqrt(2)
    mean /= np.linalg.norm(mean)
    assert value["diplomacy:sim"] == pytest.approx(mean[0], abs=1e-6)
    assert value["governance:sim"] == pytest.approx(mean[1], abs=1e-6)
    assert value["diplomacy:share"] == pytest.approx(1 / 3)  # one of three tokens, the unknown one included
    assert value["governance:share"] == 0.0
    assert value["diplomacy:top3"] == pytest.approx((1.0 + np.sqrt(0.5)) / 2, abs=1e-6)  # two tokens with vectors
    assert value["belt_and_road:sim"] == value["belt_and_road:top3"] == 0.0


def test_rows_do_not_depend_on_the_batch() -> None:
    aff = theme_affinity(VOCABULARY, VECTORS, LEXICON)
    docs = [["治理", "协调"], [], ["未知"], ["会谈", "外交", "治理", "协调", "外交"]]
    batch = aff.rows(docs, threshold=0.5)
    alone = np.vstack([aff.rows([d], threshold=0.5) for d in docs])
    assert np.array_equal(batch, alone)
    assert not batch[1].any() and not batch[2].any()  # no tokens / no token with a vector
    assert batch[3, 6] == pytest.approx(1.0, abs=1e-6)  # top-3 of diplomacy: 外交, 外交, 会谈


def test_word_vectors_round_trip(tmp_path: Path) -> None:
    write_word_vectors(tmp_path, list(VOCABULARY), VECTORS)
    vocabulary, vectors = read_word_vectors(tmp_path)
    assert vocabulary == VOCABULARY
    assert np.array_equal(vectors, VECTORS)


def test_word_vectors_are_deterministic_across_processes(tmp_path: Path, params: Params) -> None:
    """Same tokens and params → same bytes, in another process with another string hash seed."""
    sentences = [["城市", "治理", "精细化", "管理"], ["外交", "会谈", "伙伴", "关系"], ["城市", "外交", "交往"]] * 20
    corpus = tmp_path / "tokens.jsonl"
    corpus.write_text("".join(json.dumps({"tokens": s}, ensure_ascii=False) + "\n" for s in sentences), "utf-8")
    small = replace(params.vectors, dim=8, epochs=3, min_count=2)
    script = (
        "import sys; from pathlib import Path; from pipeline.affinity import write_word_vectors;"
        "from pipeline.params import VectorsParams; from pipeline.records import RecordField;"
        "from pipeline.vectors import train_word_vectors;"
        f"p = VectorsParams(**{small.__dict__!r});"
        "write_word_vectors(Path(sys.argv[2]), *train_word_vectors(RecordField(Path(sys.argv[1]), 'tokens'), p))"
    )
    from pipeline.records import RecordField
    from pipeline.vectors import train_word_vectors

    write_word_vectors(tmp_path / "here", *train_word_vectors(RecordField(corpus, "tokens"), small))
    env = {
        **os.environ,
        "PYTHONHASHSEED": "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "-c", script, str(corpus), str(tmp_path / "there")], env=env, check=True)
    assert (tmp_path / "here" / "vectors.npy").read_bytes() == (tmp_path / "there" / "vectors.npy").read_bytes()
    vocabulary, vectors = read_word_vectors(tmp_path / "here")
    assert set(vocabulary) == {w for s in sentences for w in s} and vectors.shape == (len(vocabulary), 8)


def test_a_corpus_without_frequent_words_gives_no_vectors(params: Params) -> None:
    from pipeline.vectors import train_word_vectors

    words, vectors = train_word_vectors([["一次"], ["两次"]], replace(params.vectors, min_count=5))
    assert words == [] and vectors.shape == (0, params.vectors.dim)
    aff = theme_affinity({}, vectors, LEXICON)
    assert not aff.rows([["外交"]], threshold=0.5).any()


def test_word_vectors_are_fitted_on_the_seeded_sample_of_a_larger_corpus(params: Params) -> None:
    """vectors.fit_sample bounds the training on a corpus of millions; smaller corpora are used whole."""
    from pipeline.sampling import seeded_sample
    from pipeline.vectors import train_word_vectors

    city = [["城市", "治理", f"词{i % 7}"] for i in range(40)]
    sentences = city + [["外交", "伙伴", f"词{i % 5}"] for i in range(40)]
    small = replace(params.vectors, dim=8, epochs=2, min_count=2, fit_sample=30)
    sampled = train_word_vectors(sentences, small)
    by_hand = train_word_vectors(seeded_sample(sentences, 80, 30, small.seed), replace(small, fit_sample=80))
    whole = train_word_vectors(sentences, replace(small, fit_sample=80))
    assert sampled[0] == by_hand[0] and np.array_equal(sampled[1], by_hand[1])
    assert not np.array_equal(sampled[1], whole[1][: len(sampled[1])]) or sampled[0] != whole[0]
