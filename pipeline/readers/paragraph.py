"""The one paragraph type and the options that say how inputs are read.

The ingest stage and the CLI both get `Paragraph`s from the same walk, so a folder gives the same
ids in training and in inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CORE_FIELDS = ("id", "doc", "index", "text")  # what a record's metadata may never overwrite
PARAGRAPH_META = ("lang",)  # metadata of one paragraph; every other field is its document's


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One unit as THEMES.md defines it: a block of text ended by a line break (or one record).

    `id` is stable: `<doc>#<index:03d>` for paragraphs of documents, the record's own id (as text)
    for .jsonl/.csv records read as paragraphs.  `record_id` is that id exactly as the record gave
    it (an int stays an int), None for paragraphs of documents.  `text` is normalised original
    text (traditional characters are kept; features convert).  `meta` holds a record's other
    fields plus "source" and "lang" (a record's own fields win, core fields never come from meta).
    """

    id: str
    doc: str
    index: int
    text: str
    meta: dict = field(default_factory=dict)
    record_id: str | int | None = None

    def record(self) -> dict:
        """The paragraph as the ingest stage stores it: core fields and its own metadata (language).
        Its document's metadata is stored once per document (`document()`), not in every paragraph."""
        row = {k: self.meta[k] for k in PARAGRAPH_META if k in self.meta}
        row.update(id=self.id, doc=self.doc, index=self.index, text=self.text)
        return row

    def document(self) -> dict:
        """Its document's metadata (source, title, year…), the same for every paragraph of the
        document: `doc` and the fields of `meta` that are neither core fields nor the paragraph's own."""
        row = {k: v for k, v in self.meta.items() if k not in CORE_FIELDS and k not in PARAGRAPH_META}
        row["doc"] = self.doc
        return row


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read (the CLI's reader options; the ingest stage's `data` params).

    `records` says what one .jsonl line / .csv row is: a "paragraph" (the CLI: classify records
    as they are) or a "document" (the ingest stage: a corpus file of documents to split).
    """

    encoding: str | None = None  # override detection for text-based files
    text_field: str = "text"  # .jsonl inputs
    id_field: str = "id"
    text_column: str = "text"  # .csv inputs
    id_column: str | None = "id"
    include: tuple[str, ...] = ()  # glob patterns for folders (e.g. "*.txt"); empty = all supported
    exclude: tuple[str, ...] = ()
    stdin_format: str = "auto"  # "-" is: auto (JSONL when it starts with '{') | jsonl | text
    records: str = "paragraph"  # paragraph | document


DEFAULT_OPTIONS = ReadOptions()
