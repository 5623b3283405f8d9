"""Multi-label quality figures: per-theme precision / recall / F1, micro and macro F1, and the
F1-maximising threshold search, all with scikit-learn.  Training and evaluation only (the classify
path never imports it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support, precision_score, recall_score

MIN_GROUP_POSITIVES = 5


def theme_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]) -> dict:
    """Per theme P/R/F1 and support, micro-F1 over all decisions, macro-F1 over themes (scikit-learn).

    A theme with no positives in y_true and none predicted scores F1 = 1 (nothing to find, nothing
    claimed) so that small evaluation groups are not punished for a theme they lack; it is still
    listed with support 0 so a reader can discount it.  Precision or recall with nothing to divide
    by is 0.  `themes` names the columns (the theme set).
    """
    y_true = np.asarray(y_true, dtype=bool).reshape(-1, len(themes))
    y_pred = np.asarray(y_pred, dtype=bool).reshape(-1, len(themes))
    out: dict = {"n": int(y_true.shape[0])}
    if y_true.shape[0] == 0:
        p = r = f = np.zeros(len(themes))
        support = np.zeros(len(themes), dtype=int)
        micro = 0.0
    else:
        p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
        micro = float(f1_score(y_true, y_pred, average="micro", zero_division=0))
    nothing = ~(y_true | y_pred).any(axis=0)  # no positives, none claimed
    f1s = np.where(nothing, 1.0, f)
    for j, theme in enumerate(themes):
        out[theme] = {
            "precision": round(float(p[j]), 4),
            "recall": round(float(r[j]), 4),
            "f1": round(float(f1s[j]), 4),
            "support": int(support[j]),
        }
    out["micro_f1"] = round(micro, 4)
    out["macro_f1"] = round(float(np.mean([out[t]["f1"] for t in themes])), 4)
    return out


def best_threshold(
    y_true: np.ndarray, proba: np.ndarray, default: float = 0.5, groups: Sequence[str] | None = None
) -> float:
    """The probability cut that maximises F1 on out-of-fold predictions (grid of 0.01).

    With `groups` (genre groups), the cut maximises the mean F1 over the groups that have at
    least MIN_GROUP_POSITIVES positives, so a genre where a theme is rare (national reports) does
    not set the cut for genres where it is dense (municipal papers): no fixed theme density.
    """
    y_true = np.asarray(y_true, dtype=bool)
    if y_true.sum() == 0:
        return default
    parts = [np.ones(len(y_true), dtype=bool)]
    if groups is not None:
        g = np.asarray(groups)
        parts = [g == name for name in sorted(set(g.tolist())) if y_true[g == name].sum() >= MIN_GROUP_POSITIVES]
        parts = parts or [np.ones(len(y_true), dtype=bool)]
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    pred = np.asarray(proba)[:, None] >= grid[None, :]  # one column per candidate cut
    scores = np.zeros(len(grid))
    for idx in parts:  # F1 of every cut at once: the cuts are the columns of a multilabel problem
        truth = np.repeat(y_true[idx, None], len(grid), axis=1)
        scores += f1_score(truth, pred[idx], average=None, zero_division=0)
    scores /= len(parts)
    best, best_score = default, -1.0
    for t, score in zip(grid.tolist(), scores.tolist(), strict=True):
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best


def precision_recall_curve(y_true: np.ndarray, proba: np.ndarray) -> list[dict]:
    """Precision and recall at thresholds 0.05 … 0.95 (plot data; precision is 1 when nothing is
    predicted, recall 0 when there is nothing to find)."""
    y_true = np.asarray(y_true, dtype=bool)
    rows = []
    for t in np.round(np.arange(0.05, 0.951, 0.05), 2):
        pred = proba >= t
        p = precision_score(y_true, pred, zero_division=1)
        r = recall_score(y_true, pred, zero_division=0)
        rows.append({"threshold": float(t), "precision": round(float(p), 4), "recall": round(float(r), 4)})
    return rows


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """ECE: the mean |observed rate − mean score| over equal-width score bins, weighted by bin size.
    A score of 0.8 that is right 80% of the time contributes nothing."""
    y_true = np.asarray(y_true, dtype=float)
    proba = np.asarray(proba, dtype=float)
    if len(proba) == 0:
        return 0.0
    which = np.minimum((proba * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(proba[inside].mean() - y_true[inside].mean())
    return round(float(total), 4)


def document_counts(y_true: np.ndarray, y_pred: np.ndarray, docs: Sequence[str], genres: Sequence[str]) -> list[list]:
    """Per document: [doc, genre, [[tp, fp, fn] per theme]], in first-seen order.  Counts, not
    paragraphs, so a bundle can carry them: they are what a document-level bootstrap resamples."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    out: list[list] = []
    where: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc not in where:
            where[doc] = len(out)
            out.append([doc, genres[i], np.zeros((y_true.shape[1], 3), dtype=int)])
        row = out[where[doc]][2]
        row[:, 0] += y_true[i] & y_pred[i]
        row[:, 1] += ~y_true[i] & y_pred[i]
        row[:, 2] += y_true[i] & ~y_pred[i]
    return [[doc, genre, counts.tolist()] for doc, genre, counts in out]


def macro_f1_of_counts(counts: np.ndarray) -> np.ndarray:
    """Macro-F1 from summed [tp, fp, fn] per theme (last two axes), with `theme_scores`'
    convention: a theme with nothing to find and nothing claimed scores 1."""
    counts = np.asarray(counts, dtype=float)
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    f1 = np.where(denominator > 0, 2 * tp / np.where(denominator > 0, denominator, 1), 1.0)
    return f1.mean(axis=-1)


def document_bootstrap(
    counts: np.ndarray, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of macro-F1 when the documents (axis 0 of `counts`, each themes × [tp,
    fp, fn]) are drawn again with replacement: how much the figure hangs on which documents were
    annotated.  Documents, not paragraphs, are the unit: paragraphs of one document are not
    independent, and a held-back document is what a user brings."""
    counts = np.asarray(counts, dtype=float)
    if len(counts) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(counts), size=(resamples, len(counts)))
    scores = macro_f1_of_counts(counts[draws].sum(axis=1))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(scores, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)
