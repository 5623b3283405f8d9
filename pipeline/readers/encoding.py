"""Text encodings: detect a file's encoding from its first bytes and decode it as a stream of lines.

Chinese documents come in UTF-8, GB18030/GBK, Big5 and UTF-16, often without a BOM; the wrong
guess gives plausible-looking garbage, so candidates are scored by how much they look like text.
Decoding is incremental, so a 1 GB file is read in bounded memory.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from pipeline.readers.errors import InputError

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
    """UTF-8 text with a few bad bytes (reading then reports just the lines that have them)."""
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return bad <= max(4, len(text) // 100) and "\x00" not in text and not _binary(text)


def _candidates(head: bytes) -> list[str]:
    codecs_ = list(_TRIALS)
    if len(head) >= 64:  # charset-normalizer guesses nothing useful from a few bytes
        from charset_normalizer import from_bytes

        guess = from_bytes(head).best()
        if guess is not None and guess.encoding not in codecs_:
            codecs_.append(guess.encoding)
    return codecs_


def open_binary(path: Path) -> BinaryIO:
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


# Bytes that do not decode become this mark (a decoder never outputs a lone surrogate), so a bad
# line is found with one `in` per chunk and skipped alone: the lines after it are still read.
_MARK = "\udcff"


def _mark_undecodable(err: UnicodeError) -> tuple[str, int]:
    return _MARK, err.end  # type: ignore[attr-defined]


codecs.register_error("policy-themes-mark", _mark_undecodable)


class TextStream:
    """Lines of a byte stream, decoded incrementally with a detected (or given) encoding.

    Iterating yields (line, complete) — a line longer than `limit` characters comes in pieces, all
    but the last with complete=False, so memory stays bounded whatever the file — or an InputError
    (naming the line) for a line whose bytes do not decode; that line is skipped, the rest is read.
    """

    def __init__(self, raw: BinaryIO, where: str, encoding: str | None = None, limit: int = MAX_LINE_CHARS):
        self.raw, self.where, self.limit = raw, where, limit
        self._read = getattr(raw, "read1", raw.read)  # what a pipe has now, not a full megabyte
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

    def _texts(self) -> Iterator[str]:
        """Decoded text chunk by chunk (undecodable bytes marked)."""
        decoder = codecs.getincrementaldecoder(self.encoding)("policy-themes-mark")
        chunk = self.head
        while chunk:
            yield decoder.decode(chunk)
            chunk = self._read(_CHUNK_BYTES)
        yield decoder.decode(b"", final=True)

    def _bad_line(self) -> InputError:
        return InputError(
            f"{self.where}:{self.lineno + 1}: bytes not valid in {self.encoding}, line skipped "
            "(pass the right encoding)",
            "encoding",
        )

    def __iter__(self) -> Iterator[tuple[str, bool] | InputError]:
        rest = ""  # text after the last line break
        marked = False  # does `rest` hold undecodable bytes?
        for text in self._texts():
            breaks = "\n" in text or "\r" in text or rest.endswith("\r")
            marked = marked or _MARK in text
            rest += text  # in place: `rest` is the only reference
            if breaks:  # only then is `rest` searched, so a line without breaks costs linear time
                start = 0
                for match in _NEWLINE.finditer(rest):
                    if match.end() == len(rest) and match.group() == "\r":
                        break  # a "\r" at the end of a chunk may be the first half of "\r\n"
                    line = rest[start : match.start()]
                    if len(line) <= self.limit and not (marked and _MARK in line):
                        yield line, True  # the common case, without a generator per line
                    else:
                        yield from self._line(line, marked)
                    self.lineno += 1
                    start = match.end()
                rest = rest[start:]
                marked = marked and _MARK in rest
            while len(rest) > self.limit:
                yield from self._checked(rest[: self.limit], False, marked)
                rest = rest[self.limit :]
        if rest:
            yield from self._line(rest.rstrip("\r"), _MARK in rest)
            self.lineno += 1

    def _line(self, line: str, marked: bool) -> Iterator[tuple[str, bool] | InputError]:
        while len(line) > self.limit:
            yield from self._checked(line[: self.limit], False, marked)
            line = line[self.limit :]
        yield from self._checked(line, True, marked)

    def _checked(self, piece: str, complete: bool, marked: bool) -> Iterator[tuple[str, bool] | InputError]:
        yield self._bad_line() if marked and _MARK in piece else (piece, complete)


_NEWLINE = re.compile(r"\r\n|\r|\n")
