"""Plain-text documents (.txt, .md): decoded lines, repaired into paragraphs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.readers.encoding import TextStream, open_binary
from pipeline.readers.errors import InputError
from pipeline.readers.repair import iter_paragraphs

TEXT_SUFFIXES = frozenset({".txt", ".md"})


def stream_paragraphs(raw: BinaryIO, where: str, encoding: str | None) -> Iterator[str | InputError]:
    """Paragraphs of a text byte stream (a file or stdin), with an InputError item (naming
    `where` and the line) in place of each line that does not decode."""
    stream = TextStream(raw, where, encoding)
    yield from iter_paragraphs(item if isinstance(item, InputError) else item[0] for item in stream)


def text_paragraphs(path: Path, encoding: str | None = None) -> Iterator[str | InputError]:
    """Paragraphs of a .txt/.md file."""
    with open_binary(path) as raw:
        yield from stream_paragraphs(raw, str(path), encoding)
