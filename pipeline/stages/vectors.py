"""Stage vectors: tokens of every corpus paragraph → Word2Vec word vectors (unlabelled, seeded)."""

from __future__ import annotations

from pipeline.affinity import write_word_vectors
from pipeline.params import load
from pipeline.records import RecordField
from pipeline.stages import run, stage_paths
from pipeline.vectors import train_word_vectors


def main() -> None:
    paths = stage_paths("vectors", "tokens", "vectors")
    params = load()
    words, vectors = train_word_vectors(RecordField(paths.tokens, "tokens"), params.vectors)
    write_word_vectors(paths.vectors, words, vectors)
    print(f"vectors: {len(words)} words × {params.vectors.dim} dimensions → {paths.vectors}")


if __name__ == "__main__":
    run(main)
