"""CSV tables: one record per row, the delimiter sniffed from the header line.

Rows go through the same record logic as JSONL lines (records.py), so a row and a line with the
same fields give the same paragraph.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.readers.encoding import MAX_RECORD_CHARS, TextStream, open_binary
from pipeline.readers.errors import InputError, InputFailure
from pipeline.readers.paragraph import Paragraph, ReadOptions
from pipeline.readers.records import record_paragraphs
from pipeline.readers.walk import DocNames

TABLE_SUFFIXES = frozenset({".csv"})


def csv_paragraphs(path: Path, doc: str, options: ReadOptions, names: DocNames) -> Iterator[Paragraph | InputFailure]:
    """Paragraphs of a .csv file: the `text_column` of each row (or a document per row).

    A row that cannot be read (bytes, quoting, a cell over MAX_RECORD_CHARS) is reported with its
    line and skipped; an unterminated quote is reported (it would swallow the rest of the file).
    """
    where = str(path)
    if csv.field_size_limit() < MAX_RECORD_CHARS:  # the default (131,072) is smaller than a record may be
        csv.field_size_limit(MAX_RECORD_CHARS)
    bad: list[InputError] = []
    with open_binary(path) as raw:
        lines = _csv_lines(TextStream(raw, where, options.encoding, MAX_RECORD_CHARS), bad)
        first = next(lines, None)
        if first is None:
            raise InputError(f"{path}: empty file", "empty")
        reader = csv.reader(itertools.chain([first], lines), delimiter=max(",\t;|", key=first.count), strict=True)
        for item in _rows(reader, where, doc, options, names):
            yield from (InputFailure(where, str(err), err.kind) for err in bad)
            bad.clear()
            yield item
    yield from (InputFailure(where, str(err), err.kind) for err in bad)


def _csv_lines(stream: TextStream, bad: list[InputError]) -> Iterator[str]:
    """The stream's lines for the csv module; a line that does not decode goes to `bad` and is
    an empty line here, so the csv module's line numbers stay the file's."""
    for item in stream:
        if isinstance(item, InputError):
            bad.append(item)
            yield "\n"
        else:
            yield item[0] + "\n" if item[1] else item[0]


def _records(reader: Any, where: str) -> Iterator[list[str] | InputFailure]:
    """Rows of the reader; a row the csv module refuses is a failure naming the line it started on."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            if "unexpected end of data" in str(err):
                message = f"{where}:{start}: unterminated quote: lines {start}-{reader.line_num} not read"
                yield InputFailure(where, message, "malformed")
                return
            yield InputFailure(where, f"{where}:{start}: malformed CSV row, skipped ({err})", "malformed")
            continue
        yield row


def _rows(
    reader: Any, where: str, doc: str, options: ReadOptions, names: DocNames
) -> Iterator[Paragraph | InputFailure]:
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as err:
        raise InputError(f"{where}:1: malformed CSV header ({err})", "malformed") from None
    text_key, id_key = options.text_column, options.id_column
    if text_key not in header:
        raise InputError(f"{where}: no '{text_key}' column (columns: {', '.join(header)})", "malformed")
    text_at = header.index(text_key)
    id_at = header.index(id_key) if id_key in header else None
    row_number = 0
    for row in _records(reader, where):
        if isinstance(row, InputFailure):
            yield row
            continue
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= text_at:
            yield InputFailure(where, f"{where}:{reader.line_num}: row has no '{text_key}'", "malformed")
            continue
        rec: dict = dict(zip(header, row, strict=False))
        rec[text_key] = row[text_at]
        if id_key:
            rec[id_key] = row[id_at].strip() if id_at is not None and id_at < len(row) else ""
        yield from record_paragraphs(rec, row_number, where, doc, (text_key, id_key), options, names)
