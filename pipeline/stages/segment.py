"""Stage segment: paragraphs → content tokens per paragraph (data/interim/tokens.jsonl)."""

from __future__ import annotations

from pathlib import Path

from pipeline.features import analyse
from pipeline.params import read_params
from pipeline.segment import Segmenter
from pipeline.stages import read_jsonl, run, write_jsonl

IN = Path("data/interim/paragraphs.jsonl")
OUT = Path("data/interim/tokens.jsonl")


def segmenter_from_params(params: dict) -> Segmenter:
    return Segmenter.from_files(Path(params["user_dict"]), Path(params["stopwords"]), params.get("backend", "rjieba"))


def main() -> None:
    params = read_params()["segment"]
    paragraphs = read_jsonl(IN)
    analysed = analyse(segmenter_from_params(params), [p["text"] for p in paragraphs])
    n = write_jsonl(OUT, ({"id": p["id"], "tokens": a.tokens} for p, a in zip(paragraphs, analysed, strict=True)))
    print(f"segment: {n} paragraphs, {sum(len(a.tokens) for a in analysed)} tokens → {OUT}")


if __name__ == "__main__":
    run(main)
