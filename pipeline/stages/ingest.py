"""Stage ingest: corpus (params `data.corpus`) → one record per paragraph."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.params import load
from pipeline.readers import InputError, InputFailure, read_corpus
from pipeline.records import write_jsonl
from pipeline.stages import run, stage_paths


def main() -> None:
    paths = stage_paths("ingest", "paragraphs")
    params = load()
    corpus = Path(params.data.corpus)
    skipped: list[InputFailure] = []
    n = write_jsonl(paths.paragraphs, (p.record() for p in read_corpus(corpus, params.data.text_field, skipped)))
    for failure in skipped:
        print(f"ingest: {failure.message}", file=sys.stderr)
    if n == 0:
        raise InputError(f"{corpus}: the corpus has no paragraphs")
    print(f"ingest: {n} paragraphs from {corpus} → {paths.paragraphs}")


if __name__ == "__main__":
    run(main)
