"""Word documents (.docx): paragraphs as Word has them, tables row by row, in document order.

Word headings and table rows are paragraphs by construction; runs of body paragraphs get the usual
repair (a Word paragraph holding a hard-wrapped line is common in converted documents).
python-docx is imported only when a .docx is read (boundary B1: the CLI starts fast).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from pipeline.readers.errors import InputError
from pipeline.readers.repair import iter_paragraphs, normalise

_WORD_HEADING_STYLES = ("heading", "title", "标题")
# python-docx parses the XML whole (about 8 bytes of memory per byte of XML): a 1,000-page report
# holds ~15 MB of XML; a small archive that inflates past this is a decompression bomb.
MAX_DOCX_XML_BYTES = 32 * 2**20


def _refuse_bomb(path: Path) -> None:
    """Refuse a .docx whose XML parts inflate past MAX_DOCX_XML_BYTES, before anything is inflated.

    The sizes are the archive's own; zipfile never inflates a member past its recorded size.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(i.file_size for i in archive.infolist() if i.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(f"{path}: not a readable .docx (not a ZIP archive)", "corrupt") from None
    if size > MAX_DOCX_XML_BYTES:
        raise InputError(
            f"{path}: .docx XML inflates to {size / 2**20:,.0f} MB, over the {MAX_DOCX_XML_BYTES // 2**20} MB "
            "a document may hold (decompression bomb?); refused",
            "too-large",
        )


def _docx_blocks(path: Path) -> Iterator[tuple[bool, str]]:
    """(is_own_paragraph, text) in document order."""
    import docx

    _refuse_bomb(path)
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


def docx_paragraphs(path: Path) -> Iterator[str]:
    for own, blocks in itertools.groupby(_docx_blocks(path), key=lambda block: block[0]):
        if own:
            for _, text in blocks:
                if text := normalise(text):
                    yield text
        else:
            yield from iter_paragraphs(text for _, text in blocks)


# .pdf: the text layer, page by page.  Running headers/footers and page numbers are dropped;
