"""Stage ingest: corpus (params `data`) → one record per paragraph in data/interim/paragraphs.jsonl."""

from __future__ import annotations

from pathlib import Path

from pipeline.documents import InputError, Paragraph, read_corpus
from pipeline.params import read_params
from pipeline.stages import run, write_jsonl

OUT = Path("data/interim/paragraphs.jsonl")


def paragraph_record(p: Paragraph) -> dict:
    return {"id": p.id, "doc": p.doc, "index": p.index, "text": p.text, **{k: v for k, v in p.meta.items()}}


def main() -> None:
    data = read_params()["data"]
    corpus = Path(data["corpus"])
    n = write_jsonl(OUT, (paragraph_record(p) for p in read_corpus(corpus, data.get("text_field", "content"))))
    if n == 0:
        raise InputError(f"{corpus}: the corpus has no paragraphs")
    print(f"ingest: {n} paragraphs from {corpus} → {OUT}")


if __name__ == "__main__":
    run(main)
