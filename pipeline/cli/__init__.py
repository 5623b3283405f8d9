"""policy-themes: classify, segment and inspect from the command line.

One typer `app`; each command group lives in its own module of this package and registers itself.

Adding a command group (e.g. `trends`):
1. write `pipeline/cli/trends.py` with a function `register(app: typer.Typer) -> None` that calls
   `app.command()(your_command)` for each command it adds;
2. take the shared options from `pipeline.cli.options` (`@reads_inputs` gives a command the input
   argument and every reader option as one `ReadOptions`; `format_option(...)` makes a `--format`
   with its choices; `ModelDir`, `Output`); raise `pipeline.cli.failure.Failure` for a one-line
   error with exit code 2; write files through `pipeline.cli.output.open_output` (atomic);
3. add the module's name to `COMMAND_MODULES` below (the order is the order of `--help`).
Every command module is imported at start-up, so it must import nothing heavy at module level
(gensim, scikit-learn, pandas, dask, the bundle…): import those inside the command function. The
import-boundary test (B1 of DESIGN.md) and the cold-start benchmark check this.

Exit codes: 0 all inputs read and classified; 1 some inputs could not be read (reported on stderr,
the rest were processed); 2 nothing could be done (bad usage, no model, no readable input).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click
import typer

from pipeline.cli.failure import EXIT_FAILED, Failure
from pipeline.cli.output import silence_stdout
from pipeline.readers import InputError

COMMAND_MODULES = ("classify", "inspect", "trends", "annotate")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Label paragraphs of Chinese policy documents with policy themes (the bundle's theme set).",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"pipeline.cli.{_name}").register(app)


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback.

    Typer runs in non-standalone mode so that usage errors (unknown option, a `--format` outside its
    choices…) come back here and are printed as one `error:` line with exit code 2, like every other
    user error, instead of click's multi-line usage block.
    """
    try:
        code = _run_app()
    except KeyboardInterrupt:
        code = 130
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as err:  # stdout on a full disk: say so, not "Exception ignored" at exit
        print(f"error: stdout: cannot write ({err.strerror or err})", file=sys.stderr)
        silence_stdout()
        code = code or EXIT_FAILED
    sys.exit(code)


def _run_app() -> int:
    """Run the app; the exit code, with every expected error printed as one line."""
    try:
        code = app(standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        err.show()
        return 0
    except click.UsageError as err:
        where = f"{err.ctx.command_path}: " if err.ctx is not None else ""
        print(f"error: {where}{err.format_message()}", file=sys.stderr)
        return EXIT_FAILED
    except click.Abort:
        return 130
    except (Failure, InputError) as err:
        print(f"error: {err}", file=sys.stderr)
        silence_stdout()
        return EXIT_FAILED
    except BrokenPipeError:
        silence_stdout()
        return 0
    except OSError as err:
        name = f"{err.filename}: " if err.filename else ""
        print(f"error: {name}{err.strerror or err}", file=sys.stderr)
        silence_stdout()
        return EXIT_FAILED
    except Exception as err:  # a bug or a case nobody foresaw: one line; an -o file was not replaced
        if os.environ.get("POLICY_THEMES_DEBUG"):
            raise
        print(f"error: {_internal_error(err)}", file=sys.stderr)
        silence_stdout()
        return EXIT_FAILED
    return code if isinstance(code, int) else 0


def _internal_error(err: Exception) -> str:
    """One line for an unexpected exception: what and where, and how to see the whole traceback."""
    import traceback  # only now: it costs ~15 ms of start-up

    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    what = " ".join(str(err).split())[:300]
    return (
        f"unexpected {type(err).__name__}{where}: {what} (the run stopped; an -o file was left as it was; "
        "POLICY_THEMES_DEBUG=1 shows the traceback)"
    )


__all__ = ["app", "main"]
