"""Stage ingest: corpus (params `data.corpus`) → one record per paragraph, and one per document with
its metadata (title, year, source…), written once instead of into each of its paragraphs."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.params import load
from pipeline.readers import InputError, InputFailure, read_corpus
from pipeline.records import write_corpus
from pipeline.stages import run, stage_paths


def main() -> None:
    paths = stage_paths("ingest", "paragraphs", "documents")
    params = load()
    corpus = Path(params.data.corpus)
    skipped: list[InputFailure] = []
    paragraphs = read_corpus(corpus, params.data.text_field, skipped)
    n, n_docs = write_corpus(paths.paragraphs, paths.documents, ((p.record(), p.document()) for p in paragraphs))
    for failure in skipped:
        print(f"ingest: {failure.message}", file=sys.stderr)
    if n == 0:
        raise InputError(f"{corpus}: the corpus has no paragraphs")
    print(f"ingest: {n} paragraphs of {n_docs} documents from {corpus} → {paths.paragraphs}, {paths.documents}")


if __name__ == "__main__":
    run(main)
