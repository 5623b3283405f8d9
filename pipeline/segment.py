"""The segmenter: jieba precise mode with policy terms kept whole, stopwords removed.

Two backends give the same tokens: `rjieba` (jieba-rs, same dictionary and HMM, ~15x faster,
loads in 0.1 s) is the default; `jieba` is the reference and the fallback.  Both receive the
policy terms with the same explicit frequency, so their word graphs score identically.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("rjieba", "jieba")
DEFAULT_TERM_FREQ = 20000

# A token is kept for features when it has at least one Chinese character or is a Latin word /
# acronym (APEC, G20, PM2.5); punctuation, whitespace and bare numbers carry no topic.
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]")
_KEEP_CACHE_MAX = 1_000_000

# jieba cuts a run of characters it found no dictionary word for with finalseg, which splits the
# non-Chinese part with this pattern (jieba/finalseg `re_skip`): Latin/digit runs, a decimal part and
# a per-cent sign stay whole, every other symbol (- . + # & _ %) is a token of its own.  jieba-rs keeps
# such runs whole ("FSI-CISAC", "2011-2020", "U.S"), so rjieba's tokens are re-cut by jieba's rule.
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# A run jieba's block pattern (`re_han_default`) keeps together, without Chinese characters.
_SYMBOL_RUN = re.compile(r"[a-zA-Z0-9+#&._%\-]{2,}")
_HAN = re.compile(r"[\u4e00-\u9fd5]")
_SYMBOL = re.compile(r"[+#&._%\-]")  # cheap pre-check: most paragraphs hold none of these


def parse_terms(text: str) -> list[tuple[str, int]]:
    """Parse a jieba user dictionary (`term [freq]` per line, `#` comments)."""
    terms: list[tuple[str, int]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else DEFAULT_TERM_FREQ
        terms.append((parts[0], freq))
    return terms


def parse_wordlist(text: str) -> frozenset[str]:
    """Parse one word per line, ignoring blank lines and `#` comments."""
    words = (w.strip() for w in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def read_terms(path: Path) -> list[tuple[str, int]]:
    return parse_terms(path.read_text(encoding="utf-8"))


def read_wordlist(path: Path) -> frozenset[str]:
    return parse_wordlist(path.read_text(encoding="utf-8"))


def _rjieba_class() -> type:
    """rjieba's `Jieba` class without running the package's `__init__`.

    `import rjieba` builds a module-level default instance (loading the 350k-word dictionary,
    ~90 ms) that we never use, since every Segmenter builds its own with the policy terms.  On the
    CLI's start-up path that is a fifth of the time budget, so load the compiled extension alone.
    """
    if "rjieba" in sys.modules:
        return sys.modules["rjieba"].Jieba
    try:
        spec = importlib.util.find_spec("rjieba")
        binary = next(Path(spec.origin).parent.glob("rjieba*.so")) if spec and spec.origin else None
        ext_spec = importlib.util.spec_from_file_location("rjieba.rjieba", binary) if binary else None
        if ext_spec is None or ext_spec.loader is None:
            raise ImportError("rjieba extension not found")
        module = importlib.util.module_from_spec(ext_spec)
        ext_spec.loader.exec_module(module)
        return module.Jieba
    except (ImportError, OSError, StopIteration):
        import rjieba

        return rjieba.Jieba


class _JiebaSkipRule:
    """Wrap jieba-rs's cut so that non-dictionary symbol runs are split as jieba splits them.

    Only texts holding a run that jieba's rule would split pay for the token loop; ordinary text
    (numbers such as 5.2%, which jieba keeps whole too) goes straight through.
    """

    # Words of jieba's default dictionary that contain one of the symbols (jieba 0.42.1 dict.txt).
    DICTIONARY_WORDS = frozenset({"AT&T", "c#", "C#", "c++", "C++"})

    def __init__(self, cut: Callable[[str], list[str]], terms: list[tuple[str, int]]) -> None:
        self._engine_cut = cut
        self._words = self.DICTIONARY_WORDS | {t for t, _ in terms if _SYMBOL_RUN.search(t)}

    def _splits(self, run: str) -> bool:
        return run not in self._words and _JIEBA_SKIP.fullmatch(run) is None

    def __call__(self, text: str) -> list[str]:
        cut = self._engine_cut(text)
        if _SYMBOL.search(text) is None or not any(self._splits(m.group()) for m in _SYMBOL_RUN.finditer(text)):
            return cut
        tokens: list[str] = []
        for token in cut:
            if len(token) > 1 and self._splits(token) and _SYMBOL_RUN.fullmatch(token) and not _HAN.search(token):
                tokens.extend(part for part in _JIEBA_SKIP.split(token) if part)
            else:
                tokens.append(token)
        return tokens


@dataclass
class Segmenter:
    """Cut text into jieba precise-mode tokens; `tokens()` also drops stopwords and non-words."""

    terms: list[tuple[str, int]]
    stopwords: frozenset[str]
    backend: str = "rjieba"

    def __post_init__(self) -> None:
        self._keep: dict[str, bool] = {}  # token -> is a content token (memo: the vocabulary is small)
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {self.backend!r}; choose one of {BACKENDS}")
        if self.backend == "rjieba":
            engine = _rjieba_class()()
            for term, freq in self.terms:
                engine.add_word(term, freq, None)
            self._cut = _JiebaSkipRule(engine.cut, self.terms)
        else:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            engine = jieba.Tokenizer()
            engine.initialize()
            for term, freq in self.terms:
                engine.add_word(term, freq)
            self._cut = lambda text: engine.lcut(text, cut_all=False, HMM=True)

    @classmethod
    def from_files(cls, terms: Path, stopwords: Path, backend: str = "rjieba") -> Segmenter:
        return cls(read_terms(terms), read_wordlist(stopwords), backend)

    def cut(self, text: str) -> list[str]:
        """All tokens of jieba precise mode (HMM on), whitespace and punctuation included."""
        return list(self._cut(text))

    def tokens(self, text: str) -> list[str]:
        """Content tokens: no whitespace, punctuation, bare numbers or stopwords."""
        keep = self._keep
        if len(keep) > _KEEP_CACHE_MAX:
            keep.clear()
        cut = self._cut(text)
        for t in set(cut).difference(keep):
            keep[t] = t not in self.stopwords and _CONTENT.search(t) is not None
        return [t for t in cut if keep[t]]
