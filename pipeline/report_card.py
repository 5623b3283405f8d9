"""The validity card of a report: how far to trust the model that labelled the paragraphs.

It shows what the bundle and the pipeline recorded about the model — F1 per genre group on held-out
documents (metrics/evaluate.json beside the bundle), cross-validated F1 from the bundle, calibration
of its scores against gold labels (the evaluate stage's predictions, when beside the bundle), the
training date and params — and how many of this corpus's paragraphs sat near a threshold.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from html import escape
from pathlib import Path

CALIBRATION_BINS = 10


def _project_root(model_dir: Path) -> Path | None:
    """The DVC project whose pipeline wrote this bundle (<root>/models/bundle), else None.

    The evaluate stage's metrics and predictions describe that bundle only; the released model
    (models/released) or a copied bundle carry their own figures in the manifest instead.
    """
    root = model_dir.resolve().parent.parent
    is_pipeline_output = model_dir.resolve() == root / "models" / "bundle" and (root / "dvc.yaml").is_file()
    return root if is_pipeline_output else None


def evaluation(model_dir: Path) -> dict | None:
    root = _project_root(model_dir)
    if root is None:
        return None
    path = root / "metrics" / "evaluate.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def calibration(model_dir: Path, themes: list[str]) -> tuple[list[tuple[float, float, int]], float] | None:
    """Reliability bins pooled over themes — (mean score, observed rate, n) — and the expected
    calibration error, from the evaluate stage's held-out predictions (gold labels + scores)."""
    root = _project_root(model_dir)
    if root is None:
        return None
    path = root / "data" / "interim" / "predictions.jsonl"
    bins = [[0.0, 0.0, 0] for _ in range(CALIBRATION_BINS)]
    try:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                rec = json.loads(line)
                if "gold" not in rec:
                    continue
                for theme in themes:
                    score = float(rec["scores"].get(theme, 0.0))
                    b = bins[min(int(score * CALIBRATION_BINS), CALIBRATION_BINS - 1)]
                    b[0] += score
                    b[1] += theme in rec["gold"]
                    b[2] += 1
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    total = sum(b[2] for b in bins)
    if not total:
        return None
    table = [(b[0] / b[2], b[1] / b[2], int(b[2])) for b in bins if b[2]]
    ece = sum(n / total * abs(mean - rate) for mean, rate, n in table)
    return table, ece


def _f1_table(groups: Mapping[str, Mapping], themes: list[str]) -> str:
    head = "".join(f"<th>{escape(t)}</th>" for t in themes)
    rows = []
    for name, scores in groups.items():
        cells = "".join(
            f"<td>{scores[t]['f1']:.3f}</td>" if isinstance(scores.get(t), dict) else "<td>–</td>" for t in themes
        )
        rows.append(
            f'<tr><td class="t">{escape(name)}</td><td>{scores.get("n", "")}</td>{cells}'
            f"<td><b>{scores.get('macro_f1', 0):.3f}</b></td></tr>"
        )
    return (
        f'<table><tr><th class="t">evaluation set</th><th>paragraphs</th>{head}<th>macro-F1</th></tr>'
        f"{''.join(rows)}</table>"
    )


def _sample_genres(manifest: Mapping) -> set[str]:
    """Genres of the shipped, self-written sample the bundle trained on: their figures are no
    evidence for a real genre, so the card says so."""
    train = manifest.get("params", {}).get("train", {})
    if not train.get("add_sample") or not train.get("sample_labels"):
        return set()
    try:
        lines = Path(train["sample_labels"]).read_text(encoding="utf-8").splitlines()
        return {json.loads(line).get("genre") for line in lines if line.strip()} - {None}
    except (OSError, ValueError, AttributeError):
        return set()


def _cv_groups(cv: Mapping, sample: set[str]) -> dict[str, Mapping]:
    """The bundle's cross-validated figures per genre, in the shape `_f1_table` reads."""
    groups: dict[str, Mapping] = {}
    for name, g in cv.get("groups", {}).items():
        label = f"cross-validation: {name}" + (" (self-written sample)" if name in sample else "")
        per_theme = {t: {"f1": f1} for t, f1 in g.get("f1", {}).items()}
        groups[label] = {**per_theme, "n": g.get("n", ""), "macro_f1": g.get("macro_f1", 0)}
    return groups


def _calibration_table(model_dir: Path, themes: list[str], cv: Mapping | None) -> str:
    result = calibration(model_dir, themes)
    if result is None and cv and isinstance(cv.get("ece"), Mapping):
        per_theme = ", ".join(f"{escape(t)} {cv['ece'][t]:.3f}" for t in themes if t in cv["ece"])
        where = "document-grouped cross-validation, per theme"
        return f"<p>Calibration ({where}): expected calibration error {per_theme}.</p>"
    if result is None:
        return "<p>Calibration: no held-out predictions beside this bundle (run the evaluate stage).</p>"
    table, ece = result
    rows = "".join(f"<tr><td>{m:.2f}</td><td>{r:.2f}</td><td>{n}</td></tr>" for m, r, n in table)
    return (
        f"<p>Calibration on held-out paragraphs (all themes pooled): expected calibration error "
        f"<b>{ece:.3f}</b>.</p><table><tr><th>mean score</th><th>observed share</th><th>n</th></tr>{rows}</table>"
    )


def validity_card(model_dir: Path, manifest: dict, near: Mapping[str, int], paragraphs: int) -> str:
    """The card as HTML."""
    themes = list(manifest.get("themes", []))
    groups: dict[str, Mapping] = {}
    cv = manifest.get("metrics", {}).get("cv")
    if cv:
        groups["cross-validation (training documents, by document)"] = cv
        groups.update(_cv_groups(cv, _sample_genres(manifest)))
    ev = evaluation(model_dir)
    if ev:
        if ev.get("model"):
            groups["all held-out paragraphs"] = ev["model"]
        groups.update({f"held out: {g}": r["model"] for g, r in ev.get("groups", {}).items() if "model" in r})
    try:
        written = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime((model_dir / "manifest.json").stat().st_mtime))
    except OSError:
        written = "unknown"
    near_text = ", ".join(f"{escape(t)} {near.get(t, 0):,}" for t in themes)
    params = manifest.get("params", {})
    shown = {k: params[k] for k in ("data", "topics", "features", "train") if k in params}
    return (
        '<div class="card">'
        f"<p>Model bundle <code>{escape(str(model_dir))}</code>, written {written}, checksum "
        f"<code>{escape(str(manifest.get('checksum', ''))[:16])}…</code>.</p>"
        f"{_f1_table(groups, themes) if groups else '<p>No evaluation figures recorded for this model.</p>'}"
        f"{_calibration_table(model_dir, themes, cv)}"
        f"<p>Paragraphs of this corpus whose score is within 0.1 of the theme's threshold (labels that a small "
        f"change could flip), out of {paragraphs:,}: {near_text}.</p>"
        f"<details><summary>Training params</summary><pre>{escape(json.dumps(shown, ensure_ascii=False, indent=1))}"
        "</pre></details></div>"
    )
