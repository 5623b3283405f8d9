"""Why a paragraph got a theme: the exact contributions of its features, with character spans.

The classifier is linear per theme: logit = intercept + Σ weight × value over every column of every
feature block.  Evidence lists, per predicted theme, the columns that added most (weight × value),
named for a reader ("word 外交", "topic 3: 合作 国际 …", "diplomacy lexicon: strong terms"), with the
spans of the text that produced them, and the sum of all other columns, so that
intercept + Σ listed + rest is the model's logit to rounding.

Spans are [start, end) character offsets into the paragraph text the classifier read (the `text`
of the output row).  Simplification to simplified characters maps one character to one, so
offsets in the text the features saw are offsets in the original text.

Blocks are taken from `FeatureSpace.feature_blocks()`; a block this module does not know gets its
feature names as labels and no spans, so new blocks are explained (exactly) without code here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.features import Analysed, FeatureBlocks, FeatureRows
from pipeline.model import Prediction, ThemeModel

DEFAULT_TOP = 8
Span = tuple[int, int]

_LEXICON_KINDS = {
    "strong": "strong terms (log count)",
    "weak": "weak terms (log count)",
    "negative": "counter-cues (log count)",
    "strong_share": "share of tokens that are strong terms",
}
_CONTEXT = {
    "prev": "previous paragraph",
    "next": "next paragraph",
    "heading": "heading above",
    "document": "rest of the document",
}
_AFFINITY = {
    "sim": "paragraph's mean word vector near the theme's terms (cosine)",
    "share": "share of words near the theme's terms (word vectors)",
    "top3": "its three words nearest the theme's terms (mean cosine)",
}
_LENGTH = {"length:log_chars": "paragraph length (log characters)", "length:short": "short paragraph (≤ 30 characters)"}


@dataclass
class ParagraphView:
    """What span finders need of one paragraph: its simplified text and content-token offsets."""

    text: str
    tokens: list[tuple[str, int, int]]  # content token, start, end
    topics: np.ndarray | None = None  # topic proportions (θ), when the topic block is on
    token_topics: np.ndarray | None = None  # each token's most likely topic, filled on first use
    _by_token: dict[str, list[Span]] = field(default_factory=dict, init=False, repr=False)

    def token_spans(self, token: str) -> list[Span]:
        if not self._by_token:
            for tok, start, end in self.tokens:
                self._by_token.setdefault(tok, []).append((start, end))
        return self._by_token.get(token, [])


class Explainer:
    """Evidence for a ThemeModel's predictions, computed from the feature rows it classified with."""

    def __init__(
        self,
        model: ThemeModel,
        themes: Sequence[str],
        topic_words: Sequence[Sequence[str]] = (),
        top: int = DEFAULT_TOP,
    ) -> None:
        """`themes` in the model's column order (the bundle manifest's `themes`)."""
        self.model = model
        self.themes = list(themes)
        self.top = top
        self.topic_words = [list(ws) for ws in topic_words]
        blocks = model.features.feature_blocks()
        self.names = [name for _, names in blocks for name in names]
        self.block_of = [block for block, names in blocks for _ in names]
        if len(self.names) != model.coef.shape[0]:
            raise ValueError(f"feature blocks name {len(self.names)} columns, the model has {model.coef.shape[0]}")
        self._labels: dict[int, str] = {}
        topic_at = [i for i, block in enumerate(self.block_of) if block == "topic"]
        self._topic_columns = (topic_at[0], topic_at[-1] + 1) if topic_at else None
        self._finders: dict[str, Callable[[str, ParagraphView], list[Span]]] = {
            "word": self._word_spans,
            "char": _char_spans,
            "topic": self._topic_spans,
            "lexicon": self._lexicon_spans,
        }

    # ---------------------------------------------------------------- evidence

    def explain(
        self, texts: Sequence[str], analysed: Sequence[Analysed], rows: FeatureBlocks, predictions: Sequence[Prediction]
    ) -> list[dict[str, dict]]:
        """Per paragraph: {theme: evidence} for each predicted theme (empty when none)."""
        indptr, cols, vals = _joined_rows(rows)
        out: list[dict[str, dict]] = []
        for i, (text, a, pred) in enumerate(zip(texts, analysed, predictions, strict=True)):
            if not pred.labels:
                out.append({})
                continue
            lo, hi = indptr[i], indptr[i + 1]
            view = self._view(text, a, cols[lo:hi], vals[lo:hi])
            out.append({t: self._theme(t, cols[lo:hi], vals[lo:hi], view) for t in pred.labels})
        return out

    def _theme(self, theme: str, cols: np.ndarray, vals: np.ndarray, view: ParagraphView | None) -> dict:
        j = self.themes.index(theme)
        contrib = vals * self.model.coef[cols, j]
        total = float(contrib.sum())
        order = np.argsort(-contrib, kind="stable")[: self.top]
        order = order[contrib[order] > 0]
        items = []
        for k in order:
            col = int(cols[k])
            items.append(
                {
                    "feature": self.names[col],
                    "label": self.label(col),
                    "value": round(float(vals[k]), 6),
                    "weight": round(float(self.model.coef[col, j]), 6),
                    "contribution": round(float(contrib[k]), 6),
                    "spans": [list(s) for s in self.spans(col, view)] if view is not None else [],
                }
            )
        listed = float(contrib[order].sum())
        intercept = float(self.model.intercept[j])
        return {
            "logit": round(total + intercept, 6),
            "intercept": round(intercept, 6),
            "features": items,
            "rest": round(total - listed, 6),
        }

    def _view(self, text: str, a: Analysed, cols: np.ndarray, vals: np.ndarray) -> ParagraphView | None:
        """Token offsets of one paragraph (None when the simplified text does not align)."""
        if len(a.text) != len(text):
            return None
        tokens = []
        pos = 0
        keep = set(a.tokens)
        for tok in self.model.features.segmenter.cut(a.text):
            end = pos + len(tok)
            if tok in keep:
                tokens.append((tok, pos, end))
            pos = end
        if pos != len(text):
            return None
        topics = None
        if self._topic_columns is not None:
            start, stop = self._topic_columns
            inside = (cols >= start) & (cols < stop)
            topics = np.zeros(stop - start)
            topics[cols[inside] - start] = vals[inside]
        return ParagraphView(a.text, tokens, topics)

    # ---------------------------------------------------------------- names a person understands

    def label(self, col: int) -> str:
        """A feature's name for a reader."""
        cached = self._labels.get(col)
        if cached is None:
            cached = self._labels[col] = self._describe(self.block_of[col], self.names[col])
        return cached

    def _describe(self, block: str, name: str) -> str:
        value = name.split(":", 1)[1] if ":" in name else name
        if block == "word":
            return "words " + " ".join(value.split("|")) if "|" in value else f"word {value}"
        if block == "char":
            return f"characters {value}"
        if block == "topic":
            k = int(value)
            words = self.topic_words[k][:4] if k < len(self.topic_words) else []
            return f"topic {k}: {' '.join(words)}" if words else f"topic {k}"
        if block == "context" and ":" in value:  # e.g. prev:diplomacy:strong — a neighbour's lexicon row
            part, _, inner = name.partition(":")
            return f"{_CONTEXT.get(part, part)}: {self._describe('lexicon', inner)}"
        if block == "affinity":  # e.g. affinity:governance:share
            theme, _, part = value.partition(":")
            return f"{theme} affinity — {_AFFINITY.get(part, part)}"
        if block == "lexicon":
            if name in _LENGTH:
                return _LENGTH[name]
            theme, _, kind = name.partition(":")
            return f"{theme} lexicon: {_LEXICON_KINDS.get(kind, kind)}"
        return name

    # ---------------------------------------------------------------- spans

    def spans(self, col: int, view: ParagraphView) -> list[Span]:
        finder = self._finders.get(self.block_of[col])
        return finder(self.names[col], view) if finder else []

    def _word_spans(self, name: str, view: ParagraphView) -> list[Span]:
        parts = name.split(":", 1)[1].split("|")
        if len(parts) == 1:
            return view.token_spans(parts[0])
        toks = view.tokens
        return [
            (toks[i][1], toks[i + len(parts) - 1][2])
            for i in range(len(toks) - len(parts) + 1)
            if all(toks[i + m][0] == p for m, p in enumerate(parts))
        ]

    def _lexicon_spans(self, name: str, view: ParagraphView) -> list[Span]:
        theme, _, kind = name.partition(":")
        lexicon = self.model.features.lexicon
        terms = {
            "strong": lexicon.strong,
            "strong_share": lexicon.strong,
            "weak": lexicon.weak,
            "negative": lexicon.negative,
        }.get(kind, {}).get(theme, frozenset())
        return sorted(s for tok in terms & {t for t, _, _ in view.tokens} for s in view.token_spans(tok))

    def _topic_spans(self, name: str, view: ParagraphView) -> list[Span]:
        """Tokens whose most likely topic (β_kw·θ_k over k) is this topic."""
        tm = self.model.features.topic_model
        if tm is None or view.topics is None:
            return []
        if view.token_topics is None:  # once per paragraph: each token's most likely topic (-1: not in LDA)
            ids = np.array([tm.vocabulary.get(tok, -1) for tok, _, _ in view.tokens], dtype=np.int64)
            best = np.full(len(ids), -1)
            known = ids >= 0
            if known.any():
                best[known] = np.argmax(tm.exp_elog_beta[:, ids[known]] * view.topics[:, None], axis=0)
            view.token_topics = best
        k = int(name.split(":", 1)[1])
        return [(start, end) for (_, start, end), t in zip(view.tokens, view.token_topics, strict=True) if t == k]


def _char_spans(name: str, view: ParagraphView) -> list[Span]:
    gram = name.split(":", 1)[1]
    return [(m.start(), m.start() + len(gram)) for m in re.finditer(f"(?={re.escape(gram)})", view.text)]


def _joined_rows(rows: FeatureBlocks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All blocks as one CSR matrix in global column space (non-zeros only), rows in order."""
    row_ids, col_ids, values = [], [], []
    offset = 0
    for b in rows.blocks:
        if isinstance(b, FeatureRows):
            row_ids.append(np.repeat(np.arange(b.n_rows), np.diff(b.indptr)))
            col_ids.append(b.indices + offset)
            values.append(b.data)
            offset += b.n_features
        else:
            r, c = np.nonzero(b)
            row_ids.append(r)
            col_ids.append(c + offset)
            values.append(b[r, c])
            offset += b.shape[1]
    r = np.concatenate(row_ids) if row_ids else np.zeros(0, dtype=np.int64)
    order = np.argsort(r, kind="stable")
    indptr = np.zeros(rows.n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=rows.n_rows), out=indptr[1:])
    return indptr, np.concatenate(col_ids)[order].astype(np.int64), np.concatenate(values)[order]
