"""Thin DVC entry points: read params, take paths from the command line (dvc.yaml `cmd`), call the
library, write outputs.  Only dvc.yaml runs them; no stage imports another, and tests and benchmarks
import the library modules instead.  Training libraries (gensim, scikit-learn) are imported only by
these stages and what only they use (boundary B1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from pipeline.readers import InputError


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, like every other stage error
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def stage_paths(stage: str, *names: str) -> argparse.Namespace:
    """The stage's input and output paths, each a required `--name PATH` option in dvc.yaml's cmd
    (dashes in option names become underscores in the result)."""
    parser = _Arguments(prog=f"pipeline.stages.{stage}")
    for name in names:
        parser.add_argument(f"--{name}", type=Path, required=True)
    return parser.parse_args()


def run(main: Callable[[], None]) -> None:
    """Run a stage; input and params problems end it with a one-line message and exit code 2."""
    try:
        main()
    except (InputError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
