"""`classify` and `segment`: read paragraphs, run them through the bundle, stream result rows.

The classify path imports numpy, the segmenter and the bundle reader, nothing heavier (boundary
B1 of DESIGN.md), so a one-file run starts in well under a second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.failure import EXIT_FAILED, EXIT_PARTIAL, Failure
from pipeline.cli.options import (
    DEFAULT_MODEL_DIR,
    BatchSize,
    ModelDir,
    Output,
    RowFormat,
    SchedulerSpec,
    Workers,
    reads_inputs,
)
from pipeline.cli.output import open_output, pick_format, refuse_output_among_inputs, silence_stdout
from pipeline.cli.writers import RowWriter
from pipeline.partitions import BundleRef, Documents, bundle_tokens_partition, classify_partition
from pipeline.readers import InputFailure, Paragraph, ReadOptions, read_inputs
from pipeline.scheduler import Scheduler, SchedulerError, adopt, map_partitions

if TYPE_CHECKING:  # the model classes load with the bundle, not at start-up
    from pipeline.model import ThemeModel

# Characters per batch (at most, give or take one paragraph): featurisation holds ~100 bytes per
# character of a batch at once (tokens, n-grams, sparse rows), so this keeps a batch near 100 MB
# however long the paragraphs are, while ordinary batches (512 paragraphs × ~150 characters)
# never reach it.
BATCH_CHARS = 1_000_000
LONG_DOCUMENT = 8  # a batch may grow to 8× its character cap to keep a document whole …
MAX_BATCH = 20_000  # … and to this many paragraphs


def load_model(model_dir: Path) -> tuple[ThemeModel, dict]:
    """The bundle's model and manifest; a bad bundle is a one-line Failure."""
    from pipeline.bundle import BundleError, read_bundle

    try:
        return read_bundle(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None


def context_doc(paragraph: Paragraph) -> str:
    """The document whose paragraphs give this one its context features: a record's own `doc`
    field; else its document for a paragraph of a document (`<doc>#<index:03d>`); else (a JSONL/CSV
    record without `doc`) the record alone."""
    doc = paragraph.meta.get("doc")
    if doc is not None:
        return str(doc)
    if paragraph.id == f"{paragraph.doc}#{paragraph.index:03d}":
        return paragraph.doc
    return paragraph.id


def _batches(
    units: Iterable[Paragraph | InputFailure], size: int, failures: list[InputFailure], max_chars: int = BATCH_CHARS
) -> Iterator[list[Paragraph]]:
    """Group units into batches of about `size` paragraphs and `max_chars` characters, cut only
    where a document ends, so every paragraph is classified with its whole document's context.

    The character cap bounds memory by what a batch holds, not by how many paragraphs it has; a
    document over MAX_BATCH paragraphs or LONG_DOCUMENT times the character cap is cut anyway (its
    context then spans each part). Bad inputs are reported at once and counted, never dropped silently.
    """
    batch: list[Paragraph] = []
    chars = 0
    for item in units:
        if isinstance(item, InputFailure):
            failures.append(item)
            print(f"error: {item.message}", file=sys.stderr)
            continue
        if batch:
            full = len(batch) >= size or chars >= max_chars
            huge = len(batch) >= MAX_BATCH or chars >= LONG_DOCUMENT * max_chars
            if huge or (full and context_doc(item) != context_doc(batch[-1])):
                yield batch
                batch, chars = [], 0
        batch.append(item)
        chars += len(item.text)
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
    """Input fields passed through: a JSONL record's own fields, or a document paragraph's id/doc/text.

    A record's id keeps its JSON type (an integer id comes back as an integer).
    """
    row = dict(unit.meta)
    row.pop("lang", None)
    row["id"] = unit.id if unit.record_id is None else unit.record_id
    row.setdefault("doc", unit.doc)
    row["text"] = unit.text
    return row


# ------------------------------------------------------------------ partitions, in order


def pick_scheduler(spec: str | None, workers: int | None) -> Scheduler:
    """--scheduler, or the older --workers N (= local:N); both at once is a usage error."""
    if spec is not None and workers is not None:
        raise Failure("give either --scheduler or --workers, not both")
    try:
        return Scheduler.from_workers(workers) if workers is not None else Scheduler.parse(spec)
    except SchedulerError as err:
        raise Failure(str(err)) from None


def _rows(
    command: str,
    bundle: BundleRef,
    batches: Iterable[list[Paragraph]],
    scheduler: Scheduler,
    batch_size: int,
    explain_top: int,
) -> Iterator[list[dict]]:
    """Result rows, one list per batch, in input order; workers get only the batch's texts."""
    if command == "segment":
        for batch, tokens in map_partitions(scheduler, bundle_tokens_partition, batches, _texts, bundle):
            yield [{**unit_row(u), "tokens": t} for u, t in zip(batch, tokens, strict=True)]
        return
    for batch, results in map_partitions(
        scheduler, classify_partition, batches, _documents, bundle, batch_size, explain_top
    ):
        rows = []
        for unit, (labels, scores, topic, lang, evidence) in zip(batch, results, strict=True):
            row = {**unit_row(unit), "labels": list(labels), "scores": scores, "topic": topic, "lang": lang}
            if evidence is not None:
                row["evidence"] = evidence
            rows.append(row)
        yield rows


def _texts(batch: Sequence[Paragraph]) -> list[str]:
    return [p.text for p in batch]


def _documents(batch: Sequence[Paragraph]) -> Documents:
    return [p.text for p in batch], [context_doc(p) for p in batch]


def run(
    command: str,
    inputs: list[str],
    model_dir: Path,
    fmt: str | None,
    output: Path | None,
    reader: ReadOptions,
    batch_size: int,
    scheduler: Scheduler,
    explain_top: int = 0,
) -> None:
    """Read → classify (or segment) → write, streaming batch by batch; exit code as documented.

    The output is committed (renamed into place) only when rows were written, so a run that read
    nothing, or whose workers failed, leaves an existing output file untouched.
    """
    fmt = pick_format(fmt, output)
    refuse_output_among_inputs(output, inputs)
    bundle, manifest = open_bundle(model_dir, scheduler)
    failures: list[InputFailure] = []
    batches = _batches(read_inputs(inputs, reader, stdin=sys.stdin), batch_size, failures)
    progress = Progress()
    with open_output(output) as out:
        kind = "tokens" if command == "segment" else "evidence" if explain_top else "labels"
        writer = RowWriter(out.stream, fmt, kind, list(manifest["themes"]))
        try:
            for rows in _rows(command, bundle, batches, scheduler, batch_size, explain_top):
                writer.write(rows)
                progress.add(len(rows))
            if writer.count:
                writer.close()
                out.commit()
        except BrokenPipeError:  # e.g. piped into `head`: the reader has what it wanted
            silence_stdout()
            raise typer.Exit(0) from None
        except SchedulerError as err:  # a worker died or loaded another bundle: the output is not complete
            raise Failure(str(err)) from None
        finally:
            progress.close()
    _finish(failures, writer.count)


def open_bundle(model_dir: Path, scheduler: Scheduler) -> tuple[BundleRef, dict]:
    """The bundle's reference and manifest. In-process, the model is loaded here once; with
    workers, the parent only verifies the checksums (each worker loads its own model)."""
    if scheduler.kind == "none":
        model, manifest = load_model(model_dir)
        bundle = BundleRef(str(model_dir.resolve()), manifest["checksum"])
        adopt(bundle, model)
        return bundle, manifest
    from pipeline.bundle import BundleError, verify_bundle

    try:
        manifest = verify_bundle(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None
    return BundleRef(str(model_dir.resolve()), manifest["checksum"]), manifest


def _finish(failures: list[InputFailure], written: int) -> None:
    """Exit 1 when some inputs failed but rows were written, 2 when nothing was."""
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
    scheduler: SchedulerSpec = None,
    workers: Workers = None,
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
    chosen = pick_scheduler(scheduler, workers)
    run("classify", inputs, model_dir, fmt, output, reader, batch_size, chosen, explain_top if explain else 0)


@reads_inputs
def segment(
    inputs: list[str],
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: RowFormat = None,
    output: Output = None,
    scheduler: SchedulerSpec = None,
    batch_size: BatchSize = 512,
    *,
    reader: ReadOptions,
) -> None:
    """Print the tokens of each paragraph, exactly as the pipeline's segmenter makes them.

    Tokens are jieba precise mode with the policy-term dictionary, stopwords removed, traditional
    characters converted: what the topic model and the classifier see.
    """
    run("segment", inputs, model_dir, fmt, output, reader, batch_size, pick_scheduler(scheduler, None))


def register(app: typer.Typer) -> None:
    """Add classify and segment to the app."""
    app.command()(classify)
    app.command()(segment)
