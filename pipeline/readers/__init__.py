"""Readers: documents and records → paragraphs, one path for the ingest stage and the CLI.

One module per format (text, word, pdf, table, records), encoding detection (encoding), paragraph
split + line repair + normalisation (repair), the language flag (language), folder walking (walk),
boilerplate (boilerplate), the input error types (errors) and the read path itself (inputs).
Nothing here imports the training stack; python-docx, pypdf and charset-normalizer load only
when a file needs them.
"""

from pipeline.readers.errors import InputError, InputFailure
from pipeline.readers.inputs import SUPPORTED_SUFFIXES, document_paragraphs, read_corpus, read_inputs
from pipeline.readers.language import language
from pipeline.readers.paragraph import DEFAULT_OPTIONS, Paragraph, ReadOptions
from pipeline.readers.records import iter_records
from pipeline.readers.repair import is_heading, iter_paragraphs, normalise, repair_lines, split_paragraphs

__all__ = [
    "DEFAULT_OPTIONS",
    "SUPPORTED_SUFFIXES",
    "InputError",
    "InputFailure",
    "Paragraph",
    "ReadOptions",
    "document_paragraphs",
    "is_heading",
    "iter_paragraphs",
    "iter_records",
    "language",
    "normalise",
    "read_corpus",
    "read_inputs",
    "repair_lines",
    "split_paragraphs",
]
