"""Stage ingest: corpus (params `data`) → one record per paragraph in data/interim/paragraphs.jsonl."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.params import read_params
from pipeline.readers import InputError, InputFailure, read_corpus
from pipeline.stages import run, write_jsonl

OUT = Path("data/interim/paragraphs.jsonl")


def main() -> None:
    data = read_params()["data"]
    corpus = Path(data["corpus"])
    skipped: list[InputFailure] = []
    n = write_jsonl(OUT, (p.record() for p in read_corpus(corpus, data.get("text_field", "content"), skipped)))
    for failure in skipped:
        print(f"ingest: {failure.message}", file=sys.stderr)
    if n == 0:
        raise InputError(f"{corpus}: the corpus has no paragraphs")
    print(f"ingest: {n} paragraphs from {corpus} → {OUT}")


if __name__ == "__main__":
    run(main)
