"""Word vectors for the affinity block: gensim Word2Vec on every paragraph of the corpus, unlabelled.

Training only (imports gensim); the vectors stage writes them as a numpy array and a word list
(`pipeline.affinity.write_word_vectors`), and training turns them into the small theme-affinity
table the bundle carries.  Deterministic: one worker thread and a fixed seed (gensim draws the
initial vectors from the seed, not from Python's string hash), so the same tokens and params give
the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
from gensim.models import Word2Vec

from pipeline.params import VectorsParams
from pipeline.sampling import seeded_subset


def train_word_vectors(docs: Iterable[Sequence[str]], params: VectorsParams) -> tuple[list[str], np.ndarray]:
    """(words, vectors) of a skip-gram (or CBOW) Word2Vec on `vectors.fit_sample` paragraphs drawn
    with its seed (all of them on a smaller corpus): one thread costs ~5 ms per paragraph over 20
    epochs, so a corpus of millions is sampled as LDA's is.  A corpus with no word of `min_count`
    occurrences gives no vectors, not an error: the affinity block is then all zeros."""
    docs = held_sample(docs, params.fit_sample, params.seed)
    logging.getLogger("gensim").setLevel(logging.WARNING)
    model = Word2Vec(
        vector_size=params.dim,
        window=params.window,
        min_count=params.min_count,
        sg=1 if params.skipgram else 0,
        seed=params.seed,
        workers=1,  # one thread: the update order, and so every vector, is reproducible
    )
    model.build_vocab(docs)
    if len(model.wv) == 0:
        return [], np.zeros((0, params.dim), dtype=np.float32)
    model.train(docs, total_examples=model.corpus_count, epochs=params.epochs)
    return list(model.wv.index_to_key), model.wv.vectors


def held_sample(docs: Iterable[Sequence[str]], size: int, seed: int) -> list[list[str]]:
    """The seeded sample of a re-iterable corpus, read once and held: at most `size` paragraphs,
    each word stored once however often it occurs.  Word2Vec walks its corpus once per epoch, and
    re-reading millions of token lines from disk for every walk cost more than the training did
    (178 s of the stage's time at x64)."""
    count = sum(1 for _ in docs)
    words: dict[str, str] = {}
    return [[words.setdefault(w, w) for w in d] for d in seeded_subset(docs, count, size, seed)]
