"""The options commands share, each defined once.

Reader options (how files, folders and stdin are read) are added to a command by `@reads_inputs`,
which hands the command one `ReadOptions` instead of eight parameters: a new reader option is added
here and reaches every command that reads inputs. Every `--format` is a `click.Choice`, so a value
outside the choices is refused before anything runs, in every command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import click
import typer

from pipeline.readers import ReadOptions

# The released model (trained on every annotated real document, committed; `python -m pipeline.release`
# rebuilds it).  `--model-dir models/bundle` classifies with the model your own `dvc repro` trained.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "released"
ROW_FORMATS = ("table", "json", "jsonl", "csv")  # formats of per-paragraph results (classify, segment)

InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="Files (.txt .md .docx .pdf .csv .jsonl), folders (recursive) or - for stdin.", show_default=False
    ),
]
ModelDir = Annotated[
    Path,
    typer.Option(
        "--model-dir",
        "-m",
        help="Inference bundle. Default: the released model (models/released); `dvc repro` trains models/bundle.",
        show_default=False,
    ),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write results here (atomically) instead of stdout."),
]
BatchSize = Annotated[int, typer.Option(min=1, help="Paragraphs per batch (at most; batches are also capped by size).")]
SchedulerSpec = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Where partitions run: none, local[:N] (N processes) or tcp://host:port (a Dask cluster, needs "
        "the dask extra). Default: $DASK_SCHEDULER_ADDRESS if set, else none. Output order is unchanged.",
        show_default=False,
    ),
]
Workers = Annotated[int | None, typer.Option(min=1, help="Same as --scheduler local:N.", show_default=False)]


def format_option(choices: tuple[str, ...], default_help: str) -> Any:
    """An `Annotated` type for `--format/-f` restricted to `choices` (refused otherwise, one line)."""
    return Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            click_type=click.Choice(choices),
            help=f"Output format. Default: {default_help}.",
            show_default=False,
        ),
    ]


RowFormat = format_option(ROW_FORMATS, "table on a terminal, jsonl otherwise")


@dataclass(frozen=True)
class _ReaderOption:
    """One reader option: the command parameter it becomes and the `ReadOptions` field it fills."""

    name: str
    annotation: Any
    default: Any


_READER_OPTIONS = (
    _ReaderOption(
        "encoding", Annotated[str | None, typer.Option(help="Encoding of text inputs (default: detected).")], None
    ),
    _ReaderOption("text_field", Annotated[str, typer.Option(help="Text field of .jsonl inputs.")], "text"),
    _ReaderOption("id_field", Annotated[str, typer.Option(help="Id field of .jsonl inputs.")], "id"),
    _ReaderOption("text_column", Annotated[str, typer.Option(help="Text column of .csv inputs.")], "text"),
    _ReaderOption("id_column", Annotated[str, typer.Option(help="Id column of .csv inputs.")], "id"),
    _ReaderOption(
        "include",
        Annotated[list[str] | None, typer.Option(help="Glob of files to take from folders (repeatable).")],
        None,
    ),
    _ReaderOption(
        "exclude",
        Annotated[list[str] | None, typer.Option(help="Glob of files to skip in folders (repeatable).")],
        None,
    ),
    _ReaderOption(
        "stdin_format",
        Annotated[
            str,
            typer.Option(
                click_type=click.Choice(("auto", "jsonl", "text")),
                help="What - (stdin) holds: auto (JSONL when it starts with '{'), jsonl or text.",
            ),
        ],
        "auto",
    ),
    _ReaderOption(
        "records",
        Annotated[
            str,
            typer.Option(
                click_type=click.Choice(("paragraph", "document")),
                help="What one .jsonl line / .csv row is: a paragraph, or a document to split into paragraphs "
                "(as the ingest stage reads a corpus; with --text-field content it gives the corpus's paragraph ids).",
            ),
        ],
        "paragraph",
    ),
)
READER_OPTION_NAMES = tuple(o.name for o in _READER_OPTIONS)


def read_options(values: dict[str, Any]) -> ReadOptions:
    """The `ReadOptions` for the reader options' values (list options become tuples)."""
    fields = {name: values[name] for name in READER_OPTION_NAMES}
    fields["include"] = tuple(fields["include"] or ())
    fields["exclude"] = tuple(fields["exclude"] or ())
    return ReadOptions(**fields)


def reads_inputs(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command` the inputs argument and every reader option.

    The command declares `inputs: list[str]` and `reader: ReadOptions` (keyword) parameters; the
    wrapper's signature replaces `reader` by the reader options, so typer shows them all and
    the command receives them bundled, from one definition.
    """
    hints = get_type_hints(command, include_extras=True)
    own = [
        p.replace(annotation=InputsArg if p.name == "inputs" else hints.get(p.name, p.annotation))
        for p in inspect.signature(command).parameters.values()
        if p.name != "reader"
    ]
    added = [
        inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default, annotation=o.annotation)
        for o in _READER_OPTIONS
    ]
    positional = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        reader = read_options(values)
        for name in READER_OPTION_NAMES:
            values.pop(name)
        command(**values, reader=reader)

    wrapper.__signature__ = inspect.Signature([*positional, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*positional, *added]}
    del wrapper.__wrapped__  # typer must see the wrapper's signature, not the command's
    return wrapper
