"""Theme affinity of words, learned from unlabelled text: a representation that travels across genres.

The lexicon knows a few hundred curated theme terms; a paragraph in another genre often says the same
thing in other words (an epidemic white paper, a paper on public-opinion management).  Word vectors
trained on the whole unlabelled corpus (the `vectors` stage, gensim Word2Vec) place such words near
the theme's own terms.  The bundle carries the unit word vectors and, per theme, the centroid of its
strong lexicon terms, so inference is numpy arithmetic; gensim is never imported here.

Per paragraph and theme the block gives three columns, about how much of the paragraph is on the
theme (THEMES.md's "subject or a quarter of it") rather than whether one word occurs:
  sim:   the cosine between the paragraph's mean word vector and the theme centroid;
  share: the fraction of its content tokens whose cosine with the centroid is at least
         `features.affinity_threshold`;
  top3:  the mean cosine of its three most theme-like tokens (fewer tokens: their mean).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from pipeline.lexicon import ThemeLexicon

VECTORS_FILE = "vectors.npy"
VOCABULARY_FILE = "vocabulary.json"
TOP = 3  # the "top3" column averages this many of a paragraph's most theme-like tokens
_PARTS = ("sim", "share", "top3")


@dataclass
class ThemeAffinity:
    """Unit word vectors (rows follow `vocabulary`) and one unit centroid per theme."""

    vocabulary: dict[str, int]
    vectors: np.ndarray  # (words, dim), float32, each row of length 1 (or 0)
    centroids: np.ndarray  # (themes, dim); a theme without any vector-bearing strong term: zeros

    def rows(self, docs: Sequence[Sequence[str]], threshold: float) -> np.ndarray:
        """(n, 3 × themes): sim, share and top3 per theme (module docstring), vectorised over the
        batch.  Tokens without a vector count in the share's denominator (they are not on the
        theme) but nowhere else; a paragraph with none gets zeros."""
        n, k = len(docs), self.centroids.shape[0]
        out = np.zeros((n, len(_PARTS) * k))
        get = self.vocabulary.get
        ids = [[j for j in map(get, doc) if j is not None] for doc in docs]
        sizes = np.fromiter(map(len, ids), dtype=np.int64, count=n)
        if n == 0 or sizes.sum() == 0:
            return out
        owner = np.repeat(np.arange(n), sizes)
        start = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(sizes.sum()))
        unit = self.vectors[flat].astype(np.float64)
        has = sizes > 0
        mean = np.zeros((n, unit.shape[1]))
        mean[has] = np.add.reduceat(unit, start[has], axis=0)
        length = np.linalg.norm(mean, axis=1, keepdims=True)
        out[:, :k] = (mean / np.where(length > 0, length, 1.0)) @ self.centroids.T
        values = unit @ self.centroids.T  # (tokens, themes)
        n_tokens = np.maximum(np.fromiter(map(len, docs), dtype=np.int64, count=n), 1)
        rank = np.arange(len(owner)) - np.repeat(start, sizes)
        for j in range(k):
            out[:, k + j] = np.bincount(owner, weights=values[:, j] >= threshold, minlength=n) / n_tokens
            order = np.lexsort((-values[:, j], owner))  # by paragraph, most theme-like first
            keep = order[rank < TOP]
            top = np.bincount(owner[keep], weights=values[keep, j], minlength=n)
            out[:, 2 * k + j] = top / np.maximum(np.minimum(sizes, TOP), 1)
        return out


def affinity_names(themes: Sequence[str]) -> list[str]:
    return [f"{t}:{part}" for part in _PARTS for t in themes]


def theme_affinity(vocabulary: dict[str, int], vectors: np.ndarray, lexicon: ThemeLexicon) -> ThemeAffinity:
    """Unit vectors and, per theme of the lexicon, the unit mean of its strong terms' unit vectors."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    centroids = np.zeros((len(lexicon.themes), vectors.shape[1]))
    for j, theme in enumerate(lexicon.themes):
        rows = sorted(vocabulary[t] for t in lexicon.strong[theme] if t in vocabulary)
        if rows:
            centroid = unit[rows].astype(np.float64).mean(axis=0)
            length = np.linalg.norm(centroid)
            centroids[j] = centroid / length if length > 0 else centroid
    return ThemeAffinity(vocabulary, unit, centroids)


def write_word_vectors(directory: Path, words: Sequence[str], vectors: np.ndarray) -> None:
    """Word vectors as a plain float32 array and the word list (row order), deterministic bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    (directory / VOCABULARY_FILE).write_text(json.dumps(list(words), ensure_ascii=False) + "\n", encoding="utf-8")


def read_word_vectors(directory: Path) -> tuple[dict[str, int], np.ndarray]:
    """(vocabulary, vectors) as written by `write_word_vectors`."""
    words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
    vectors = np.load(directory / VECTORS_FILE, allow_pickle=False).astype(np.float64)
    return {w: i for i, w in enumerate(words)}, vectors
