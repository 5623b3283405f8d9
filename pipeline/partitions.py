"""What a CLI worker does with one partition: classify it, or cut it into the classifier's tokens.

Each task takes a reference to what it needs (a bundle, a segmenter's dictionary files) and the
partition's raw texts or tokens; the worker builds its state from the reference once per process
(`scheduler.worker_state`) and checks it against the checksum the parent computed, so every worker
classifies with exactly the bundle the parent verified.  Results are compact tuples and lists,
cheap to send back; the parent only writes them out in order.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.scheduler import SchedulerError, StateChanged, worker_state

if TYPE_CHECKING:  # loaded in the worker, never at start-up (boundary B1)
    import numpy as np

    from pipeline.evidence import Explainer
    from pipeline.model import ThemeModel

Classified = tuple[tuple[str, ...], dict[str, float], int | None, str, list | None]  # … evidence
Documents = tuple[list[str], list[str]]  # a partition to classify: texts and the document of each (context)


@dataclass(frozen=True)
class BundleRef:
    """The inference bundle at `path` whose manifest checksum the parent verified."""

    path: str
    checksum: str

    @classmethod
    def of(cls, directory: Path) -> BundleRef:
        from pipeline.bundle import verify_bundle

        return cls(str(directory.resolve()), verify_bundle(directory)["checksum"])

    def load(self) -> ThemeModel:
        from pipeline.bundle import BundleError, read_bundle

        try:
            model, manifest = read_bundle(Path(self.path))
        except BundleError as err:  # e.g. a worker on a machine without the bundle at this path
            raise SchedulerError(f"on worker {socket.gethostname()}: {err}") from None
        if manifest["checksum"] != self.checksum:
            raise StateChanged.of("the bundle", self.path)
        return model


@dataclass(frozen=True)
class ExplainerRef:
    """The evidence maker for `--explain` on a bundle, listing `top` features per label."""

    bundle: BundleRef
    top: int

    def load(self) -> Explainer:
        from pipeline.bundle import topic_words
        from pipeline.evidence import Explainer

        model = worker_state(self.bundle)
        return Explainer(model, model.themes, topic_words(Path(self.bundle.path)), self.top)


def _document_batches(docs: Sequence[str], size: int) -> list[tuple[int, int]]:
    """(start, end) of batches of at least `size` items (unless the input ends), cut where a document ends."""
    bounds, start = [], 0
    for i in range(1, len(docs) + 1):
        if i == len(docs) or (i - start >= size and docs[i] != docs[i - 1]):
            bounds.append((start, i))
            start = i
    return bounds


def classify_partition(bundle: BundleRef, batch_size: int, explain_top: int, part: Documents) -> list[Classified]:
    """Labels, scores, topic, language (and evidence when explain_top > 0) per text, in batches of
    about `batch_size` cut where a document ends (context features see whole documents)."""
    model = worker_state(bundle)
    explainer = worker_state(ExplainerRef(bundle, explain_top)) if explain_top > 0 else None
    out: list[Classified] = []
    texts, docs = part
    for lo, hi in _document_batches(docs, batch_size):
        batch, batch_docs = texts[lo:hi], docs[lo:hi]
        if explainer is None:
            out += [(p.labels, p.scores, p.topic, p.lang, None) for p in model.classify(batch, batch_docs)]
            continue
        predictions, rows, analysed = model.classify_with_rows(batch, batch_docs)
        evidence = explainer.explain(batch, analysed, rows, predictions)
        out += [(p.labels, p.scores, p.topic, p.lang, e) for p, e in zip(predictions, evidence, strict=True)]
    return out


def classify_unlabelled_partition(
    batch_size: int, explain_top: int, part: tuple[BundleRef | None, Documents]
) -> list[Classified]:
    """`classify_partition` for the records of a trends/report batch that came without labels: the
    bundle travels with the partition, None when there is nothing to classify (no model is loaded)."""
    bundle, documents = part
    return classify_partition(bundle, batch_size, explain_top, documents) if bundle is not None else []


def proba_partition(bundle: BundleRef, part: Documents) -> np.ndarray:
    """Unrounded theme probabilities (`suggest` ranks by them), each paragraph within its document;
    a paragraph's row does not depend on the other documents of the partition."""
    texts, docs = part
    return worker_state(bundle).predict_proba(texts, docs)


def bundle_tokens_partition(bundle: BundleRef, texts: Sequence[str]) -> list[list[str]]:
    """The content tokens the bundle's classifier sees (the CLI's `segment`)."""
    return [a.tokens for a in worker_state(bundle).features.analyse(texts)]
