"""The one featurisation: paragraph text → feature rows.  Training, evaluation and the CLI all call
`FeatureSpace.transform`, so a paragraph gets the same numbers wherever it is classified.

Blocks (each optional, each L2-normalised or bounded, concatenated):
  word TF-IDF over segmenter tokens · CJK character n-gram TF-IDF · LDA topic proportions
  (inferred in numpy with a deterministic start) · theme-lexicon counts and densities · document
  context (pipeline/context.py) · theme affinity from corpus word vectors (pipeline/affinity.py).

Only numpy here: no gensim, no scikit-learn, no scipy, so the CLI starts fast.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import add
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy is for training only; inference never imports it
    from scipy.sparse import csr_matrix

from pipeline.affinity import ThemeAffinity, affinity_names
from pipeline.context import context_names, context_rows, is_heading
from pipeline.lexicon import ThemeLexicon, lexicon_feature_names
from pipeline.params import FeatureConfig
from pipeline.segment import Segmenter
from pipeline.simplify import get_simplifier

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

# ------------------------------------------------------------------- sparse rows (CSR, numpy only)


@dataclass
class FeatureRows:
    """Rows of a sparse matrix in CSR form; `to_scipy()` for training, numpy ops for inference."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_features: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def to_scipy(self) -> csr_matrix:
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_features))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """rows @ weights for weights of shape (n_features, m); sums each row in a fixed order."""
        out = np.zeros((self.n_rows, weights.shape[1]))
        lengths = np.diff(self.indptr)
        nonempty = lengths > 0
        if nonempty.any():
            contrib = self.data[:, None] * weights[self.indices]
            out[nonempty] = np.add.reduceat(contrib, self.indptr[:-1][nonempty], axis=0)
        return out


@dataclass
class FeatureBlocks:
    """Feature blocks side by side: sparse (TF-IDF) and dense (topics, lexicon) columns.

    Inference multiplies block by block (`dot`), never building the joined matrix; training joins
    them with scipy (`to_scipy`).  Both see the same columns in the same order.
    """

    blocks: list[FeatureRows | np.ndarray]

    @property
    def n_rows(self) -> int:
        b = self.blocks[0]
        return b.n_rows if isinstance(b, FeatureRows) else b.shape[0]

    @property
    def n_features(self) -> int:
        return sum(b.n_features if isinstance(b, FeatureRows) else b.shape[1] for b in self.blocks)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """features @ weights, weights of shape (n_features, m)."""
        out = np.zeros((self.n_rows, weights.shape[1]))
        offset = 0
        for b in self.blocks:
            width = b.n_features if isinstance(b, FeatureRows) else b.shape[1]
            part = weights[offset : offset + width]
            out += b.dot(part) if isinstance(b, FeatureRows) else b @ part
            offset += width
        return out

    def to_scipy(self) -> csr_matrix:
        from scipy.sparse import csr_matrix, hstack

        parts = [b.to_scipy() if isinstance(b, FeatureRows) else csr_matrix(b) for b in self.blocks]
        return hstack(parts, format="csr")


# ------------------------------------------------------------------- term counting and TF-IDF


def count_terms(docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> FeatureRows:
    """Raw in-vocabulary term counts per document (CSR, columns sorted)."""
    get = vocabulary.get
    ids = [[j for j in map(get, doc) if j is not None] for doc in docs]
    n, v = len(docs), len(vocabulary)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=n)
    total = int(lengths.sum())
    if total == 0:
        return FeatureRows(np.zeros(n + 1, dtype=np.int64), np.zeros(0, np.int64), np.zeros(0), v)
    cols = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=total)
    return _count_pairs(np.repeat(np.arange(n, dtype=np.int64), lengths), cols, n, v)


def tfidf(counts: FeatureRows, idf: np.ndarray) -> FeatureRows:
    """Sublinear TF × IDF, L2-normalised per row (scikit-learn's TfidfVectorizer formula)."""
    data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.n_rows), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.n_rows))
    data = data / np.where(norms > 0, norms, 1.0)[rows]
    return FeatureRows(counts.indptr, counts.indices, data, counts.n_features)


class BigramIndex:
    """Vectorised lookup of CJK character bigrams: each bigram is one integer key (two code
    points), the vocabulary a sorted key array, so a whole batch is counted with numpy alone."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        grams = [g for g in vocabulary if len(g) == 2]
        keys = np.array([(ord(g[0]) << 21) | ord(g[1]) for g in grams], dtype=np.int64)
        order = np.argsort(keys)
        self.keys = keys[order]
        self.columns = np.array([vocabulary[g] for g in grams], dtype=np.int64)[order]
        self.n_features = len(vocabulary)

    def count(self, texts: Sequence[str]) -> FeatureRows:
        """Bigram counts per text: the same as `count_terms([char_ngrams(t, 2) …])`, faster."""
        n = len(texts)
        code = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        cjk = (code >= 0x4E00) & (code <= 0x9FFF)
        pos = np.flatnonzero(cjk[:-1] & cjk[1:])
        key = (code[pos] << 21) | code[pos + 1]
        at = np.minimum(np.searchsorted(self.keys, key), max(len(self.keys) - 1, 0))
        hit = self.keys[at] == key if len(self.keys) else np.zeros(len(key), dtype=bool)
        owner = np.repeat(np.arange(n, dtype=np.int64), np.fromiter(map(len, texts), dtype=np.int64, count=n) + 1)
        rows = owner[pos[hit]]
        return _count_pairs(rows, self.columns[at[hit]], n, self.n_features)


def _count_pairs(rows: np.ndarray, cols: np.ndarray, n: int, v: int) -> FeatureRows:
    """CSR counts of (row, column) occurrences."""
    if len(rows) == 0:
        return FeatureRows(np.zeros(n + 1, dtype=np.int64), np.zeros(0, np.int64), np.zeros(0), v)
    uniq, counts = np.unique(rows * v + cols, return_counts=True)  # sorted by (row, column): CSR order
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(uniq // v, minlength=n), out=indptr[1:])
    return FeatureRows(indptr, uniq % v, counts.astype(np.float64), v)


def fit_vocabulary(docs: Sequence[Sequence[str]], min_df: int, max_features: int) -> tuple[dict[str, int], np.ndarray]:
    """Vocabulary by document frequency (ties broken alphabetically, so it is deterministic) and smooth IDF."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    kept = sorted((t for t, c in df.items() if c >= min_df), key=lambda t: (-df[t], t))[:max_features]
    kept.sort()
    vocabulary = {t: i for i, t in enumerate(kept)}
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
    return vocabulary, idf


def char_ngrams(text: str, n: int) -> list[str]:
    """Character n-grams inside runs of Chinese characters (they travel across vocabularies)."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        if n == 2:
            grams.extend(map(add, run, run[1:]))
        else:
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


# ------------------------------------------------------------------- LDA topic inference in numpy


def digamma(x: np.ndarray) -> np.ndarray:
    """ψ(x) for x > 0: six steps of the recurrence, then the asymptotic series (error < 1e-13)."""
    x = np.asarray(x, dtype=np.float64)
    # 1/x + 1/(x+1) + … + 1/(x+5), paired so it takes three divisions instead of six
    shift = (2 * x + 1) / (x * (x + 1)) + (2 * x + 5) / ((x + 2) * (x + 3)) + (2 * x + 9) / ((x + 4) * (x + 5))
    y = x + 6.0
    inv2 = 1.0 / (y * y)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))))
    return np.log(y) - 0.5 / y - series - shift


def dirichlet_expectation(gamma: np.ndarray) -> np.ndarray:
    """E[log θ] under Dirichlet(γ), row-wise."""
    return digamma(gamma) - digamma(gamma.sum(axis=-1, keepdims=True))


@dataclass
class TopicModel:
    """What inference needs of a trained LDA: its vocabulary, exp(E[log β]) and α."""

    vocabulary: dict[str, int]
    exp_elog_beta: np.ndarray  # (num_topics, vocabulary size)
    alpha: np.ndarray  # (num_topics,)
    iterations: int  # params.yaml topics.inference_iterations
    tolerance: float  # topics.inference_tolerance

    @property
    def num_topics(self) -> int:
        return self.exp_elog_beta.shape[0]

    def infer(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """Topic proportions per document (rows sum to 1).

        Variational E-step as in gensim's `LdaModel.inference`, but started deterministically at
        γ = α + N/K instead of a random draw, and iterated per document until the mean change of γ
        falls below `tolerance` (gensim's `gamma_threshold`).  Every document's arithmetic is
        independent of its batch, so one paragraph gets the same proportions alone or among
        thousands.  The per-word products run in float32 (γ stays float64): half the memory
        traffic, and the proportions differ from float64 by < 1e-6.
        """
        counts = count_terms(docs, self.vocabulary)
        n, k = counts.n_rows, self.num_topics
        sizes_all = np.diff(counts.indptr)
        lengths = np.bincount(np.repeat(np.arange(n), sizes_all), weights=counts.data, minlength=n)
        gamma = self.alpha[None, :] + (lengths / k)[:, None]
        active = np.flatnonzero(sizes_all > 0)
        eps = np.float32(np.finfo(np.float32).tiny)
        beta_t = np.ascontiguousarray(self.exp_elog_beta.T, dtype=np.float32)
        work = np.zeros(0, dtype=np.int64)  # documents whose non-zeros are gathered below
        for _ in range(self.iterations):
            if active.size == 0:
                break
            if active.size < 0.6 * work.size or work.size == 0:
                # (re)gather the non-zeros of the documents still iterating; converged ones drop out
                work = active
                sizes = sizes_all[work]
                starts = counts.indptr[work]
                pos = np.repeat(starts - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
                cts = counts.data[pos].astype(np.float32)
                b = beta_t[counts.indices[pos]]
                owner = np.repeat(np.arange(work.size), sizes)
                seg = np.r_[0, np.cumsum(sizes)[:-1]]
                live = np.ones(work.size, dtype=bool)
            g = gamma[work]
            exp_theta = np.exp(dirichlet_expectation(g)).astype(np.float32)
            phinorm = np.einsum("nk,nk->n", exp_theta[owner], b) + eps
            sstats = np.add.reduceat((cts / phinorm)[:, None] * b, seg, axis=0).astype(np.float64)
            new = self.alpha[None, :] + exp_theta * sstats
            change = np.abs(new - g).mean(axis=1)
            gamma[work[live]] = new[live]  # a converged document keeps its final γ
            live &= change >= self.tolerance
            active = work[live]
        return gamma / gamma.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------- the feature space


@dataclass
class Analysed:
    """A paragraph as features see it: simplified text and content tokens."""

    text: str
    tokens: list[str]
    doc: str = ""  # the document it belongs to (context features); "" = a document of its own


def analyse(segmenter: Segmenter, texts: Sequence[str], docs: Sequence[str] | None = None) -> list[Analysed]:
    """Text → simplified text and content tokens: the segment stage and every classifier use this.

    `docs` names each paragraph's document (paragraphs in document order); without it every
    paragraph is a document of its own."""
    simplifier = get_simplifier()
    out = []
    for i, (text, traditional) in enumerate(zip(texts, simplifier.flags(texts), strict=True)):
        simple = simplifier(text, check=False) if traditional else text
        out.append(Analysed(simple, segmenter.tokens(simple), docs[i] if docs is not None else f"#{i}"))
    return out


@dataclass
class FeatureSpace:
    """The learned state of the featurisation; `transform` is the only way text becomes numbers."""

    segmenter: Segmenter
    lexicon: ThemeLexicon
    config: FeatureConfig
    word_vocabulary: dict[str, int] = field(default_factory=dict)
    word_idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    char_vocabulary: dict[str, int] = field(default_factory=dict)
    char_idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    topic_model: TopicModel | None = None
    affinity: ThemeAffinity | None = None  # from corpus word vectors (features.affinity), comes trained
    _bigrams: BigramIndex | None = field(default=None, init=False, repr=False, compare=False)

    def analyse(self, texts: Sequence[str], docs: Sequence[str] | None = None) -> list[Analysed]:
        return analyse(self.segmenter, texts, docs)

    def fit(self, texts: Sequence[str]) -> FeatureSpace:
        """Learn vocabularies and IDF from training paragraphs (the topic model comes trained)."""
        cfg = self.config
        analysed = self.analyse(texts)
        if cfg.word_tfidf:
            self.word_vocabulary, self.word_idf = fit_vocabulary(
                [self._terms(a) for a in analysed], cfg.word_min_df, cfg.word_max_features
            )
        if cfg.char_ngram:
            self.char_vocabulary, self.char_idf = fit_vocabulary(
                [char_ngrams(a.text, cfg.char_ngram) for a in analysed], cfg.char_min_df, cfg.char_max_features
            )
            self._bigrams = None
        return self

    def feature_blocks(self) -> list[tuple[str, list[str]]]:
        """(block name, feature names) per block of `transform`, in column order: what evidence
        (`pipeline.evidence`) names a column by.  A new block must be listed here too."""
        blocks: list[tuple[str, list[str]]] = []
        if self.config.word_tfidf:
            blocks.append(("word", [f"word:{t}" for t in self.word_vocabulary]))
        if self.config.char_ngram:
            blocks.append(("char", [f"char:{t}" for t in self.char_vocabulary]))
        if self.config.topics and self.topic_model is not None:
            blocks.append(("topic", [f"topic:{k}" for k in range(self.topic_model.num_topics)]))
        if self.config.lexicon:
            blocks.append(("lexicon", lexicon_feature_names(self.lexicon.themes)))
        if self.config.context:
            blocks.append(("context", context_names(lexicon_feature_names(self.lexicon.themes))))
        if self.config.affinity and self.affinity is not None:
            blocks.append(("affinity", [f"affinity:{n}" for n in affinity_names(self.lexicon.themes)]))
        return blocks

    def feature_names(self) -> list[str]:
        return [name for _, names in self.feature_blocks() for name in names]

    def transform(self, texts: Sequence[str], docs: Sequence[str] | None = None) -> FeatureBlocks:
        return self.transform_analysed(self.analyse(texts, docs))

    def transform_analysed(self, analysed: Sequence[Analysed]) -> FeatureBlocks:
        return self.transform_with_topics(analysed)[0]

    def transform_with_topics(self, analysed: Sequence[Analysed]) -> tuple[FeatureBlocks, np.ndarray | None]:
        """Feature rows, and the topic proportions when the topic block is on (for reporting)."""
        cfg = self.config
        blocks: list[FeatureRows | np.ndarray] = []
        topics = None
        if cfg.word_tfidf:
            blocks.append(tfidf(count_terms([self._terms(a) for a in analysed], self.word_vocabulary), self.word_idf))
        if cfg.char_ngram:
            if cfg.char_ngram == 2:
                if self._bigrams is None:
                    self._bigrams = BigramIndex(self.char_vocabulary)
                counts = self._bigrams.count([a.text for a in analysed])
            else:
                counts = count_terms([char_ngrams(a.text, cfg.char_ngram) for a in analysed], self.char_vocabulary)
            block = tfidf(counts, self.char_idf)
            block.data *= cfg.char_weight
            blocks.append(block)
        if cfg.topics and self.topic_model is not None:
            topics = self.topic_model.infer([a.tokens for a in analysed])
            blocks.append(cfg.topic_weight * topics)
        lexicon_rows = self.lexicon_features(analysed) if cfg.lexicon or cfg.context else None
        if cfg.lexicon:
            blocks.append(cfg.lexicon_weight * lexicon_rows)
        if cfg.context:
            docs = [a.doc for a in analysed]
            headings = [is_heading(a.text) for a in analysed]
            blocks.append(cfg.context_weight * context_rows(lexicon_rows, docs, headings))
        if cfg.affinity and self.affinity is not None:
            rows = self.affinity.rows([a.tokens for a in analysed], cfg.affinity_threshold)
            blocks.append(cfg.affinity_weight * rows)
        return FeatureBlocks(blocks), topics

    def _terms(self, a: Analysed) -> list[str]:
        """The word TF-IDF terms of a paragraph: tokens, and adjacent pairs when configured."""
        if not self.config.word_bigrams:
            return a.tokens
        return a.tokens + [f"{x}|{y}" for x, y in zip(a.tokens, a.tokens[1:], strict=False)]

    def lexicon_features(self, analysed: Sequence[Analysed]) -> np.ndarray:
        return self.lexicon.feature_rows([a.tokens for a in analysed], [len(a.text) for a in analysed])
