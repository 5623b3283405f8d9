"""The pipeline's intermediate files: JSON lines and JSON written deterministically (sorted keys)."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    """Write rows as deterministic JSON lines; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


def write_corpus(paragraphs: Path, documents: Path, rows: Iterable[tuple[dict, dict]]) -> tuple[int, int]:
    """(paragraph record, document metadata) pairs in corpus order → the paragraphs file, and the
    documents file with each document's metadata once (when its first paragraph comes), so a
    paragraph carries only its `doc`.  Returns (paragraphs, documents)."""
    documents.parent.mkdir(parents=True, exist_ok=True)
    n_docs, last = 0, None
    with documents.open("w", encoding="utf-8") as out:

        def paragraph_rows() -> Iterator[dict]:
            nonlocal n_docs, last
            for record, document in rows:
                if record["doc"] != last:
                    out.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")
                    n_docs, last = n_docs + 1, record["doc"]
                yield record

        return write_jsonl(paragraphs, paragraph_rows()), n_docs


def with_documents(paragraphs: Path, documents: Path) -> Iterator[dict]:
    """Paragraph records with their document's metadata (title, year, source…), the two files read
    in lockstep (both are in corpus order): no table of documents is held."""
    docs = iter_jsonl(documents)
    current: dict = {}
    for record in iter_jsonl(paragraphs):
        while current.get("doc") != record["doc"]:
            found = next(docs, None)
            if found is None:
                raise ValueError(
                    f"{documents}: no document {record['doc']!r} (of {record['id']}) in corpus order; rerun ingest"
                )
            current = found
        yield {**current, **record}


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


def iter_jsonl(path: Path) -> Iterator[dict]:
    """Records one at a time: a stage never needs the whole file in memory to walk it."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def partitioned(items: Iterable[T], size: int, key: Callable[[T], object] | None = None) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last may be shorter), in order.  With `key`, a list
    ends only where the key changes (e.g. a document's paragraphs stay together: context features)."""
    part: list[T] = []
    for item in items:
        if len(part) >= size and (key is None or key(item) != key(part[-1])):
            yield part
            part = []
        part.append(item)
    if part:
        yield part


class RecordField:
    """One field of every record of a JSON-lines file, read afresh on each iteration: a corpus that
    gensim can walk several times (vocabulary, bag-of-words) without holding it."""

    def __init__(self, path: Path, field: str) -> None:
        self.path, self.field = path, field

    def __iter__(self) -> Iterator:
        return (record[self.field] for record in iter_jsonl(self.path))


def paragraph_texts(path: Path, ids: Collection[str]) -> dict[str, str]:
    """id → text of just these paragraphs, from one streamed pass over the paragraphs file (nothing
    is read when no id is asked for): labels without their own text never load the corpus."""
    wanted = set(ids)
    return {r["id"]: r["text"] for r in iter_jsonl(path) if r["id"] in wanted} if wanted else {}


def texts_and_tokens(paragraphs: Path, tokens: Path) -> Iterator[tuple[str, list[str]]]:
    """(text, content tokens) of every paragraph, from the paragraphs and tokens files read side by
    side (the segment stage writes tokens in paragraph order, one line per paragraph)."""
    for record, cut in zip(iter_jsonl(paragraphs), iter_jsonl(tokens), strict=True):
        if record["id"] != cut["id"]:
            raise ValueError(f"{tokens}: {cut['id']!r} where {paragraphs} has {record['id']!r}; rerun segment")
        yield record["text"], cut["tokens"]


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
