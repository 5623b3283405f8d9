"""Records (.jsonl lines, .csv rows) → paragraphs, the same way for both formats.

A record is either one paragraph (the CLI classifies records as they are) or one document (the
ingest stage splits a corpus record's text into paragraphs).  A bad record is reported with
file:line and skipped; the records after it are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.readers.encoding import MAX_RECORD_CHARS, TextStream, open_binary
from pipeline.readers.errors import InputError, InputFailure
from pipeline.readers.language import language
from pipeline.readers.paragraph import CORE_FIELDS, Paragraph, ReadOptions
from pipeline.readers.repair import MAX_PARAGRAPH_CHARS, iter_paragraphs, normalise
from pipeline.readers.walk import DocNames

RECORD_SUFFIXES = frozenset({".jsonl"})
MAX_ID_CHARS = 1_000  # an id is a name, not content


def iter_records(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line of a JSONL file; bad lines are errors."""
    with open_binary(path) as raw:
        for item in jsonl_objects(raw, str(path), None):
            if isinstance(item, InputError):
                raise item
            yield item


def jsonl_objects(raw: BinaryIO, where: str, encoding: str | None) -> Iterator[tuple[int, dict] | InputError]:
    """(line number, object) per non-blank line of a JSONL byte stream; a bad line is an item, not a stop."""
    stream = TextStream(raw, where, encoding, MAX_RECORD_CHARS)
    too_long = False
    for item in stream:
        lineno = stream.lineno + 1
        if isinstance(item, InputError):
            yield item
            continue
        line, complete = item
        if not complete or too_long:
            too_long = not complete
            if complete:
                yield InputError(
                    f"{where}:{lineno}: line longer than {MAX_RECORD_CHARS:,} characters, skipped", "too-large"
                )
            continue
        if line.strip():
            yield _parsed(line, f"{where}:{lineno}", lineno)


def _parsed(line: str, at: str, lineno: int) -> tuple[int, dict] | InputError:
    """One JSONL line as an object, or the one-line reason it is not one."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        return InputError(f"{at}: malformed JSON ({err.msg})", "malformed")
    except RecursionError:
        return InputError(f"{at}: JSON nested too deeply", "malformed")
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        return InputError(f"{at}: unreadable JSON value ({err})", "malformed")
    if not isinstance(obj, dict):
        return InputError(f"{at}: expected a JSON object", "malformed")
    if _SURROGATE_ESCAPE.search(line) and not _encodable(obj):
        return InputError(f"{at}: lone surrogate escape (\\ud800-\\udfff without its pair) in a string", "malformed")
    return lineno, obj


# "\ud800"-"\udfff" escapes: a pair is one character, a lone one cannot be written as UTF-8
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _encodable(obj: object) -> bool:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        return False
    return True


def jsonl_paragraphs(
    raw: BinaryIO, where: str, doc: str, options: ReadOptions, names: DocNames
) -> Iterator[Paragraph | InputFailure]:
    """Paragraphs of a JSONL byte stream (a file or stdin)."""
    keys = (options.text_field, options.id_field)
    for item in jsonl_objects(raw, where, options.encoding):
        if isinstance(item, InputError):
            yield InputFailure(where, str(item), item.kind)
        else:
            yield from record_paragraphs(item[1], item[0], where, doc, keys, options, names)


def record_paragraphs(
    rec: dict,
    lineno: int,
    where: str,
    doc: str,
    keys: tuple[str, str | None],
    options: ReadOptions,
    names: DocNames,
) -> Iterator[Paragraph | InputFailure]:
    """One record as a paragraph, or as a document split into paragraphs (`options.records`)."""
    text_key, id_key = keys
    value = rec.get(id_key) if id_key else None
    problem = _record_problem(rec, text_key, id_key, value, options.records == "document")
    if problem:
        yield InputFailure(where, f"{where}:{lineno}: {problem}", "malformed")
        return
    meta = {k: v for k, v in rec.items() if k not in (text_key, id_key)}
    if options.records == "document":
        yield from _document_record(rec.get(text_key) or "", meta, value, lineno, where, doc, names)
        return
    text = normalise(rec[text_key])
    ident = doc + f"#{lineno}" if value is None or value == "" else str(value)
    meta.setdefault("source", where)
    meta.setdefault("lang", language(text))
    yield Paragraph(ident, doc, lineno, text, meta, None if value == "" else value)


def _record_problem(rec: dict, text_key: str, id_key: str | None, value: object, document: bool) -> str:
    """Why a record is not readable ("" when it is)."""
    if text_key not in rec:
        return f"no '{text_key}' field" + (" (set data.text_field)" if document else "")
    text = rec[text_key]
    if not (isinstance(text, str) or (document and text is None)):
        return f"'{text_key}' is not a string"
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        return f"'{id_key}' is not a string or integer"
    if value is not None and len(str(value)) > MAX_ID_CHARS:
        return f"'{id_key}' longer than {MAX_ID_CHARS} characters"
    if not document and len(text) > MAX_PARAGRAPH_CHARS:
        return (
            f"'{text_key}' has {len(text):,} characters, over the {MAX_PARAGRAPH_CHARS:,} of one paragraph (split it)"
        )
    return ""


def _document_record(
    text: str, meta: dict, value: object, lineno: int, where: str, file_doc: str, names: DocNames
) -> Iterator[Paragraph]:
    """A corpus record: its id (or `doc` field) names the document; scalar fields are its metadata."""
    stem = file_doc.rsplit("/", 1)[-1]
    named = value if value not in (None, "") else meta.get("doc")
    doc = names.claim(str(named) if named not in (None, "") else f"{stem}-{lineno:04d}")
    base = {k: v for k, v in meta.items() if k not in CORE_FIELDS and _is_scalar(v)}
    base.setdefault("source", where)
    for index, para in enumerate(iter_paragraphs([text])):
        yield Paragraph(f"{doc}#{index:03d}", doc, index, para, {**base, "lang": language(para)})


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
