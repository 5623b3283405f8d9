"""The partitioned LDA E-step: with one partition it is gensim's LdaModel byte for byte; with more,
the same bytes in-process, in a local pool and on a Dask cluster, run after run, and within
floating-point summation order of gensim's serial model (real gensim, the shipped sample)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import LdaModel

from pipeline.features import analyse
from pipeline.lda_partitioned import fit_partitioned, split
from pipeline.params import Params, TopicsParams
from pipeline.readers import read_corpus
from pipeline.scheduler import Scheduler
from pipeline.segment import Segmenter
from pipeline.topics import fit_topics, new_lda

ROOT = Path(__file__).resolve().parents[1]
DICT = ROOT / "data/dict"


@pytest.fixture(scope="module")
def docs() -> list[list[str]]:
    texts = [p.text for p in read_corpus(ROOT / "data/sample/docs")]
    return [a.tokens for a in analyse(Segmenter.from_files(DICT / "policy_terms.txt", DICT / "stopwords.txt"), texts)]


@pytest.fixture(scope="module")
def small(params: Params) -> TopicsParams:
    """Several chunks per pass and two passes: the rho schedule and the extra-pass M-step matter."""
    return replace(params.topics, num_topics=4, passes=2, no_below=2, chunksize=150)


def model_bytes(lda: LdaModel) -> tuple[bytes, bytes, bytes]:
    return lda.expElogbeta.tobytes(), lda.alpha.tobytes(), lda.state.sstats.tobytes()


@pytest.mark.parametrize("alpha", ["symmetric", "auto"])
def test_one_partition_is_gensims_lda_model_byte_for_byte(
    docs: list[list[str]], small: TopicsParams, alpha: str, tmp_path: Path
) -> None:
    topics = replace(small, alpha=alpha)
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=topics.no_below, no_above=topics.no_above, keep_n=topics.keep_n)
    corpus = [dictionary.doc2bow(d) for d in docs]
    gensim = new_lda(dictionary, topics, topics.eta, corpus)
    ours = new_lda(dictionary, topics, topics.eta, None)
    fit_partitioned(ours, corpus, len(corpus), 1, Scheduler("local", 2), tmp_path)
    assert model_bytes(ours) == model_bytes(gensim)
    assert ours.num_updates == gensim.num_updates and ours.state.numdocs == gensim.state.numdocs


def test_partitioned_fit_is_the_same_on_every_scheduler_and_close_to_gensim(
    docs: list[list[str]], small: TopicsParams, dask_scheduler: str, tmp_path: Path
) -> None:
    partitioned = replace(small, passes=1, estep_partitions=3)
    runs = {
        name: fit_topics(docs, partitioned, scheduler=Scheduler.parse(spec), workdir=tmp_path)[0]
        for name, spec in (("none", "none"), ("again", "none"), ("local:2", "local:2"), ("dask", dask_scheduler))
    }
    assert len({model_bytes(lda) for lda in runs.values()}) == 1
    assert not list(tmp_path.iterdir())  # the bag-of-words and per-update models are cleaned up
    serial, _ = fit_topics(docs, replace(small, passes=1, estep_partitions=1))
    assert model_bytes(runs["none"]) != model_bytes(serial)  # merged sums: another addition order …
    np.testing.assert_allclose(runs["none"].expElogbeta, serial.expElogbeta, rtol=1e-9)  # … same model


def test_partitions_are_fixed_contiguous_slices_whatever_the_chunk() -> None:
    chunk = [[(i, 1.0)] for i in range(10)]
    assert split(chunk, 3) == [chunk[0:3], chunk[3:6], chunk[6:10]]
    assert split(chunk[:2], 3) == [chunk[0:1], chunk[1:2]]  # never an empty partition
    assert split(chunk, 1) == [chunk]
