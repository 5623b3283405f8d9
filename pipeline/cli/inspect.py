"""`topics` and `info`: what the bundle holds, without classifying anything.

Both read the bundle's files directly (topic words, manifest, checksums) and never build the model,
so they start as fast as `classify` and work on a bundle too large to load.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Sequence

import typer

from pipeline.cli.failure import Failure
from pipeline.cli.options import DEFAULT_MODEL_DIR, ModelDir, format_option

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
        print(json.dumps([{"topic": k, "words": ws} for k, ws in enumerate(words)], ensure_ascii=False, indent=1))
        return
    if not words:
        print("this bundle has no topic model (features.topics is off)")
    for k, ws in enumerate(words):
        print(f"{k:>3}  {' '.join(ws)}")


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
    trained = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime((model_dir / "manifest.json").stat().st_mtime))
    evaluation = model_dir.resolve().parent.parent / "metrics" / "evaluate.json"
    report = {
        "bundle": str(model_dir),
        "format_version": manifest["format_version"],
        "written": trained,
        "themes": manifest["themes"],
        "params": manifest["params"],
        "cross_validation": manifest["metrics"].get("cv", {}),
        "evaluation": json.loads(evaluation.read_text(encoding="utf-8")) if evaluation.is_file() else None,
        "checksum": manifest["checksum"],
        "files": manifest["files"],
    }
    if fmt == "json":
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    p = manifest["params"]
    buf = io.StringIO()
    buf.write(f"bundle        {model_dir}  (format v{manifest['format_version']}, written {trained})\n")
    buf.write(f"checksum      {manifest['checksum']}\n")
    buf.write(f"corpus        {p['data']['corpus']}\nlabels        {p['data']['labels']}\n")
    t = p["topics"]
    buf.write(
        f"topics        K={t['num_topics']} passes={t['passes']} alpha={t['alpha']} eta={t['eta']} "
        f"seed={t['random_state']} seeded={t.get('seed_from_lexicon', False)}\n"
    )
    f = p["features"]
    blocks = [
        n
        for n, on in (
            ("word tf-idf", f["word_tfidf"]),
            (f"char {f['char_ngram']}-grams", f["char_ngram"]),
            ("topics", f["topics"]),
            ("lexicon", f["lexicon"]),
        )
        if on
    ]
    buf.write(f"features      {', '.join(blocks)}\n")
    buf.write(f"classifier    logistic regression C={p['train']['C']} class_weight={p['train']['class_weight']}\n")
    themes = manifest["themes"]
    buf.write(f"themes        {', '.join(themes)}\n")
    _write_scores(buf, "cross-valid.", report["cross_validation"], themes)
    if report["evaluation"]:
        ev = report["evaluation"]
        _write_scores(buf, "held-out", ev.get("model", {}), themes)
        _write_scores(buf, "baseline", ev.get("baseline", {}), themes)
        for g, r in ev.get("groups", {}).items():
            buf.write(
                f"  {g:<22} macro-F1 {r['model']['macro_f1']:.3f} (baseline {r['baseline']['macro_f1']:.3f},"
                f" n={r['model']['n']})\n"
            )
    buf.write("files\n")
    for name, digest in manifest["files"].items():
        buf.write(f"  {name:<26} sha256 {digest[:16]}…\n")
    sys.stdout.write(buf.getvalue())


def _write_scores(buf: io.StringIO, title: str, scores: dict, themes: Sequence[str]) -> None:
    if not scores:
        return
    per = "  ".join(f"{t} {scores[t]['f1']:.3f}" for t in themes if t in scores)
    buf.write(
        f"{title:<13} macro-F1 {scores.get('macro_f1', 0):.3f}  micro-F1 {scores.get('micro_f1', 0):.3f}  {per}\n"
    )


def register(app: typer.Typer) -> None:
    """Add topics and info to the app."""
    app.command()(topics)
    app.command()(info)
