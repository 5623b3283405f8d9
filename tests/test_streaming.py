"""Streamed stages give the outputs of the in-memory path they replaced: segmenting partition by
partition (in-process and in a local pool), LDA from a bag-of-words streamed from disk, topic
proportions written as a stream, metrics on a seeded sample."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import LdaModel

from pipeline.features import analyse
from pipeline.params import Params, TopicsParams
from pipeline.readers import read_corpus
from pipeline.records import RecordField, read_jsonl, write_jsonl
from pipeline.sampling import seeded_sample
from pipeline.scheduler import Scheduler
from pipeline.segment import Segmenter
from pipeline.streaming import SegmenterRef, infer_corpus_topics, segment_corpus
from pipeline.topic_store import write_topic_model
from pipeline.topics import fit_topics, to_topic_model, top_words

ROOT = Path(__file__).resolve().parents[1]
DICT = ROOT / "data/dict"
SHARED_PARAGRAPHS = 2000  # enough for several partitions and LDA chunks, quick enough for the suite


def paragraphs_file(corpus: Path, path: Path, limit: int | None = None) -> list[str]:
    records = [p.record() for p in read_corpus(corpus)][:limit]
    write_jsonl(path, records)
    return [r["text"] for r in records]


def in_memory_lda(docs: list[list[str]], params: TopicsParams) -> LdaModel:
    """The path the stage had before streaming: the whole bag-of-words as a list."""
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=params.no_below, no_above=params.no_above, keep_n=params.keep_n)
    return LdaModel(
        corpus=[dictionary.doc2bow(d) for d in docs],
        id2word=dictionary,
        num_topics=params.num_topics,
        passes=params.passes,
        iterations=params.iterations,
        alpha=params.alpha,
        eta=params.eta,
        random_state=params.random_state,
        chunksize=params.chunksize,
        eval_every=None,
        dtype=np.float64,
    )


def check_streaming_parity(corpus: Path, tmp_path: Path, topics: TopicsParams, limit: int | None) -> None:
    texts = paragraphs_file(corpus, tmp_path / "paragraphs.jsonl", limit)
    ref = SegmenterRef.of(DICT / "policy_terms.txt", DICT / "stopwords.txt", "rjieba")
    n, _ = segment_corpus(tmp_path / "paragraphs.jsonl", tmp_path / "tokens.jsonl", ref, Scheduler(), 700)
    docs = [a.tokens for a in analyse(Segmenter.from_files(DICT / "policy_terms.txt", DICT / "stopwords.txt"), texts)]
    assert n == len(texts) and [r["tokens"] for r in read_jsonl(tmp_path / "tokens.jsonl")] == docs

    lda, dictionary = fit_topics(RecordField(tmp_path / "tokens.jsonl", "tokens"), topics)
    reference = in_memory_lda(docs, topics)
    assert np.array_equal(lda.expElogbeta, reference.expElogbeta)

    tm = to_topic_model(lda, dictionary, topics)
    write_topic_model(tmp_path / "topics", tm, top_words(lda, 5))
    out = tmp_path / "paragraph_topics.csv"
    assert infer_corpus_topics(tmp_path / "tokens.jsonl", out, tmp_path / "topics", Scheduler(), 500) == len(docs)
    rows = list(csv.reader(out.open(encoding="utf-8")))[1:]
    theta = tm.infer(docs)  # the whole corpus in one batch, as before
    assert [r[0] for r in rows] == [json.loads(line)["id"] for line in (tmp_path / "tokens.jsonl").open()]
    assert [r[2:] for r in rows] == [[f"{p:.6f}" for p in row] for row in theta]


def test_streamed_stages_match_the_in_memory_path_on_the_sample(params: Params, tmp_path: Path) -> None:
    topics = replace(params.topics, num_topics=4, passes=2, no_below=2, chunksize=150, estep_partitions=1)
    check_streaming_parity(ROOT / "data/sample/docs", tmp_path, topics, None)


@pytest.mark.shared
def test_streamed_stages_match_the_in_memory_path_on_the_shared_corpus(
    shared_dir: Path, params: Params, tmp_path: Path
) -> None:
    topics = replace(params.topics, passes=1, chunksize=1000, estep_partitions=1)
    check_streaming_parity(shared_dir / "corpus", tmp_path, topics, SHARED_PARAGRAPHS)


def test_segment_stage_work_in_a_local_pool_is_byte_identical(tmp_path: Path) -> None:
    paragraphs_file(ROOT / "data/sample/docs", tmp_path / "paragraphs.jsonl")
    ref = SegmenterRef.of(DICT / "policy_terms.txt", DICT / "stopwords.txt", "rjieba")
    for name, scheduler in (("one", Scheduler()), ("pool", Scheduler("local", 2))):
        segment_corpus(tmp_path / "paragraphs.jsonl", tmp_path / f"{name}.jsonl", ref, scheduler, 64)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "pool.jsonl").read_bytes()


def test_seeded_sample_is_everything_when_small_and_reproducible_when_large() -> None:
    docs = [[str(i)] for i in range(100)]
    assert seeded_sample(iter(docs), 100, 100, seed=1) == docs
    a, b = seeded_sample(iter(docs), 100, 10, seed=1), seeded_sample(iter(docs), 100, 10, seed=1)
    assert a == b and len(a) == 10 and a == sorted(a, key=lambda d: int(d[0]))
    assert seeded_sample(iter(docs), 100, 10, seed=2) != a


def test_the_word_vectors_sample_is_the_seeded_sample_held_once() -> None:
    """Word2Vec walks its corpus once per epoch: the sample is read once, equal to seeded_sample."""
    from pipeline.vectors import held_sample

    docs = [["词", str(i)] for i in range(50)]
    held = held_sample(docs, 7, seed=3)
    assert held == seeded_sample(iter(docs), 50, 7, seed=3) and len(held) == 7
    assert held[0][0] is held[1][0]  # each word stored once


def test_lda_fitted_on_a_seeded_sample_is_reproducible(params: Params) -> None:
    texts = [p.text for p in read_corpus(ROOT / "data/sample/docs")]
    docs = [a.tokens for a in analyse(Segmenter.from_files(DICT / "policy_terms.txt", DICT / "stopwords.txt"), texts)]
    small = replace(params.topics, num_topics=4, passes=1, no_below=2, chunksize=100, fit_sample=200)
    (a, _), (b, _) = fit_topics(docs, small), fit_topics(docs, small)
    assert np.array_equal(a.expElogbeta, b.expElogbeta)
    everything, _ = fit_topics(docs, replace(small, fit_sample=len(docs)))
    assert not np.array_equal(a.expElogbeta, everything.expElogbeta)
