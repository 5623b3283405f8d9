"""`suggest` and `import-labels`: the annotation loop around Label Studio, doccano or a spreadsheet.

policy-themes suggest CORPUS… -n 100 --labels data/labels -o suggestions/
(label the tasks in Label Studio / doccano / the CSV, export)
policy-themes import-labels export.json -o data/labels/round-1.jsonl
dvc repro && dvc metrics diff
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.failure import Failure
from pipeline.cli.options import DEFAULT_MODEL_DIR, ModelDir, SchedulerSpec, format_option
from pipeline.cli.output import replaced_atomically
from pipeline.readers import InputError

if TYPE_CHECKING:
    import numpy as np

    from pipeline.label_tasks import Suggestion
    from pipeline.model import ThemeModel
    from pipeline.partitions import BundleRef
    from pipeline.scheduler import Scheduler
    from pipeline.themes import ThemeSet

DEFAULT_THEMES = Path("data/dict/themes.json")
SUGGEST_PARTITION = 512  # paragraphs scored at once (at least; a partition ends where a document ends)


# pipeline.label_import.FORMATS (not imported here: it loads numpy; a test checks they agree)
ImportFormat = format_option(("auto", "labelstudio", "doccano", "csv"), "auto (from the file)")


def _labelled(paths: list[Path], themes: ThemeSet, corpus_text: dict[str, str]) -> tuple[set[str], list[str]]:
    """Ids and texts of every labelled paragraph (labels naming another theme are an error)."""
    from pipeline.annotations import read_annotations

    ids: set[str] = set()
    texts: list[str] = []
    for path in paths:
        for a in read_annotations(path, themes, corpus_text=corpus_text):
            ids.add(a.id)
            texts.append(a.text)
    return ids, texts


def _suggestions(
    model: ThemeModel, candidates: list, proba: np.ndarray, labelled_texts: list[str], n: int, explore: float
) -> list[Suggestion]:
    """`proba`: the model's scores of the candidates, each scored within its whole document."""
    from pipeline.label_tasks import Suggestion
    from pipeline.suggest import MinHasher, SuggestConfig, select, uncertainty

    if not candidates:
        return []
    scores = uncertainty(proba, model.thresholds)
    hasher = MinHasher()
    chosen = select(candidates, scores, SuggestConfig(n=n, explore=explore), hasher.signatures(labelled_texts), hasher)
    themes = model.themes
    out = []
    for i in chosen:
        c, p = candidates[i], proba[i]
        predicted = tuple(t for j, t in enumerate(themes) if p[j] >= model.thresholds[j])
        out.append(
            Suggestion(
                c.id,
                c.doc,
                c.genre,
                c.text,
                predicted,
                {t: round(float(p[j]), 4) for j, t in enumerate(themes)},
                scores[i],
            )
        )
    return out


def _probabilities(paragraphs: list, bundle: BundleRef, where: Scheduler) -> np.ndarray:
    """Every paragraph's theme probabilities, in partitions cut where a document ends (context
    features), run where the scheduler says; rows in input order."""
    import numpy as np

    from pipeline.partitions import proba_partition
    from pipeline.records import partitioned
    from pipeline.scheduler import SchedulerError, map_partitions

    parts = partitioned(paragraphs, SUGGEST_PARTITION, lambda p: p.doc)
    payload = lambda part: ([p.text for p in part], [p.doc for p in part])  # noqa: E731
    try:
        return np.vstack([proba for _, proba in map_partitions(where, proba_partition, parts, payload, bundle)])
    except SchedulerError as err:  # a worker died or loaded another bundle
        raise Failure(str(err)) from None


def suggest(
    corpus: Annotated[list[Path], typer.Argument(help="Corpus folders or files (as data.corpus).", show_default=False)],
    n: Annotated[int, typer.Option("-n", min=1, help="How many paragraphs to suggest.")] = 100,
    labels: Annotated[
        list[Path] | None, typer.Option("--labels", "-l", help="Labels already made (file or folder; repeatable).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--output", "-o", help="Folder for the task files.")] = Path("suggestions"),
    text_field: Annotated[str, typer.Option(help="Text field of .jsonl documents.")] = "content",
    explore: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share chosen for spread alone (seeded), not uncertainty.")
    ] = 0.0,
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    scheduler: SchedulerSpec = None,
) -> None:
    """Choose the paragraphs whose labels would teach the model most and write them as a Label
    Studio import (tasks with the model's predictions + labelling config), doccano JSONL and CSV."""
    from pipeline.bundle import BundleError, theme_set
    from pipeline.cli.classify import open_bundle, pick_scheduler
    from pipeline.label_tasks import write_tasks
    from pipeline.readers import language, read_corpus
    from pipeline.scheduler import SchedulerError, worker_state
    from pipeline.suggest import Candidate

    where = pick_scheduler(scheduler, None)
    bundle, manifest = open_bundle(model_dir, where)
    try:
        model = worker_state(bundle)  # thresholds and themes (in-process: the model open_bundle loaded)
        themes = theme_set(model_dir)
    except (BundleError, SchedulerError) as err:
        raise Failure(str(err)) from None
    paragraphs = [p for root in corpus for p in read_corpus(root, text_field)]
    ids, texts = _labelled(labels or [], themes, {p.id: p.text for p in paragraphs})
    done = {" ".join(t.split()) for t in texts}
    keep = [
        i
        for i, p in enumerate(paragraphs)
        if p.id not in ids and " ".join(p.text.split()) not in done and language(p.text) == "zh"
    ]
    candidates = [
        Candidate(p.id, p.doc, str(p.meta.get("genre") or Path(str(p.meta.get("source", p.doc))).stem), p.text)
        for p in (paragraphs[i] for i in keep)
    ]
    # scored as classify scores them: every paragraph among its document's (context features)
    proba = _probabilities(paragraphs, bundle, where)[keep] if keep else None
    chosen = _suggestions(model, candidates, proba, texts, n, explore)
    written = write_tasks(out_dir, chosen, themes, manifest["checksum"][:12])
    docs, genres = len({s.doc for s in chosen}), len({s.genre for s in chosen})
    print(
        f"suggest: {len(chosen)} of {len(candidates)} unlabelled Chinese paragraphs ({len(paragraphs)} read, "
        f"{len(ids)} labelled) from {docs} documents, {genres} genres → {', '.join(map(str, written))}",
        file=sys.stderr,
    )


def _theme_set_for_import(themes_file: Path | None) -> ThemeSet:
    """--themes, else params.yaml's data.themes, else the shipped default."""
    from pipeline.themes import ThemeSet

    if themes_file is None:
        themes_file = DEFAULT_THEMES
        params = Path("params.yaml")
        if params.is_file():
            import yaml

            themes_file = Path(
                ((yaml.safe_load(params.read_text(encoding="utf-8")) or {}).get("data") or {}).get(
                    "themes", DEFAULT_THEMES
                )
            )
    try:
        return ThemeSet.read(themes_file)
    except ValueError as err:
        raise Failure(str(err)) from None


def import_labels(
    exports: Annotated[list[Path], typer.Argument(help="Label Studio .json, doccano .jsonl or .csv exports.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Labels file to write (.jsonl).")],
    fmt: ImportFormat = "auto",
    themes_file: Annotated[
        Path | None, typer.Option("--themes", help="Theme-set file (default: params.yaml data.themes).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the output file.")] = False,
) -> None:
    """Read annotation-tool exports back into the labels format the pipeline trains on, validated."""
    from pipeline.label_import import import_labels, write_labels

    if output.exists() and not force:
        raise Failure(f"{output}: exists; pass --force to overwrite it")
    themes = _theme_set_for_import(themes_file)
    try:
        result = import_labels(exports, themes, fmt)
    except InputError as err:
        raise Failure(str(err)) from None
    if not result.labels:
        raise Failure(
            f"no labelled paragraphs in {', '.join(map(str, exports))} ({result.unlabelled} not labelled yet)"
        )
    with replaced_atomically(output, make_parents=True) as path:  # never half a labels file
        write_labels(path, result.labels)
    print(
        f"import-labels: {len(result.labels)} labelled paragraphs → {output} ({result.unlabelled} not labelled yet, "
        f"{result.agreeing} repeated labels that agree)",
        file=sys.stderr,
    )


def register(app: typer.Typer) -> None:
    app.command()(suggest)
    app.command("import-labels")(import_labels)
