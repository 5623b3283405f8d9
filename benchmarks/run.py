"""Speed and memory figures for README, in one command:

    python benchmarks/run.py            # everything (needs `dvc repro` first for the bundle)
    python benchmarks/run.py --quick    # skip the 100 MB streaming run

Uses ../shared/corpus when it is there (the corpus the targets are stated for), the shipped sample
otherwise.  Every figure is measured here and printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import yaml  # noqa: E402

from pipeline.readers import read_corpus  # noqa: E402

SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_3806b96af12bcd39.txt"
BUNDLE = next(
    (d for d in (ROOT / "models" / "released", ROOT / "models" / "bundle") if d.is_dir()), ROOT / "models" / "bundle"
)  # what classify uses by default


def corpus_paragraphs() -> tuple[str, list[str]]:
    source = SHARED / "corpus" if (SHARED / "corpus").is_dir() else ROOT / "data" / "sample" / "docs"
    return str(source), [p.text for p in read_corpus(source)]


def row(name: str, value: str, note: str = "") -> None:
    print(f"| {name} | {value} | {note} |", flush=True)


def bench_segmentation(paragraphs: list[str], params: dict) -> None:
    from pipeline.features import analyse
    from pipeline.segment import Segmenter

    seg = params["segment"]
    chars = sum(map(len, paragraphs))
    fast = Segmenter.from_files(ROOT / seg["user_dict"], ROOT / seg["stopwords"], "rjieba")
    ref = Segmenter.from_files(ROOT / seg["user_dict"], ROOT / seg["stopwords"], "jieba")
    best = min(_timed(lambda: analyse(fast, paragraphs)) for _ in range(3))
    row(
        "segment stage (rjieba, tokens as the pipeline makes them)",
        f"{chars / best / 1e6:.2f} M chars/s",
        f"{len(paragraphs):,} paragraphs, {chars / 1e6:.2f} M chars, best of 3, one core",
    )
    t_ref = _timed(lambda: [ref.cut(p) for p in paragraphs])
    row("jieba 0.42 precise mode (reference)", f"{chars / t_ref / 1e6:.2f} M chars/s", "same dictionary")
    cut_same = sum(fast.cut(p) == ref.cut(p) for p in paragraphs)
    tok_same = sum(fast.tokens(p) == ref.tokens(p) for p in paragraphs)
    row(
        "rjieba = jieba, all tokens",
        f"{cut_same / len(paragraphs):.4%}",
        f"{len(paragraphs) - cut_same} paragraphs differ",
    )
    row("rjieba = jieba, content tokens", f"{tok_same / len(paragraphs):.4%}", "after stopword/number filtering")


def bench_topics(paragraphs: list[str], params: dict) -> None:
    from pipeline.features import analyse
    from pipeline.params import load
    from pipeline.segment import Segmenter
    from pipeline.topics import fit_topics, to_topic_model, topic_metrics

    seg, tp = params["segment"], load(ROOT / "params.yaml").topics
    docs = [
        a.tokens for a in analyse(Segmenter.from_files(ROOT / seg["user_dict"], ROOT / seg["stopwords"]), paragraphs)
    ]
    t0 = time.perf_counter()
    lda, dictionary = fit_topics(docs, tp)
    t_fit = time.perf_counter() - t0
    row(
        f"LDA fit (gensim LdaModel, K={tp.num_topics}, passes={tp.passes})",
        f"{t_fit:.1f} s",
        f"vocabulary {len(dictionary):,}",
    )
    t0 = time.perf_counter()
    m = topic_metrics(lda, dictionary, docs, to_topic_model(lda, dictionary, tp), tp)
    t_metrics = time.perf_counter() - t0
    row(
        "topic metrics (c_v, u_mass, perplexity, gensim parity)",
        f"{t_metrics:.1f} s",
        f"c_v {m['c_v']}, u_mass {m['u_mass']}, parity MAD {m['inference_mad_vs_gensim']}",
    )
    row("topics stage work in all", f"{t_fit + t_metrics:.1f} s", "fit + metrics (tables add < 1 s)")


def bench_cold_start() -> None:
    if not BUNDLE.is_dir():
        row("cold start", "skipped", "no models/bundle: run `dvc repro` first")
        return
    target = SEED if SEED.is_file() else next((ROOT / "data/sample/docs").glob("*.txt"))
    cmd = [sys.executable, "-m", "pipeline", "classify", str(target), "--format", "jsonl"]
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)  # warm the file cache once
    times = [_child_wall(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)) for _ in range(10)]
    row(
        f"cold start: classify {target.name}",
        f"median {statistics.median(times):.3f} s",
        f"min {min(times):.3f} / max {max(times):.3f} s over 10 runs, new process each",
    )


def bench_throughput(paragraphs: list[str]) -> None:
    if not BUNDLE.is_dir():
        return
    from pipeline.bundle import read_bundle

    model, _ = read_bundle(BUNDLE)
    texts = paragraphs * max(1, 20000 // len(paragraphs))
    model.classify(texts[:512])
    runs = [_timed(lambda: [model.classify(texts[i : i + 512]) for i in range(0, len(texts), 512)]) for _ in range(3)]
    median = len(texts) / statistics.median(runs)
    row(
        "batch classify in-process (raw text → labels)",
        f"{len(texts) / min(runs):,.0f} paragraphs/s",
        f"{len(texts):,} paragraphs, batches of 512, one core; best of 3 (median {median:,.0f})",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for i, text in enumerate(texts):
                out.write(json.dumps({"id": f"p{i}", "text": text}, ensure_ascii=False) + "\n")
        for workers in (1, 2):
            cmd = [
                sys.executable,
                "-m",
                "pipeline",
                "classify",
                str(path),
                "--workers",
                str(workers),
                "-o",
                str(Path(tmp) / "out.jsonl"),
            ]
            t = _child_wall(lambda cmd=cmd: subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True))
            row(
                f"CLI classify JSONL, --workers {workers}",
                f"{len(texts) / t:,.0f} paragraphs/s",
                "end to end: start-up, reading, writing included",
            )


def bench_streaming(paragraphs: list[str]) -> None:
    if not BUNDLE.is_dir():
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        size, i = 0, 0
        with path.open("w", encoding="utf-8") as out:
            while size < 100 * 1024 * 1024:
                line = json.dumps({"id": f"p{i}", "text": paragraphs[i % len(paragraphs)]}, ensure_ascii=False) + "\n"
                out.write(line)
                size += len(line.encode("utf-8"))
                i += 1
        cmd = [sys.executable, "-m", "pipeline", "classify", str(path), "-o", tmp + "/o.jsonl"]
        code = (
            f"import resource, subprocess; subprocess.run({cmd!r}); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        row(
            "classify 100 MB JSONL: peak RSS",
            f"{int(out.stdout.strip()) / 1024:.0f} MB",
            f"{i:,} paragraphs in {wall:.0f} s ({i / wall:,.0f}/s), output streamed to a file",
        )


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _child_wall(fn) -> float:
    return _timed(fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100 MB streaming run")
    args = parser.parse_args()
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    source, paragraphs = corpus_paragraphs()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; corpus: {source}\n"
    )
    print("| what | figure | how |\n| --- | --- | --- |")
    bench_segmentation(paragraphs, params)
    bench_topics(paragraphs, params)
    bench_cold_start()
    bench_throughput(paragraphs)
    if not args.quick:
        bench_streaming(paragraphs)
    print(f"\npeak RSS of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
