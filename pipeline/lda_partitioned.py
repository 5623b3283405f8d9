"""LDA beyond one core, still deterministic: gensim's online update loop with each update's E-step
split into `topics.estep_partitions` partitions that run on the `scale` scheduler.

gensim's LdaMulticore merges its workers' sufficient statistics in whatever order they finish, so
its models differ from run to run (gensim PR #2953 documents it).  Here the partitions are fixed by
params, not by the number of workers, and merged in partition order (`LdaState.merge`) before
gensim's own M-step (`LdaModel.do_mstep`), so a run gives the same bytes on one process, a local
pool or a Dask cluster.  Each partition's RNG starts where the model's seeded stream would be when
gensim draws that partition's initial γ, so the partitions start from gensim's serial values: with
one partition the model equals `LdaModel` byte for byte, with more the sums differ only in the
order of floating-point additions.

The model state an E-step needs (λ's exp-E[log β], α) travels once per update: pickled to a file
every worker reads once (a one-slot cache per process), never with each partition or document.
"""

from __future__ import annotations

import copy
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from gensim.models import LdaModel
from gensim.models.ldamodel import LdaState
from gensim.utils import grouper

from pipeline.scheduler import OrderedMap, Scheduler, session, single_threaded_blas

Bow = Sequence[tuple[int, float]]
Job = tuple[dict, Sequence[Bow]]  # (RandomState state, the partition's documents)


@dataclass(frozen=True)
class EStepModelRef:
    """One update's E-step model, pickled by the parent to `path` (unique per update and run)."""

    path: str

    def load(self) -> LdaModel:
        single_threaded_blas()
        with open(self.path, "rb") as handle:
            return pickle.load(handle)


_current: dict[EStepModelRef, LdaModel] = {}  # this process's model of the update in progress


def _estep_model(ref: EStepModelRef) -> LdaModel:
    """The update's model, loaded once per process and update (older updates are dropped)."""
    if ref not in _current:
        _current.clear()
        _current[ref] = ref.load()
    return _current[ref]


def estep_partition(ref: EStepModelRef, job: Job) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gensim's E-step (`LdaModel.inference`) on one partition: γ, and the sufficient statistics
    of the vocabulary columns the partition uses (the others are zero; no need to send them)."""
    rng_state, docs = job
    lda = _estep_model(ref)
    lda.random_state = np.random.RandomState()
    lda.random_state.set_state(rng_state)
    gamma, sstats = lda.inference(docs, collect_sstats=True)
    columns = np.unique(np.fromiter((i for doc in docs for i, _ in doc), dtype=np.int64))
    return gamma, columns, sstats[:, columns]


def split(chunk: Sequence[Bow], partitions: int) -> list[Sequence[Bow]]:
    """`partitions` contiguous, near-equal slices of an update chunk (none empty)."""
    n = len(chunk)
    bounds = [i * n // partitions for i in range(partitions + 1)]
    return [chunk[a:b] for a, b in pairwise(bounds) if b > a]


def seeded_jobs(lda: LdaModel, chunk: Sequence[Bow], partitions: int) -> list[Job]:
    """Each partition with the RNG state at which gensim's serial E-step would draw its initial γ:
    the parent advances the model's stream by the same draw `LdaModel.inference` makes."""
    jobs = []
    for part in split(chunk, partitions):
        jobs.append((lda.random_state.get_state(), part))
        lda.random_state.gamma(100.0, 1.0 / 100.0, (len(part), lda.num_topics))
    return jobs


class EStepPublisher:
    """Makes each update's E-step model available to the workers: in this process for `none`,
    else as a pickle in `workdir` (replaced every update)."""

    def __init__(self, scheduler: Scheduler, workdir: Path) -> None:
        self.in_process = scheduler.kind == "none"
        self.workdir = workdir
        self.update = 0

    def publish(self, lda: LdaModel) -> EStepModelRef:
        model = copy.copy(lda)  # what `inference` reads: expElogbeta, alpha, iterations, dtype
        model.state = model.id2word = model.eta = model.random_state = None
        previous = self.workdir / f"estep-{self.update}.pkl"
        self.update += 1
        ref = EStepModelRef(str((self.workdir / f"estep-{self.update}.pkl").resolve()))
        if self.in_process:
            _current.clear()
            _current[ref] = model
            return ref
        with open(ref.path, "wb") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        if previous.exists():
            os.remove(previous)
        return ref


def partitioned_estep(lda: LdaModel, jobs: Iterable[Job], run: OrderedMap, ref: EStepModelRef) -> tuple[LdaState, list]:
    """The partitions' sufficient statistics merged in partition order, and their γ in order."""
    other = LdaState(lda.eta, lda.state.sstats.shape, lda.dtype)
    gammas = []
    for gamma, columns, block in run(estep_partition, jobs, ref):
        partial = LdaState(lda.eta, lda.state.sstats.shape, lda.dtype)
        partial.sstats[:, columns] = block
        partial.numdocs = gamma.shape[0]
        other.merge(partial)
        gammas.append(gamma)
    return other, gammas


def fit_partitioned(
    lda: LdaModel, corpus: Iterable[Bow], n_docs: int, partitions: int, scheduler: Scheduler, workdir: Path
) -> None:
    """`LdaModel.update(corpus)` as gensim runs it for our settings (online, an M-step after every
    chunk, no perplexity logging), the E-step of every chunk partitioned."""
    lda.state.numdocs += n_docs
    chunksize = min(n_docs, lda.chunksize)
    publisher = EStepPublisher(scheduler, workdir)
    with session(scheduler) as run:
        for pass_ in range(lda.passes):
            for chunk in grouper(corpus, chunksize):
                rho = pow(lda.offset + pass_ + lda.num_updates / chunksize, -lda.decay)  # gensim's rho()
                ref = publisher.publish(lda)
                other, gammas = partitioned_estep(lda, seeded_jobs(lda, chunk, partitions), run, ref)
                if lda.optimize_alpha:
                    lda.update_alpha(np.concatenate(gammas), rho)
                lda.do_mstep(rho, other, pass_ > 0)
    _current.clear()
