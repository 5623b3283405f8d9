"""Traditional → simplified Chinese for features (older reports mix traditional characters).

Features see simplified text; the output keeps the original.  Only numpy and OpenCC's tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class _Simplifier:
    """OpenCC's traditional → simplified tables (TSPhrases, TSCharacters) applied with `re` and
    `str.translate`: the same mapping as OpenCC's t2s, at C speed, loaded on first use (~5 ms)."""

    def __init__(self) -> None:
        import importlib.util

        spec = importlib.util.find_spec("opencc")
        if spec is None or spec.origin is None:
            raise ImportError("opencc-python-reimplemented is not installed")
        folder = Path(spec.origin).parent / "dictionary"
        chars = self._table(folder / "TSCharacters.txt")
        phrases = self._table(folder / "TSPhrases.txt")
        self.chars = str.maketrans({k: v for k, v in chars.items() if len(k) == 1 and k != v})
        self.phrases = phrases
        alternatives = "|".join(map(re.escape, sorted(phrases, key=len, reverse=True)))
        self.phrase_re = re.compile(alternatives) if alternatives else None
        self.cues = frozenset(k for k, v in chars.items() if len(k) == 1 and k != v)
        self.cue_table = np.zeros(0x110000, dtype=bool)  # code point -> is a traditional-only character
        self.cue_table[[ord(c) for c in self.cues]] = True

    def flags(self, texts: Sequence[str]) -> np.ndarray:
        """Which texts contain a traditional character, for a whole batch in one numpy pass."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        hits = self.cue_table[np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)]
        owner = np.repeat(np.arange(len(texts)), lengths)
        return np.bincount(owner[hits], minlength=len(texts)) > 0

    @staticmethod
    def _table(path: Path) -> dict[str, str]:
        table: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and parts[1].split():
                table[parts[0]] = parts[1].split()[0]  # first candidate, as OpenCC does
        return table

    def __call__(self, text: str, check: bool = True) -> str:
        if check and self.cues.isdisjoint(text):  # a hash probe per character, in C
            return text
        if self.phrase_re is not None:
            text = self.phrase_re.sub(lambda m: self.phrases[m.group(0)], text)
        return text.translate(self.chars)


_simplifier: _Simplifier | None = None


def get_simplifier() -> _Simplifier:
    global _simplifier
    if _simplifier is None:
        _simplifier = _Simplifier()
    return _simplifier


def to_simplified(text: str) -> str:
    """Simplified Chinese for features; text without traditional characters is returned as is."""
    return get_simplifier()(text)
