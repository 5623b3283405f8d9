"""The pipeline's intermediate files: JSON lines and JSON written deterministically (sorted keys)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
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


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


def iter_jsonl(path: Path) -> Iterator[dict]:
    """Records one at a time: a stage never needs the whole file in memory to walk it."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def partitioned(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last may be shorter), in order."""
    part: list[T] = []
    for item in items:
        part.append(item)
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part


class RecordField:
    """One field of every record of a JSON-lines file, read afresh on each iteration: a corpus that
    gensim can walk several times (vocabulary, bag-of-words) without holding it."""

    def __init__(self, path: Path, field: str) -> None:
        self.path, self.field = path, field

    def __iter__(self) -> Iterator:
        return (record[self.field] for record in iter_jsonl(self.path))


class ParagraphTexts(Mapping[str, str]):
    """id → text of the paragraphs file, read only if a label without its own text asks for one
    (labels that carry their text, like the shared ones, never load the corpus)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._texts: dict[str, str] | None = None

    def _loaded(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = {r["id"]: r["text"] for r in iter_jsonl(self.path)}
        return self._texts

    def __getitem__(self, key: str) -> str:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
