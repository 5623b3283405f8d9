"""The analyst's commands as a user runs them: classify --explain, trends, report."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, input=stdin, cwd=ROOT, check=False
    )


@pytest.fixture(scope="module")
def paragraphs(sample_bundle: tuple, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sample paragraphs as JSONL with a year in the title and a source field."""
    _, _, texts = sample_bundle
    path = tmp_path_factory.mktemp("in") / "paragraphs.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts[:200]):
            rec = {"id": f"p{i}", "text": text, "title": f"{2001 + i // 50}年报告", "source": f"s{i % 2}"}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def classified(sample_bundle: tuple, paragraphs: Path) -> Path:
    result = cli("classify", str(paragraphs), "-m", str(sample_bundle[1]), "-f", "jsonl", "--explain")
    assert result.returncode == 0, result.stderr
    path = paragraphs.with_name("classified.jsonl")
    path.write_text(result.stdout, encoding="utf-8")
    return path


def test_explain_adds_evidence_whose_spans_are_in_the_text(classified: Path) -> None:
    rows = [json.loads(line) for line in classified.read_text(encoding="utf-8").splitlines()]
    explained = [r for r in rows if r["labels"]]
    assert explained
    for row in explained:
        assert set(row["evidence"]) == set(row["labels"])
        for ev in row["evidence"].values():
            for f in ev["features"]:
                if f["feature"].startswith("word:"):
                    assert all(row["text"][s:e] == f["feature"][5:] for s, e in f["spans"])


def test_plain_classify_carries_no_evidence(sample_bundle: tuple, paragraphs: Path) -> None:
    result = cli("classify", str(paragraphs), "-m", str(sample_bundle[1]), "-f", "jsonl")
    assert result.returncode == 0 and '"evidence"' not in result.stdout


def test_explain_in_the_table_view(sample_bundle: tuple) -> None:
    text = "推动共建“一带一路”高质量发展，深化与沿线国家互联互通。"
    result = cli("classify", "-", "-m", str(sample_bundle[1]), "-f", "table", "--explain", stdin=text)
    assert result.returncode == 0, result.stderr
    assert "↳ belt_and_road:" in result.stdout and "word 一带一路" in result.stdout


def test_trends_from_classify_output_equal_trends_from_raw_text(
    sample_bundle: tuple, paragraphs: Path, classified: Path
) -> None:
    raw = cli("trends", str(paragraphs), "-m", str(sample_bundle[1]), "--by", "year", "-f", "csv")
    done = cli("trends", str(classified), "--by", "year", "-f", "csv", "-m", "/nonexistent")  # no model needed
    assert raw.returncode == 0 and done.returncode == 0, raw.stderr + done.stderr
    assert raw.stdout == done.stdout
    rows = list(csv.DictReader(io.StringIO(raw.stdout)))
    assert [r["group"] for r in rows[::3]] == ["2001", "2002", "2003", "2004"]
    assert all(int(r["paragraphs"]) == 50 for r in rows)


def test_trends_by_field_where_and_xlsx(sample_bundle: tuple, classified: Path, tmp_path: Path) -> None:
    result = cli("trends", str(classified), "--by", "source", "--where", "source=s1", "-f", "jsonl")
    assert result.returncode == 0, result.stderr
    assert {json.loads(line)["group"] for line in result.stdout.splitlines()} == {"s1"}
    assert "100 not matching --where" in result.stderr
    result = cli("trends", str(classified), "--by", "source", "--where", "source=*1", "-f", "jsonl")
    assert {json.loads(line)["group"] for line in result.stdout.splitlines()} == {"s1"}  # a glob
    book = tmp_path / "t.xlsx"
    assert cli("trends", str(classified), "-o", str(book)).returncode == 0
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None and "xl/worksheets/sheet1.xml" in z.namelist()


def test_bad_usage_is_one_line_and_exit_2(classified: Path) -> None:
    for args in (["--where", "nofield"], ["-f", "xlsx"], ["--where", "source=nothing"]):
        result = cli("trends", str(classified), *args)
        assert result.returncode == 2, args
        assert result.stderr.strip().splitlines()[-1].startswith("error:") and "Traceback" not in result.stderr


def test_report_command_writes_the_page_and_its_tables(sample_bundle: tuple, classified: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = cli("report", str(classified), "-m", str(sample_bundle[1]), "-o", str(out), "--top", "2")
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "<mark" in html and "2001" in html
    assert (tmp_path / "r.xlsx").is_file() and (tmp_path / "r-themes-by-year.csv").is_file()


def test_report_never_overwrites_its_input(sample_bundle: tuple, classified: Path) -> None:
    before = classified.read_bytes()
    clash = classified.with_name(classified.stem + ".html")
    result = cli("report", str(classified), "-o", str(classified), "-m", str(sample_bundle[1]))
    assert result.returncode == 2 and "error:" in result.stderr and classified.read_bytes() == before
    assert not clash.exists()
