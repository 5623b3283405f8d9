"""Documents → paragraphs: readers, encoding detection, normalisation and the repair of broken lines.

The ingest stage and the CLI both read through this module, so a document is split into the
same paragraphs in training and in inference.  Nothing here imports the training stack, and the
format libraries (python-docx, pypdf, charset-normalizer) are imported only when a file needs them.

Everything streams: text is decoded incrementally and paragraphs are repaired over a stream of
lines, so a 1 GB .txt or .jsonl file is read in bounded memory.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import itertools
import json
import logging
import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TextIO


class InputError(Exception):
    """A problem with something the user gave us; the message is one line and names the file.

    `kind` says what went wrong (see InputFailure) so callers can choose an exit code.
    """

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One unit as THEMES.md defines it: a block of text ended by a line break."""

    id: str
    doc: str
    index: int
    text: str
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReadOptions:
    """How `iter_units` reads its inputs (the CLI's options)."""

    encoding: str | None = None  # override detection for text-based files
    text_field: str = "text"  # .jsonl inputs
    id_field: str = "id"
    text_column: str = "text"  # .csv inputs
    id_column: str | None = "id"
    include: tuple[str, ...] = ()  # glob patterns for folders (e.g. "*.txt"); empty = all supported
    exclude: tuple[str, ...] = ()
    stdin_format: str = "auto"  # "-" is: auto (JSONL when it starts with '{') | jsonl | text


DEFAULT_OPTIONS = ReadOptions()


@dataclass(frozen=True, slots=True)
class Unit:
    """One paragraph to classify.

    `id` is stable: `<doc>#<index:03d>` for documents, the record's own id for .jsonl/.csv rows.
    `text` is the normalised original text (traditional characters are kept; features convert).
    `meta` holds a record's other fields, plus "lang" and "source" (a record's own fields win).
    """

    id: str
    text: str
    doc: str
    meta: dict


@dataclass(frozen=True, slots=True)
class InputFailure:
    """A bad input: reported and skipped, the batch goes on.

    kind: missing | permission | unsupported | empty | binary | encoding | malformed | encrypted |
    no-text-layer | corrupt | unreadable.
    """

    path: str
    message: str  # one line, names the file (and line where relevant)
    kind: str = "unreadable"


# --------------------------------------------------------------------------- normalisation

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# Full-width punctuation is how Chinese is written; NFKC would turn it into ASCII.  Park it in
# the private-use area while NFKC folds full-width Latin letters and digits, then bring it back.
# (str.replace and the is_normalized quick check: str.translate with a dict is 10x slower.)
_KEEP = "，；：！？（）"
_PARKED = [(c, chr(0xE000 + i)) for i, c in enumerate(_KEEP)]


def normalise(text: str) -> str:
    """NFKC for full-width Latin and digits, drop zero-width characters, fold spaces.

    Chinese punctuation is kept full-width, and a space between two Chinese characters (layout,
    not content) is removed.
    """
    text = _ZERO_WIDTH.sub("", text)
    for keep, parked in _PARKED:
        text = text.replace(keep, parked)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for keep, parked in _PARKED:
        text = text.replace(parked, keep)
    text = _SPACES.sub(" ", text).strip()
    return _CJK_SPACE.sub("", text)


# --------------------------------------------------------------------------- paragraph repair
#
# Measured against the annotators' paragraphs in ../shared (labels/*.jsonl vs the source texts):
# the Wikisource extraction breaks lines around inline markup ("…（PM" / "2.5" / "）浓度…",
# "根据《" / "中华人民共和国著作权法" / "》第五条…"), and the annotators glued a short fragment to the
# line after it, but never glued a long line to the next one.  So the rule looks forward: a
# short line that does not end a sentence continues into the next line when it is too short
# to stand alone, or when it visibly breaks off (clause punctuation, an opening bracket, a next
# line that starts with closing punctuation, is itself short, or is a parenthetical).
# A title ("城市外交与超大城市治理的互动机制研究") followed by a body paragraph stays on its own.

FRAGMENT_CHARS = 8  # a word, a name, "2.5", "[": cannot be a paragraph on its own
SHORT_LINE_CHARS = 26  # longer lines are complete (agreement plateau 25–28 on the annotated reports)
MAX_PARAGRAPH_CHARS = 200_000  # a run of fragments is cut here, so memory stays bounded

_SENTENCE_END = tuple("。！？；：…”’」』）)!?;:.")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十百]+、|（[一二三四五六七八九十百]+）|\([一二三四五六七八九十百]+\)|"
    r"第[一二三四五六七八九十百零0-9]+[章节部分篇条]|[0-9]{1,2}[.、．](?![0-9])|[（(][0-9]{1,2}[)）])"
)
# Markdown headings and list items are structure too: they neither continue nor get continued
_MARKUP_HEADING = re.compile(r"^(?:#{1,6}|[-*+])\s")
# licence footers and notes start a paragraph of their own, whatever precedes them
_BLOCK_START = re.compile(r"^(?:本作品(?:是|来自|在)|注[：:])")
_CLAUSE = re.compile(r"[，、；,;]")
_OPENING = tuple("《“‘（([「『【")
_CONTINUATION_START = re.compile(r"^[，。、；：！？）》」』”’%…)\]】]")
_PARENTHETICAL = re.compile(r"^[（(][^（()）]*[）)]$")
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LATIN_TAIL = frozenset(_ASCII_LETTERS + "0123456789,.;:!?)")
_LATIN_HEAD = frozenset(_ASCII_LETTERS + "(")


def is_heading(line: str) -> bool:
    """A numbered heading line (一、 / （一） / 第一章 / 1.) stays its own paragraph."""
    return bool(_HEADING.match(line))


def _structural(line: str) -> bool:
    """A heading (numbered or Markdown) or a list item: a paragraph of its own."""
    return bool(_HEADING.match(line) or _MARKUP_HEADING.match(line))


def _starts_paragraph(line: str) -> bool:
    return _structural(line) or bool(_BLOCK_START.match(line))


def _continues(line: str, following: str) -> bool:
    """Does `line` (normalised, non-empty) break off so that `following` completes it?"""
    if line.endswith(_SENTENCE_END) or _structural(line) or _starts_paragraph(following):
        return False
    if len(line) <= FRAGMENT_CHARS:
        return True
    if len(line) > SHORT_LINE_CHARS:
        return False
    return bool(
        _CLAUSE.search(line)
        or line.endswith(_OPENING)
        or len(following) <= SHORT_LINE_CHARS
        or _CONTINUATION_START.match(following)
        or _PARENTHETICAL.match(following)
    )


def _glue(left: str, right: str) -> str:
    """What goes between two pieces of one paragraph: nothing in Chinese, a space between Latin words."""
    return " " if left[-1:] in _LATIN_TAIL and right[:1] in _LATIN_HEAD else ""


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Repair a stream of lines into normalised paragraphs (blank lines are not breaks).

    Each input may hold several lines (any of str.splitlines' separators); only one line of
    look-ahead is kept, so this streams.
    """
    parts: list[str] = []  # the paragraph being built, without `pending`
    size = 0
    pending = ""  # the last line seen: whether it continues depends on the next one
    for chunk in lines:
        for raw in chunk.splitlines():
            line = normalise(raw)
            if not line:
                continue
            if pending:
                parts += [_glue(parts[-1], pending), pending] if parts else [pending]
                size += len(pending)
                if not _continues(pending, line) or size >= MAX_PARAGRAPH_CHARS:
                    yield "".join(parts)
                    parts, size = [], 0
            pending = line
    if pending:
        yield "".join([*parts, _glue(parts[-1], pending), pending] if parts else [pending])


def repair_lines(lines: list[str]) -> list[str]:
    """Rejoin lines broken mid-sentence; keep headings and complete lines as they are."""
    return list(iter_paragraphs(lines))


def split_paragraphs(text: str) -> list[str]:
    """Split a document into normalised paragraphs (non-empty lines, repaired)."""
    return list(iter_paragraphs(text.splitlines()))


# --------------------------------------------------------------------------- language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, 'en' for Latin text,
    'und' when there are no letters at all (numbers, punctuation)."""
    latin = len(_LATIN.findall(text))  # few matches in Chinese text, so this is cheap
    if not latin:
        return "zh" if _HAN.search(text) else "und"
    han = len(text) - len(_HAN.sub("", text))  # counted by deletion: one new string, not a list
    if han and han * 4 >= latin:  # a Latin letter weighs about a quarter of a character of text
        return "zh"
    if latin:
        return "en"
    return "und"


# --------------------------------------------------------------------------- encodings

HEAD_BYTES = 1 << 16  # encoding detection looks at the first 64 KB
_CHUNK_BYTES = 1 << 20
MAX_LINE_CHARS = 1 << 20  # a longer text line is read in pieces (each repaired like a line)
MAX_RECORD_CHARS = 1 << 24  # a longer .jsonl/.csv line is reported, not parsed

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP/.docx/.xlsx archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) file"),
)
# tried in this order when the bytes are not UTF-8; ties go to the earlier one
_TRIALS = ("gb18030", "cp950", "utf-16-le", "utf-16-be")
_PLAUSIBLE = 0.8  # share of characters that fit Chinese (or Latin) text in a right decoding
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """Characters people actually write: GB2312 (simplified) and Big5's frequent tier (traditional).

    A wrong decoding (Big5 read as GBK, GBK read as UTF-16) lands mostly outside this set.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xF8):
        chars.update(bytes([lead, trail]).decode("gb2312", "ignore") for trail in range(0xA1, 0xFF))
    for lead in range(0xA4, 0xC7):
        for trail in itertools.chain(range(0x40, 0x7F), range(0xA1, 0xFF)):
            chars.add(bytes([lead, trail]).decode("big5", "ignore"))
    chars.discard("")
    return frozenset(chars)


def _plausibility(text: str) -> float:
    """Share of non-space characters that belong in Chinese or Latin text."""
    common = _common_han()
    good = total = 0
    for ch in text:
        if ch.isspace():
            continue
        total += 1
        code = ord(ch)
        if (
            0x20 <= code < 0x7F
            or ch in common
            or 0x3000 <= code <= 0x303F  # CJK punctuation
            or 0xFF01 <= code <= 0xFF5E  # full-width forms
            or 0x2010 <= code <= 0x2027  # dashes, quotes, ellipsis
            or 0xC0 <= code <= 0x24F  # accented Latin
        ):
            good += 1
    return good / total if total else 1.0


def _binary(text: str) -> bool:
    """More than 1% control characters: not a text file, whatever the decoding."""
    return len(text) - len(_CONTROL.sub("", text)) > len(text) / 100


def _decode_head(head: bytes, encoding: str) -> str | None:
    """Decode the first bytes strictly; a character cut at the end of the head is fine."""
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return None


def detect_encoding(head: bytes, where: str) -> tuple[str, int]:
    """(codec, BOM length) for a text file starting with `head`; InputError names `where`.

    BOM first; then UTF-8; then GB18030 / Big5 / UTF-16 trials and charset-normalizer's guess,
    keeping the decoding whose text looks most like real Chinese (or Latin) text.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    text = _decode_head(head, "utf-8")
    if text is not None and "\x00" not in text and not _binary(text):
        return "utf-8", 0
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"{where}: binary file ({what}), not text", "binary")
    best, best_score = "", 0.0
    for codec in _candidates(head):
        text = _decode_head(head, codec)
        if text is None or _binary(text):
            continue
        score = _plausibility(text)
        if score > best_score:
            best, best_score = codec, score
    if best_score >= _PLAUSIBLE:
        return best, 0
    if _mostly_utf8(head):  # UTF-8 with a few bad bytes: reading reports the line that has them
        return "utf-8", 0
    if b"\x00" in head:
        raise InputError(f"{where}: binary file (NUL bytes), not text", "binary")
    raise InputError(
        f"{where}: cannot tell the text encoding (not UTF-8, GB18030, Big5 or UTF-16); pass the encoding",
        "encoding",
    )


def _mostly_utf8(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return bad <= len(text) / 100 and len(text) < len(head) * 0.9  # many multi-byte sequences decoded


def _candidates(head: bytes) -> list[str]:
    codecs_ = list(_TRIALS)
    if len(head) >= 64:  # charset-normalizer guesses nothing useful from a few bytes
        from charset_normalizer import from_bytes

        guess = from_bytes(head).best()
        if guess is not None and guess.encoding not in codecs_:
            codecs_.append(guess.encoding)
    return codecs_


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "missing") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied", "permission") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory", "unsupported") from None
    except OSError as err:
        raise InputError(f"{path}: cannot open ({err.strerror})", "unreadable") from None


class _TextStream:
    """Lines of a byte stream, decoded incrementally with a detected (or given) encoding.

    Iterating yields (line, complete): a line longer than `limit` characters comes in pieces,
    all but the last with complete=False.  Undecodable bytes end the stream; `error` then holds
    the InputError (naming the line), so the caller can first finish what it built.
    """

    def __init__(self, raw: BinaryIO, where: str, encoding: str | None = None, limit: int = MAX_LINE_CHARS):
        self.raw, self.where, self.limit = raw, where, limit
        self._read = getattr(raw, "read1", raw.read)  # what a pipe has now, not a full megabyte
        self.error: InputError | None = None
        self.lineno = 0  # lines completed so far
        head = raw.read(HEAD_BYTES)
        if not head.strip(b" \t\r\n\x00") or head in {bom for bom, _ in _BOMS}:
            raise InputError(f"{where}: empty file", "empty")
        if encoding:
            try:
                codec = codecs.lookup(encoding).name
            except LookupError:
                raise InputError(f"{where}: unknown encoding {encoding!r}", "encoding") from None
            bom = len(codecs.BOM_UTF8) if codec == "utf-8" and head.startswith(codecs.BOM_UTF8) else 0
        else:
            codec, bom = detect_encoding(head, where)
        self.encoding = codec
        self.head = head[bom:]

    def _texts(self) -> Iterator[str | None]:
        """Decoded text chunk by chunk; None after the valid prefix when bytes do not decode."""
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        chunk = self.head
        while True:
            final = not chunk
            try:
                yield decoder.decode(chunk, final=final)
            except UnicodeDecodeError as err:
                # err.object is the decoder's pending bytes + this chunk, so its prefix is new text
                good = err.object[: err.start]
                yield codecs.getincrementaldecoder(self.encoding)("replace").decode(good, final=False)
                yield None
                return
            if final:
                return
            chunk = self._read(_CHUNK_BYTES)

    def __iter__(self) -> Iterator[tuple[str, bool]]:
        rest = ""
        for text in self._texts():
            if text is None:
                self.error = InputError(
                    f"{self.where}:{self.lineno + 1}: bytes not valid in {self.encoding} (pass the right encoding)",
                    "encoding",
                )
                return
            rest += text
            start = 0
            for match in _NEWLINE.finditer(rest):
                if match.end() == len(rest) and match.group() == "\r":
                    break  # a "\r" at the end of a chunk may be the first half of "\r\n"
                yield from self._pieces(rest[start : match.start()], True)
                self.lineno += 1
                start = match.end()
            rest = rest[start:]
            while len(rest) > self.limit:
                yield rest[: self.limit], False
                rest = rest[self.limit :]
        if rest:
            yield from self._pieces(rest.rstrip("\r"), True)
            self.lineno += 1

    def _pieces(self, line: str, complete: bool) -> Iterator[tuple[str, bool]]:
        while len(line) > self.limit:
            yield line[: self.limit], False
            line = line[self.limit :]
        yield line, complete


_NEWLINE = re.compile(r"\r\n|\r|\n")


def read_text_file(path: Path, encoding: str | None = None) -> str:
    """Read a whole text file, detecting its encoding (small files; documents stream instead)."""
    with _open_binary(path) as raw:
        stream = _TextStream(raw, str(path), encoding)
        text = "\n".join(line for line, _ in stream)
    if stream.error:
        raise stream.error
    return text


# --------------------------------------------------------------------------- document formats

TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".jsonl"}
TABLE_SUFFIXES = {".csv"}
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}
SUPPORTED_SUFFIXES = DOCUMENT_SUFFIXES | RECORD_SUFFIXES | TABLE_SUFFIXES


def _text_paragraphs(raw: BinaryIO, where: str, encoding: str | None) -> Iterator[str]:
    stream = _TextStream(raw, where, encoding)
    yield from iter_paragraphs(line for line, _ in stream)
    if stream.error:
        raise stream.error


def _document_paragraphs(path: Path, encoding: str | None = None) -> Iterator[str]:
    """Paragraphs of a .txt/.md/.docx/.pdf file; InputError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        yield from _docx_paragraphs(path)
    elif suffix == ".pdf":
        yield from _pdf_paragraphs(path)
    else:
        with _open_binary(path) as raw:
            yield from _text_paragraphs(raw, str(path), encoding)


# .docx: paragraphs as Word has them, tables row by row, in document order.  Word headings and
# table rows are paragraphs by construction; runs of body paragraphs get the usual repair (a
# Word paragraph holding a hard-wrapped line is common in converted documents).

_WORD_HEADING_STYLES = ("heading", "title", "标题")


def _docx_blocks(path: Path) -> Iterator[tuple[bool, str]]:
    """(is_own_paragraph, text) in document order."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:  # python-docx raises zipfile/KeyError/lxml errors for broken files
        raise InputError(f"{path}: not a readable .docx ({type(err).__name__})", "corrupt") from None
    yield from _word_blocks(document.element.body, document._body)


def _word_blocks(container: object, parent: object) -> Iterator[tuple[bool, str]]:
    """Paragraphs and tables of a body, including those inside content controls (w:sdt)."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph as WordParagraph

    for element in container.iterchildren():  # type: ignore[attr-defined]
        if element.tag == qn("w:p"):
            paragraph = WordParagraph(element, parent)
            style = (paragraph.style.name if paragraph.style is not None else "").lower()
            yield style.startswith(_WORD_HEADING_STYLES), paragraph.text
        elif element.tag == qn("w:tbl"):
            for row in Table(element, parent).rows:
                yield True, _table_row_text(row)
        elif element.tag == qn("w:sdt"):
            for content in element.iterchildren(qn("w:sdtContent")):
                yield from _word_blocks(content, parent)


def _table_row_text(row: object) -> str:
    """A row as one line: cells joined by " | " (a merged cell once, nested tables inline)."""
    from docx.table import Table

    cells, seen = [], set()
    for cell in row.cells:  # type: ignore[attr-defined]  # a merged cell repeats across its grid columns
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        parts = []
        for block in cell.iter_inner_content():
            if isinstance(block, Table):
                parts += [_table_row_text(inner) for inner in block.rows]
            else:
                parts.append(block.text)
        cells.append(" ".join(" ".join(parts).split()))
    return " | ".join(cells) if any(cells) else ""


def _docx_paragraphs(path: Path) -> Iterator[str]:
    for own, blocks in itertools.groupby(_docx_blocks(path), key=lambda block: block[0]):
        if own:
            for _, text in blocks:
                if text := normalise(text):
                    yield text
        else:
            yield from iter_paragraphs(text for _, text in blocks)


# .pdf: the text layer, page by page.  Running headers/footers and page numbers are dropped;
# layout line breaks (a line that runs to the right margin) are rejoined, across pages too;
# the joined lines then get the same repair as any text.

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—\s]*\d{1,4}[-–—\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|"
    r"(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*/\s*\d+)$",
    re.IGNORECASE,
)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running text
_PDF_PARAGRAPH_END = tuple("。！？!?.…")
_INDENT = re.compile(r"^(?:\u3000|\s{2,})")


def _pdf_pages(path: Path) -> list[list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    # a damaged file becomes one InputFailure; pypdf's own warnings about it would only be noise
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
    except PermissionError:
        raise InputError(f"{path}: permission denied", "permission") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "missing") from None
    except Exception as err:  # pypdf raises many types for damaged files
        raise InputError(f"{path}: not a readable PDF ({type(err).__name__})", "corrupt") from None
    try:
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path}: encrypted PDF (needs a password)", "encrypted")
        return [(page.extract_text() or "").splitlines() for page in reader.pages]
    except (FileNotDecryptedError, DependencyError):
        raise InputError(f"{path}: encrypted PDF (cannot decrypt)", "encrypted") from None
    except InputError:
        raise
    except Exception as err:
        raise InputError(f"{path}: not a readable PDF ({type(err).__name__})", "corrupt") from None


def _running_key(line: str) -> str:
    return re.sub(r"\d+", "#", normalise(line))


def _page_bodies(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers (edge lines repeated on most pages) and page numbers."""
    pages = [[line for line in page if line.strip()] for page in pages]
    counts: dict[str, int] = {}
    for page in pages:
        edges = {_running_key(line) for line in page[:_EDGE_LINES] + page[-_EDGE_LINES:]}
        for key in edges:
            counts[key] = counts.get(key, 0) + 1
    need = max(2, math.ceil(len(pages) / 2))  # on both pages of two, on half of more
    running = {key for key, n in counts.items() if n >= need}

    def is_furniture(line: str) -> bool:
        text = line.strip()
        return bool(_PAGE_NUMBER.match(text)) or _running_key(text) in running

    bodies = []
    for page in pages:
        start, end = 0, len(page)
        while start < min(end, _EDGE_LINES + 1) and is_furniture(page[start]):
            start += 1
        while end > max(start, len(page) - _EDGE_LINES - 1) and is_furniture(page[end - 1]):
            end -= 1
        bodies.append(page[start:end])
    return bodies


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


def _layout_lines(bodies: list[list[str]]) -> Iterator[str]:
    """Rejoin lines that run to the right margin with the next one (layout, not the author)."""
    lines = [line for body in bodies for line in body]
    widths = sorted(_width(line) for line in lines)
    full = 0.8 * widths[int(0.9 * (len(widths) - 1))] if widths else 0
    current = ""
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        text = line.strip()
        if current.endswith("-") and current[-2:-1].islower() and text[:1].islower():
            current = current[:-1] + text  # a hyphenated English word
        else:
            current += _glue(current, text) + text
        wraps = (
            full >= 20  # too few long lines to know the text width: keep the lines as they are
            and _width(text) >= full
            and not text.endswith(_PDF_PARAGRAPH_END)
            and following
            and not _INDENT.match(following)
            and not _starts_paragraph(normalise(following))
        )
        if not wraps:
            yield current
            current = ""
    if current:
        yield current


def _pdf_paragraphs(path: Path) -> Iterator[str]:
    pages = _pdf_pages(path)
    if not any(line.strip() for page in pages for line in page):
        raise InputError(f"{path}: PDF has no text layer (scanned?); run OCR first", "no-text-layer")
    yield from iter_paragraphs(_layout_lines(_page_bodies(pages)))


# --------------------------------------------------------------------------- records (.jsonl, .csv)


def iter_records(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line of a JSONL file; bad lines are errors."""
    for item in _jsonl_objects(path, None):
        if isinstance(item, InputError):
            raise item
        yield item


def _jsonl_objects(path: Path, encoding: str | None) -> Iterator[tuple[int, dict] | InputError]:
    """(line number, object) per non-blank line; a bad line becomes an InputError item, not a stop."""
    with _open_binary(path) as raw:
        yield from _jsonl_stream_objects(raw, str(path), encoding)


def _jsonl_stream_objects(raw: BinaryIO, path: str, encoding: str | None) -> Iterator[tuple[int, dict] | InputError]:
    """(line number, object) per non-blank line of a JSONL byte stream (a file or stdin)."""
    stream = _TextStream(raw, path, encoding, MAX_RECORD_CHARS)
    too_long = False
    for line, complete in stream:
        lineno = stream.lineno + 1
        if not complete or too_long:
            too_long = not complete
            if complete:
                yield InputError(f"{path}:{lineno}: line longer than {MAX_RECORD_CHARS} characters", "malformed")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(f"{path}:{lineno}: malformed JSON ({err.msg})", "malformed")
            continue
        if not isinstance(obj, dict):
            yield InputError(f"{path}:{lineno}: expected a JSON object", "malformed")
            continue
        yield lineno, obj
    if stream.error:
        raise stream.error


def _record_id(value: object, fallback: str) -> str | None:
    if value is None or value == "":
        return fallback
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return None


def _record_problem(rec: dict, options: ReadOptions, ident: str | None) -> str:
    """Why a JSONL record is not a unit ("" when it is one)."""
    if options.text_field not in rec:
        return f"no '{options.text_field}' field"
    if not isinstance(rec[options.text_field], str):
        return f"'{options.text_field}' is not a string"
    if ident is None:
        return f"'{options.id_field}' is not a string or integer"
    return ""


def _jsonl_units(path: Path, doc: str, options: ReadOptions) -> Iterator[Unit | InputFailure]:
    with _open_binary(path) as raw:
        yield from _jsonl_stream_units(raw, str(path), doc, options)


def _jsonl_stream_units(raw: BinaryIO, path: str, doc: str, options: ReadOptions) -> Iterator[Unit | InputFailure]:
    for item in _jsonl_stream_objects(raw, path, options.encoding):
        if isinstance(item, InputError):
            yield InputFailure(str(path), str(item), item.kind)
            continue
        lineno, rec = item
        ident = _record_id(rec.get(options.id_field), f"{doc}#{lineno}")
        problem = _record_problem(rec, options, ident)
        if problem or ident is None:
            yield InputFailure(str(path), f"{path}:{lineno}: {problem}", "malformed")
            continue
        text = normalise(rec[options.text_field])
        meta = {k: v for k, v in rec.items() if k not in (options.text_field, options.id_field)}
        meta.setdefault("source", str(path))
        meta.setdefault("lang", language(text))
        yield Unit(ident, text, doc, meta)


def _csv_units(path: Path, doc: str, options: ReadOptions) -> Iterator[Unit | InputFailure]:
    with _open_binary(path) as raw:
        stream = _TextStream(raw, str(path), options.encoding, MAX_RECORD_CHARS)
        lines = (line + "\n" if complete else line for line, complete in stream)
        first = next(lines, None)
        if first is None:
            raise InputError(f"{path}: empty file", "empty")
        delimiter = max(",\t;|", key=first.count)
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
        try:
            header = [name.strip() for name in next(reader)]
            if options.text_column not in header:
                raise InputError(
                    f"{path}: no '{options.text_column}' column (columns: {', '.join(header)})", "malformed"
                )
            text_at = header.index(options.text_column)
            id_at = header.index(options.id_column) if options.id_column in header else None
            for row_number, row in enumerate(reader, 1):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) <= text_at:
                    yield InputFailure(
                        str(path), f"{path}:{reader.line_num}: row has no '{options.text_column}'", "malformed"
                    )
                    continue
                text = normalise(row[text_at])
                ident = (row[id_at].strip() if id_at is not None and id_at < len(row) else "") or f"{doc}#{row_number}"
                meta = {
                    name: value
                    for name, value in zip(header, row, strict=False)
                    if name not in (options.text_column, options.id_column)
                }
                meta.setdefault("source", str(path))
                meta.setdefault("lang", language(text))
                yield Unit(ident, text, doc, meta)
        except csv.Error as err:
            raise InputError(f"{path}:{reader.line_num}: malformed CSV ({err})", "malformed") from None
    if stream.error:
        raise stream.error


# --------------------------------------------------------------------------- units (the CLI's reader


def _document_units(paragraphs: Iterable[str], doc: str, source: str) -> Iterator[Unit]:
    for index, text in enumerate(paragraphs):
        yield Unit(f"{doc}#{index:03d}", text, doc, {"source": source, "lang": language(text)})


def _file_units(path: Path, doc: str, options: ReadOptions) -> Iterator[Unit | InputFailure]:
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        yield from _document_units(_document_paragraphs(path, options.encoding), doc, str(path))
    elif suffix in RECORD_SUFFIXES:
        yield from _jsonl_units(path, doc, options)
    elif suffix in TABLE_SUFFIXES:
        yield from _csv_units(path, doc, options)
    else:
        raise InputError(
            f"{path}: unsupported file type '{suffix or path.name}' "
            f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
            "unsupported",
        )


def _stdin_units(stdin: TextIO, options: ReadOptions) -> Iterator[Unit | InputFailure]:
    """stdin is JSONL records when its first character is '{' (or `stdin_format` says so),
    else one plain-text document; raw bytes are decoded like a file when available."""
    raw = getattr(stdin, "buffer", None)
    fmt = options.stdin_format
    if fmt == "auto" and raw is not None and hasattr(raw, "peek"):
        fmt = "jsonl" if raw.peek(HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "text"
    if fmt == "jsonl" and raw is not None:
        yield from _jsonl_stream_units(raw, "<stdin>", "stdin", options)
        return
    paragraphs = iter_paragraphs(stdin) if raw is None else _text_paragraphs(raw, "<stdin>", options.encoding)
    yield from _document_units(paragraphs, "stdin", "-")


def _guarded(path: str, units: Iterator[Unit | InputFailure]) -> Iterator[Unit | InputFailure]:
    """Turn a reader's InputError/OSError into an InputFailure; an input with no units is one too."""
    produced = False
    try:
        for item in units:
            produced = True
            yield item
    except InputError as err:
        yield InputFailure(path, str(err), err.kind)
        return
    except PermissionError:
        yield InputFailure(path, f"{path}: permission denied", "permission")
        return
    except OSError as err:
        yield InputFailure(path, f"{path}: read error ({err.strerror or err})", "unreadable")
        return
    if not produced:
        yield InputFailure(path, f"{path}: empty (no text)", "empty")


class _DocNames:
    """Document names unique within one call: a repeated name gets "~2", "~3", …"""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, name: str) -> str:
        unique, n = name, 1
        while unique in self.used:
            n += 1
            unique = f"{name}~{n}"
        self.used.add(unique)
        return unique


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def _walk(root: Path, options: ReadOptions, rel: str = "", seen: set | None = None) -> Iterator[tuple[Path, str]]:
    """(file, path relative to the input folder) in sorted order; hidden entries are skipped."""
    folder = root / rel if rel else root
    seen = seen if seen is not None else set()
    key = (folder.stat().st_dev, folder.stat().st_ino)
    if key in seen:  # a symlink back up the tree
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except PermissionError:
        raise InputError(f"{folder}: permission denied", "permission") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = f"{rel}/{entry.name}" if rel else entry.name
        if _matches(child, options.exclude):
            continue
        if entry.is_dir():
            yield from _walk(root, options, child, seen)
        elif not options.include or _matches(child, options.include):
            yield Path(entry.path), child


def _folder_units(root: Path, options: ReadOptions, names: _DocNames) -> Iterator[Unit | InputFailure]:
    found = False
    try:
        for path, rel in _walk(root, options):
            found = True
            doc = names.claim(PurePosixPath(rel).with_suffix("").as_posix())
            yield from _guarded(str(path), _file_units(path, doc, options))
    except InputError as err:
        yield InputFailure(str(root), str(err), err.kind)
        return
    if not found:
        yield InputFailure(str(root), f"{root}: no files to read in this folder", "empty")


def iter_units(
    inputs: Sequence[str], options: ReadOptions = DEFAULT_OPTIONS, stdin: TextIO | None = None
) -> Iterator[Unit | InputFailure]:
    """Units of every input, in input order; a bad input is an InputFailure and the rest goes on.

    An input is a file, a folder (recursive, sorted, include/exclude globs; hidden entries are
    skipped, unsupported files reported) or "-" for stdin (a plain-text document, doc "stdin").
    .txt/.md/.docx/.pdf are documents split into paragraphs (`<doc>#000`, doc = file stem, or the
    path under the folder without suffix); each .jsonl line and .csv row is one unit.
    """
    names = _DocNames()
    for given in inputs:
        if given == "-":
            yield from _guarded("<stdin>", _stdin_units(stdin or sys.stdin, options))
            continue
        path = Path(given)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            yield InputFailure(given, f"{given}: no such file or directory", "missing")
            continue
        except PermissionError:
            yield InputFailure(given, f"{given}: permission denied", "permission")
            continue
        except OSError as err:
            yield InputFailure(given, f"{given}: cannot read ({err.strerror})", "unreadable")
            continue
        if stat.S_ISDIR(mode):
            yield from _folder_units(path, options, names)
        elif stat.S_ISREG(mode):
            yield from _guarded(given, _file_units(path, names.claim(path.stem), options))
        else:
            yield InputFailure(given, f"{given}: not a regular file (use '-' to read stdin)", "unsupported")


# --------------------------------------------------------------------------- corpus (the ingest stage)


def _files_under(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.exists():
        raise InputError(f"{root}: no such file or directory", "missing")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES | RECORD_SUFFIXES)


def read_corpus(root: Path, text_field: str = "content") -> Iterator[Paragraph]:
    """Read a corpus (a folder, a .txt/.md/.docx/.pdf file or a .jsonl file of documents) into paragraphs.

    Document ids: a file's path relative to the corpus root without suffix; a JSONL record's
    `id` field when present, else `<file stem>-<line number>`.  Paragraph ids are `doc#index`.
    Any unreadable file stops the corpus with an InputError: training data must be complete.
    """
    files = _files_under(root)
    if not files:
        raise InputError(f"{root}: no .txt, .md, .docx, .pdf or .jsonl files found", "empty")
    base = root if root.is_dir() else root.parent
    for path in files:
        suffix = path.suffix.lower()
        if suffix in DOCUMENT_SUFFIXES:
            doc = path.relative_to(base).with_suffix("").as_posix()
            yield from _paragraphs(doc, _document_paragraphs(path), {"source": path.name})
        elif suffix in RECORD_SUFFIXES:
            for lineno, rec in iter_records(path):
                if text_field not in rec:
                    raise InputError(f"{path}:{lineno}: no '{text_field}' field (set data.text_field)", "malformed")
                doc = str(rec.get("id") or f"{path.stem}-{lineno:04d}")
                meta = {k: v for k, v in rec.items() if k not in (text_field, "id") and _is_scalar(v)}
                meta["source"] = path.name
                yield from _paragraphs(doc, split_paragraphs(str(rec[text_field] or "")), meta)
        else:
            raise InputError(f"{path}: unsupported file type '{suffix}'", "unsupported")


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _paragraphs(doc: str, paragraphs: Iterable[str], meta: dict) -> Iterator[Paragraph]:
    for index, para in enumerate(paragraphs):
        lang = language(para)
        para_meta = meta if lang == "zh" else {**meta, "lang": lang}
        yield Paragraph(id=f"{doc}#{index:03d}", doc=doc, index=index, text=para, meta=para_meta)
