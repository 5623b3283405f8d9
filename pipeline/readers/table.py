"""CSV tables: one record per row, the delimiter sniffed from the header line.

Rows go through the same record logic as JSONL lines (records.py), so a row and a line with the
same fields give the same paragraph.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from pipeline.readers.encoding import MAX_RECORD_CHARS, TextStream, open_binary
from pipeline.readers.errors import InputError, InputFailure
from pipeline.readers.paragraph import Paragraph, ReadOptions
from pipeline.readers.records import record_paragraphs
from pipeline.readers.walk import DocNames

TABLE_SUFFIXES = frozenset({".csv"})


def csv_paragraphs(path: Path, doc: str, options: ReadOptions, names: DocNames) -> Iterator[Paragraph | InputFailure]:
    """Paragraphs of a .csv file: the `text_column` of each row (or a document per row)."""
    where = str(path)
    with open_binary(path) as raw:
        stream = TextStream(raw, where, options.encoding, MAX_RECORD_CHARS)
        lines = (line + "\n" if complete else line for line, complete in stream)
        first = next(lines, None)
        if first is None:
            raise InputError(f"{path}: empty file", "empty")
        reader = csv.reader(itertools.chain([first], lines), delimiter=max(",\t;|", key=first.count))
        try:
            yield from _rows(reader, where, doc, options, names)
        except csv.Error as err:
            raise InputError(f"{path}:{reader.line_num}: malformed CSV ({err})", "malformed") from None
    if stream.error:
        raise stream.error


def _rows(
    reader: Iterator[list[str]], where: str, doc: str, options: ReadOptions, names: DocNames
) -> Iterator[Paragraph | InputFailure]:
    header = [name.strip() for name in next(reader)]
    text_key, id_key = options.text_column, options.id_column
    if text_key not in header:
        raise InputError(f"{where}: no '{text_key}' column (columns: {', '.join(header)})", "malformed")
    text_at = header.index(text_key)
    id_at = header.index(id_key) if id_key in header else None
    for row_number, row in enumerate(reader, 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= text_at:
            line = reader.line_num  # type: ignore[attr-defined]
            yield InputFailure(where, f"{where}:{line}: row has no '{text_key}'", "malformed")
            continue
        rec: dict = dict(zip(header, row, strict=False))
        rec[text_key] = row[text_at]
        if id_key:
            rec[id_key] = row[id_at].strip() if id_at is not None and id_at < len(row) else ""
        yield from record_paragraphs(rec, row_number, where, doc, (text_key, id_key), options, names)
