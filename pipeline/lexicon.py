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

from pipeline.themes import THEMES

MIN_STRONG = 1
MIN_WEAK = 2


@dataclass(frozen=True)
class ThemeLexicon:
    strong: dict[str, frozenset[str]]
    weak: dict[str, frozenset[str]]
    negative: dict[str, frozenset[str]]

    @classmethod
    def from_json(cls, data: dict) -> ThemeLexicon:
        themes = data.get("themes", {})
        neg = data.get("negative", {})
        return cls(
            strong={t: frozenset(themes.get(t, {}).get("strong", [])) for t in THEMES},
            weak={t: frozenset(themes.get(t, {}).get("weak", [])) for t in THEMES},
            negative={t: frozenset(neg.get(t, [])) for t in THEMES},
        )

    @classmethod
    def read(cls, path: Path) -> ThemeLexicon:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def __post_init__(self) -> None:
        # one dict lookup per token: term -> [(theme index, kind)], kind 0 strong, 1 weak, 2 negative
        index: dict[str, list[tuple[int, int]]] = {}
        for i, t in enumerate(THEMES):
            for kind, terms in enumerate((self.strong[t], self.weak[t] - self.strong[t], self.negative[t])):
                for term in terms:
                    index.setdefault(term, []).append((i, kind))
        object.__setattr__(self, "_index", index)

    def counts(self, tokens: Sequence[str]) -> np.ndarray:
        """Per theme: (strong, weak, negative) term occurrences; shape (len(THEMES), 3)."""
        out = np.zeros((len(THEMES), 3))
        index = self._index  # type: ignore[attr-defined]
        for tok in tokens:
            hits = index.get(tok)
            if hits:
                for i, kind in hits:
                    out[i, kind] += 1
        return out

    def predict(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """The keyword baseline's labels for one paragraph: a theme with >= MIN_STRONG strong-term
        occurrences or >= MIN_WEAK distinct weak terms (belt_and_road: strong only), unless its
        negative cues outnumber its strong and weak hits together."""
        c = self.counts(tokens)
        distinct = set(tokens)
        labels = []
        for i, t in enumerate(THEMES):
            strong, weak, neg = c[i]
            n_weak = len(distinct & (self.weak[t] - self.strong[t]))
            hit = strong >= MIN_STRONG or (t != "belt_and_road" and n_weak >= MIN_WEAK)
            if hit and not neg > strong + weak:
                labels.append(t)
        return tuple(labels)
