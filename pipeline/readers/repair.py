"""Paragraph split, line repair and normalisation: a stream of lines → normalised paragraphs.

Every format ends here (text lines, Word paragraphs, PDF layout lines, a corpus record's text), so
a paragraph means the same thing whatever the file was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeVar

# zero-width characters and C0 controls (a PDF text layer with a broken ToUnicode map gives "\x00一\x00、")
T = TypeVar("T")

_ZERO_WIDTH = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad]")
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
MAX_PARAGRAPH_CHARS = 20_000  # the documented cap: 16x the longest paragraph of the shared corpus (1,253)
_CUT_AT = ("。", "！", "？", "；", ". ", "! ", "? ")  # where an over-long line is cut

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


def starts_paragraph(line: str) -> bool:
    return _structural(line) or bool(_BLOCK_START.match(line))


def _continues(line: str, following: str) -> bool:
    """Does `line` (normalised, non-empty) break off so that `following` completes it?"""
    if line.endswith(_SENTENCE_END) or _structural(line) or starts_paragraph(following):
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


def glue(left: str, right: str) -> str:
    """What goes between two pieces of one paragraph: nothing in Chinese, a space between Latin words."""
    return " " if left[-1:] in _LATIN_TAIL and right[:1] in _LATIN_HEAD else ""


def iter_paragraphs(lines: Iterable[str | T]) -> Iterator[str | T]:
    """Repair a stream of lines into normalised paragraphs (blank lines are not breaks).

    Each input may hold several lines (any of str.splitlines' separators); only one line of
    look-ahead is kept, so this streams.  No paragraph is longer than MAX_PARAGRAPH_CHARS: a longer
    line is cut at sentence ends.  An item that is not text (a reader's error for a line it could
    not read) ends the paragraph being built and is passed through in its place.
    """
    parts: list[str] = []  # the paragraph being built, without `pending`
    size = 0
    pending = ""  # the last line seen: whether it continues depends on the next one
    for chunk in lines:
        if not isinstance(chunk, str):
            if pending:
                yield "".join([*parts, glue(parts[-1], pending), pending] if parts else [pending])
            parts, size, pending = [], 0, ""
            yield chunk
            continue
        for raw in chunk.splitlines():
            line = normalise(raw)
            if not line:
                continue
            for piece in (line,) if len(line) <= MAX_PARAGRAPH_CHARS else cut_long(line):
                if pending:
                    if parts and size + len(pending) > MAX_PARAGRAPH_CHARS:
                        yield "".join(parts)
                        parts, size = [], 0
                    parts += [glue(parts[-1], pending), pending] if parts else [pending]
                    size += len(pending)
                    if not _continues(pending, piece):
                        yield "".join(parts)
                        parts, size = [], 0
                pending = piece
    if pending:
        yield "".join([*parts, glue(parts[-1], pending), pending] if parts else [pending])


def cut_long(line: str, limit: int = MAX_PARAGRAPH_CHARS) -> Iterator[str]:
    """A line longer than `limit` in pieces of at most `limit` characters, each ending at the last
    sentence end inside it when there is one in its second half (else cut where the limit is)."""
    while len(line) > limit:
        window = line[:limit]
        end = max(window.rfind(mark) for mark in _CUT_AT) + 1
        end = end if end > limit // 2 else limit
        yield line[:end].strip()
        line = line[end:].lstrip()
    if line:
        yield line


def repair_lines(lines: list[str]) -> list[str]:
    """Rejoin lines broken mid-sentence; keep headings and complete lines as they are."""
    return list(iter_paragraphs(lines))


def split_paragraphs(text: str) -> list[str]:
    """Split a document into normalised paragraphs (non-empty lines, repaired)."""
    return list(iter_paragraphs(text.splitlines()))
