"""Stage evaluate: the bundle (exactly what the CLI loads) on held-out documents and evaluation-only
files, beside the keyword-lexicon baseline."""

from __future__ import annotations

from pathlib import Path

from pipeline.annotations import load_labels, split_by_document
from pipeline.bundle import read_bundle, theme_set
from pipeline.evaluation import evaluate, genre_holdout_summary, write_plots
from pipeline.params import load
from pipeline.records import write_json, write_jsonl
from pipeline.stages import run, stage_paths


def main() -> None:
    paths = stage_paths("evaluate", "paragraphs", "bundle", "metrics", "predictions", "plots")
    params = load()
    sample = Path(params.train.sample_labels) if params.train.add_sample else None
    model, manifest = read_bundle(paths.bundle)
    themes = theme_set(paths.bundle)  # the bundle's set: labels naming another theme are an error
    annotations = load_labels(Path(params.data.labels), themes, params.data.groups, sample, paths.paragraphs)
    _, test = split_by_document(annotations, params.data.holdout_docs, params.data.eval_only)
    if not test:
        raise ValueError("evaluate: no evaluation paragraphs; name held-out documents in data.holdout_docs")
    result, rows, proba = evaluate(model, test)
    result["leave_one_genre_out"] = genre_holdout_summary(manifest)
    write_json(paths.metrics, result)
    write_jsonl(paths.predictions, rows)
    write_plots(paths.plots, test, rows, proba, themes.names)
    m, b = result["model"], result["baseline"]
    print(f"evaluate: {m['n']} paragraphs; model macro-F1 {m['macro_f1']} vs baseline {b['macro_f1']}")
    for g, r in result["groups"].items():
        model_f1, base_f1 = r["model"]["macro_f1"], r["baseline"]["macro_f1"]
        print(f"  {g:<24} model {model_f1:.3f}  baseline {base_f1:.3f}  n={r['model']['n']}")
    for g, r in result["leave_one_genre_out"].items():
        print(f"  {g:<24} leave-one-genre-out {r['macro_f1']:.3f}  n={r['n']}")


if __name__ == "__main__":
    run(main)
