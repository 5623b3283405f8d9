"""Seeded samples of a streamed corpus: what LDA and the word vectors are fitted on when the corpus
is larger than their `fit_sample`.  The same seed and corpus give the same paragraphs, in corpus
order, so a sampled fit is as reproducible as a full one; a corpus no larger than the sample is
used whole (the shared corpus and the sample are, so their models do not depend on this)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def seeded_subset(docs: Iterable[T], n_docs: int, size: int, seed: int) -> Iterator[T]:
    """Every document when there are at most `size`, else `size` of them drawn with `seed`, in
    corpus order, as a stream."""
    if n_docs <= size:
        yield from docs
        return
    chosen = set(random.Random(seed).sample(range(n_docs), size))
    yield from (d for i, d in enumerate(docs) if i in chosen)


def seeded_sample(docs: Iterable[T], n_docs: int, size: int, seed: int) -> list[T]:
    """`seeded_subset` held as a list (for metrics on a bounded sample)."""
    return list(seeded_subset(docs, n_docs, size, seed))
