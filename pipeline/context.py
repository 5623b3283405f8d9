"""Document context for the featurisation: what surrounds a paragraph in its own document.

THEMES.md judges a paragraph by what it is about, and position is part of that: a paragraph under
a heading that names a theme, between paragraphs on that theme, in a document whose profile is that
theme, is more likely about it than the same words in a statistics section.  The context block
gives each paragraph four copies of the per-paragraph lexicon row: the previous paragraph's, the
next one's, that of the nearest heading above it, and the mean over the rest of its document.  A
paragraph alone (a record without a document) has an all-zero context.

A document is a run of consecutive paragraphs with the same `doc`; training, evaluation and the CLI
pass paragraphs in document order, so a paragraph gets the same context wherever it is classified
as long as its whole document is in the batch (the CLI batches by document for that reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

PARTS = ("prev", "next", "heading", "document")
HEADING_CHARS = 30  # a line this short without closing punctuation is a heading
_NUMBERED = re.compile(
    r"^\s*(第[一二三四五六七八九十百]+[章节部分篇]|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十]+[）)])"
)
_CLOSING = re.compile(r"[。！？；!?;]\s*$")


def is_heading(text: str) -> bool:
    """A numbered section heading (一、 / （三） / 第二章) or a short line without closing punctuation."""
    stripped = text.strip()
    if not stripped:
        return False
    return (bool(_NUMBERED.match(stripped)) and len(stripped) <= 2 * HEADING_CHARS) or (
        len(stripped) <= HEADING_CHARS and not _CLOSING.search(stripped)
    )


def document_runs(docs: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive equal document ids."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(docs) + 1):
        if i == len(docs) or docs[i] != docs[start]:
            runs.append((start, i))
            start = i
    return runs


def context_names(row_names: Sequence[str]) -> list[str]:
    return [f"{part}:{name}" for part in PARTS for name in row_names]


def context_rows(rows: np.ndarray, docs: Sequence[str], headings: Sequence[bool]) -> np.ndarray:
    """For each paragraph: the rows of its previous and next paragraph, of the nearest heading above
    it and the mean over the rest of its document (zeros where there is none), side by side.
    Vectorised over the batch (no loop per paragraph): it runs on every classified paragraph."""
    n, width = rows.shape
    out = np.zeros((n, width * len(PARTS)))
    if n == 0:
        return out
    runs = document_runs(docs)
    starts = np.array([a for a, _ in runs])
    sizes = np.array([b - a for a, b in runs])
    run_of = np.repeat(np.arange(len(runs)), sizes)
    first = starts[run_of]  # index of each paragraph's document start
    idx = np.arange(n)
    has_prev = idx > first
    out[has_prev, :width] = rows[idx[has_prev] - 1]
    has_next = idx < (first + sizes[run_of] - 1)
    out[has_next, width : 2 * width] = rows[idx[has_next] + 1]
    # the nearest heading strictly above, within the document
    marks = np.where(np.asarray(headings, dtype=bool), idx, -1)
    last = np.maximum.accumulate(np.r_[-1, marks[:-1]])
    above = last >= first
    out[above, 2 * width : 3 * width] = rows[last[above]]
    # the mean over the rest of the document (a paragraph alone has none)
    totals = np.add.reduceat(rows, starts, axis=0)[run_of]
    rest = sizes[run_of] - 1
    many = rest > 0
    out[many, 3 * width :] = (totals[many] - rows[many]) / rest[many, None]
    return out
