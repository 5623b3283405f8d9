"""policy-themes: classify, segment and inspect from the command line.

The classify path imports numpy, the segmenter and the bundle reader, nothing heavier (boundary
B1 of DESIGN.md), so a one-file run starts in well under a second.

Exit codes: 0 all inputs read and classified; 1 some inputs could not be read (reported on stderr,
the rest were processed); 2 nothing could be done (bad usage, no model, no readable input).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from pipeline.documents import InputError, InputFailure, ReadOptions, Unit, iter_units
from pipeline.themes import THEMES

if TYPE_CHECKING:  # the model classes load with the bundle, not at start-up
    from pipeline.model import ThemeModel

DEFAULT_MODEL_DIR = Path("models/bundle")
EXIT_PARTIAL = 1
EXIT_FAILED = 2
FORMATS = ("table", "json", "jsonl", "csv")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Label paragraphs of Chinese policy documents with the themes diplomacy, governance and belt_and_road.",
)


class Failure(Exception):
    """Ends the command with a one-line message and exit code 2."""


# ------------------------------------------------------------------ shared options

InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="Files (.txt .md .docx .pdf .csv .jsonl), folders (recursive) or - for stdin.", show_default=False
    ),
]
ModelDir = Annotated[
    Path, typer.Option("--model-dir", "-m", help="Inference bundle written by `dvc repro` (train stage).")
]
Format = Annotated[
    str | None,
    typer.Option("--format", "-f", help="table | json | jsonl | csv. Default: table on a terminal, jsonl otherwise."),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write results here instead of stdout.")]
Encoding = Annotated[str | None, typer.Option(help="Encoding of text inputs (default: detected).")]
TextField = Annotated[str, typer.Option(help="Text field of .jsonl inputs.")]
IdField = Annotated[str, typer.Option(help="Id field of .jsonl inputs.")]
TextColumn = Annotated[str, typer.Option(help="Text column of .csv inputs.")]
IdColumn = Annotated[str, typer.Option(help="Id column of .csv inputs.")]
Include = Annotated[list[str] | None, typer.Option(help="Glob of files to take from folders (repeatable).")]
StdinFormat = Annotated[
    str, typer.Option(help="What - (stdin) holds: auto (JSONL when it starts with '{'), jsonl or text.")
]
Exclude = Annotated[list[str] | None, typer.Option(help="Glob of files to skip in folders (repeatable).")]
BatchSize = Annotated[int, typer.Option(min=1, help="Paragraphs per batch.")]


def _read_options(
    encoding: str | None,
    text_field: str,
    id_field: str,
    text_column: str,
    id_column: str,
    include: list[str] | None,
    exclude: list[str] | None,
    stdin_format: str = "auto",
) -> ReadOptions:
    return ReadOptions(
        encoding=encoding,
        text_field=text_field,
        id_field=id_field,
        text_column=text_column,
        id_column=id_column,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        stdin_format=stdin_format,
    )


def _load(model_dir: Path) -> tuple[ThemeModel, dict]:
    from pipeline.bundle import BundleError, read_bundle

    try:
        return read_bundle(model_dir)
    except BundleError as err:
        raise Failure(str(err)) from None


def _batches(units: Iterable[Unit | InputFailure], size: int, failures: list[InputFailure]) -> Iterator[list[Unit]]:
    """Group units into batches; bad inputs are reported at once and counted, never dropped silently."""
    batch: list[Unit] = []
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


# ------------------------------------------------------------------ writers


class Writer:
    """Streams result rows in one of FORMATS; rows are dicts with id, labels, scores, …"""

    def __init__(self, out: TextIO, fmt: str, extra: list[str]) -> None:
        self.out, self.fmt, self.extra = out, fmt, extra
        self.first = True
        self.csv: csv.writer | None = None

    def write(self, row: dict) -> None:
        fmt = self.fmt
        if fmt == "jsonl":
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif fmt == "json":
            self.out.write(("[\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
        elif fmt == "csv":
            if self.csv is None:
                self.csv = csv.writer(self.out)
                self.csv.writerow(self._csv_header())
            self.csv.writerow(self._csv_row(row))
        else:
            if self.first:
                self.out.write(self._table_header())
            self.out.write(self._table_row(row))
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("[]\n" if self.first else "\n]\n")
        self.out.flush()

    def _csv_header(self) -> list[str]:
        if "tokens" in self.extra:
            return ["id", "tokens", "text"]
        return ["id", "labels", *[f"score_{t}" for t in THEMES], "topic", "lang", "text"]

    def _csv_row(self, row: dict) -> list:
        if "tokens" in self.extra:
            return [row["id"], " ".join(row["tokens"]), row.get("text", "")]
        return [
            row["id"],
            ";".join(row["labels"]),
            *[row["scores"][t] for t in THEMES],
            row["topic"],
            row["lang"],
            row.get("text", ""),
        ]

    def _table_header(self) -> str:
        if "tokens" in self.extra:
            return f"{'id':<28} tokens\n"
        short = {"diplomacy": "dipl", "governance": "gov", "belt_and_road": "bri"}
        scores = " ".join(f"{short[t]:>5}" for t in THEMES)
        return f"{'id':<28} {'labels':<34} {scores} {'topic':>5}  text\n"

    def _table_row(self, row: dict) -> str:
        text = str(row.get("text", "")).replace("\n", " ")
        if "tokens" in self.extra:
            return f"{row['id']:<28} {' / '.join(row['tokens'])}\n"
        labels = ", ".join(row["labels"]) or "—"
        scores = " ".join(f"{row['scores'][t]:>5.2f}" for t in THEMES)
        topic = "" if row["topic"] is None else str(row["topic"])
        preview = text[:24] + ("…" if len(text) > 24 else "")
        return f"{row['id']:<28} {labels:<34} {scores} {topic:>5}  {preview}\n"


def _open_output(output: Path | None) -> TextIO:
    if output is None:
        return sys.stdout
    try:
        return output.open("w", encoding="utf-8", newline="")
    except OSError as err:
        raise Failure(f"{output}: cannot write ({err.strerror})") from None


def _pick_format(fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        return "table" if output is None and sys.stdout.isatty() else "jsonl"
    if fmt not in FORMATS:
        raise Failure(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def _unit_row(unit: Unit) -> dict:
    """Input fields passed through: a JSONL record's own fields, or a document paragraph's id/doc/text."""
    row = dict(unit.meta)
    row.pop("lang", None)
    row["id"] = unit.id
    row.setdefault("doc", unit.doc)
    row["text"] = unit.text
    return row


# ------------------------------------------------------------------ classify (with optional workers)

_worker_model = None


def _worker_init(model_dir: str) -> None:
    global _worker_model
    from pipeline.bundle import read_bundle

    _worker_model = read_bundle(Path(model_dir))[0]


def _worker_classify(texts: list[str]) -> list[tuple]:
    return [(p.labels, p.scores, p.topic, p.lang) for p in _worker_model.classify(texts)]  # type: ignore[union-attr]


def _run(
    command: str,
    inputs: list[str],
    model_dir: Path,
    fmt: str | None,
    output: Path | None,
    options: ReadOptions,
    batch_size: int,
    workers: int,
) -> None:
    fmt = _pick_format(fmt, output)
    model, _ = _load(model_dir)
    failures: list[InputFailure] = []
    units = iter_units(inputs, options, stdin=sys.stdin)
    batches = _batches(units, batch_size, failures)
    out = _open_output(output)
    writer = Writer(out, fmt, ["tokens"] if command == "segment" else [])
    progress = Progress()
    written = 0
    try:
        if command == "segment":
            for batch in batches:
                for unit, a in zip(batch, model.features.analyse([u.text for u in batch]), strict=True):
                    writer.write({**_unit_row(unit), "tokens": a.tokens})
                written += len(batch)
                progress.add(len(batch))
        else:
            for batch, results in _classified(model, model_dir, batches, workers):
                for unit, (labels, scores, topic, lang) in zip(batch, results, strict=True):
                    writer.write(
                        {**_unit_row(unit), "labels": list(labels), "scores": scores, "topic": topic, "lang": lang}
                    )
                written += len(batch)
                progress.add(len(batch))
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


def _classified(
    model: ThemeModel, model_dir: Path, batches: Iterable[list[Unit]], workers: int
) -> Iterator[tuple[list[Unit], list[tuple]]]:
    """Classify batches in order; with workers > 1, in a process pool (same order, same output)."""
    if workers <= 1:
        for batch in batches:
            yield batch, [(p.labels, p.scores, p.topic, p.lang) for p in model.classify([u.text for u in batch])]
        return
    import multiprocessing as mp
    from collections import deque

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(workers, initializer=_worker_init, initargs=(str(model_dir),)) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(_worker_classify, ([u.text for u in batch],))))
            if len(pending) >= 2 * workers:  # bounded: memory stays flat on huge inputs
                b, res = pending.popleft()
                yield b, res.get()
        while pending:
            b, res = pending.popleft()
            yield b, res.get()


@app.command()
def classify(
    inputs: InputsArg,
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: Format = None,
    output: Output = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes to classify with (output order is unchanged).")] = 1,
    batch_size: BatchSize = 512,
    encoding: Encoding = None,
    text_field: TextField = "text",
    id_field: IdField = "id",
    text_column: TextColumn = "text",
    id_column: IdColumn = "id",
    include: Include = None,
    exclude: Exclude = None,
    stdin_format: StdinFormat = "auto",
) -> None:
    """Label every paragraph with themes, a score per theme and its dominant topic.

    JSONL in → JSONL out: each input line {"id": …, "text": …, …} gives one output line in the same
    order with the same id and fields, plus "labels", "scores", "topic" and "lang".
    """
    options = _read_options(encoding, text_field, id_field, text_column, id_column, include, exclude, stdin_format)
    _run("classify", inputs, model_dir, fmt, output, options, batch_size, workers)


@app.command()
def segment(
    inputs: InputsArg,
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: Format = None,
    output: Output = None,
    batch_size: BatchSize = 512,
    encoding: Encoding = None,
    text_field: TextField = "text",
    id_field: IdField = "id",
    text_column: TextColumn = "text",
    id_column: IdColumn = "id",
    include: Include = None,
    exclude: Exclude = None,
    stdin_format: StdinFormat = "auto",
) -> None:
    """Print the tokens of each paragraph, exactly as the pipeline's segmenter makes them.

    Tokens are jieba precise mode with the policy-term dictionary, stopwords removed, traditional
    characters converted: what the topic model and the classifier see.
    """
    options = _read_options(encoding, text_field, id_field, text_column, id_column, include, exclude, stdin_format)
    _run("segment", inputs, model_dir, fmt, output, options, batch_size, 1)


@app.command()
def topics(
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
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


@app.command()
def info(
    model_dir: ModelDir = DEFAULT_MODEL_DIR,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
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
    _write_scores(buf, "cross-valid.", report["cross_validation"])
    if report["evaluation"]:
        ev = report["evaluation"]
        _write_scores(buf, "held-out", ev.get("model", {}))
        _write_scores(buf, "baseline", ev.get("baseline", {}))
        for g, r in ev.get("groups", {}).items():
            buf.write(
                f"  {g:<22} macro-F1 {r['model']['macro_f1']:.3f} (baseline {r['baseline']['macro_f1']:.3f},"
                f" n={r['model']['n']})\n"
            )
    buf.write("files\n")
    for name, digest in manifest["files"].items():
        buf.write(f"  {name:<26} sha256 {digest[:16]}…\n")
    sys.stdout.write(buf.getvalue())


def _write_scores(buf: io.StringIO, title: str, scores: dict) -> None:
    if not scores:
        return
    per = "  ".join(f"{t} {scores[t]['f1']:.3f}" for t in THEMES if t in scores)
    buf.write(
        f"{title:<13} macro-F1 {scores.get('macro_f1', 0):.3f}  micro-F1 {scores.get('micro_f1', 0):.3f}  {per}\n"
    )


def main() -> None:
    """Console entry point: user errors become one line on stderr and exit code 2, never a traceback."""
    try:
        app()
    except (Failure, InputError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        sys.exit(130)
