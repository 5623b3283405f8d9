"""Writing result rows: the formats (table, json, jsonl, csv) and the output file."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pipeline.cli.failure import Failure
from pipeline.cli.options import ROW_FORMATS


class Writer:
    """Streams result rows in one of ROW_FORMATS; rows are dicts with id, labels, scores, …"""

    def __init__(self, out: TextIO, fmt: str, extra: list[str], themes: Sequence[str] = ()) -> None:
        self.out, self.fmt, self.extra = out, fmt, extra
        self.themes = tuple(themes)  # the bundle's theme set: one score column per theme
        self.first = True
        self.csv: csv.writer | None = None

    def write(self, row: dict) -> None:
        fmt = self.fmt
        if fmt == "jsonl":
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif fmt == "json":
            self.out.write(("[\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
        elif fmt == "csv":
            if self.csv is None:
                self.csv = csv.writer(self.out)
                self.csv.writerow(self._csv_header())
            self.csv.writerow(self._csv_row(row))
        else:
            if self.first:
                self.out.write(self._table_header())
            self.out.write(self._table_row(row))
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.out.write("[]\n" if self.first else "\n]\n")
        self.out.flush()

    def _csv_header(self) -> list[str]:
        if "tokens" in self.extra:
            return ["id", "tokens", "text"]
        evidence = ["evidence"] if "evidence" in self.extra else []
        return ["id", "labels", *[f"score_{t}" for t in self.themes], "topic", "lang", *evidence, "text"]

    def _csv_row(self, row: dict) -> list:
        if "tokens" in self.extra:
            return [row["id"], " ".join(row["tokens"]), row.get("text", "")]
        return [
            row["id"],
            ";".join(row["labels"]),
            *[row["scores"][t] for t in self.themes],
            row["topic"],
            row["lang"],
            *([" | ".join(evidence_lines(row))] if "evidence" in self.extra else []),
            row.get("text", ""),
        ]

    def _table_header(self) -> str:
        if "tokens" in self.extra:
            return f"{'id':<28} tokens\n"
        scores = " ".join(f"{t[:4]:>5}" for t in self.themes)
        return f"{'id':<28} {'labels':<34} {scores} {'topic':>5}  text\n"

    def _table_row(self, row: dict) -> str:
        text = str(row.get("text", "")).replace("\n", " ")
        if "tokens" in self.extra:
            return f"{row['id']:<28} {' / '.join(row['tokens'])}\n"
        labels = ", ".join(row["labels"]) or "—"
        scores = " ".join(f"{row['scores'][t]:>5.2f}" for t in self.themes)
        topic = "" if row["topic"] is None else str(row["topic"])
        preview = text[:24] + ("…" if len(text) > 24 else "")
        line = f"{row['id']:<28} {labels:<34} {scores} {topic:>5}  {preview}\n"
        return line + "".join(f"    ↳ {line}\n" for line in evidence_lines(row))


def evidence_lines(row: dict) -> list[str]:
    """One line per explained label: `theme: feature +contribution, …` (none without --explain)."""
    return [
        f"{theme}: " + ", ".join(f"{f['label']} {f['contribution']:+.2f}" for f in ev.get("features", []))
        for theme, ev in (row.get("evidence") or {}).items()
    ]


def open_output(output: Path | None) -> TextIO:
    if output is None:
        return sys.stdout
    try:
        return output.open("w", encoding="utf-8", newline="")
    except OSError as err:
        raise Failure(f"{output}: cannot write ({err.strerror})") from None


def pick_format(fmt: str | None, output: Path | None) -> str:
    """The row format: as asked, else a table on a terminal and JSONL for pipes and files."""
    if fmt is None:
        return "table" if output is None and sys.stdout.isatty() else "jsonl"
    return fmt


__all__ = ["ROW_FORMATS", "Writer", "open_output", "pick_format"]
