"""models/topics on disk: vocabulary, exp(E[log β]) and α as plain arrays, inference settings and
top words.  numpy only, so training reads the topic model without loading gensim."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pipeline.features import TopicModel


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
