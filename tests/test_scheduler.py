"""The ordered parallel map: same results in the same order on every scheduler, state checked
against the parent's checksum, and a killed worker ends the run with WorkerLost, never a hang."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
from pathlib import Path

import pytest

from pipeline import scheduler
from pipeline.scheduler import SCHEDULER_ENV, Scheduler, SchedulerError, StateChanged, WorkerLost, ordered_map
from pipeline.streaming import SegmenterRef, tokens_partition

ROOT = Path(__file__).resolve().parents[1]
DICT = ROOT / "data/dict"


def sample_texts() -> list[str]:
    docs = sorted((ROOT / "data/sample/docs").glob("*.txt"))
    return [line for f in docs for line in f.read_text(encoding="utf-8").splitlines() if line]


def partitions(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


@pytest.fixture(scope="module")
def segmenter() -> SegmenterRef:
    return SegmenterRef.of(DICT / "policy_terms.txt", DICT / "stopwords.txt", "rjieba")


@pytest.mark.parametrize(
    ("spec", "env", "expected"),
    [
        ("none", {}, Scheduler()),
        (None, {}, Scheduler()),
        ("local:3", {}, Scheduler("local", 3)),
        ("local:1", {}, Scheduler()),
        (None, {SCHEDULER_ENV: "tcp://10.0.0.1:8786"}, Scheduler("dask", 0, "tcp://10.0.0.1:8786")),
        ("none", {SCHEDULER_ENV: "tcp://10.0.0.1:8786"}, Scheduler()),
    ],
)
def test_parse(spec: str | None, env: dict[str, str], expected: Scheduler) -> None:
    assert Scheduler.parse(spec, env) == expected


@pytest.mark.parametrize("spec", ["local:0", "local:two", "threads", "http://x:1"])
def test_parse_refuses_unknown_specs_in_one_line(spec: str) -> None:
    with pytest.raises(SchedulerError) as err:
        Scheduler.parse(spec, {})
    assert "\n" not in str(err.value) and spec in str(err.value)


def test_local_pool_keeps_order_and_output(segmenter: SegmenterRef) -> None:
    parts = partitions(sample_texts(), 7)
    single = list(ordered_map(Scheduler(), tokens_partition, parts, segmenter))
    pooled = list(ordered_map(Scheduler("local", 2), tokens_partition, parts, segmenter, window=3))
    assert pooled == single
    assert sum(map(len, single)) == sum(map(len, parts)) and any(any(toks) for toks in single)


def test_worker_refuses_state_that_changed_since_the_parent_checked(tmp_path: Path) -> None:
    for name in ("policy_terms.txt", "stopwords.txt"):
        shutil.copy(DICT / name, tmp_path / name)
    ref = SegmenterRef.of(tmp_path / "policy_terms.txt", tmp_path / "stopwords.txt", "rjieba")
    (tmp_path / "stopwords.txt").write_text("的\n", encoding="utf-8")
    with pytest.raises(StateChanged, match="changed after the run started"):
        list(ordered_map(Scheduler("local", 2), tokens_partition, [["一段文字"]] * 4, ref))


def test_killed_worker_fails_the_run_instead_of_hanging(segmenter: SegmenterRef) -> None:
    parts = partitions(sample_texts() * 20, 50)
    others = {p.pid for p in mp.active_children()}  # e.g. a Dask LocalCluster's workers
    results = ordered_map(Scheduler("local", 2), tokens_partition, parts, segmenter, window=4)
    assert next(results)
    victim = next(p.pid for p in mp.active_children() if p.pid not in others)
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(WorkerLost, match="died"):
        for _ in results:
            pass


def test_dask_cluster_gives_the_single_process_output(dask_scheduler: str, segmenter: SegmenterRef) -> None:
    parts = partitions(sample_texts(), 40)
    single = list(ordered_map(Scheduler(), tokens_partition, parts, segmenter))
    assert list(ordered_map(Scheduler.parse(dask_scheduler), tokens_partition, parts, segmenter)) == single


def test_unreachable_dask_scheduler_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    monkeypatch.setattr(scheduler, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler"):
        list(ordered_map(Scheduler.parse("tcp://127.0.0.1:9"), tokens_partition, [["x"]], None))
