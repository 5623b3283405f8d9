"""Stage segment: paragraphs → content tokens per paragraph."""

from __future__ import annotations

from pathlib import Path

from pipeline.features import analyse
from pipeline.params import load
from pipeline.records import read_jsonl, write_jsonl
from pipeline.segment import Segmenter
from pipeline.stages import run, stage_paths


def main() -> None:
    paths = stage_paths("segment", "paragraphs", "tokens")
    params = load()
    seg = params.segment
    segmenter = Segmenter.from_files(Path(seg.user_dict), Path(seg.stopwords), seg.backend)
    paragraphs = read_jsonl(paths.paragraphs)
    analysed = analyse(segmenter, [p["text"] for p in paragraphs])
    rows = ({"id": p["id"], "tokens": a.tokens} for p, a in zip(paragraphs, analysed, strict=True))
    n = write_jsonl(paths.tokens, rows)
    print(f"segment: {n} paragraphs, {sum(len(a.tokens) for a in analysed)} tokens → {paths.tokens}")


if __name__ == "__main__":
    run(main)
