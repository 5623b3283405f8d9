"""The scaling curve: every stage's time and peak RSS on the shared corpus replicated ×1, ×16, ×64
(each copy varied), single-process and with `scale.scheduler: local:2`, plus a linear
extrapolation to 5 million paragraphs (stated as such: measured points, not a 5M run).

    python benchmarks/scale.py                          # ×1 ×16 ×64, none and local:2
    python benchmarks/scale.py --scales 1 16 --schedulers none
    python benchmarks/scale.py --classify               # also CLI classify throughput, none vs local:2
    python benchmarks/scale.py --scales 16 --lda        # LDA: every paragraph vs seeded sample, serial
                                                        # vs partitioned E-step: time, RSS, c_v/u_mass

Corpora are generated under a temporary folder (never committed). Each stage runs as dvc.yaml runs
it, in a copy of the project, under GNU time (`/usr/bin/time`): wall seconds, CPU seconds and the
peak RSS of the largest process. Nothing is asserted; the machine is shared, so note its load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PARAGRAPHS, TOKENS = "data/interim/paragraphs.jsonl", "data/interim/tokens.jsonl"
DOCUMENTS = "data/interim/documents.jsonl"
STAGES = {
    "ingest": f"pipeline.stages.ingest --paragraphs {PARAGRAPHS} --documents {DOCUMENTS}",
    "segment": f"pipeline.stages.segment --paragraphs {PARAGRAPHS} --tokens {TOKENS}",
    "topics": (
        f"pipeline.stages.topics --tokens {TOKENS} --model models/topics --topic-words data/interim/topic_words.csv"
        " --paragraph-topics data/interim/paragraph_topics.csv --metrics metrics/topics.json"
    ),
    "vectors": f"pipeline.stages.vectors --tokens {TOKENS} --vectors models/vectors",
    "train": f"pipeline.stages.train --paragraphs {PARAGRAPHS} --tokens {TOKENS} --topics models/topics"
    " --vectors models/vectors --bundle models/bundle --metrics metrics/train.json",
    "evaluate": f"pipeline.stages.evaluate --paragraphs {PARAGRAPHS} --bundle models/bundle"
    " --metrics metrics/evaluate.json --predictions data/interim/predictions.jsonl --plots plots",
    "trends": f"pipeline.stages.trends --paragraphs {PARAGRAPHS} --documents {DOCUMENTS} --bundle models/bundle"
    " --plots plots/trends",
}
SCHEDULED = ("segment", "topics", "trends")  # the stages whose work `scale.scheduler` distributes
TARGET = 5_000_000


def varied(document: dict, copy: int) -> dict:
    """Copy `copy` of a corpus document: its own title/ids, every paragraph's sentences rotated by
    `copy` places, so no two copies have the same paragraph text (copy 0 is the original)."""
    if copy == 0:
        return document
    out = dict(document)
    for key in ("title", "doc", "url"):
        if key in out:
            out[key] = f"{out[key]}-copy{copy}"
    paragraphs = []
    for para in str(document["content"]).split("\n"):
        sentences = [s for s in para.split("。") if s]
        if len(sentences) > 1:
            shift = copy % len(sentences)
            para = "。".join(sentences[shift:] + sentences[:shift]) + ("。" if para.endswith("。") else "")
        paragraphs.append(para)
    out["content"] = "\n".join(paragraphs)
    return out


def build_corpus(source: Path, dest: Path, factor: int) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for file in sorted(source.glob("*.jsonl")):
        docs = [json.loads(line) for line in file.open(encoding="utf-8") if line.strip()]
        with (dest / file.name).open("w", encoding="utf-8") as out:
            for copy in range(factor):
                for doc in docs:
                    out.write(json.dumps(varied(doc, copy), ensure_ascii=False) + "\n")


def project_copy(
    dest: Path, corpus: Path, scheduler: str, fit_sample: int | None, estep_partitions: int | None = None
) -> None:
    """The project's tracked files in `dest`, params pointing at `corpus` and `scheduler` (and the
    LDA fit's sample size and E-step partitions when given)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split("\n")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file() and not rel.startswith(("data/interim/", "models/", "metrics/", "plots/")):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    params = yaml.safe_load((dest / "params.yaml").read_text(encoding="utf-8"))
    params["data"]["corpus"] = str(corpus)
    params["data"]["labels"] = str(SHARED / "labels")
    params["scale"]["scheduler"] = scheduler
    if fit_sample is not None:
        params["topics"]["fit_sample"] = fit_sample
    if estep_partitions is not None:
        params["topics"]["estep_partitions"] = estep_partitions
    (dest / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def timed(cmd: list[str], cwd: Path) -> dict:
    """Wall and CPU seconds and peak RSS (MB, largest process) of one command under GNU time."""
    fmt = "%e %U %S %M"
    proc = subprocess.run(
        ["/usr/bin/time", "-f", fmt, *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    wall, user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    return {"wall": float(wall), "cpu": float(user) + float(system), "rss_mb": int(rss) / 1024, "out": proc.stdout}


def run_stage(project: Path, stage: str) -> dict:
    return timed([sys.executable, "-m", *STAGES[stage].split()], project)


def paragraphs_in(project: Path) -> int:
    with (project / PARAGRAPHS).open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def row(scale: int, n: int, scheduler: str, stage: str, m: dict) -> None:
    print(
        f"| ×{scale} | {n:,} | {scheduler} | {stage} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {m['rss_mb']:.0f} MB |",
        flush=True,
    )


def bench_scale(work: Path, scale: int, schedulers: list[str], stages: list[str], fit_sample: int | None) -> dict:
    """Every stage once single-process; the scheduled stages again per other scheduler."""
    corpus = work / f"corpus-x{scale}"
    build_corpus(SHARED / "corpus", corpus, scale)
    results: dict = {}
    first = None
    for scheduler in schedulers:
        project = work / f"project-x{scale}-{scheduler.replace(':', '')}"
        project_copy(project, corpus, scheduler, fit_sample)
        if first is not None:  # reuse the single-process run's paragraphs (ingest has no scheduler), bundle
            shutil.copytree(first / "data/interim", project / "data/interim")
            if (first / "models").is_dir():
                shutil.copytree(first / "models", project / "models")
        for stage in stages:
            if first is not None and stage not in SCHEDULED:
                continue
            m = run_stage(project, stage)
            n = paragraphs_in(project)
            results[(scheduler, stage)] = {**m, "n": n}
            row(scale, n, scheduler, stage, m)
        first = first or project
    return results


def extrapolate(points: dict[int, dict], schedulers: list[str], stages: list[str]) -> None:
    """Straight line through the two largest scales' (paragraphs, CPU seconds), per stage, at 5M: CPU
    rather than wall time, which on a shared machine follows the load more than the corpus."""
    scales = sorted(points)
    if len(scales) < 2:
        return
    lo, hi = points[scales[-2]], points[scales[-1]]
    print(f"\nLinear extrapolation to {TARGET:,} paragraphs from ×{scales[-2]} and ×{scales[-1]} (not measured):\n")
    print("| scheduler | stage | CPU s per 1,000 paragraphs | CPU at 5M | peak RSS seen |")
    print("| --- | --- | --- | --- | --- |")
    for key in sorted(hi, key=lambda k: (k[0], stages.index(k[1]))):
        if key not in lo:
            continue
        a, b = lo[key], hi[key]
        slope = (b["cpu"] - a["cpu"]) / max(b["n"] - a["n"], 1)
        at = b["cpu"] + slope * (TARGET - b["n"])
        rss = max(p[key]["rss_mb"] for p in points.values() if key in p)
        print(f"| {key[0]} | {key[1]} | {slope * 1000:.3f} | {at / 60:.1f} min | {rss:.0f} MB |")


# name: (LDA fitted on this many paragraphs, None = all; topics.estep_partitions; scale.scheduler)
LDA_VARIANTS = {
    "full-serial": (None, 1, "none"),
    "sample-serial": (50_000, 1, "local:2"),  # seeded sample; inference in parallel
    "full-partitioned": (None, 4, "none"),
    "full-partitioned-local2": (None, 4, "local:2"),
    "sample-partitioned-local2": (50_000, 4, "local:2"),
}
EVERY = 10**9  # a fit sample larger than any corpus: LDA on every paragraph


def bench_lda(work: Path, scale: int, variants: list[str], fit_sample: int | None) -> None:
    """The topics stage per LDA variant on the same tokens: time, peak RSS and the metrics, which
    every variant computes on the same seeded `topics.coherence_sample` paragraphs (`fit_sample`
    replaces the sample variants' 50,000)."""
    corpus = work / f"corpus-x{scale}"
    build_corpus(SHARED / "corpus", corpus, scale)
    base = work / f"project-x{scale}-lda"
    project_copy(base, corpus, "none", None)
    for stage in ("ingest", "segment"):
        run_stage(base, stage)
    n = paragraphs_in(base)
    print(
        "\n| corpus | paragraphs | variant | fitted | E-step partitions | scheduler | wall | CPU | peak RSS"
        " | c_v | u_mass | perplexity | load before → after |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    models: dict[str, bytes] = {}
    for name in variants:
        sample, partitions, scheduler = LDA_VARIANTS[name]
        sample = sample and (fit_sample or sample)
        project = work / f"project-x{scale}-{name}"
        project_copy(project, corpus, scheduler, sample or EVERY, partitions)
        shutil.copytree(base / "data/interim", project / "data/interim", dirs_exist_ok=True)
        before = os.getloadavg()[0]
        m = run_stage(project, "topics")
        after = os.getloadavg()[0]
        t = json.loads((project / "metrics/topics.json").read_text(encoding="utf-8"))
        models[name] = b"".join(f.read_bytes() for f in sorted((project / "models/topics").glob("*.npy")))
        print(
            f"| ×{scale} | {n:,} | {name} | {min(sample or n, n):,} | {partitions} | {scheduler} | {m['wall']:.0f} s"
            f" | {m['cpu']:.0f} s | {m['rss_mb']:.0f} MB | {t['c_v']} | {t['u_mass']} | {t['perplexity']}"
            f" | {before:.1f} → {after:.1f} |",
            flush=True,
        )
        shutil.rmtree(project)
    same = [[a, b] for a in models for b in models if a < b and models[a] == models[b]]
    print(f"\nbyte-identical topic models: {same or 'none'}")


def bench_classify(work: Path, schedulers: list[str]) -> None:
    """CLI classify throughput on ×1's paragraphs repeated to 40,000, with ×1's bundle."""
    project = work / "project-x1-none"
    texts = [json.loads(line)["text"] for line in (project / PARAGRAPHS).open(encoding="utf-8")]
    path = work / "classify.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(40_000):
            out.write(json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
    print("\n| CLI classify, 40,000 JSONL paragraphs | wall | CPU | paragraphs/s |\n| --- | --- | --- | --- |")
    outputs = {}
    for scheduler in schedulers:
        out = work / f"classified-{scheduler.replace(':', '')}.jsonl"
        cmd = [sys.executable, "-m", "pipeline", "classify", str(path), "--scheduler", scheduler, "-o", str(out)]
        m = timed(cmd, project)
        outputs[scheduler] = out.read_bytes()
        print(f"| --scheduler {scheduler} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {40_000 / m['wall']:,.0f} |")
    same = len(set(outputs.values())) == 1
    print(f"\noutputs byte-identical across schedulers: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--schedulers", nargs="+", default=["none", "local:2"])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=list(STAGES))
    parser.add_argument("--classify", action="store_true", help="also CLI classify throughput (needs ×1)")
    parser.add_argument("--fit-sample", type=int, help="override topics.fit_sample (LDA fitted on this many)")
    parser.add_argument("--lda", nargs="*", choices=list(LDA_VARIANTS), help="LDA variants only (none given: all)")
    parser.add_argument("--keep", type=Path, help="work here and keep the corpora and projects")
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        raise SystemExit(f"{SHARED / 'corpus'} is absent: this benchmark replicates the shared corpus")
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at start;")
    if args.fit_sample:
        print(f"topics.fit_sample overridden: LDA fitted on {args.fit_sample:,} paragraphs drawn with its seed;")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    work = args.keep or Path(tempfile.mkdtemp(prefix="policy-themes-scale-"))
    try:
        if args.lda is not None:
            for scale in args.scales:
                bench_lda(work, scale, args.lda or list(LDA_VARIANTS), args.fit_sample)
            return
        print("| corpus | paragraphs | scheduler | stage | wall | CPU | peak RSS |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        points = {s: bench_scale(work, s, args.schedulers, args.stages, args.fit_sample) for s in args.scales}
        extrapolate(points, args.schedulers, args.stages)
        if args.classify and 1 in args.scales:
            bench_classify(work, args.schedulers)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
