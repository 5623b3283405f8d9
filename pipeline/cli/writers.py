"""Result rows as text: JSONL, JSON, CSV and the terminal table — each safe for where it goes.

- JSON/JSONL are always valid JSON: non-finite floats (NaN, Infinity, 1e999) in pass-through fields
  become null and integers too long for `int`→`str` conversion become strings. The fast path is
  one encoder call per row; only a row that fails it is cleaned (`pipeline.safe_text.json_safe`).
- CSV cells go through `spreadsheet_cell` (formula prefixes neutralised), the table through
  `terminal_text` (control characters escaped): see `pipeline.safe_text`.
- Lone surrogates (from JSON escapes such as "\\ud800") are written by the output stream's
  `backslashreplace` handler as `\\ud800`: in JSON that is the same escape read back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

from pipeline.safe_text import json_safe, spreadsheet_cell, terminal_text

# One encoder for every row: json.dumps with non-default arguments builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_SAFE_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def json_line(row: dict) -> str:
    """One row as compact JSON text, always valid JSON (see module docstring)."""
    try:
        return _ENCODER.encode(row)
    except (ValueError, RecursionError):
        return _SAFE_ENCODER.encode(json_safe(row))


class RowWriter:
    """Streams result rows in one format; a row is a dict with id, text and labels/scores/… or tokens.

    `kind` is "tokens" (segment), "labels" (classify) or "evidence" (classify --explain): each has
    its own CSV columns and table view, one score column per theme of the bundle's theme set;
    JSON and JSONL write every field of the row.
    """

    def __init__(self, out: TextIO, fmt: str, kind: str, themes: Sequence[str] = ()) -> None:
        self.out, self.fmt, self.kind = out, fmt, kind
        self.themes = tuple(themes)
        self.count = 0
        self._csv: Any = None

    def write(self, rows: Sequence[dict]) -> None:
        """Write a batch of rows (one `write` call on the stream for JSONL, the hot path)."""
        if not rows:
            return
        if self.fmt == "jsonl":
            self.out.write("\n".join(map(json_line, rows)) + "\n")
        elif self.fmt == "json":
            body = ",\n".join(map(json_line, rows))
            self.out.write(("[\n" if self.count == 0 else ",\n") + body)
        elif self.fmt == "csv":
            self._write_csv(rows)
        else:
            self._write_table(rows)
        self.count += len(rows)

    def close(self) -> None:
        """Finish the document (JSON's closing bracket) and flush, so write errors surface here."""
        if self.fmt == "json":
            self.out.write("[]\n" if self.count == 0 else "\n]\n")
        self.out.flush()

    def _write_csv(self, rows: Sequence[dict]) -> None:
        if self._csv is None:
            self._csv = csv.writer(self.out)
            self._csv.writerow(self._csv_header())
        for row in rows:
            if self.kind == "tokens":
                cells = [row["id"], " ".join(row["tokens"]), row.get("text", "")]
            else:
                scores = [row["scores"][t] for t in self.themes]
                evidence = [" | ".join(evidence_lines(row))] if self.kind == "evidence" else []
                cells = [row["id"], ";".join(row["labels"]), *scores, row["topic"], row["lang"], *evidence]
                cells.append(row.get("text", ""))
            self._csv.writerow([spreadsheet_cell(c) for c in cells])

    def _csv_header(self) -> list[str]:
        if self.kind == "tokens":
            return ["id", "tokens", "text"]
        evidence = ["evidence"] if self.kind == "evidence" else []
        return ["id", "labels", *[f"score_{t}" for t in self.themes], "topic", "lang", *evidence, "text"]

    def _write_table(self, rows: Sequence[dict]) -> None:
        if self.count == 0:
            if self.kind == "tokens":
                self.out.write(f"{'id':<28} tokens\n")
            else:
                scores = " ".join(f"{t[:4]:>5}" for t in self.themes)
                self.out.write(f"{'id':<28} {'labels':<34} {scores} {'topic':>5}  text\n")
        self.out.write("".join(map(self._table_row, rows)))

    def _table_row(self, row: dict) -> str:
        ident = terminal_text(row["id"])
        if self.kind == "tokens":
            return f"{ident:<28} {terminal_text(' / '.join(row['tokens']))}\n"
        text = terminal_text(row.get("text", ""))
        labels = ", ".join(row["labels"]) or "—"
        scores = " ".join(f"{row['scores'][t]:>5.2f}" for t in self.themes)
        topic = "" if row["topic"] is None else str(row["topic"])
        preview = text[:24] + ("…" if len(text) > 24 else "")
        line = f"{ident:<28} {labels:<34} {scores} {topic:>5}  {preview}\n"
        return line + "".join(f"    ↳ {terminal_text(e)}\n" for e in evidence_lines(row))


def evidence_lines(row: dict) -> list[str]:
    """One line per explained label: `theme: feature +contribution, …` (none without --explain)."""
    return [
        f"{theme}: " + ", ".join(f"{f['label']} {f['contribution']:+.2f}" for f in ev.get("features", []))
        for theme, ev in (row.get("evidence") or {}).items()
    ]
