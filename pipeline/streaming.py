"""The pipeline's corpus-sized work, partition by partition: segmenting paragraphs and inferring
per-paragraph topic proportions, read from and written to JSON-lines/CSV as streams.

Peak memory is a few partitions, whatever the corpus size; the partitions run where the `scale`
params say (in-process, a local pool or a Dask cluster) and come back in order, so the files are
byte-identical to the single-process run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.records import iter_jsonl, partitioned, write_jsonl
from pipeline.scheduler import Scheduler, StateChanged, files_digest, map_partitions, worker_state
from pipeline.topic_store import read_topic_model

if TYPE_CHECKING:
    from pipeline.features import TopicModel
    from pipeline.segment import Segmenter


@dataclass(frozen=True)
class SegmenterRef:
    """The segmenter built from a user dictionary and stopword list with these contents."""

    terms: str
    stopwords: str
    backend: str
    digest: str

    @classmethod
    def of(cls, terms: Path, stopwords: Path, backend: str) -> SegmenterRef:
        return cls(str(terms.resolve()), str(stopwords.resolve()), backend, files_digest(terms, stopwords))

    def load(self) -> Segmenter:
        from pipeline.segment import Segmenter

        terms, stopwords = Path(self.terms), Path(self.stopwords)
        if files_digest(terms, stopwords) != self.digest:
            raise StateChanged.of("the dictionary or stopword list", self.terms)
        return Segmenter.from_files(terms, stopwords, self.backend)


@dataclass(frozen=True)
class TopicModelRef:
    """The numpy topic model in a `models/topics`-style directory, by the digest of its arrays."""

    path: str
    digest: str

    @classmethod
    def of(cls, directory: Path) -> TopicModelRef:
        return cls(str(directory.resolve()), files_digest(*sorted(directory.iterdir())))

    def load(self) -> TopicModel:
        from pipeline.topic_store import read_topic_model

        directory = Path(self.path)
        if files_digest(*sorted(directory.iterdir())) != self.digest:
            raise StateChanged.of("the topic model", self.path)
        return read_topic_model(directory)[0]


def tokens_partition(segmenter: SegmenterRef, texts: Sequence[str]) -> list[list[str]]:
    """The pipeline's segment work: simplified, segmented content tokens per paragraph."""
    from pipeline.features import analyse

    return [a.tokens for a in analyse(worker_state(segmenter), texts)]


def topics_partition(topics: TopicModelRef, docs: Sequence[Sequence[str]]) -> list[list[float]]:
    """Topic proportions per tokenised paragraph (each document's arithmetic is batch-independent)."""
    return worker_state(topics).infer(docs).tolist()


def _texts(part: Sequence[dict]) -> list[str]:
    return [r["text"] for r in part]


def _tokens(part: Sequence[dict]) -> list[list[str]]:
    return [r["tokens"] for r in part]


def segment_corpus(
    paragraphs: Path, tokens: Path, segmenter: SegmenterRef, scheduler: Scheduler, size: int
) -> tuple[int, int]:
    """paragraphs.jsonl → tokens.jsonl ({id, tokens} per paragraph); returns (paragraphs, tokens)."""
    n_tokens = 0

    def rows() -> Iterator[dict]:
        nonlocal n_tokens
        parts = partitioned(iter_jsonl(paragraphs), size)
        for part, cut in map_partitions(scheduler, tokens_partition, parts, _texts, segmenter):
            for record, toks in zip(part, cut, strict=True):
                n_tokens += len(toks)
                yield {"id": record["id"], "tokens": toks}

    return write_jsonl(tokens, rows()), n_tokens


def infer_corpus_topics(tokens: Path, out: Path, model_dir: Path, scheduler: Scheduler, size: int) -> int:
    """tokens.jsonl → paragraph_topics.csv with the saved numpy topic model (what the classifier
    uses); returns the number of paragraphs."""
    ref = TopicModelRef.of(model_dir)
    num_topics = read_topic_model(model_dir)[0].num_topics
    parts = partitioned(iter_jsonl(tokens), size)

    def rows() -> Iterator[tuple[str, bool, Sequence[float]]]:
        for part, theta in map_partitions(scheduler, topics_partition, parts, _tokens, ref):
            for record, proportions in zip(part, theta, strict=True):
                yield record["id"], bool(record["tokens"]), proportions

    return write_paragraph_topics(out, rows(), num_topics)


def write_paragraph_topics(path: Path, rows: Iterable[tuple[str, bool, Sequence[float]]], num_topics: int) -> int:
    """id, dominant topic (empty for a paragraph without tokens), proportion of every topic; rows
    are (id, has tokens, proportions) and are written as they come.  Returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "dominant_topic", *[f"topic_{k}" for k in range(num_topics)]])
        for ident, has_tokens, row in rows:
            w.writerow([ident, int(np.argmax(row)) if has_tokens else "", *[f"{p:.6f}" for p in row]])
            n += 1
    return n
