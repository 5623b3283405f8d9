"""Helpers for the reader tests (not a test module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_without_dac_override(code: str) -> subprocess.CompletedProcess[str] | None:
    """Run `code` as root minus CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so file modes apply to it."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")

    try:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=drop,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    except (OSError, subprocess.SubprocessError):
        return None
