"""Stage evaluate: the bundle (exactly what the CLI loads) on held-out documents and evaluation-only
files; per-theme, micro/macro and per-genre-group figures beside the keyword-lexicon baseline.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.annotations import Annotation, label_matrix, split_by_document
from pipeline.bundle import read_bundle, theme_set
from pipeline.metrics import precision_recall_curve, theme_scores
from pipeline.model import ThemeModel
from pipeline.params import read_params
from pipeline.stages import read_jsonl, run, write_json, write_jsonl
from pipeline.stages.train import BUNDLE, PARAGRAPHS, load_annotations

METRICS = Path("metrics/evaluate.json")
PREDICTIONS = Path("data/interim/predictions.jsonl")
PLOTS = Path("plots")


def label_string(labels: Sequence[str]) -> str:
    return "+".join(labels) if labels else "none"


def topic_theme_auc(topics: np.ndarray, y: np.ndarray, themes: Sequence[str]) -> dict:
    """How well one topic's proportion ranks a theme's paragraphs (AUC): the seeded topic i for
    theme i, and the best single topic, so seeded and unseeded models can be compared."""

    def auc(score: np.ndarray, truth: np.ndarray) -> float:
        pos, neg = score[truth], score[~truth]
        if len(pos) == 0 or len(neg) == 0:
            return float("nan")
        ranks = np.argsort(np.argsort(np.r_[pos, neg], kind="stable"), kind="stable") + 1
        return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))

    out = {}
    for j, theme in enumerate(themes):
        truth = y[:, j].astype(bool)
        per_topic = [auc(topics[:, k], truth) for k in range(topics.shape[1])]
        out[theme] = {
            "seeded_topic_auc": round(per_topic[j], 4) if j < len(per_topic) else None,
            "best_topic": int(np.nanargmax(per_topic)) if not np.all(np.isnan(per_topic)) else None,
            "best_topic_auc": round(float(np.nanmax(per_topic)), 4) if not np.all(np.isnan(per_topic)) else None,
        }
    return out


def evaluate(model: ThemeModel, test: Sequence[Annotation]) -> tuple[dict, list[dict], np.ndarray]:
    """Model and baseline figures overall and per group; prediction rows; model probabilities."""
    themes = model.themes
    texts = [a.text for a in test]
    y = label_matrix(test, themes)
    predictions = model.classify(texts)
    proba = np.array([[p.scores[t] for t in themes] for p in predictions]).reshape(-1, len(themes))
    y_model = np.array([[t in p.labels for t in themes] for p in predictions]).reshape(-1, len(themes))
    analysed = model.features.analyse(texts)  # the same tokens the model saw, for the baseline
    baseline = [model.features.lexicon.predict(a.tokens) for a in analysed]
    y_base = np.array([[t in b for t in themes] for b in baseline]).reshape(-1, len(themes))

    groups = sorted({a.group for a in test})
    result: dict = {
        "model": theme_scores(y, y_model, themes),
        "baseline": theme_scores(y, y_base, themes),
        "groups": {},
    }
    tm = model.features.topic_model
    if tm is not None:
        result["topic_theme_auc"] = topic_theme_auc(tm.infer([a.tokens for a in analysed]), y, themes)
    result["macro_f1_gain_over_baseline"] = round(result["model"]["macro_f1"] - result["baseline"]["macro_f1"], 4)
    for g in groups:
        idx = np.array([a.group == g for a in test])
        result["groups"][g] = {
            "model": theme_scores(y[idx], y_model[idx], themes),
            "baseline": theme_scores(y[idx], y_base[idx], themes),
        }
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


def write_plots(test: Sequence[Annotation], rows: list[dict], proba: np.ndarray, themes: Sequence[str]) -> None:
    y = label_matrix(test, themes)
    (PLOTS / "pr").mkdir(parents=True, exist_ok=True)
    for stale in (PLOTS / "pr").glob("*.csv"):
        if stale.stem not in themes:  # a theme dropped from the set leaves no stale curve
            stale.unlink()
    for j, theme in enumerate(themes):
        with (PLOTS / "pr" / f"{theme}.csv").open("w", encoding="utf-8", newline="") as out:
            w = csv.DictWriter(out, fieldnames=["threshold", "precision", "recall"])
            w.writeheader()
            w.writerows(precision_recall_curve(y[:, j], proba[:, j]))
    with (PLOTS / "confusion.csv").open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["actual", "predicted"])
        for r in rows:
            w.writerow([label_string(r["gold"]), label_string(r["labels"])])


def main() -> None:
    params = read_params()
    data, train_p = params["data"], params["train"]
    paragraphs = read_jsonl(PARAGRAPHS)
    model, _ = read_bundle(BUNDLE)
    themes = theme_set(BUNDLE)  # the bundle's set: labels naming another theme are an error
    annotations = load_annotations(data, train_p, {p["id"]: p["text"] for p in paragraphs}, themes)
    _, test = split_by_document(annotations, data.get("holdout_docs", []), data.get("eval_only", []))
    if not test:
        raise ValueError("evaluate: no evaluation paragraphs; name held-out documents in data.holdout_docs")
    result, rows, proba = evaluate(model, test)
    result["evaluation_docs"] = sorted({a.doc for a in test})
    write_json(METRICS, result)
    write_jsonl(PREDICTIONS, rows)
    write_plots(test, rows, proba, themes.names)
    m, b = result["model"], result["baseline"]
    print(f"evaluate: {m['n']} paragraphs; model macro-F1 {m['macro_f1']} vs baseline {b['macro_f1']}")
    for g, r in result["groups"].items():
        model, base = r["model"], r["baseline"]
        print(f"  {g:<24} model {model['macro_f1']:.3f}  baseline {base['macro_f1']:.3f}  n={model['n']}")


if __name__ == "__main__":
    run(main)
