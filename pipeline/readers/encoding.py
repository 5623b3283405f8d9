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


class TextStream:
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
    with open_binary(path) as raw:
        stream = TextStream(raw, str(path), encoding)
        text = "\n".join(line for line, _ in stream)
    if stream.error:
        raise stream.error
    return text
