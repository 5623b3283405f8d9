"""`classify`/`segment`/`trends`/`report --scheduler`: the same bytes in a local process pool and on
a Dask LocalCluster as in one process; a killed worker ends the run with one line and exit code 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def paragraphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample's paragraphs (original project text) as one JSONL file, repeated."""
    texts = [line for f in sorted((ROOT / "data/sample/docs").glob("*.txt")) for line in f.read_text().splitlines()]
    path = tmp_path_factory.mktemp("in") / "paragraphs.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(t for t in texts if t.strip()):
            out.write(json.dumps({"id": i, "text": text, "source": "sample"}, ensure_ascii=False) + "\n")
    return path


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pipeline", *map(str, args)]
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)


def run_ok(*args: str | Path) -> str:
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("command", [("classify",), ("segment",), ("classify", "--explain")])
def test_local_pool_output_is_byte_identical(command: tuple, sample_bundle: tuple, paragraphs: Path) -> None:
    bundle = sample_bundle[1]
    args = (*command, paragraphs, "-m", bundle, "-f", "jsonl", "--batch-size", "64")
    single = run_ok(*args, "--scheduler", "none")
    assert len(single.splitlines()) == len(paragraphs.read_text().splitlines())
    assert run_ok(*args, "--scheduler", "local:2") == single


def test_dask_local_cluster_output_is_byte_identical(
    dask_scheduler: str, sample_bundle: tuple, paragraphs: Path
) -> None:
    args = ("classify", paragraphs, "-m", sample_bundle[1], "-f", "jsonl", "--batch-size", "64")
    assert run_ok(*args, "--scheduler", dask_scheduler) == run_ok(*args)


def analyst_outputs(scheduler: str, bundle: Path, out: Path) -> dict[str, bytes]:
    """trends (JSONL) and report (HTML + its CSV tables, i.e. trends CSV) over the sample's documents,
    in batches of 64 cut where a document ends."""
    args = (ROOT / "data/sample/docs", "-m", bundle, "--batch-size", "64", "--scheduler", scheduler)
    out.mkdir()
    files = {"trends.jsonl": run_ok("trends", *args, "--topics", "-f", "jsonl").encode()}
    run_ok("report", *args, "-o", out / "r.html", "--group", "doc")
    return files | {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".html", ".csv")}


@pytest.fixture(scope="module")
def analyst_single(sample_bundle: tuple, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return analyst_outputs("none", sample_bundle[1], tmp_path_factory.mktemp("analyst") / "none")


def test_trends_and_report_are_byte_identical_in_a_local_pool(
    analyst_single: dict[str, bytes], sample_bundle: tuple, tmp_path: Path
) -> None:
    assert len(analyst_single) == 5 and b"2024" in analyst_single["r-themes-by-year.csv"]
    assert analyst_outputs("local:2", sample_bundle[1], tmp_path / "local") == analyst_single


def test_trends_and_report_are_byte_identical_on_a_dask_local_cluster(
    dask_scheduler: str, analyst_single: dict[str, bytes], sample_bundle: tuple, tmp_path: Path
) -> None:
    assert analyst_outputs(dask_scheduler, sample_bundle[1], tmp_path / "dask") == analyst_single


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scheduler", "local:0"), "local:N needs a whole number"),
        (("--scheduler", "local:2", "--workers", "2"), "either --scheduler or --workers"),
    ],
)
def test_bad_scheduler_is_one_line(args: tuple, message: str, sample_bundle: tuple, paragraphs: Path) -> None:
    proc = cli("classify", paragraphs, "-m", sample_bundle[1], *args)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.splitlines()) == 1


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker processes")
@pytest.mark.parametrize("command", ["classify", "trends"])
def test_killed_worker_fails_the_run_in_one_line(
    command: str, sample_bundle: tuple, paragraphs: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text(paragraphs.read_text(encoding="utf-8") * 120, encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline", command, str(big), "-m", str(sample_bundle[1])]
    proc = subprocess.Popen(
        [*cmd, "--scheduler", "local:2", "-o", str(tmp_path / "out")],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers, "the run ended before its workers could be seen"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert stderr.startswith("error: a worker process died") and len(stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
