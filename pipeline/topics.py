"""LDA topics with gensim: vocabulary filtering, a seeded (deterministic) LdaModel, its quality
figures, and the tables the topics stage writes.  Training only (imports gensim)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from gensim.corpora import Dictionary, MmCorpus
from gensim.models import CoherenceModel, LdaModel

from pipeline.features import TopicModel
from pipeline.lda_partitioned import fit_partitioned
from pipeline.lexicon import ThemeLexicon
from pipeline.params import TopicsParams
from pipeline.sampling import seeded_sample, seeded_subset
from pipeline.scheduler import Scheduler

PARITY_SAMPLE = 2000  # paragraphs on which numpy inference is compared with gensim's


def seeded_eta(
    dictionary: Dictionary, lexicon: ThemeLexicon, num_topics: int, base: float, weight: float
) -> np.ndarray:
    """η prior that pulls topic i towards theme i's strong lexicon terms (guided LDA)."""
    eta = np.full((num_topics, len(dictionary)), base)
    for i, theme in enumerate(lexicon.themes[:num_topics]):
        for term in lexicon.strong[theme]:
            if term in dictionary.token2id:
                eta[i, dictionary.token2id[term]] += weight
    return eta


def fit_topics(
    docs: Iterable[Sequence[str]],
    params: TopicsParams,
    lexicon: ThemeLexicon | None = None,
    scheduler: Scheduler | None = None,
    workdir: Path | None = None,
) -> tuple[LdaModel, Dictionary]:
    """Vocabulary filtering and LdaModel training; same docs and params → same model, whatever
    `scheduler` runs a partitioned E-step (`topics.estep_partitions` > 1) on.

    `docs` is walked twice and never held: once for the vocabulary (all paragraphs), once to write
    the bag-of-words of the paragraphs LDA is fitted on (all of them, or `topics.fit_sample` drawn
    with the LDA seed on a larger corpus) to a Matrix Market file that LdaModel streams pass after
    pass: the same numbers as an in-memory list of bags.  The file (and the partitioned E-step's
    per-update model) lives in a scratch folder under `workdir` (a folder every Dask worker can
    read), deleted afterwards.
    """
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=params.no_below, no_above=params.no_above, keep_n=params.keep_n)
    if len(dictionary) == 0:
        raise ValueError("topics: no words left after no_below/no_above filtering; lower topics.no_below")
    eta = topic_prior(dictionary, params, lexicon)
    with tempfile.TemporaryDirectory(prefix="policy-themes-bow-", dir=workdir) as tmp:
        bow = Path(tmp) / "bow.mm"
        fitted = seeded_subset(docs, dictionary.num_docs, params.fit_sample, params.random_state)
        MmCorpus.serialize(str(bow), (dictionary.doc2bow(d) for d in fitted))
        corpus = MmCorpus(str(bow))
        if params.estep_partitions == 1:
            return new_lda(dictionary, params, eta, corpus), dictionary
        lda = new_lda(dictionary, params, eta, None)
        fit_partitioned(lda, corpus, len(corpus), params.estep_partitions, scheduler or Scheduler(), Path(tmp))
    return lda, dictionary


def topic_prior(dictionary: Dictionary, params: TopicsParams, lexicon: ThemeLexicon | None) -> object:
    """topics.eta, or the lexicon-seeded η matrix when `topics.seed_from_lexicon`."""
    if not params.seed_from_lexicon:
        return params.eta
    if lexicon is None:
        raise ValueError("topics.seed_from_lexicon needs the theme lexicon")
    base = params.eta if isinstance(params.eta, float) else 1.0 / params.num_topics
    return seeded_eta(dictionary, lexicon, params.num_topics, base, params.seed_weight)


def new_lda(dictionary: Dictionary, params: TopicsParams, eta: object, corpus: MmCorpus | None) -> LdaModel:
    """The seeded LdaModel of the params, trained on `corpus` by gensim itself (or untrained: None)."""
    return LdaModel(
        corpus=corpus,
        id2word=dictionary,
        num_topics=params.num_topics,
        passes=params.passes,
        iterations=params.iterations,
        alpha=params.alpha,
        eta=eta,
        random_state=params.random_state,
        chunksize=params.chunksize,
        eval_every=None,
        dtype=np.float64,
    )


def to_topic_model(lda: LdaModel, dictionary: Dictionary, params: TopicsParams) -> TopicModel:
    """What numpy inference needs of the trained model (the classify path never loads gensim)."""
    vocabulary = {dictionary[i]: i for i in range(len(dictionary))}
    return TopicModel(
        vocabulary,
        np.asarray(lda.expElogbeta, dtype=np.float64),
        np.asarray(lda.alpha, dtype=np.float64),
        iterations=params.inference_iterations,
        tolerance=params.inference_tolerance,
    )


def gensim_topics(lda: LdaModel, dictionary: Dictionary, docs: Sequence[Sequence[str]]) -> np.ndarray:
    """Dense topic proportions from gensim's own inference (for the parity check)."""
    out = np.zeros((len(docs), lda.num_topics))
    for i, d in enumerate(docs):
        for k, p in lda.get_document_topics(dictionary.doc2bow(d), minimum_probability=0.0):
            out[i, k] = p
    return out


def topic_metrics(
    lda: LdaModel,
    dictionary: Dictionary,
    docs: Iterable[Sequence[str]],
    topic_model: TopicModel,
    params: TopicsParams,
) -> dict:
    """Coherence (c_v, u_mass), perplexity, and the parity of numpy inference with gensim's, on
    `topics.coherence_sample` paragraphs drawn with the LDA seed (all of them on a smaller corpus):
    c_v's sliding windows and a second E-step over millions of paragraphs would cost more than the fit."""
    sample = seeded_sample(docs, dictionary.num_docs, params.coherence_sample, params.random_state)
    corpus = [dictionary.doc2bow(d) for d in sample]
    texts = [list(d) for d in sample if d]
    topn = params.topn
    c_v = CoherenceModel(model=lda, texts=texts, dictionary=dictionary, coherence="c_v", topn=topn, processes=1)
    u_mass = CoherenceModel(model=lda, corpus=corpus, dictionary=dictionary, coherence="u_mass", topn=topn)
    parity = [d for d in sample if d][:PARITY_SAMPLE]
    mad = float(np.abs(topic_model.infer(parity) - gensim_topics(lda, dictionary, parity)).mean()) if parity else 0.0
    bound = lda.log_perplexity([b for b in corpus if b])
    return {
        "c_v": round(float(c_v.get_coherence()), 4),
        "u_mass": round(float(u_mass.get_coherence()), 4),
        "perplexity": round(float(np.exp2(-bound)), 2),
        "num_topics": lda.num_topics,
        "vocabulary": len(dictionary),
        "inference_mad_vs_gensim": float(f"{mad:.2e}"),
        "metrics_paragraphs": len(sample),
    }


def top_words(lda: LdaModel, topn: int) -> list[list[tuple[str, float]]]:
    return [[(w, float(p)) for w, p in lda.show_topic(k, topn)] for k in range(lda.num_topics)]


def write_topic_words(path: Path, words: list[list[tuple[str, float]]]) -> None:
    """topic, rank, word, weight: one row per top word."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["topic", "rank", "word", "weight"])
        for k, ws in enumerate(words):
            for rank, (word, p) in enumerate(ws, 1):
                w.writerow([k, rank, word, f"{p:.6f}"])
