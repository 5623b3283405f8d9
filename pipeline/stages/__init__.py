"""Thin DVC entry points: read a params section, call the library, write outputs.

Run as `python -m pipeline.stages.<name>`; only dvc.yaml calls them.  Training libraries
(gensim, scikit-learn) are imported here and nowhere on the CLI's classify path (boundary B1).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.readers import InputError


def run(main: Callable[[], None]) -> None:
    """Run a stage; input problems end it with a one-line message and exit code 2, no traceback."""
    try:
        main()
    except (InputError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


def write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    """Write rows as deterministic JSON lines; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
