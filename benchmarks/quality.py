"""Quality of the released model on real documents: the README's headline table.

    python benchmarks/quality.py [--model-dir models/released]

Reads the figures the train stage stored in the bundle when it was built (`python -m pipeline.release`):
document-grouped cross-validation over every annotated real document (out-of-fold, per genre) and
leave-one-genre-out, each with a 95 % interval from resampling the genre's documents (the train
stage stores per-document counts, no text); then scores the seed paper (evaluation only, never
trained on) with ../shared when it is present, with its document context and with every paragraph
alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.bundle import read_bundle  # noqa: E402
from pipeline.metrics import document_bootstrap, expected_calibration_error, theme_scores  # noqa: E402

SEED_LABELS = ROOT.parent / "shared" / "labels" / "seed-annotated.jsonl"
REAL = ("national_report", "academic_paper", "provincial_report", "foreign_affairs", "news_commentary")


def interval(documents: list, genres: set[str]) -> str:
    """95 % document-bootstrap interval of macro-F1 over the documents of `genres` ("" without counts)."""
    counts = [c for _, genre, c in documents if genre in genres]
    if not counts:
        return ""
    low, high = document_bootstrap(np.array(counts))
    return f" [{low:.2f}–{high:.2f}]"


def genre_table(metrics: dict, themes: tuple[str, ...]) -> None:
    cv, logo = metrics["cv"], metrics.get("logo", {})
    documents = cv.get("documents", [])
    print(
        "| genre group | documents | paragraphs | CV macro-F1 [95 % CI] | CV F1 "
        + " / ".join(themes)
        + " | CV ECE (max theme) | LOGO macro-F1 [95 % CI] |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for genre in REAL:
        g = cv["groups"].get(genre)
        if g is None:
            continue
        f1 = " / ".join(f"{g['f1'][t]:.2f}" for t in themes)
        held = logo.get(genre, {})
        held_s = f"{held['macro_f1']:.3f}{interval(held.get('documents', []), {genre})}" if held else "–"
        n_docs = sum(1 for _, gen, _ in documents if gen == genre) or "?"
        print(
            f"| {genre} | {n_docs} | {g['n']} | {g['macro_f1']:.3f}{interval(documents, {genre})} | {f1} | "
            f"{max(g['ece'].values()):.3f} | {held_s} |"
        )
    pooled = cv.get("labels_only")
    if pooled:
        f1 = " / ".join(f"{pooled['f1'][t]:.2f}" for t in themes)
        worst = min((r["macro_f1"] for g, r in logo.items() if g in REAL), default=float("nan"))
        n_docs = sum(1 for _, gen, _ in documents if gen in REAL) or "?"
        print(
            f"| **all real documents** | {n_docs} | {pooled['n']} | **{pooled['macro_f1']:.3f}**"
            f"{interval(documents, set(REAL))} | {f1} | | worst {worst:.3f} |"
        )
    ece = " / ".join(f"{cv['ece'][t]:.3f}" for t in themes)
    print(f"\nCV over every training paragraph (real + sample): macro-F1 {cv['macro_f1']:.3f}, ECE {ece}")
    print("[95 % CI]: percentile interval over 2,000 resamples of the genre's documents with replacement (seed 0)")


def seed_paper(model_dir: Path) -> None:
    if not SEED_LABELS.exists():
        print("seed paper: skipped (no ../shared)")
        return
    model, _ = read_bundle(model_dir)
    rows = [json.loads(line) for line in SEED_LABELS.open(encoding="utf-8")]
    texts = [r["text"] for r in rows]
    y = np.array([[t in r["labels"] for t in model.themes] for r in rows])
    for name, docs in (("in its document", [r["doc"] for r in rows]), ("paragraphs alone", None)):
        predictions = model.classify(texts, docs)
        y_hat = np.array([[t in p.labels for t in model.themes] for p in predictions])
        proba = np.array([[p.scores[t] for t in model.themes] for p in predictions])
        s = theme_scores(y, y_hat, model.themes)
        f1 = " / ".join(f"{s[t]['f1']:.2f}" for t in model.themes)
        ece = " / ".join(f"{expected_calibration_error(y[:, j], proba[:, j]):.3f}" for j in range(len(model.themes)))
        print(f"seed paper ({len(rows)} paragraphs, {name}): macro-F1 {s['macro_f1']:.3f} (F1 {f1}; ECE {ece})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models" / "released")
    args = parser.parse_args()
    model, manifest = read_bundle(args.model_dir)
    genre_table(manifest["metrics"], model.themes)
    seed_paper(args.model_dir)


if __name__ == "__main__":
    main()
