"""One ordered parallel map over partitions: in-process, a local process pool, or a Dask cluster.

    none            every partition in this process (the reference output)
    local[:N]       N worker processes on this machine (N defaults to the number of cores)
    tcp://host:port a Dask scheduler (also taken from DASK_SCHEDULER_ADDRESS); needs the `dask` extra

Results come back in input order whatever finishes first, so the output is byte-identical to the
single-process run.  Workers build their state (bundle, dictionary) lazily, once per process, from a
small picklable reference that carries the parent's checksum: a model object pickled to a remote
worker would lose jieba's user dictionary without a word.  dask/distributed are imported only
when a Dask address is given, never on the plain classify path (boundary B1).

A worker that dies (out-of-memory killer, kill -9) ends the run with `WorkerLost`, never a hang and
never a respawn loop; the caller reports it in one line and presents nothing partial as complete.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
DASK_EXTRA = "pip install -e '.[dask]'"
CONNECT_TIMEOUT = "10s"  # how long to try reaching a Dask scheduler before giving up
_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_DASK_PREFIXES = ("tcp://", "tls://", "ucx://", "inproc://")

P = TypeVar("P")
R = TypeVar("R")
T = TypeVar("T", covariant=True)


class SchedulerError(ValueError):
    """The run cannot go on; the message is one line and says what to do (a ValueError, so the
    stages report it like any other bad input: one line, exit 2)."""


class WorkerLost(SchedulerError):
    """A worker process died while it held a partition (killed, out of memory)."""


class StateChanged(SchedulerError):
    """A worker loaded different bytes (bundle, dictionary) than the parent checked."""

    @classmethod
    def of(cls, what: str, path: str) -> StateChanged:
        return cls(f"{path}: {what} changed after the run started (or differs on this worker); rerun")


def files_digest(*paths: Path) -> str:
    """sha256 over the names and bytes of files: what a worker compares with its parent's."""
    h = hashlib.sha256()
    for path in paths:
        try:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError as err:
            raise SchedulerError(f"{path}: cannot be read on {_host()} ({err.strerror}); {_SAME_FILES}") from None
    return h.hexdigest()


_SAME_FILES = "every worker needs the project's files at the same absolute path (a shared filesystem)"


def _host() -> str:
    import socket

    return socket.gethostname()


class WorkerState(Protocol[T]):
    """A picklable, hashable reference a worker turns into its state (e.g. a loaded bundle) once."""

    def load(self) -> T: ...


@dataclass(frozen=True)
class Scheduler:
    """Where partitions run: kind is none, local or dask."""

    kind: str = "none"
    workers: int = 1
    address: str | None = None

    @classmethod
    def parse(cls, spec: str | None, environ: dict[str, str] | None = None) -> Scheduler:
        """`none`, `local`, `local:N`, `tcp://host:port`; no spec → DASK_SCHEDULER_ADDRESS or none."""
        env = os.environ if environ is None else environ
        if spec is None or spec == "":
            spec = env.get(SCHEDULER_ENV) or "none"
        spec = spec.strip()
        if spec == "none":
            return cls()
        if spec == "local" or spec.startswith("local:"):
            count = spec.partition(":")[2] or str(os.cpu_count() or 1)
            if not count.isdigit() or int(count) < 1:
                raise SchedulerError(f"scheduler {spec!r}: local:N needs a whole number of workers ≥ 1")
            return cls() if int(count) == 1 else cls("local", int(count))
        if spec.startswith(_DASK_PREFIXES):
            return cls("dask", 0, spec)
        raise SchedulerError(f"unknown scheduler {spec!r}; use none, local, local:N or tcp://host:port")

    @classmethod
    def from_workers(cls, workers: int) -> Scheduler:
        """The older `--workers N` option: local:N (1 = in-process)."""
        return cls() if workers <= 1 else cls("local", workers)

    def __str__(self) -> str:
        return {"none": "none", "local": f"local:{self.workers}"}.get(self.kind, str(self.address))


# ------------------------------------------------------------------ per-process worker state

_states: dict[Hashable, Any] = {}
_states_pid = os.getpid()


def worker_state(ref: WorkerState[T]) -> T:
    """`ref.load()` once per process (a forked child never reuses its parent's objects)."""
    global _states_pid
    if _states_pid != os.getpid():
        _states.clear()
        _states_pid = os.getpid()
    if ref not in _states:
        single_threaded_blas()
        _states[ref] = ref.load()
    return _states[ref]


def adopt(ref: WorkerState[T], state: T) -> None:
    """Use `state`, already loaded by this process from `ref`, for in-process partitions (a forked
    worker sees another pid, drops it and loads its own)."""
    global _states_pid
    if _states_pid != os.getpid():
        _states.clear()
        _states_pid = os.getpid()
    _states[ref] = state


def single_threaded_blas() -> None:
    """One BLAS thread per worker: the parallelism is the processes; more threads only contend."""
    for name in _BLAS_ENV:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn; limits a loaded BLAS
    except ImportError:
        return
    threadpool_limits(1)


def _init_local_worker() -> None:
    """Ctrl-C is the parent's to handle: workers stop when the pool is shut down."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded_blas()


# ------------------------------------------------------------------ the map


def ordered_map(
    scheduler: Scheduler,
    task: Callable[..., R],
    partitions: Iterable[P],
    *args: Any,
    window: int | None = None,
) -> Iterator[R]:
    """`task(*args, partition)` for every partition, yielded in input order.

    At most `window` partitions are in flight (default: twice the workers), so memory stays flat
    on inputs of any size; partitions are pulled from the iterable only as room frees up.
    `task` must be a module-level function and `args` picklable (they travel to the workers).
    """
    if scheduler.kind == "none":
        return (task(*args, part) for part in partitions)
    return _one_map(scheduler, task, partitions, args, window)


def _one_map(
    scheduler: Scheduler, task: Callable[..., R], partitions: Iterable[P], args: tuple, window: int | None
) -> Iterator[R]:
    with session(scheduler, window) as run:
        yield from run(task, partitions, *args)


class OrderedMap(Protocol):
    """`ordered_map` bound to one pool or client: `run(task, partitions, *args)`."""

    def __call__(self, task: Callable[..., R], partitions: Iterable[P], *args: Any) -> Iterator[R]: ...


@contextmanager
def session(scheduler: Scheduler, window: int | None = None) -> Iterator[OrderedMap]:
    """One pool (or Dask client) for many ordered maps, closed on exit: an LDA fit maps each
    update's partitions in turn, and a pool per update would fork (or connect) hundreds of times.
    A worker lost during any map raises `WorkerLost` as `ordered_map` does."""
    if scheduler.kind == "none":
        yield lambda task, partitions, *args: (task(*args, part) for part in partitions)
    elif scheduler.kind == "local":
        with _local_session(scheduler.workers, window or 2 * scheduler.workers) as run:
            yield run
    else:
        with _dask_session(str(scheduler.address), window) as run:
            yield run


def map_partitions(
    scheduler: Scheduler,
    task: Callable[..., R],
    partitions: Iterable[Sequence[P]],
    payload: Callable[[Sequence[P]], Any],
    *args: Any,
) -> Iterator[tuple[Sequence[P], R]]:
    """`ordered_map` that sends only `payload(partition)` (e.g. the texts of paragraph records) and
    yields each partition beside its result, so the parent keeps what workers need not see."""
    sent: deque[Sequence[P]] = deque()

    def payloads() -> Iterator[Any]:
        for part in partitions:
            sent.append(part)
            yield payload(part)

    for result in ordered_map(scheduler, task, payloads(), *args):
        yield sent.popleft(), result


@contextmanager
def _local_session(workers: int, window: int) -> Iterator[OrderedMap]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # fork starts a worker in milliseconds; the worker still loads its own state (worker_state)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_local_worker)

    def run(task: Callable[..., R], partitions: Iterable[P], *args: Any) -> Iterator[R]:
        return _in_order(lambda part: pool.submit(task, *args, part), partitions, window)

    try:
        yield run
    except BrokenProcessPool:
        raise WorkerLost(
            "a worker process died (killed, or out of memory); the run was stopped and its output is incomplete"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_order(submit: Callable[[P], Any], partitions: Iterable[P], window: int) -> Iterator[Any]:
    """Keep `window` futures in flight; hand results back oldest first."""
    pending: deque = deque()
    for part in partitions:
        pending.append(submit(part))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@contextmanager
def _dask_session(address: str, window: int | None) -> Iterator[OrderedMap]:
    try:
        from distributed import Client
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise SchedulerError(f"scheduler {address} needs Dask: {DASK_EXTRA}") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address} ({err})") from None
    try:
        client.wait_for_workers(1, timeout=30)
        in_flight = window or 2 * sum(client.nthreads().values())

        def run(task: Callable[..., R], partitions: Iterable[P], *args: Any) -> Iterator[R]:
            submit = lambda part: client.submit(task, *args, part, pure=False)  # noqa: E731
            return _in_order(submit, partitions, in_flight)

        yield run
    except KilledWorker as err:
        raise WorkerLost(f"a Dask worker died on a partition several times ({err}); the run was stopped") from None
    except (FutureCancelledError, TimeoutError) as err:
        raise SchedulerError(f"the Dask cluster at {address} stopped the run ({type(err).__name__})") from None
    finally:
        client.close()
