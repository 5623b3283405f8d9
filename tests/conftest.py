"""Fixtures shared by the test modules: the ../shared material and a CJK font for PDF fixtures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
_FONT_NAMES = ("wqy", "noto", "droid", "cjk", "source han", "sourcehan", "simsun", "simhei", "ukai", "uming")
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    str(Path.home() / ".fonts"),
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the project; tests that need it skip cleanly when it is absent."""
    if not (SHARED / "labels").is_dir():
        pytest.skip(f"{SHARED} is absent (the annotated material lives beside the project)")
    return SHARED


def _font_candidates() -> list[Path]:
    found: list[Path] = []
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
        found += [Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()]
    for folder in map(Path, _FONT_DIRS):
        if folder.is_dir():
            found += [
                p
                for p in sorted(folder.rglob("*"))
                if p.suffix.lower() in {".ttf", ".otf", ".ttc"} and any(name in p.name.lower() for name in _FONT_NAMES)
            ]
    return [p for p in found if p.suffix.lower() in {".ttf", ".otf", ".ttc"} and p.is_file()]


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    """A TrueType font with Chinese glyphs, for fpdf2; skip when the machine has none."""
    candidates = _font_candidates()
    if not candidates:
        pytest.skip("no CJK TrueType font on this machine (e.g. apt-get install fonts-wqy-zenhei)")
    return candidates[0]
