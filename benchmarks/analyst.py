"""Speed and memory of what an analyst runs: classify --explain, report, and report at 200,000 paragraphs.

    python benchmarks/analyst.py --bundle models/bundle --paragraphs data/interim/paragraphs.jsonl
    python benchmarks/analyst.py … --scale 200000      # also the report over 200k paragraphs (streaming)

Run after `dvc repro` (on ../shared: `dvc exp run -S data.corpus=../shared/corpus -S
data.labels=../shared/labels`).  Prints figures; asserts nothing.  One core (BLAS pinned to one thread).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipeline.bundle import read_bundle, topic_words  # noqa: E402
from pipeline.evidence import Explainer  # noqa: E402
from pipeline.records import with_documents, write_jsonl  # noqa: E402


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def explain_throughput(bundle: Path, texts: list[str], batch: int = 512) -> dict:
    """Paragraphs/s in-process, plain classify vs classify + evidence, best of 3 each."""
    model, _ = read_bundle(bundle)
    explainer = Explainer(model, model.themes, topic_words(bundle))

    def plain() -> None:
        for i in range(0, len(texts), batch):
            model.classify(texts[i : i + batch])

    def explained() -> None:
        for i in range(0, len(texts), batch):
            chunk = texts[i : i + batch]
            predictions, rows, analysed = model.classify_with_rows(chunk)
            explainer.explain(chunk, analysed, rows, predictions)

    plain()  # warm caches (segmenter memo, bigram index)
    out = {}
    for name, run in (("classify", plain), ("classify --explain", explained)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        out[name] = round(len(texts) / min(times))
    return out


def timed_cli(*args: str) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS (MB) of one `python -m pipeline …` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", *args], check=True, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def scaled_input(source: Path, n: int, folder: Path) -> Path:
    """`n` paragraph records cycled from `source`, each id made unique, streamed to a file."""
    records = [json.loads(line) for line in source.open(encoding="utf-8") if line.strip()]
    path = folder / f"paragraphs-{n}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            rec = dict(records[i % len(records)])
            rec["id"] = f"{rec['id']}~{i // len(records)}"
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def with_metadata(paragraphs: Path, folder: Path) -> Path:
    """The ingested paragraphs with their documents' metadata (title, year, source) joined back from
    documents.jsonl beside them, as the report groups by it; the file itself when there is none."""
    documents = paragraphs.with_name("documents.jsonl")
    if not documents.is_file():
        return paragraphs
    path = folder / "paragraphs-with-documents.jsonl"
    write_jsonl(path, with_documents(paragraphs, documents))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, default=ROOT / "models/bundle")
    parser.add_argument("--paragraphs", type=Path, default=ROOT / "data/interim/paragraphs.jsonl")
    parser.add_argument("--scale", type=int, default=0, help="also run the report over this many paragraphs")
    args = parser.parse_args()
    texts = _texts(args.paragraphs)
    print(f"{len(texts):,} paragraphs from {args.paragraphs}")
    for name, rate in explain_throughput(args.bundle, texts).items():
        print(f"{name:<20} {rate:>8,} paragraphs/s (in-process, one core, best of 3)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        paragraphs = with_metadata(args.paragraphs, Path(tmp))
        wall, peak = timed_cli("report", str(paragraphs), "-m", str(args.bundle), "-o", str(out))
        print(f"report (CLI, end to end)  {wall:.1f} s, peak RSS {peak:.0f} MB, {out.stat().st_size / 1e6:.2f} MB html")
        if args.scale:
            big = scaled_input(paragraphs, args.scale, Path(tmp))
            wall, peak = timed_cli("report", str(big), "-m", str(args.bundle), "-o", str(Path(tmp) / "big.html"))
            print(f"report over {args.scale:,} paragraphs  {wall:.1f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
