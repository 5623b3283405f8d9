"""The one read path: files, folders and stdin → paragraphs, for the CLI and the ingest stage alike.

`read_inputs` reports what cannot be read as InputFailure items and goes on with the rest (the
CLI); `read_corpus` is the same walk for the ingest stage, which stops at the first failure because
training data must be complete, and drops licence footers and source lines (boilerplate.py).
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import TextIO

from pipeline.readers.boilerplate import without_boilerplate
from pipeline.readers.encoding import HEAD_BYTES, open_binary
from pipeline.readers.errors import InputError, InputFailure, os_failure
from pipeline.readers.language import language
from pipeline.readers.paragraph import DEFAULT_OPTIONS, Paragraph, ReadOptions
from pipeline.readers.pdf import pdf_paragraphs
from pipeline.readers.records import RECORD_SUFFIXES, jsonl_paragraphs
from pipeline.readers.repair import iter_paragraphs
from pipeline.readers.table import TABLE_SUFFIXES, csv_paragraphs
from pipeline.readers.text import TEXT_SUFFIXES, stream_paragraphs, text_paragraphs
from pipeline.readers.walk import DocNames, walk
from pipeline.readers.word import docx_paragraphs

DOCUMENT_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}
SUPPORTED_SUFFIXES = DOCUMENT_SUFFIXES | RECORD_SUFFIXES | TABLE_SUFFIXES


def document_paragraphs(path: Path, encoding: str | None = None) -> Iterator[str | InputError]:
    """Paragraphs of a .txt/.md/.docx/.pdf file; InputError raised when it cannot be read, or
    yielded in place of a line that cannot (the paragraphs after it are still read)."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_paragraphs(path)
    if suffix == ".pdf":
        return pdf_paragraphs(path)
    return text_paragraphs(path, encoding)


def _numbered(paragraphs: Iterable[str | InputError], doc: str, source: str) -> Iterator[Paragraph | InputFailure]:
    index = 0
    for text in paragraphs:
        if isinstance(text, InputError):
            yield InputFailure(source, str(text), text.kind)
            continue
        yield Paragraph(f"{doc}#{index:03d}", doc, index, text, {"source": source, "lang": language(text)})
        index += 1


def _file_paragraphs(path: Path, doc: str, options: ReadOptions, names: DocNames) -> Iterator[Paragraph | InputFailure]:
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        yield from _numbered(document_paragraphs(path, options.encoding), names.claim(doc), str(path))
    elif suffix in RECORD_SUFFIXES:
        with open_binary(path) as raw:
            yield from jsonl_paragraphs(raw, str(path), _record_doc(doc, options, names), options, names)
    elif suffix in TABLE_SUFFIXES:
        yield from csv_paragraphs(path, _record_doc(doc, options, names), options, names)
    else:
        raise InputError(
            f"{path}: unsupported file type '{suffix or path.name}' "
            f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
            "unsupported",
        )


def _record_doc(doc: str, options: ReadOptions, names: DocNames) -> str:
    """A file of records read as paragraphs is one document; read as documents, each record names its own."""
    return names.claim(doc) if options.records == "paragraph" else doc


def _stdin_paragraphs(stdin: TextIO, options: ReadOptions, names: DocNames) -> Iterator[Paragraph | InputFailure]:
    """stdin is JSONL records when its first character is '{' (or `stdin_format` says so),
    else one plain-text document; raw bytes are decoded like a file when available."""
    raw = getattr(stdin, "buffer", None)
    fmt = options.stdin_format
    if fmt == "auto" and raw is not None and hasattr(raw, "peek"):
        fmt = "jsonl" if raw.peek(HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "text"
    if fmt == "jsonl" and raw is not None:
        yield from jsonl_paragraphs(raw, "<stdin>", _record_doc("stdin", options, names), options, names)
        return
    paragraphs = iter_paragraphs(stdin) if raw is None else stream_paragraphs(raw, "<stdin>", options.encoding)
    yield from _numbered(paragraphs, names.claim("stdin"), "-")


def _guarded(path: str, items: Iterator[Paragraph | InputFailure]) -> Iterator[Paragraph | InputFailure]:
    """Turn a reader's InputError/OSError into an InputFailure; an input with no paragraphs is one too."""
    produced = False
    try:
        for item in items:
            produced = True
            yield item
    except InputError as err:
        yield InputFailure(path, str(err), err.kind)
        return
    except OSError as err:
        yield os_failure(path, err)
        return
    if not produced:
        yield InputFailure(path, f"{path}: empty (no text)", "empty")


def _folder_paragraphs(root: Path, options: ReadOptions, names: DocNames) -> Iterator[Paragraph | InputFailure]:
    found = False
    for item in walk(root, options):
        if isinstance(item, InputFailure):
            yield item
            continue
        path, rel = item
        found = True
        doc = PurePosixPath(rel).with_suffix("").as_posix()
        yield from _guarded(str(path), _file_paragraphs(path, doc, options, names))
    if not found:
        yield InputFailure(
            str(root), f"{root}: no .txt, .md, .docx, .pdf, .csv or .jsonl files in this folder", "empty"
        )


def read_inputs(
    inputs: Sequence[str], options: ReadOptions = DEFAULT_OPTIONS, stdin: TextIO | None = None
) -> Iterator[Paragraph | InputFailure]:
    """Paragraphs of every input, in input order; a bad input is an InputFailure and the rest goes on.

    An input is a file, a folder (recursive, sorted, include/exclude globs; hidden entries are
    skipped, unsupported files reported) or "-" for stdin (a plain-text document, doc "stdin").
    .txt/.md/.docx/.pdf are documents split into paragraphs (`<doc>#000`, doc = file stem, or the
    path under the folder without suffix, made unique); each .jsonl line and .csv row is one
    paragraph, or one document when `options.records == "document"`.
    """
    names = DocNames()
    for given in inputs:
        if given == "-":
            yield from _guarded("<stdin>", _stdin_paragraphs(stdin or sys.stdin, options, names))
            continue
        path = Path(given)
        try:
            mode = path.stat().st_mode
        except OSError as err:
            yield os_failure(given, err)
            continue
        if stat.S_ISDIR(mode):
            yield from _folder_paragraphs(path, options, names)
        elif stat.S_ISREG(mode):
            yield from _guarded(given, _file_paragraphs(path, path.stem, options, names))
        else:
            yield InputFailure(given, f"{given}: not a regular file (use '-' to read stdin)", "unsupported")


def read_corpus(
    root: Path, text_field: str = "content", skipped: list[InputFailure] | None = None
) -> Iterator[Paragraph]:
    """The ingest stage's corpus (a folder or a file; .jsonl/.csv records are documents) as paragraphs.

    Document ids: a file's path relative to the corpus root without suffix; a record's `id` (else
    its `doc` field, else `<file stem>-<line number>`).  Paragraph ids are `doc#index`, the same
    ids the CLI gives.  An unsupported file in a folder is appended to `skipped` (when given) and
    the walk goes on; any other failure stops the corpus with an InputError.
    """
    options = ReadOptions(text_field=text_field, records="document")
    for item in without_boilerplate(read_inputs([str(root)], options)):
        if isinstance(item, Paragraph):
            yield item
        elif item.kind == "unsupported" and skipped is not None and item.path != str(root):
            skipped.append(item)
        else:
            raise InputError(item.message, item.kind)
