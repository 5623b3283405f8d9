"""The library behind the stages (topics, training, evaluation) on small real data: real gensim,
real scikit-learn."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipeline.evaluation import label_string, topic_theme_auc
from pipeline.features import analyse
from pipeline.lexicon import ThemeLexicon
from pipeline.params import Params, TopicsParams
from pipeline.readers import read_corpus
from pipeline.records import texts_and_tokens, write_jsonl
from pipeline.scheduler import Scheduler
from pipeline.segment import Segmenter
from pipeline.streaming import SegmenterRef, segment_corpus
from pipeline.topics import fit_topics, seeded_eta, to_topic_model
from pipeline.training import TrainingSet, cross_validate, fit_classifier, weak_labels

ROOT = Path(__file__).resolve().parents[1]
DICT = ROOT / "data/dict"


@pytest.fixture(scope="module")
def small(params: Params) -> TopicsParams:
    return replace(params.topics, num_topics=4, passes=2, iterations=30, random_state=3, no_below=2, keep_n=3000)


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter.from_files(DICT / "policy_terms.txt", DICT / "stopwords.txt")


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "data/sample/labels.jsonl").open(encoding="utf-8")]


def test_ingest_records_carry_ids_text_and_their_documents_metadata() -> None:
    paragraphs = list(read_corpus(ROOT / "data/sample/docs"))
    records = [p.record() for p in paragraphs]
    assert len({r["id"] for r in records}) == len(records)
    assert all(r["id"] == f"{r['doc']}#{r['index']:03d}" and r["text"] and "source" not in r for r in records)
    assert all(p.document() == {"doc": p.doc, "source": p.meta["source"]} for p in paragraphs)


def test_lda_is_deterministic_for_a_seed(segmenter: Segmenter, labelled: list[dict], small: TopicsParams) -> None:
    docs = [a.tokens for a in analyse(segmenter, [r["text"] for r in labelled])]
    (a, da), (b, db) = fit_topics(docs, small), fit_topics(docs, small)
    assert np.array_equal(a.expElogbeta, b.expElogbeta) and da.token2id == db.token2id
    c, _ = fit_topics(docs, replace(small, random_state=4))
    assert not np.array_equal(a.expElogbeta, c.expElogbeta)


def test_every_x86_machine_computes_with_the_same_simd_kernels() -> None:
    """AVX-512 and AVX2 kernels round differently, so an AVX-512 machine's LDA and bundle differed
    from an AVX2 machine's (dvc.lock, the released model).  Importing `pipeline` pins numpy's
    dispatch and OpenBLAS's kernels to AVX2 before numpy loads, in the stages and the CLI alike."""
    import platform
    import subprocess
    import sys

    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("the pin is for x86-64 (other machines have one kernel family)")
    probe = (
        "import os, pipeline, numpy\n"
        "from numpy._core._multiarray_umath import __cpu_features__ as f\n"
        "wide = f['X86_V4'] if 'X86_V4' in f else f.get('AVX512_SKX', False)\n"
        "print(wide, f['AVX2'], os.environ['OPENBLAS_CORETYPE'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "Haswell"]


def test_seeded_eta_pulls_topic_i_towards_theme_i(
    segmenter: Segmenter, labelled: list[dict], small: TopicsParams
) -> None:
    docs = [a.tokens for a in analyse(segmenter, [r["text"] for r in labelled])]
    lexicon = ThemeLexicon.read(DICT / "themes.json")
    seeded = replace(small, seed_from_lexicon=True, seed_weight=2.0)
    lda, dictionary = fit_topics(docs, seeded, lexicon)
    eta = seeded_eta(dictionary, lexicon, 4, 0.25, 2.0)
    term = dictionary.token2id["一带一路"]
    assert eta[2, term] == 2.25 and eta[0, term] == 0.25 and eta[3].max() == 0.25
    assert to_topic_model(lda, dictionary, seeded).num_topics == 4


def test_weak_labels_follow_the_lexicon_rule(segmenter: Segmenter, labelled: list[dict]) -> None:
    lexicon = ThemeLexicon.read(DICT / "themes.json")
    texts_in = [r["text"] for r in labelled]
    pairs = list(zip(texts_in, [a.tokens for a in analyse(segmenter, texts_in)], strict=True))
    texts, y = weak_labels(lexicon, lambda: iter(pairs), exclude=set(), limit=50)
    assert 0 < len(texts) <= 50 and y.shape == (len(texts), 3)
    again = weak_labels(lexicon, lambda: iter(pairs), exclude=set(), limit=50)
    assert again[0] == texts and np.array_equal(again[1], y)
    for text, row in zip(texts, y, strict=True):
        counts = lexicon.counts(analyse(segmenter, [text])[0].tokens)
        assert np.array_equal(row, counts[:, 0] >= 2)


def test_streamed_weak_labels_equal_the_in_memory_choice(segmenter: Segmenter, tmp_path: Path) -> None:
    """From the paragraphs and tokens files, two streamed passes pick what the whole list gave."""
    records = [p.record() for p in read_corpus(ROOT / "data/sample/docs")]
    write_jsonl(tmp_path / "p.jsonl", records)
    ref = SegmenterRef.of(DICT / "policy_terms.txt", DICT / "stopwords.txt", "rjieba")
    segment_corpus(tmp_path / "p.jsonl", tmp_path / "t.jsonl", ref, Scheduler(), 100)
    lexicon = ThemeLexicon.read(DICT / "themes.json")
    exclude = {records[0]["text"]}
    texts, ys = [], []  # the list-based choice the train stage made before streaming
    candidates = [r["text"] for r in records if r["text"] not in exclude and len(r["text"]) >= 20]
    for text, a in zip(candidates, analyse(segmenter, candidates), strict=True):
        c = lexicon.counts(a.tokens)
        if (c[:, 0] >= 2).any() or c[:, :2].sum() == 0:
            texts.append(text)
            ys.append(c[:, 0] >= 2)
    step = len(texts) // 40
    assert step > 1
    streamed = weak_labels(lexicon, lambda: texts_and_tokens(tmp_path / "p.jsonl", tmp_path / "t.jsonl"), exclude, 40)
    assert streamed[0] == texts[::step][:40] and np.array_equal(streamed[1], np.array(ys[::step][:40]))


def test_grouped_cross_validation_never_scores_a_document_it_trained_on(labelled: list[dict], params: Params) -> None:
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(0)
    y = np.array([[t in r["labels"] for t in ("diplomacy", "governance", "belt_and_road")] for r in labelled], int)
    x = csr_matrix(np.hstack([y + rng.normal(0, 0.3, y.shape), rng.normal(size=(len(y), 5))]))
    ts = TrainingSet([r["text"] for r in labelled], y, [r["doc"] for r in labelled], np.ones(len(y)))
    train = replace(params.train, C=1.0, cv_folds=5)
    oof = cross_validate(x, ts, np.ones(len(y), bool), train)
    assert not np.isnan(oof).any()
    coef, intercept = fit_classifier(x, y, np.ones(len(y)), train)
    assert coef.shape == (x.shape[1], 3) and intercept.shape == (3,)


def test_topic_theme_auc_and_label_strings() -> None:
    topics = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    y = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]])
    auc = topic_theme_auc(topics, y, ("diplomacy", "governance", "belt_and_road"))
    assert auc["diplomacy"]["seeded_topic_auc"] == 1.0 and auc["governance"]["best_topic"] == 1
    assert label_string(()) == "none" and label_string(("diplomacy", "governance")) == "diplomacy+governance"
