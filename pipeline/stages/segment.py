"""Stage segment: paragraphs → content tokens per paragraph, streamed partition by partition."""

from __future__ import annotations

from pathlib import Path

from pipeline.params import load
from pipeline.scheduler import Scheduler
from pipeline.stages import run, stage_paths
from pipeline.streaming import SegmenterRef, segment_corpus


def main() -> None:
    paths = stage_paths("segment", "paragraphs", "tokens")
    params = load()
    seg, scale = params.segment, params.scale
    segmenter = SegmenterRef.of(Path(seg.user_dict), Path(seg.stopwords), seg.backend)
    scheduler = Scheduler.parse(scale.scheduler)
    n, n_tokens = segment_corpus(paths.paragraphs, paths.tokens, segmenter, scheduler, scale.partition_size)
    print(f"segment: {n} paragraphs, {n_tokens} tokens → {paths.tokens} (scheduler {scheduler})")


if __name__ == "__main__":
    run(main)
