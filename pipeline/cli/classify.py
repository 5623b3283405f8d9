"""`classify` and `segment`: read paragraphs, run them through the bundle, stream result rows.

The classify path imports numpy, the segmenter and the bundle reader, nothing heavier (boundary
B1 of DESIGN.md), so a one-file run starts in well under a second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.failure import EXIT_FAILED, EXIT_PARTIAL, Failure
from pipeline.cli.options import DEFAULT_MODEL_DIR, BatchSize, ModelDir, Output, RowFormat, reads_inputs
from pipeline.cli.output import Writer, open_output, pick_format
from pipeline.readers import InputFailure, Paragraph, ReadOptions, read_inputs

if TYPE_CHECKING:  # the model classes load with the bundle, not at start-up
    from pipeline.evidence import Explainer
    from pipeline.model import ThemeModel


def load_model(model_dir: Path) -> tuple[ThemeModel, dict]:
    """The bundle's model and manifest; a bad bundle is a one-line Failure."""
    from pipeline.bundle import BundleError, read_bundle

    try:
        return read_bundle(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None


def _batches(
    units: Iterable[Paragraph | InputFailure], size: int, failures: list[InputFailure]
) -> Iterator[list[Paragraph]]:
    """Group units into batches; bad inputs are reported at once and counted, never dropped silently."""
    batch: list[Paragraph] = []
    for item in units:
        if isinstance(item, InputFailure):
            failures.append(item)
            print(f"error: {item.message}", file=sys.stderr)
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Progress:
    """A one-line paragraph counter on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.count = 0
        self.start = time.perf_counter()

    def add(self, n: int) -> None:
        self.count += n
        if self.enabled:
            rate = self.count / max(time.perf_counter() - self.start, 1e-9)
            print(f"\r{self.count:,} paragraphs ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled and self.count:
            print(file=sys.stderr)


def unit_row(unit: Paragraph) -> dict:
    """Input fields passed through: a JSONL record's own fields, or a document paragraph's id/doc/text."""
    row = dict(unit.meta)
    row.pop("lang", None)
    row["id"] = unit.id
    row.setdefault("doc", unit.doc)
    row["text"] = unit.text
    return row


# ------------------------------------------------------------------ worker pool (moves to pipeline/scheduler.py)

_worker_model = None
_worker_explainer: Explainer | None = None


def _worker_init(model_dir: str, explain_top: int) -> None:
    global _worker_model, _worker_explainer
    from pipeline.bundle import read_bundle

    _worker_model = read_bundle(Path(model_dir))[0]
    _worker_explainer = _explainer(_worker_model, Path(model_dir), explain_top)


def _worker_classify(texts: list[str]) -> list[tuple]:
    return _results(_worker_model, _worker_explainer, texts)  # type: ignore[arg-type]


def _explainer(model: ThemeModel, model_dir: Path, top: int) -> Explainer | None:
    """The evidence maker for `--explain` (top > 0), else None: plain classify imports nothing more."""
    if top <= 0:
        return None
    from pipeline.bundle import topic_words
    from pipeline.evidence import Explainer

    return Explainer(model, model.themes, topic_words(model_dir), top)


def _results(model: ThemeModel, explainer: Explainer | None, texts: list[str]) -> list[tuple]:
    """(labels, scores, topic, lang, evidence or None) per text."""
    if explainer is None:
        return [(p.labels, p.scores, p.topic, p.lang, None) for p in model.classify(texts)]
    predictions, rows, analysed = model.classify_with_rows(texts)
    evidence = explainer.explain(texts, analysed, rows, predictions)
    return [(p.labels, p.scores, p.topic, p.lang, e) for p, e in zip(predictions, evidence, strict=True)]


def _classified(
    model: ThemeModel, model_dir: Path, batches: Iterable[list[Paragraph]], workers: int, explain_top: int = 0
) -> Iterator[tuple[list[Paragraph], list[tuple]]]:
    """Classify batches in order; with workers > 1, in a process pool (same order, same output)."""
    if workers <= 1:
        explainer = _explainer(model, model_dir, explain_top)
        for batch in batches:
            yield batch, _results(model, explainer, [u.text for u in batch])
        return
    import multiprocessing as mp
    from collections import deque

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(workers, initializer=_worker_init, initargs=(str(model_dir), explain_top)) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(_worker_classify, ([u.text for u in batch],))))
            if len(pending) >= 2 * workers:  # bounded: memory stays flat on huge inputs
                b, res = pending.popleft()
                yield b, res.get()
        while pending:
            b, res = pending.popleft()
            yield b, res.get()


# ------------------------------------------------------------------ the run


def _rows(
    command: str, model: ThemeModel, model_dir: Path, batches: Iterable[list[Paragraph]], workers: int, explain_top: int
) -> Iterator[list[dict]]:
    """Result rows, one list per batch, in input order."""
    if command == "segment":
        for batch in batches:
            analysed = model.features.analyse([u.text for u in batch])
            yield [{**unit_row(unit), "tokens": a.tokens} for unit, a in zip(batch, analysed, strict=True)]
        return
    for batch, results in _classified(model, model_dir, batches, workers, explain_top):
        rows = []
        for unit, (labels, scores, topic, lang, evidence) in zip(batch, results, strict=True):
            row = {**unit_row(unit), "labels": list(labels), "scores": scores, "topic": topic, "lang": lang}
            if evidence is not None:
                row["evidence"] = evidence
            rows.append(row)
        yield rows


def run(
    command: str,
    inputs: list[str],
    model_dir: Path,
    fmt: str | None,
    output: Path | None,
    reader: ReadOptions,
    batch_size: int,
    workers: int,
    explain_top: int = 0,
) -> None:
    """Read → classify (or segment) → write, streaming batch by batch; exit code as documented."""
    fmt = pick_format(fmt, output)
    model, _ = load_model(model_dir)
    failures: list[InputFailure] = []
    batches = _batches(read_inputs(inputs, reader, stdin=sys.stdin), batch_size, failures)
    out = open_output(output)
    extra = ["tokens"] if command == "segment" else ["evidence"] if explain_top else []
    writer = Writer(out, fmt, extra, model.themes)
    progress = Progress()
    written = 0
    try:
        for rows in _rows(command, model, model_dir, batches, workers, explain_top):
            for row in rows:
                writer.write(row)
            written += len(rows)
            progress.add(len(rows))
        writer.close()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        raise typer.Exit(0) from None
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
    if failures:
        if written or len(failures) > 1:  # a lone failure has already said everything in one line
            print(f"error: {len(failures)} input(s) could not be read; {written} paragraphs done", file=sys.stderr)
        raise typer.Exit(EXIT_PARTIAL if written else EXIT_FAILED)
    if written == 0:
        raise Failure("no paragraphs in the input")


@reads_inputs
def classify(
    inputs: list[str],
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: RowFormat = None,
    output: Output = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to classify with (output order is unchanged).")] = 1,
    batch_size: BatchSize = 512,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add the evidence for each label: features, contributions, spans.")
    ] = False,
    explain_top: Annotated[int, typer.Option(min=1, help="Features listed per label with --explain.")] = 8,
    *,
    reader: ReadOptions,
) -> None:
    """Label every paragraph with themes, a score per theme and its dominant topic.

    JSONL in → JSONL out: each input line {"id": …, "text": …, …} gives one output line in the same
    order with the same id and fields, plus "labels", "scores", "topic" and "lang".  With --explain,
    also "evidence": per label, the features that carried it (weight × value, named for a reader)
    with their [start, end) character spans in "text"; intercept + contributions + "rest" = logit.
    """
    run("classify", inputs, model_dir, fmt, output, reader, batch_size, workers, explain_top if explain else 0)


@reads_inputs
def segment(
    inputs: list[str],
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: RowFormat = None,
    output: Output = None,
    batch_size: BatchSize = 512,
    *,
    reader: ReadOptions,
) -> None:
    """Print the tokens of each paragraph, exactly as the pipeline's segmenter makes them.

    Tokens are jieba precise mode with the policy-term dictionary, stopwords removed, traditional
    characters converted: what the topic model and the classifier see.
    """
    run("segment", inputs, model_dir, fmt, output, reader, batch_size, 1)


def register(app: typer.Typer) -> None:
    """Add classify and segment to the app."""
    app.command()(classify)
    app.command()(segment)
