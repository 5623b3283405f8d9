"""`trends` and `report`: what an analyst reads — theme share per group, and one offline HTML report.

Both take classify output (JSONL with `labels`, used as is) or any input classify reads (classified
on the way with the bundle, where `--scheduler` says: in this process, a local pool or a Dask
cluster, results back in input order), stream it, and keep only per-group totals.  Nothing heavy is
imported at start-up: the trends, report and xlsx modules load inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.classify import _batches, context_doc, open_bundle, pick_scheduler, unit_row
from pipeline.cli.failure import EXIT_FAILED, EXIT_PARTIAL, Failure
from pipeline.cli.options import (
    DEFAULT_MODEL_DIR,
    BatchSize,
    ModelDir,
    Output,
    SchedulerSpec,
    format_option,
    reads_inputs,
)
from pipeline.cli.output import open_output, refuse_output_among_inputs, replaced_atomically
from pipeline.partitions import BundleRef
from pipeline.readers import InputFailure, ReadOptions, read_inputs
from pipeline.scheduler import Scheduler, SchedulerError, worker_state

if TYPE_CHECKING:
    from pipeline.model import ThemeModel
    from pipeline.trends import Labelled

TREND_FORMATS = ("table", "csv", "jsonl", "xlsx")
By = Annotated[
    str, typer.Option("--by", help="Group by: year (from metadata, title or file name), doc, genre or any field.")
]
Where = Annotated[
    list[str] | None,
    typer.Option(help="Only records whose FIELD matches VALUE (a glob): --where 'source=*gwr*' (repeatable)."),
]


class Stream:
    """Labelled paragraphs from the inputs, classified where the scheduler says; the bundle is opened
    once and only when a record needs classifying (classify output needs no model)."""

    def __init__(
        self, inputs: list[str], reader: ReadOptions, model_dir: Path, batch_size: int, scheduler: Scheduler
    ) -> None:
        self.inputs, self.reader, self.model_dir, self.batch_size = inputs, reader, model_dir, batch_size
        self.scheduler = scheduler
        self.failures: list[InputFailure] = []
        self.skipped = 0
        self.count = 0
        self._bundle: tuple[BundleRef, dict] | None = None

    def bundle(self) -> BundleRef:
        if self._bundle is None:
            self._bundle = open_bundle(self.model_dir, self.scheduler)
        return self._bundle[0]

    def manifest(self) -> dict:
        self.bundle()
        return self._bundle[1]  # type: ignore[index]

    def model(self) -> ThemeModel:
        """The model in this process (loaded already when in-process; else loaded and checked here)."""
        try:
            return worker_state(self.bundle())
        except SchedulerError as err:  # e.g. the bundle changed since it was verified
            raise Failure(str(err)) from None

    def labelled(self, where: list[str] | None, explain_top: int = 0) -> Iterator[Labelled]:
        from pipeline.trends import CONTEXT_DOC, labelled

        conditions = _conditions(where)
        units = read_inputs(self.inputs, self.reader, stdin=sys.stdin)
        rows = (
            [{**unit_row(u), "lang": u.meta.get("lang", "zh"), CONTEXT_DOC: context_doc(u)} for u in batch]
            for batch in _batches(units, self.batch_size, self.failures)
        )
        kept = ([r for r in batch if self._keep(r, conditions)] for batch in rows)
        try:
            for item in labelled(kept, self.scheduler, self.bundle, self.batch_size, explain_top):
                self.count += 1
                yield item
        except ValueError as err:  # SchedulerError (a worker died…) is one too
            raise Failure(str(err)) from None

    def _keep(self, row: dict, conditions: list[tuple[str, str]]) -> bool:
        if all(fnmatchcase(str(row.get(k, "")), v) for k, v in conditions):
            return True
        self.skipped += 1
        return False

    def finish(self) -> None:
        """Say what was read; exit 1 when some inputs failed, 2 when nothing was read."""
        note = f" ({self.skipped:,} not matching --where)" if self.skipped else ""
        print(f"{self.count:,} paragraphs{note}", file=sys.stderr)
        if self.failures:
            print(f"error: {len(self.failures)} input(s) could not be read", file=sys.stderr)
            raise typer.Exit(EXIT_PARTIAL if self.count else EXIT_FAILED)
        if self.count == 0:
            raise Failure("no paragraphs in the input" + (" match --where" if self.skipped else ""))


def _conditions(where: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for item in where or []:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise Failure(f"--where {item!r}: expected FIELD=VALUE")
        out.append((field, value))
    return out


def _themes(stream: Stream, first_scores: dict) -> list[str]:
    """The theme set: the scores' keys of classify output (in its order), else the bundle's."""
    return list(first_scores) if first_scores else list(stream.manifest()["themes"])


@reads_inputs
def trends(
    inputs: list[str],
    by: By = "year",
    fmt: format_option(TREND_FORMATS, "table on a terminal, csv otherwise; xlsx needs -o") = None,  # type: ignore[valid-type]
    output: Output = None,
    topics: Annotated[bool, typer.Option("--topics", help="Dominant-topic shares instead of themes.")] = False,
    where: Where = None,
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    scheduler: SchedulerSpec = None,
    batch_size: BatchSize = 512,
    *,
    reader: ReadOptions,
) -> None:
    """Theme share per group: paragraphs and characters, counts and a 95% Wilson interval.

    Input: classify output (its labels are used) or documents (classified with the bundle).
    """
    from pipeline.trend_files import format_table, write_csv, write_jsonl, write_xlsx
    from pipeline.trends import ThemeTrends

    fmt = fmt or ("xlsx" if output and output.suffix == ".xlsx" else "table" if sys.stdout.isatty() else "csv")
    if fmt == "xlsx" and output is None:
        raise Failure("--format xlsx writes a file: give -o FILE.xlsx")
    refuse_output_among_inputs(output, inputs)
    stream = Stream(inputs, reader, model_dir, batch_size, pick_scheduler(scheduler, None))
    acc: ThemeTrends | None = None
    for item in stream.labelled(where):
        if acc is None:
            acc = ThemeTrends(_themes(stream, dict(item.scores)), by)
        acc.add(item.record, item.labels, item.topic)
    stream.finish()
    assert acc is not None  # finish() refuses an empty input
    rows = acc.topic_rows() if topics else acc.theme_rows()
    if fmt == "xlsx":
        with replaced_atomically(output) as path:  # type: ignore[arg-type]
            write_xlsx(path, {f"{'topics' if topics else 'themes'} by {by}": rows})
        return
    with open_output(output) as out:  # atomic: an existing file is replaced only when all is written
        {"csv": write_csv, "jsonl": write_jsonl}.get(fmt, lambda r, o: o.write(format_table(r)))(rows, out.stream)
        out.commit()


@reads_inputs
def report(
    inputs: list[str],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file (tables are written beside it).")],
    group: Annotated[str, typer.Option(help="Second grouping beside years: a metadata field.")] = "source",
    top: Annotated[int, typer.Option(min=1, help="Paragraphs shown per theme.")] = 5,
    title: Annotated[str, typer.Option(help="Title of the report.")] = "Policy themes report",
    where: Where = None,
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    scheduler: SchedulerSpec = None,
    batch_size: BatchSize = 512,
    *,
    reader: ReadOptions,
) -> None:
    """One self-contained HTML report (no network, opens by double-click) with CSV/xlsx tables beside it."""
    from pipeline.bundle import topic_words
    from pipeline.evidence import DEFAULT_TOP
    from pipeline.partitions import ExplainerRef
    from pipeline.report import ReportContext, ReportData, explain_kept, report_files, write_report

    for path in [output, *report_files(output, group).values()]:
        refuse_output_among_inputs(path, inputs)
    stream = Stream(inputs, reader, model_dir, batch_size, pick_scheduler(scheduler, None))
    model, manifest = stream.model(), stream.manifest()
    data = ReportData(list(model.themes), [float(t) for t in model.thresholds], group_field=group, top=top)
    for item in stream.labelled(where, DEFAULT_TOP):  # evidence in the classifying pass (document context)
        data.add(item.record, item.labels, item.scores, item.topic)
    stream.finish()
    explain_kept(data, model, worker_state(ExplainerRef(stream.bundle(), DEFAULT_TOP)))  # came without evidence
    context = ReportContext(model_dir, manifest, topic_words(model_dir), [])
    written = write_report(data, context, output, title, replaced_atomically)  # each file whole or untouched
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add trends and report to the app."""
    app.command()(trends)
    app.command()(report)
