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
_PER_THEME = ("strong", "weak", "negative", "strong_share")


def lexicon_feature_names(themes: Sequence[str]) -> list[str]:
    """Names of the lexicon block's columns: four per theme of the set, then two length columns."""
    return [f"{t}:{name}" for t in themes for name in _PER_THEME] + ["length:log_chars", "length:short"]


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

    def feature_rows(self, docs: Sequence[Sequence[str]], n_chars: Sequence[int]) -> np.ndarray:
        """The featurisation's lexicon block: theme-term counts (log-scaled) and the share of tokens
        that are strong theme terms, per theme; then the paragraph's length (log) and shortness."""
        n, k = len(docs), len(self.themes)
        counts = np.array([self.counts(tokens) for tokens in docs]).reshape(n, k, 3)
        n_tokens = np.array([max(len(tokens), 1) for tokens in docs], dtype=float)
        chars = np.asarray(n_chars, dtype=float).reshape(n)
        share = counts[:, :, :1] / n_tokens[:, None, None]
        rows = np.zeros((n, k * len(_PER_THEME) + 2))
        rows[:, : k * 4] = np.concatenate([np.log1p(counts), share], axis=2).reshape(n, -1)
        rows[:, -2] = np.log1p(chars) / 7.0
        rows[:, -1] = chars <= 30
        return rows

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
