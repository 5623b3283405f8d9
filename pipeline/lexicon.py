"""The theme lexicon: curated theme terms, matched against segmenter tokens.

It serves three purposes from one definition: the keyword baseline the classifier must beat,
lexicon features that travel across genres, and optional weak labels for unlabelled paragraphs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIN_STRONG = 1
MIN_WEAK = 2


@dataclass(frozen=True)
class ThemeLexicon:
    """Terms per theme, in the theme set's order (`themes`); see pipeline/themes.py for the file."""

    themes: tuple[str, ...]
    strong: dict[str, frozenset[str]]
    weak: dict[str, frozenset[str]]
    negative: dict[str, frozenset[str]]
    min_weak: dict[str, int]  # distinct weak terms that label on their own; 0 = never

    @classmethod
    def from_json(cls, data: dict) -> ThemeLexicon:
        themes = data.get("themes", {})
        neg = data.get("negative", {})
        names = tuple(themes)
        return cls(
            themes=names,
            strong={t: frozenset(themes[t].get("strong", [])) for t in names},
            weak={t: frozenset(themes[t].get("weak", [])) for t in names},
            negative={t: frozenset(neg.get(t, [])) for t in names},
            min_weak={t: int(themes[t].get("min_weak", MIN_WEAK)) for t in names},
        )

    @classmethod
    def read(cls, path: Path) -> ThemeLexicon:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def __post_init__(self) -> None:
        # one dict lookup per token: term -> [(theme index, kind)], kind 0 strong, 1 weak, 2 negative
        index: dict[str, list[tuple[int, int]]] = {}
        for i, t in enumerate(self.themes):
            for kind, terms in enumerate((self.strong[t], self.weak[t] - self.strong[t], self.negative[t])):
                for term in terms:
                    index.setdefault(term, []).append((i, kind))
        object.__setattr__(self, "_index", index)

    def counts(self, tokens: Sequence[str]) -> np.ndarray:
        """Per theme: (strong, weak, negative) term occurrences; shape (len(themes), 3)."""
        out = np.zeros((len(self.themes), 3))
        index = self._index  # type: ignore[attr-defined]
        for tok in tokens:
            hits = index.get(tok)
            if hits:
                for i, kind in hits:
                    out[i, kind] += 1
        return out

    def predict(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """The keyword baseline's labels for one paragraph: a theme with >= MIN_STRONG strong-term
        occurrences or >= min_weak distinct weak terms (min_weak 0: strong only), unless its
        negative cues outnumber its strong and weak hits together."""
        c = self.counts(tokens)
        distinct = set(tokens)
        labels = []
        for i, t in enumerate(self.themes):
            strong, weak, neg = c[i]
            n_weak = len(distinct & (self.weak[t] - self.strong[t]))
            hit = strong >= MIN_STRONG or (self.min_weak[t] > 0 and n_weak >= self.min_weak[t])
            if hit and not neg > strong + weak:
                labels.append(t)
        return tuple(labels)
