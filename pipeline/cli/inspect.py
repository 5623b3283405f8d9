"""`topics` and `info`: what the bundle holds, without classifying anything.

Both read the bundle's files directly (topic words, manifest, checksums) and never build the model,
so they start as fast as `classify` and work on a bundle too large to load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import typer

from pipeline.cli.failure import Failure
from pipeline.cli.options import DEFAULT_MODEL_DIR, ModelDir, format_option
from pipeline.cli.output import write_stdout

TopicsFormat = format_option(("table", "json"), "table")
InfoFormat = format_option(("text", "json"), "text")


def topics(
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: TopicsFormat = "table",
) -> None:
    """Top words of every topic of the trained LDA model."""
    from pipeline.bundle import BundleError, topic_words

    try:
        words = topic_words(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None
    if fmt == "json":
        write_stdout(
            json.dumps([{"topic": k, "words": ws} for k, ws in enumerate(words)], ensure_ascii=False, indent=1)
        )
        return
    lines = [f"{k:>3}  {' '.join(ws)}" for k, ws in enumerate(words)]
    write_stdout("\n".join(lines) if lines else "this bundle has no topic model (features.topics is off)")


def info(
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: InfoFormat = "text",
) -> None:
    """Which model is loaded: bundle version, when and on which params it was trained, its metrics and checksums."""
    from pipeline.bundle import BundleError, verify_bundle

    try:
        manifest = verify_bundle(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None
    report = _info_report(model_dir, manifest)
    write_stdout(json.dumps(report, ensure_ascii=False, indent=1) if fmt == "json" else _info_text(report))


def _info_report(model_dir: Path, manifest: dict) -> dict:
    """What `info` shows: the manifest's facts plus the evaluate stage's metrics when they sit beside it."""
    trained = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime((model_dir / "manifest.json").stat().st_mtime))
    evaluation_file = model_dir.resolve().parent.parent / "metrics" / "evaluate.json"
    try:
        evaluation = json.loads(evaluation_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # absent (a bundle copied elsewhere) or unreadable: shown as none
        evaluation = None
    return {
        "bundle": str(model_dir),
        "format_version": manifest["format_version"],
        "written": trained,
        "themes": manifest["themes"],
        "params": manifest.get("params", {}),
        "cross_validation": manifest.get("metrics", {}).get("cv", {}),
        "evaluation": evaluation if isinstance(evaluation, dict) else None,
        "checksum": manifest["checksum"],
        "files": manifest["files"],
    }


def _info_text(report: dict) -> str:
    """The report for a person; params a bundle does not record are shown as '?'."""
    p = report["params"]
    data, t, f, train = (p.get(k, {}) for k in ("data", "topics", "features", "train"))
    blocks = [
        name
        for name, on in (
            ("word tf-idf", f.get("word_tfidf")),
            (f"char {f.get('char_ngram')}-grams", f.get("char_ngram")),
            ("topics", f.get("topics")),
            ("lexicon", f.get("lexicon")),
        )
        if on
    ]
    lines = [
        f"bundle        {report['bundle']}  (format v{report['format_version']}, written {report['written']})",
        f"checksum      {report['checksum']}",
        f"corpus        {data.get('corpus', '?')}",
        f"labels        {data.get('labels', '?')}",
        f"topics        K={t.get('num_topics', '?')} passes={t.get('passes', '?')} alpha={t.get('alpha', '?')} "
        f"eta={t.get('eta', '?')} seed={t.get('random_state', '?')} seeded={t.get('seed_from_lexicon', False)}",
        f"features      {', '.join(blocks) or '?'}",
        f"classifier    logistic regression C={train.get('C', '?')} class_weight={train.get('class_weight', '?')}",
        f"themes        {', '.join(report['themes'])}",
        *_score_lines("cross-valid.", report["cross_validation"], report["themes"]),
        *_evaluation_lines(report["evaluation"] or {}, report["themes"]),
        "files",
        *(f"  {name:<26} sha256 {digest[:16]}…" for name, digest in report["files"].items()),
    ]
    return "\n".join(lines)


def _evaluation_lines(ev: dict, themes: Sequence[str]) -> list[str]:
    lines = [*_score_lines("held-out", ev.get("model", {}), themes)]
    lines += _score_lines("baseline", ev.get("baseline", {}), themes)
    for group, r in ev.get("groups", {}).items():
        lines.append(
            f"  {group:<22} macro-F1 {r['model']['macro_f1']:.3f} (baseline {r['baseline']['macro_f1']:.3f},"
            f" n={r['model']['n']})"
        )
    return lines


def _score_lines(title: str, scores: dict, themes: Sequence[str]) -> list[str]:
    if not scores:
        return []
    per = "  ".join(f"{t} {scores[t]['f1']:.3f}" for t in themes if t in scores)
    return [f"{title:<13} macro-F1 {scores.get('macro_f1', 0):.3f}  micro-F1 {scores.get('micro_f1', 0):.3f}  {per}"]


def register(app: typer.Typer) -> None:
    """Add topics and info to the app."""
    app.command()(topics)
    app.command()(info)
