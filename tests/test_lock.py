"""The committed dvc.lock matches the committed code and params: in a fresh clone of HEAD,
`dvc status` reports no changed dependency, params key or command (outputs are absent from a fresh
clone and are not checked).  Marked slow: run it after `dvc repro` and committing dvc.lock."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def stale_entries(status: dict, produced: set[str]) -> list[str]:
    """`dvc status --json` entries that say the lock is out of date; outputs (and deps that are
    another stage's outputs) are simply absent from a fresh clone and do not count."""
    stale = []
    for stage, changes in status.items():
        for change in changes:
            if change == "changed command":
                stale.append(f"{stage}: changed command")
            elif isinstance(change, dict):
                for kind in ("changed deps", "changed params"):
                    for name, state in (change.get(kind) or {}).items():
                        if name not in produced:
                            stale.append(f"{stage}: {kind[8:]} {name} {state}")
    return stale


def test_committed_lock_matches_committed_code_and_params(tmp_path: Path) -> None:
    top = _git("rev-parse", "--show-toplevel", cwd=ROOT)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT.resolve():
        pytest.skip("not a git checkout of the project (nothing committed to compare)")
    if _git("ls-files", "--error-unmatch", "dvc.lock", cwd=ROOT).returncode != 0:
        pytest.skip("dvc.lock is not committed yet")
    clone = tmp_path / "clone"
    assert _git("clone", "-q", "--no-hardlinks", str(ROOT), str(clone), cwd=tmp_path).returncode == 0
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    proc = subprocess.run(["dvc", "status", "--json"], cwd=clone, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    lock = yaml.safe_load((clone / "dvc.lock").read_text(encoding="utf-8"))
    produced = {out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])}
    status = json.loads(proc.stdout or "{}")
    assert stale_entries(status, produced) == [], "run `dvc repro` and commit dvc.lock"
