"""Which paragraphs to label next: the ones whose labels teach the model most.

A paragraph is worth labelling when the model is unsure about it (a theme's probability near that
theme's threshold), when it comes from a document and a genre the chosen set does not cover yet,
and when it is not a near-copy of a paragraph already chosen or already labelled (character
3-gram shingles compared by MinHash).  Paragraphs already labelled are never suggested.

Selection is greedy with diminishing returns: a candidate's gain is its uncertainty, damped by
`doc_decay` for every paragraph already taken from its document and by `genre_decay` for every one
from its genre.  Gains only fall as the set grows, so a lazy priority queue finds the best next
paragraph without rescoring everything.  numpy only (the CLI never loads the training stack).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

SHINGLE = 3
NUM_HASHES = 64
_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class Candidate:
    """An unlabelled paragraph that could be suggested."""

    id: str
    doc: str
    genre: str
    text: str


@dataclass(frozen=True)
class SuggestConfig:
    n: int = 100
    doc_decay: float = 0.7  # gain × doc_decay^(paragraphs already taken from the same document)
    genre_decay: float = 0.9  # gain × genre_decay^(paragraphs already taken from the same genre)
    near_duplicate: float = 0.7  # estimated Jaccard of 3-gram shingles at or above: a near-copy
    min_chars: int = 10  # shorter paragraphs (mostly headings) teach little
    explore: float = 0.0  # share of n chosen for spread alone (seeded random order), not uncertainty
    seed: int = 14


def uncertainty(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per paragraph, in (0, 1]: 1 when some theme's probability sits exactly on its threshold,
    falling with the distance in log-odds, exp(-min_j |logit p_j − logit t_j|)."""
    eps = 1e-6
    p = np.clip(proba, eps, 1 - eps)
    t = np.clip(np.asarray(thresholds, dtype=float), eps, 1 - eps)
    margin = np.abs(np.log(p / (1 - p)) - np.log(t / (1 - t))[None, :])
    return np.exp(-margin.min(axis=1)) if margin.size else np.zeros(len(proba))


class MinHasher:
    """MinHash signatures of character shingles with multiply-shift hashing in uint64 (seeded, so
    the same text gets the same signature in every run and on every machine)."""

    def __init__(self, num_hashes: int = NUM_HASHES, seed: int = 14) -> None:
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, 2**63, size=num_hashes, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_hashes, dtype=np.uint64)

    def signature(self, text: str) -> np.ndarray:
        """(num_hashes,) uint64; a text shorter than one shingle hashes as one shingle of itself."""
        code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(code) < SHINGLE:
            code = np.pad(code, (0, SHINGLE - len(code)))
        keys = (code[:-2] << np.uint64(42)) ^ (code[1:-1] << np.uint64(21)) ^ code[2:]
        keys = np.unique(keys)
        hashed = (keys[:, None] * self.a[None, :] + self.b[None, :]) >> np.uint64(32)
        return hashed.min(axis=0)

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.a)), dtype=np.uint64)
        return np.stack([self.signature(t) for t in texts])


def similarity(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of one signature to each row of `others`."""
    if len(others) == 0:
        return np.zeros(0)
    return (others == signature[None, :]).mean(axis=1)


def select(
    candidates: Sequence[Candidate],
    scores: np.ndarray,
    config: SuggestConfig,
    labelled_signatures: np.ndarray | None = None,
    hasher: MinHasher | None = None,
) -> list[int]:
    """Indices of the chosen candidates: n·(1−explore) by uncertainty, then the rest by spread alone
    (a seeded random score, still one per near-duplicate group and spread over documents/genres)."""
    hasher = hasher or MinHasher()
    n_explore = round(config.n * config.explore)
    kept = labelled_signatures if labelled_signatures is not None else np.zeros((0, NUM_HASHES), np.uint64)
    first = _greedy(candidates, scores, replace(config, n=config.n - n_explore), kept, hasher)
    if n_explore == 0:
        return first
    flat = np.random.default_rng(config.seed).random(len(candidates))
    flat[first] = -1.0  # already chosen
    kept = np.vstack([kept, hasher.signatures([candidates[i].text for i in first])])
    rest = [i for i in _greedy(candidates, flat, replace(config, n=n_explore), kept, hasher) if flat[i] >= 0]
    return first + rest


def _greedy(
    candidates: Sequence[Candidate],
    scores: np.ndarray,
    config: SuggestConfig,
    kept: np.ndarray,
    hasher: MinHasher,
) -> list[int]:
    """Indices of the chosen candidates, best first (greedy, lazy priority queue).

    Ties break by candidate order, so the same inputs give the same suggestions."""
    taken_doc: Counter[str] = Counter()
    taken_genre: Counter[str] = Counter()
    chosen: list[int] = []

    def gain(i: int) -> float:
        c = candidates[i]
        return float(scores[i]) * config.doc_decay ** taken_doc[c.doc] * config.genre_decay ** taken_genre[c.genre]

    heap = [
        (-float(scores[i]), i)
        for i in range(len(candidates))
        if len(candidates[i].text) >= config.min_chars and scores[i] >= 0
    ]
    heapq.heapify(heap)
    while heap and len(chosen) < config.n:
        _, i = heapq.heappop(heap)
        current = gain(i)
        if heap and current < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-current, i))  # stale bound: re-queue with the true gain
            continue
        signature = hasher.signature(candidates[i].text)
        if (similarity(signature, kept) >= config.near_duplicate).any():
            continue  # a near-copy of a labelled or already chosen paragraph teaches nothing new
        chosen.append(i)
        kept = np.vstack([kept, signature[None, :]])
        taken_doc[candidates[i].doc] += 1
        taken_genre[candidates[i].genre] += 1
    return chosen
