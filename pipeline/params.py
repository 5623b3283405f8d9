"""params.yaml access for the stages: each stage reads its own section (and `data`)."""

from __future__ import annotations

from pathlib import Path

import yaml

PARAMS_FILE = Path("params.yaml")


def read_params(path: Path = PARAMS_FILE) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}
