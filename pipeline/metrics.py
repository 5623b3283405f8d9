"""Multi-label quality figures: per-theme precision / recall / F1, micro and macro F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MIN_GROUP_POSITIVES = 5


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": int(tp + fn)}


def theme_scores(y_true: np.ndarray, y_pred: np.ndarray, themes: Sequence[str]) -> dict:
    """Per theme P/R/F1 and support, micro-F1 over all decisions, macro-F1 over themes.

    A theme with no positives in y_true and none predicted scores F1 = 1 (nothing to find, nothing
    claimed) so that small evaluation groups are not punished for a theme they lack; it is still
    listed with support 0 so a reader can discount it.  `themes` names the columns (the theme set).
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    out: dict = {"n": int(y_true.shape[0])}
    f1s = []
    tp_all = fp_all = fn_all = 0
    for j, theme in enumerate(themes):
        tp = int((y_true[:, j] & y_pred[:, j]).sum())
        fp = int((~y_true[:, j] & y_pred[:, j]).sum())
        fn = int((y_true[:, j] & ~y_pred[:, j]).sum())
        s = _prf(tp, fp, fn)
        if tp + fp + fn == 0:
            s["f1"] = 1.0
        out[theme] = s
        f1s.append(s["f1"])
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    out["micro_f1"] = _prf(tp_all, fp_all, fn_all)["f1"]
    out["macro_f1"] = round(float(np.mean(f1s)), 4)
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
    best, best_score = default, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        pred = proba >= t
        score = 0.0
        for idx in parts:
            tp = int((pred[idx] & y_true[idx]).sum())
            fp = int((pred[idx] & ~y_true[idx]).sum())
            fn = int((~pred[idx] & y_true[idx]).sum())
            score += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        score /= len(parts)
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best


def precision_recall_curve(y_true: np.ndarray, proba: np.ndarray) -> list[dict]:
    """Precision and recall at thresholds 0.05 … 0.95 (plot data)."""
    y_true = np.asarray(y_true, dtype=bool)
    rows = []
    for t in np.round(np.arange(0.05, 0.951, 0.05), 2):
        pred = proba >= t
        tp = int((pred & y_true).sum())
        p = tp / int(pred.sum()) if pred.sum() else 1.0
        r = tp / int(y_true.sum()) if y_true.sum() else 0.0
        rows.append({"threshold": float(t), "precision": round(p, 4), "recall": round(r, 4)})
    return rows
