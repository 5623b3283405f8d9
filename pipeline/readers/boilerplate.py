"""Boilerplate the ingest stage drops: Wikisource licence footers and source lines.

They are not what a document says, and left in they become an LDA topic of their own (the shared
corpus has 74 "Public domain … false false" footers, each after a few paragraphs of licence text).
The CLI keeps every paragraph: it classifies what it is given, and a footer there gets no theme.
Dropped paragraphs keep their place in the numbering, so the ids of the others are the CLI's.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator

from pipeline.readers.errors import InputFailure
from pipeline.readers.paragraph import Paragraph

FOOTER_WINDOW = 16  # a licence footer is at most this many paragraphs before its marker
# Wikisource's licence template ends with its category keys: "Public domain Public domain false false"
_FOOTER_MARKER = re.compile(r"^(?:Public domain\s*)+(?:(?:true|false)\s*)*$", re.IGNORECASE)
_FOOTER_START = re.compile(r"^(?:本作品|这部作品|這部作品|此作品)")
# a line that names where the text came from or who edited it, not content
_SOURCE_LINE = re.compile(
    r"^[（(【\[]?(?:来源|來源|资料来源|資料來源|稿源|本文来源|文章来源|责任编辑|責任編輯|原标题|原標題)\s*[：:]"
)
_SOURCE_LINE_CHARS = 80


def is_source_line(text: str) -> bool:
    """ "来源：…", "责任编辑：…" and the like, when short enough to be nothing else."""
    return len(text) <= _SOURCE_LINE_CHARS and bool(_SOURCE_LINE.match(text))


def footer_start(tail: list[Paragraph]) -> int | None:
    """Where the licence footer at the end of `tail` (a document's last paragraphs) starts, if any."""
    if not tail or not _FOOTER_MARKER.match(tail[-1].text):
        return None
    starts = [i for i, para in enumerate(tail[:-1]) if _FOOTER_START.match(para.text)]
    return starts[0] if starts else len(tail) - 1


def without_boilerplate(items: Iterable[Paragraph | InputFailure]) -> Iterator[Paragraph | InputFailure]:
    """Drop source lines anywhere and the licence footer at each document's end (streams: only a
    document's last FOOTER_WINDOW paragraphs are held)."""
    tail: deque[Paragraph] = deque()
    for item in items:
        if isinstance(item, Paragraph) and tail and item.doc != tail[-1].doc:
            yield from _flush(tail)
        if isinstance(item, InputFailure):
            yield from _flush(tail)
            yield item
        elif not is_source_line(item.text):
            tail.append(item)
            if len(tail) > FOOTER_WINDOW:
                yield tail.popleft()
    yield from _flush(tail)


def _flush(tail: deque[Paragraph]) -> Iterator[Paragraph]:
    paragraphs = list(tail)
    tail.clear()
    start = footer_start(paragraphs)
    yield from paragraphs if start is None else paragraphs[:start]
