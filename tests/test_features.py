"""The one featurisation: TF-IDF, character n-grams, lexicon counts and numpy LDA inference."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.special import digamma as scipy_digamma

from pipeline.features import (
    FeatureSpace,
    analyse,
    char_ngrams,
    count_terms,
    digamma,
    fit_vocabulary,
    tfidf,
)
from pipeline.lexicon import ThemeLexicon
from pipeline.params import Params
from pipeline.segment import Segmenter
from pipeline.simplify import to_simplified
from pipeline.topics import fit_topics, gensim_topics, to_topic_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter.from_files(ROOT / "data/dict/policy_terms.txt", ROOT / "data/dict/stopwords.txt")


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    return [json.loads(line)["text"] for line in (ROOT / "data/sample/labels.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def lda(segmenter: Segmenter, sample_texts: list[str], params: Params):
    docs = [a.tokens for a in analyse(segmenter, sample_texts)]
    topics = replace(
        params.topics,
        num_topics=6,
        passes=8,
        iterations=100,
        random_state=7,
        no_below=2,
        no_above=0.5,
        keep_n=5000,
        inference_iterations=100,
    )
    model, dictionary = fit_topics(docs, topics)
    return model, dictionary, docs, topics


def test_digamma_matches_scipy() -> None:
    x = np.concatenate([np.linspace(1e-3, 1, 200), np.linspace(1, 500, 200)])
    assert np.max(np.abs(digamma(x) - scipy_digamma(x))) < 1e-10


def test_numpy_topic_inference_matches_gensim(lda) -> None:
    model, dictionary, docs, topics = lda
    tm = to_topic_model(model, dictionary, topics)
    ours = tm.infer(docs)
    # gensim's E-step started from its random draw, run to the same convergence as ours
    model.iterations, model.gamma_threshold = 1000, 1e-6
    theirs = gensim_topics(model, dictionary, docs)
    nonempty = np.array([any(t in tm.vocabulary for t in d) for d in docs])
    assert np.allclose(ours.sum(axis=1), 1.0)
    assert np.abs(ours[nonempty] - theirs[nonempty]).mean() < 1e-3


def test_topic_inference_is_batch_independent(lda) -> None:
    model, dictionary, docs, topics = lda
    tm = to_topic_model(model, dictionary, topics)
    together = tm.infer(docs)
    alone = np.vstack([tm.infer([d]) for d in docs[:40]])
    assert np.array_equal(together[:40], alone)
    assert np.array_equal(tm.infer(docs), together)  # and deterministic


def test_tfidf_rows_are_unit_length_and_match_vocabulary() -> None:
    docs = [["一带一路", "合作", "合作"], ["治理", "城市"], ["无关词"]]
    vocab, idf = fit_vocabulary([*docs, ["合作", "治理"]], min_df=1, max_features=100)
    rows = tfidf(count_terms(docs, vocab), idf)
    dense = rows.to_scipy().toarray()
    assert np.allclose(np.linalg.norm(dense, axis=1), 1.0)
    assert dense[0, vocab["合作"]] > dense[0, vocab["一带一路"]] * 0.5


def test_feature_rows_dot_equals_scipy(segmenter: Segmenter, sample_texts: list[str], lda, params: Params) -> None:
    model, dictionary, _, topics = lda
    lexicon = ThemeLexicon.read(ROOT / "data/dict/themes.json")
    config = replace(params.features, topic_weight=1.0)
    space = FeatureSpace(segmenter, lexicon, config, topic_model=to_topic_model(model, dictionary, topics))
    space.fit(sample_texts)
    rows = space.transform(sample_texts[:50])
    w = np.random.default_rng(0).normal(size=(rows.n_features, 3))
    assert np.allclose(rows.dot(w), rows.to_scipy() @ w)
    assert rows.n_features == len(space.feature_names())


def test_char_ngrams_stay_inside_chinese_runs() -> None:
    assert char_ngrams("推进APEC合作", 2) == ["推进", "合作"]


def test_traditional_text_is_simplified_for_features(segmenter: Segmenter) -> None:
    assert to_simplified("國際交往中心建設") == "国际交往中心建设"
    assert to_simplified("国际交往中心") == "国际交往中心"
    trad, simp = analyse(segmenter, ["推進「一帶一路」建設與國際合作", "推进“一带一路”建设与国际合作"])
    assert "一带一路" in trad.tokens and trad.tokens == simp.tokens


def test_vectorised_bigram_counts_equal_the_plain_path(sample_texts: list[str]) -> None:
    from pipeline.features import BigramIndex

    texts = [*sample_texts[:200], "", "APEC 2024", "一", "國際交往中心（APEC）会议。\n第二段"]
    vocab, _ = fit_vocabulary([char_ngrams(t, 2) for t in sample_texts], min_df=2, max_features=5000)
    fast = BigramIndex(vocab).count(texts).to_scipy().toarray()
    plain = count_terms([char_ngrams(t, 2) for t in texts], vocab).to_scipy().toarray()
    assert np.array_equal(fast, plain)
