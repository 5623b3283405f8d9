"""Result rows as text: JSONL, JSON, CSV and the terminal table — each safe for where it goes.

- JSON/JSONL are always valid JSON: non-finite floats (NaN, Infinity, 1e999) in pass-through fields
  become null and integers too long for `int`→`str` conversion become strings. The fast path is
  one `json.dumps` per row; only a row that fails it is cleaned.
- CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
  leading apostrophe, OWASP's recommendation; numbers are written as numbers.
- The table escapes control characters and bidirectional overrides (`\\x1b` is shown, never sent),
  so input text cannot move the cursor, change colours or reorder what the terminal shows.
- Lone surrogates (from JSON escapes such as "\\ud800") are written by the output stream's
  `backslashreplace` handler as `\\ud800`: in JSON that is the same escape read back.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from typing import Any, TextIO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# C0 and C1 controls, DEL and the bidirectional embeddings/overrides/isolates → visible escapes.
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE_ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _CONTROLS}
_TABLE_ESCAPES.update({ord("\n"): " ", ord("\t"): " "})


def json_safe(value: Any) -> Any:
    """`value` with non-finite floats as None and over-long integers as strings (valid JSON).

    Iterative, so a deeply nested value cannot exhaust the stack.
    """
    root: list[Any] = [value]
    stack: list[tuple[list | dict, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, float) and not math.isfinite(item):
            container[key] = None
        elif isinstance(item, int) and item.bit_length() > 14_000:  # past the 4,300-digit str() limit
            container[key] = _long_int_text(item)
        elif isinstance(item, dict):
            container[key] = item = dict(item)
            stack.extend((item, k) for k in item)
        elif isinstance(item, list | tuple):
            container[key] = item = list(item)
            stack.extend((item, i) for i in range(len(item)))
    return root[0]


def _long_int_text(value: int) -> str:
    """Decimal text of an integer beyond Python's default 4,300-digit conversion limit."""
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(value)
    finally:
        sys.set_int_max_str_digits(limit)


# One encoder for every row: json.dumps with non-default arguments builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_SAFE_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def json_line(row: dict) -> str:
    """One row as compact JSON text, always valid JSON (see module docstring)."""
    try:
        return _ENCODER.encode(row)
    except (ValueError, RecursionError):
        return _SAFE_ENCODER.encode(json_safe(row))


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula prefixes neutralised, numbers left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def table_text(value: Any) -> str:
    """Text safe to print on a terminal: control characters as visible escapes, lines joined."""
    return str(value).translate(_TABLE_ESCAPES)


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
            self._csv.writerow([csv_cell(c) for c in cells])

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
        ident = table_text(row["id"])
        if self.kind == "tokens":
            return f"{ident:<28} {table_text(' / '.join(row['tokens']))}\n"
        text = table_text(row.get("text", ""))
        labels = ", ".join(row["labels"]) or "—"
        scores = " ".join(f"{row['scores'][t]:>5.2f}" for t in self.themes)
        topic = "" if row["topic"] is None else str(row["topic"])
        preview = text[:24] + ("…" if len(text) > 24 else "")
        line = f"{ident:<28} {labels:<34} {scores} {topic:>5}  {preview}\n"
        return line + "".join(f"    ↳ {table_text(e)}\n" for e in evidence_lines(row))


def evidence_lines(row: dict) -> list[str]:
    """One line per explained label: `theme: feature +contribution, …` (none without --explain)."""
    return [
        f"{theme}: " + ", ".join(f"{f['label']} {f['contribution']:+.2f}" for f in ev.get("features", []))
        for theme, ev in (row.get("evidence") or {}).items()
    ]
