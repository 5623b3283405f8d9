"""Theme-share tables written for people: a terminal table, CSV, JSONL and a real .xlsx workbook.

The workbook (XlsxWriter, imported only when one is written) has, per table, the long sheet (one row
per group × theme, shares as numbers formatted as percentages) and a wide sheet (groups × themes)
ready for a chart in Excel or LibreOffice.  Text cells that a spreadsheet
would run as a formula (=, +, -, @) are written as text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pipeline.safe_text import spreadsheet_cell
from pipeline.trends import FIELDS, ShareRow, wide

FORMATS = ("table", "csv", "jsonl", "xlsx")


def write_csv(rows: Sequence[ShareRow], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for r in rows:
        writer.writerow([spreadsheet_cell(v) for v in r.as_dict().values()])


def write_jsonl(rows: Sequence[ShareRow], out: TextIO) -> None:
    for r in rows:
        out.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")


def format_table(rows: Sequence[ShareRow]) -> str:
    """A fixed-width table: group, theme, share of paragraphs with its interval, share of characters."""
    width = max([len(r.group) for r in rows] + [5])
    theme_width = max([len(r.theme) for r in rows] + [5])
    lines = [
        f"{'group':<{width}}  {'theme':<{theme_width}}  {'paras':>6}  {'with':>5}  {'share':>6}  "
        f"{'95% CI':>13}  {'char share':>10}"
    ]
    for r in rows:
        group = "".join(c if c.isprintable() else "?" for c in r.group)
        lines.append(
            f"{group:<{width}}  {r.theme:<{theme_width}}  {r.paragraphs:>6}  {r.theme_paragraphs:>5}  "
            f"{r.share:>6.1%}  {r.ci_low:>6.1%}–{r.ci_high:<6.1%}  {r.char_share:>10.1%}"
        )
    return "\n".join(lines) + "\n"


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[ShareRow]]) -> None:
    """An .xlsx workbook: per named table a long sheet, and a wide one (groups × themes) for charts."""
    import xlsxwriter  # only when a workbook is asked for: never on the classify path

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    try:
        percent = book.add_format({"num_format": "0.0%"})
        bold = book.add_format({"bold": True})
        for name, rows in sheets.items():
            if rows:
                _long_sheet(book.add_worksheet(_sheet_name(name)), rows, percent, bold)
        for name, rows in sheets.items():
            if rows:
                _wide_sheet(book.add_worksheet(_sheet_name(name + " wide")), rows, percent, bold)
    finally:
        book.close()


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]


def _wide_sheet(sheet: Any, rows: Sequence[ShareRow], percent: Any, bold: Any) -> None:
    header, table = wide(rows)
    sheet.write_row(0, 0, header, bold)
    for i, row in enumerate(table, start=1):
        sheet.write_string(i, 0, str(row[0]))
        sheet.write_number(i, 1, float(row[1]))
        for j, share in enumerate(row[2:], start=2):
            sheet.write_number(i, j, float(share), percent)
    sheet.freeze_panes(1, 1)


def _long_sheet(sheet: Any, rows: Sequence[ShareRow], percent: Any, bold: Any) -> None:
    sheet.write_row(0, 0, FIELDS, bold)
    for i, r in enumerate(rows, start=1):
        for j, (name, value) in enumerate(r.as_dict().items()):
            if isinstance(value, str):
                sheet.write_string(i, j, value)
            else:
                fmt = percent if name in ("share", "ci_low", "ci_high", "char_share") else None
                sheet.write_number(i, j, float(value), fmt)
    sheet.freeze_panes(1, 0)


def write_year_plots(rows: Sequence[ShareRow], folder: Path) -> list[Path]:
    """One CSV per theme (or topic) under `folder` — year, share, interval, paragraphs — for DVC plots.

    One file per series is how DVC's templates draw several lines without naming them in dvc.yaml,
    so the plots follow the theme set.  Only dated groups (x must be a year); stale files are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    series: dict[str, list[ShareRow]] = {}
    for r in rows:
        if r.group.isdigit():
            series.setdefault(r.theme, []).append(r)
    names = {name: "_".join(name.split()) + ".csv" for name in series}
    for stale in folder.glob("*.csv"):
        if stale.name not in names.values():
            stale.unlink()
    written = []
    for name, items in series.items():
        path = folder / names[name]
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["year", "share", "ci_low", "ci_high", "paragraphs"])
            for r in items:
                writer.writerow([int(r.group), f"{r.share:.6f}", f"{r.ci_low:.6f}", f"{r.ci_high:.6f}", r.paragraphs])
        written.append(path)
    return written
