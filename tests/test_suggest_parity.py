"""`suggest` scores paragraphs exactly as `classify` does (one featurisation, document context), and
writes the same files when its scoring runs in a local pool."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True)


def test_suggested_scores_equal_classify_scores(tmp_path: Path) -> None:
    docs = ROOT / "data/sample/docs"
    made = cli("suggest", str(docs), "-n", "30", "-o", str(tmp_path / "suggestions"))
    assert made.returncode == 0, made.stderr
    with (tmp_path / "suggestions/suggestions.csv").open(encoding="utf-8-sig") as handle:
        suggested = {row["id"]: row for row in csv.DictReader(handle)}
    classified = cli("classify", str(docs), "-f", "jsonl")
    assert classified.returncode == 0, classified.stderr
    scores = {rec["id"]: rec["scores"] for rec in map(json.loads, classified.stdout.splitlines())}
    assert len(suggested) == 30 and set(suggested) <= set(scores)
    for pid, row in suggested.items():
        for theme, score in scores[pid].items():
            assert abs(float(row[f"score_{theme}"]) - score) < 1e-4, (pid, theme)
    pooled = cli("suggest", str(docs), "-n", "30", "-o", str(tmp_path / "pooled"), "--scheduler", "local:2")
    assert pooled.returncode == 0, pooled.stderr
    for made_file in (tmp_path / "suggestions").iterdir():  # the same bytes when workers score
        assert (tmp_path / "pooled" / made_file.name).read_bytes() == made_file.read_bytes(), made_file.name
