"""Theme share per group: years found where they are, Wilson intervals, streamed totals, real files."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from pipeline.trend_files import format_table, write_csv, write_jsonl, write_xlsx
from pipeline.trends import NO_GROUP, ThemeTrends, wilson, year_of

THEMES = ("diplomacy", "governance", "belt_and_road")


def test_year_from_metadata_title_or_file_name() -> None:
    assert year_of({"year": 1983, "title": "2001年报告"}) == "1983"
    assert year_of({"year": "", "title": "2014年国务院政府工作报告"}) == "2014"
    assert year_of({"source": "report_1999.txt"}) == "1999"
    assert year_of({"doc": "plans/2035-vision"}) == "2035"
    assert year_of({"title": "第十四届全国人民代表大会第三次会议", "id": "x#12345"}) is None
    assert year_of({"title": "关于落实《2030年可持续发展议程》的报告"}) is None  # a year named, not the year


def test_wilson_interval_matches_the_formula() -> None:
    low, high = wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 20)[0] == 0.0 and 0.15 < wilson(0, 20)[1] < 0.17
    assert wilson(0, 0) == (0.0, 0.0)


def _records() -> list[tuple[dict, list[str], int]]:
    return [
        ({"id": "a#0", "title": "2001年报告", "text": "甲" * 10}, ["diplomacy"], 1),
        ({"id": "a#1", "title": "2001年报告", "text": "乙" * 30}, ["diplomacy", "governance"], 2),
        ({"id": "a#2", "title": "2001年报告", "text": "丙" * 60}, [], 2),
        ({"id": "a#3", "title": "2001年报告", "text": "abstract", "lang": "en"}, [], None),
        ({"id": "b#0", "year": 1990, "text": "丁" * 20}, ["governance"], 1),
        ({"id": "c#0", "title": "决议", "text": "戊" * 5}, ["belt_and_road"], 0),
    ]


def test_shares_of_paragraphs_and_characters_per_year() -> None:
    trends = ThemeTrends(THEMES, "year")
    for record, labels, topic in _records():
        trends.add(record, labels, topic)
    assert trends.ordered_groups() == ["1990", "2001", NO_GROUP]
    rows = {(r.group, r.theme): r for r in trends.theme_rows()}
    r = rows[("2001", "diplomacy")]
    assert (r.paragraphs, r.theme_paragraphs, r.chars, r.theme_chars, r.other_language) == (3, 2, 100, 40, 1)
    assert r.share == pytest.approx(2 / 3) and r.char_share == pytest.approx(0.4)
    assert r.ci_low < r.share < r.ci_high
    assert rows[("1990", "governance")].share == 1.0
    assert rows[(NO_GROUP, "belt_and_road")].theme_paragraphs == 1
    topics = {(r.group, r.theme): r.share for r in trends.topic_rows()}
    assert topics[("2001", "topic 02")] == pytest.approx(2 / 3)


def test_any_metadata_field_groups() -> None:
    trends = ThemeTrends(THEMES, "id")
    for record, labels, topic in _records():
        trends.add(record, labels, topic)
    assert set(trends.ordered_groups()) == {r["id"] for r, _, _ in _records()}


def _filled() -> ThemeTrends:
    trends = ThemeTrends(THEMES, "title")
    for record, labels, topic in _records():
        trends.add(record, labels, topic)
    trends.add({"title": "=HYPERLINK(1)", "text": "己"}, ["diplomacy"])
    return trends


def test_csv_jsonl_and_table_carry_the_same_rows() -> None:
    rows = _filled().theme_rows()
    out = io.StringIO()
    write_csv(rows, out)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(parsed) == len(rows) and parsed[0]["theme"] == "diplomacy"
    assert any(p["group"] == "'=HYPERLINK(1)" for p in parsed)  # never a live formula
    out = io.StringIO()
    write_jsonl(rows, out)
    assert [json.loads(line)["share"] for line in out.getvalue().splitlines()] == [round(r.share, 6) for r in rows]
    table = format_table(rows)
    assert "2001年报告" in table and "66.7%" in table


def test_xlsx_is_a_real_workbook(tmp_path: Path) -> None:
    trends = _filled()
    path = tmp_path / "trends.xlsx"
    write_xlsx(path, {"themes": trends.theme_rows(), "topics": trends.topic_rows()})
    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None
        workbook = book.read("xl/workbook.xml").decode()
        assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["themes", "topics", "themes wide", "topics wide"]
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "2001年报告" in sheet and "=HYPERLINK(1)" in sheet and "<f>" not in sheet
    assert sheet.count("<row ") == len(trends.theme_rows()) + 1


def test_year_plots_one_file_per_series_and_stale_ones_removed(tmp_path: Path) -> None:
    from pipeline.trend_files import write_year_plots

    trends = ThemeTrends(THEMES, "year")
    for record, labels, topic in _records():
        trends.add(record, labels, topic)
    (tmp_path / "old_theme.csv").write_text("stale", encoding="utf-8")
    written = write_year_plots(trends.theme_rows(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in THEMES)
    rows = list(csv.DictReader((tmp_path / "diplomacy.csv").open(encoding="utf-8")))
    assert [r["year"] for r in rows] == ["1990", "2001"]  # undated paragraphs have no x
    assert float(rows[1]["share"]) == pytest.approx(2 / 3, abs=1e-6) and len(written) == 3
    topics = write_year_plots(trends.topic_rows(), tmp_path / "topics")
    assert [p.name for p in topics] == ["topic_00.csv", "topic_01.csv", "topic_02.csv"]
