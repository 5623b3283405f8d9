"""PDF documents: the text layer, page by page, with running headers, page numbers and layout
line breaks removed, then the same repair as any text.

pypdf is imported only when a .pdf is read (boundary B1: the CLI starts fast).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from pipeline.readers.errors import InputError
from pipeline.readers.repair import glue, iter_paragraphs, normalise, starts_paragraph

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—\s]*\d{1,4}[-–—\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|"
    r"(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*/\s*\d+)$",
    re.IGNORECASE,
)
# Decoded content-stream limits: a dense page of text has < 200 KB, a 1,000-page report < 60 MB.
# Above them a small file is a decompression bomb, refused before its text is extracted.
MAX_PAGE_CONTENT_BYTES = 8 * 2**20
MAX_PDF_CONTENT_BYTES = 128 * 2**20
MAX_STREAM_BYTES = 2 * MAX_PAGE_CONTENT_BYTES  # what pypdf may inflate one stream to
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running text
_PDF_PARAGRAPH_END = tuple("。！？!?.…")
_INDENT = re.compile(r"^(?:\u3000|\s{2,})")


def _pdf_pages(path: Path) -> list[list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

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
        with _inflation_limits():
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(f"{path}: encrypted PDF (needs a password)", "encrypted")
            budget = [MAX_PDF_CONTENT_BYTES]
            return [_page_lines(page, number, path, budget) for number, page in enumerate(reader.pages, 1)]
    except (FileNotDecryptedError, DependencyError):
        raise InputError(f"{path}: encrypted PDF (cannot decrypt)", "encrypted") from None
    except InputError:
        raise
    except LimitReachedError:
        raise InputError(
            f"{path}: a PDF stream inflates past {MAX_STREAM_BYTES // 2**20} MB (decompression bomb?); refused",
            "too-large",
        ) from None
    except Exception as err:
        raise InputError(f"{path}: not a readable PDF ({type(err).__name__})", "corrupt") from None


def _inflation_limits() -> AbstractContextManager[object]:
    """pypdf's own inflation caps, lowered to what one page may hold (pypdf >= 6.7 has them as a
    configuration context; older versions keep their 75 MB defaults and the page check below still holds)."""
    import pypdf

    overwrite = getattr(pypdf, "apply_configuration", None)
    if overwrite is None:
        return nullcontext()
    caps = ("zlib", "lzw", "run_length", "brotli")
    return overwrite(**{f"{name}_maximum_output_length": MAX_STREAM_BYTES for name in caps})


def _page_lines(page: Any, number: int, path: Path, budget: list[int]) -> list[str]:
    """A page's text lines, once its decoded content is known to be within the limits."""
    size = _content_bytes(page)
    budget[0] -= size
    if size > MAX_PAGE_CONTENT_BYTES:
        limit = f"{MAX_PAGE_CONTENT_BYTES // 2**20} MB a page"
    elif budget[0] < 0:
        limit = f"{MAX_PDF_CONTENT_BYTES // 2**20} MB a document"
    else:
        return (page.extract_text() or "").splitlines()
    raise InputError(f"{path}: page {number} content inflates past {limit} (decompression bomb?); refused", "too-large")


def _content_bytes(page: Any) -> int:
    """Decoded size of a page's content streams (pypdf caps each stream's inflation itself)."""
    from pypdf.generic import ArrayObject

    contents = page.get("/Contents")
    if contents is None:
        return 0
    streams = contents.get_object()
    streams = list(streams) if isinstance(streams, ArrayObject) else [streams]
    return sum(len(stream.get_object().get_data()) for stream in streams)


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
            current += glue(current, text) + text
        wraps = (
            full >= 20  # too few long lines to know the text width: keep the lines as they are
            and _width(text) >= full
            and not text.endswith(_PDF_PARAGRAPH_END)
            and following
            and not _INDENT.match(following)
            and not starts_paragraph(normalise(following))
        )
        if not wraps:
            yield current
            current = ""
    if current:
        yield current


def pdf_paragraphs(path: Path) -> Iterator[str]:
    pages = _pdf_pages(path)
    if not any(line.strip() for page in pages for line in page):
        raise InputError(f"{path}: PDF has no text layer (scanned?); run OCR first", "no-text-layer")
    yield from iter_paragraphs(_layout_lines(_page_bodies(pages)))
