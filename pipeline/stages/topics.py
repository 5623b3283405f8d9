"""Stage topics: tokens → gensim LdaModel (deterministic) → topic-word matrix, tables and metrics.

Outputs: models/topics/ (vocabulary, exp(E[log β]), α as plain arrays for numpy inference),
data/interim/topic_words.csv, data/interim/paragraph_topics.csv, metrics/topics.json.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel, LdaModel

from pipeline.features import TopicModel
from pipeline.lexicon import ThemeLexicon
from pipeline.params import read_params
from pipeline.stages import read_jsonl, run, write_json
from pipeline.themes import ThemeSet

IN = Path("data/interim/tokens.jsonl")
MODEL_DIR = Path("models/topics")
TOPIC_WORDS = Path("data/interim/topic_words.csv")
PARAGRAPH_TOPICS = Path("data/interim/paragraph_topics.csv")
METRICS = Path("metrics/topics.json")


def _prior(value: object) -> object:
    """params give 'symmetric' / 'asymmetric' / 'auto' or a number."""
    return float(value) if isinstance(value, int | float) else value


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
    docs: Sequence[Sequence[str]], params: dict, lexicon: ThemeLexicon | None = None
) -> tuple[LdaModel, Dictionary]:
    """Vocabulary filtering and LdaModel training; same docs and params → same model."""
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=params["no_below"], no_above=params["no_above"], keep_n=params["keep_n"])
    if len(dictionary) == 0:
        raise ValueError("topics: no words left after no_below/no_above filtering; lower topics.no_below")
    corpus = [dictionary.doc2bow(d) for d in docs]
    k = params["num_topics"]
    eta: object = _prior(params.get("eta", "symmetric"))
    if params.get("seed_from_lexicon"):
        if lexicon is None:
            raise ValueError("topics.seed_from_lexicon needs the theme lexicon")
        base = float(eta) if isinstance(eta, float) else 1.0 / k
        eta = seeded_eta(dictionary, lexicon, k, base, float(params.get("seed_weight", 1.0)))
    lda = LdaModel(
        corpus=corpus,
        id2word=dictionary,
        num_topics=k,
        passes=params["passes"],
        iterations=params["iterations"],
        alpha=_prior(params.get("alpha", "symmetric")),
        eta=eta,
        random_state=params["random_state"],
        chunksize=params.get("chunksize", 2000),
        eval_every=None,
        dtype=np.float64,
    )
    return lda, dictionary


def to_topic_model(lda: LdaModel, dictionary: Dictionary, params: dict) -> TopicModel:
    vocabulary = {dictionary[i]: i for i in range(len(dictionary))}
    return TopicModel(
        vocabulary,
        np.asarray(lda.expElogbeta, dtype=np.float64),
        np.asarray(lda.alpha, dtype=np.float64),
        iterations=params.get("inference_iterations", 100),
        tolerance=params.get("inference_tolerance", 1e-3),
    )


def gensim_topics(lda: LdaModel, dictionary: Dictionary, docs: Sequence[Sequence[str]]) -> np.ndarray:
    """Dense topic proportions from gensim's own inference (for the parity check)."""
    out = np.zeros((len(docs), lda.num_topics))
    for i, d in enumerate(docs):
        for k, p in lda.get_document_topics(dictionary.doc2bow(d), minimum_probability=0.0):
            out[i, k] = p
    return out


def topic_metrics(
    lda: LdaModel, dictionary: Dictionary, docs: Sequence[Sequence[str]], topic_model: TopicModel, topn: int
) -> dict:
    corpus = [dictionary.doc2bow(d) for d in docs]
    texts = [list(d) for d in docs if d]
    c_v = CoherenceModel(model=lda, texts=texts, dictionary=dictionary, coherence="c_v", topn=topn, processes=1)
    u_mass = CoherenceModel(model=lda, corpus=corpus, dictionary=dictionary, coherence="u_mass", topn=topn)
    sample = [d for d in docs if d][:2000]
    mad = float(np.abs(topic_model.infer(sample) - gensim_topics(lda, dictionary, sample)).mean()) if sample else 0.0
    bound = lda.log_perplexity([b for b in corpus if b])
    return {
        "c_v": round(float(c_v.get_coherence()), 4),
        "u_mass": round(float(u_mass.get_coherence()), 4),
        "perplexity": round(float(np.exp2(-bound)), 2),
        "num_topics": lda.num_topics,
        "vocabulary": len(dictionary),
        "inference_mad_vs_gensim": float(f"{mad:.2e}"),
    }


def top_words(lda: LdaModel, topn: int) -> list[list[tuple[str, float]]]:
    return [[(w, float(p)) for w, p in lda.show_topic(k, topn)] for k in range(lda.num_topics)]


def write_topic_model(directory: Path, tm: TopicModel, words: list[list[tuple[str, float]]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    vocab = sorted(tm.vocabulary, key=tm.vocabulary.__getitem__)
    (directory / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False) + "\n", encoding="utf-8")
    np.save(directory / "exp_elog_beta.npy", tm.exp_elog_beta, allow_pickle=False)
    np.save(directory / "alpha.npy", tm.alpha, allow_pickle=False)
    inference = {"iterations": tm.iterations, "tolerance": tm.tolerance}
    (directory / "inference.json").write_text(json.dumps(inference) + "\n", encoding="utf-8")
    top = [[w for w, _ in ws] for ws in words]
    (directory / "topic_words.json").write_text(json.dumps(top, ensure_ascii=False) + "\n", encoding="utf-8")


def read_topic_model(directory: Path) -> tuple[TopicModel, list[list[str]]]:
    vocab = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
    inference = json.loads((directory / "inference.json").read_text(encoding="utf-8"))
    tm = TopicModel(
        {w: i for i, w in enumerate(vocab)},
        np.load(directory / "exp_elog_beta.npy", allow_pickle=False),
        np.load(directory / "alpha.npy", allow_pickle=False),
        **inference,
    )
    words = json.loads((directory / "topic_words.json").read_text(encoding="utf-8"))
    return tm, words


def main() -> None:
    logging.getLogger("gensim").setLevel(logging.WARNING)
    params = read_params()
    tp = params["topics"]
    rows = read_jsonl(IN)
    docs = [r["tokens"] for r in rows]
    lexicon = ThemeSet.read(Path(params["data"]["themes"])).lexicon if tp.get("seed_from_lexicon") else None
    lda, dictionary = fit_topics(docs, tp, lexicon)
    tm = to_topic_model(lda, dictionary, tp)
    words = top_words(lda, tp.get("topn", 10))
    write_topic_model(MODEL_DIR, tm, words)

    TOPIC_WORDS.parent.mkdir(parents=True, exist_ok=True)
    with TOPIC_WORDS.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["topic", "rank", "word", "weight"])
        for k, ws in enumerate(words):
            for rank, (word, p) in enumerate(ws, 1):
                w.writerow([k, rank, word, f"{p:.6f}"])
    theta = tm.infer(docs)
    with PARAGRAPH_TOPICS.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "dominant_topic", *[f"topic_{k}" for k in range(tm.num_topics)]])
        for r, row in zip(rows, theta, strict=True):
            w.writerow([r["id"], int(np.argmax(row)) if r["tokens"] else "", *[f"{p:.6f}" for p in row]])
    metrics = topic_metrics(lda, dictionary, docs, tm, tp.get("topn", 10))
    write_json(METRICS, metrics)
    print(f"topics: K={tm.num_topics} c_v={metrics['c_v']} u_mass={metrics['u_mass']} → {MODEL_DIR}")


if __name__ == "__main__":
    run(main)
