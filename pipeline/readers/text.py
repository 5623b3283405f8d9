"""Plain-text documents (.txt, .md): decoded lines, repaired into paragraphs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.readers.encoding import TextStream, open_binary
from pipeline.readers.repair import iter_paragraphs

TEXT_SUFFIXES = frozenset({".txt", ".md"})


def stream_paragraphs(raw: BinaryIO, where: str, encoding: str | None) -> Iterator[str]:
    """Paragraphs of a text byte stream (a file or stdin); InputError names `where`."""
    stream = TextStream(raw, where, encoding)
    yield from iter_paragraphs(line for line, _ in stream)
    if stream.error:
        raise stream.error


def text_paragraphs(path: Path, encoding: str | None = None) -> Iterator[str]:
    """Paragraphs of a .txt/.md file."""
    with open_binary(path) as raw:
        yield from stream_paragraphs(raw, str(path), encoding)
