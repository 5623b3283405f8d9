"""Evaluating the bundle on held-out documents: per-theme, micro/macro and per-genre-group figures
beside the keyword-lexicon baseline, topic-theme AUC, prediction rows and plot data.  Pure
functions of data (scikit-learn metrics; training path only)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from pipeline.annotations import Annotation, label_matrix
from pipeline.metrics import expected_calibration_error, precision_recall_curve, theme_scores
from pipeline.model import ThemeModel


def label_string(labels: Sequence[str]) -> str:
    return "+".join(labels) if labels else "none"


def _auc(score: np.ndarray, truth: np.ndarray) -> float:
    """ROC AUC (ties count one half); NaN when one class is absent."""
    if truth.all() or not truth.any():
        return float("nan")
    return float(roc_auc_score(truth, score))


def topic_theme_auc(topics: np.ndarray, y: np.ndarray, themes: Sequence[str]) -> dict:
    """How well one topic's proportion ranks a theme's paragraphs (AUC): the seeded topic i for
    theme i, and the best single topic, so seeded and unseeded models can be compared."""
    out = {}
    for j, theme in enumerate(themes):
        truth = y[:, j].astype(bool)
        per_topic = np.array([_auc(topics[:, k], truth) for k in range(topics.shape[1])])
        found = not np.all(np.isnan(per_topic))
        out[theme] = {
            "seeded_topic_auc": round(float(per_topic[j]), 4) if j < len(per_topic) else None,
            "best_topic": int(np.nanargmax(per_topic)) if found else None,
            "best_topic_auc": round(float(np.nanmax(per_topic)), 4) if found else None,
        }
    return out


def calibration(y: np.ndarray, proba: np.ndarray, themes: Sequence[str]) -> dict:
    """Expected calibration error per theme (10 equal-width score bins)."""
    return {t: expected_calibration_error(y[:, j], proba[:, j]) for j, t in enumerate(themes)}


def genre_holdout_summary(manifest: dict) -> dict:
    """The bundle's leave-one-genre-out figures (train stage), per genre: macro-F1, paragraphs, documents."""
    logo = manifest.get("metrics", {}).get("logo", {})
    return {g: {"macro_f1": r["macro_f1"], "n": r["n"], "docs": r["docs"]} for g, r in logo.items()}


def evaluate(model: ThemeModel, test: Sequence[Annotation]) -> tuple[dict, list[dict], np.ndarray]:
    """Model and baseline figures overall and per group; prediction rows; model probabilities."""
    themes = model.themes
    texts = [a.text for a in test]
    y = label_matrix(test, themes)
    predictions = model.classify(texts, [a.doc for a in test])
    proba = np.array([[p.scores[t] for t in themes] for p in predictions]).reshape(-1, len(themes))
    y_model = np.array([[t in p.labels for t in themes] for p in predictions]).reshape(-1, len(themes))
    analysed = model.features.analyse(texts)  # the same tokens the model saw, for the baseline
    baseline = [model.features.lexicon.predict(a.tokens) for a in analysed]
    y_base = np.array([[t in b for t in themes] for b in baseline]).reshape(-1, len(themes))

    result: dict = {
        "model": {**theme_scores(y, y_model, themes), "ece": calibration(y, proba, themes)},
        "baseline": theme_scores(y, y_base, themes),
        "groups": {},
    }
    tm = model.features.topic_model
    if tm is not None:
        result["topic_theme_auc"] = topic_theme_auc(tm.infer([a.tokens for a in analysed]), y, themes)
    result["macro_f1_gain_over_baseline"] = round(result["model"]["macro_f1"] - result["baseline"]["macro_f1"], 4)
    for g in sorted({a.group for a in test}):
        idx = np.array([a.group == g for a in test])
        result["groups"][g] = {
            "model": {**theme_scores(y[idx], y_model[idx], themes), "ece": calibration(y[idx], proba[idx], themes)},
            "baseline": theme_scores(y[idx], y_base[idx], themes),
        }
    result["evaluation_docs"] = sorted({a.doc for a in test})
    rows = [
        {
            "id": a.id,
            "doc": a.doc,
            "group": a.group,
            "gold": list(a.labels),
            "labels": list(p.labels),
            "scores": p.scores,
            "baseline": list(b),
            "topic": p.topic,
        }
        for a, p, b in zip(test, predictions, baseline, strict=True)
    ]
    return result, rows, proba


def write_plots(
    directory: Path, test: Sequence[Annotation], rows: list[dict], proba: np.ndarray, themes: Sequence[str]
) -> None:
    """Precision-recall points per theme (`pr/<theme>.csv`) and the label-set confusion table."""
    y = label_matrix(test, themes)
    (directory / "pr").mkdir(parents=True, exist_ok=True)
    for stale in (directory / "pr").glob("*.csv"):
        if stale.stem not in themes:  # a theme dropped from the set leaves no stale curve
            stale.unlink()
    for j, theme in enumerate(themes):
        with (directory / "pr" / f"{theme}.csv").open("w", encoding="utf-8", newline="") as out:
            w = csv.DictWriter(out, fieldnames=["threshold", "precision", "recall"])
            w.writeheader()
            w.writerows(precision_recall_curve(y[:, j], proba[:, j]))
    with (directory / "confusion.csv").open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["actual", "predicted"])
        for r in rows:
            w.writerow([label_string(r["gold"]), label_string(r["labels"])])
