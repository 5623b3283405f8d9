"""Annotated paragraphs (THEMES.md labels) and the document-level split.

An annotation file is JSONL: `id` (`doc#index`), `doc`, `text`, `labels`, optionally `genre`.
A record without `text` is resolved by id against the ingested corpus; an unknown id is an error.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.params import ParamsError
from pipeline.readers import InputError, iter_records
from pipeline.records import paragraph_texts
from pipeline.themes import ThemeSet


@dataclass(frozen=True)
class Annotation:
    id: str
    doc: str
    text: str
    labels: tuple[str, ...]
    group: str  # genre group for per-genre metrics
    source: str  # file stem the annotation came from


def annotation_files(path: Path) -> list[Path]:
    """A labels path is one .jsonl file or a folder of them."""
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise InputError(f"{path}: no .jsonl annotation files in this folder")
        return files
    if not path.exists():
        raise InputError(f"{path}: no such labels file or folder")
    return [path]


def read_annotations(
    path: Path,
    themes: ThemeSet,
    groups: Mapping[str, str] | None = None,
    corpus_text: Mapping[str, str] | None = None,
) -> list[Annotation]:
    """Read and validate annotations against the theme set (a theme outside it: error with
    file:line); the group is the record's `genre`, else `groups[file stem]`."""
    groups = groups or {}
    out: list[Annotation] = []
    for file in annotation_files(path):
        seen: set[str] = set()
        for lineno, rec in iter_records(file):
            where = f"{file}:{lineno}"
            ident = rec.get("id")
            if not isinstance(ident, str) or not ident:
                raise InputError(f"{where}: missing 'id'")
            if ident in seen:
                raise InputError(f"{where}: duplicate id {ident!r}")
            seen.add(ident)
            try:
                labels = themes.check_labels(rec.get("labels"), where)
            except ValueError as err:
                raise InputError(str(err)) from None
            text = rec.get("text")
            if text is None:
                if corpus_text is None or ident not in corpus_text:
                    raise InputError(f"{where}: unknown id {ident!r} (no 'text' and not in the ingested corpus)")
                text = corpus_text[ident]
            doc = str(rec.get("doc") or ident.split("#")[0])
            group = str(rec.get("genre") or groups.get(file.stem, file.stem))
            out.append(Annotation(ident, doc, str(text), labels, group, file.stem))
    return out


def label_matrix(annotations: Sequence[Annotation], themes: Sequence[str]) -> np.ndarray:
    """Binary (n, len(themes)) indicator matrix."""
    return np.array([[t in a.labels for t in themes] for a in annotations], dtype=np.int64).reshape(-1, len(themes))


def ids_without_text(path: Path) -> set[str]:
    """Ids of the annotations in `path` (a file or folder) that carry no text of their own."""
    return {
        rec["id"]
        for file in annotation_files(path)
        for _, rec in iter_records(file)
        if rec.get("text") is None and isinstance(rec.get("id"), str)
    }


def load_labels(
    labels: Path,
    themes: ThemeSet,
    groups: Mapping[str, str],
    sample_labels: Path | None,
    paragraphs: Path | None = None,
) -> list[Annotation]:
    """The configured labels, plus the shipped sample's labels (`sample_labels`, when
    `train.add_sample` is on and they are not the configured labels already), validated against
    the theme set.  A label without its own text takes it from the ingested `paragraphs` file,
    read in one streamed pass for just those ids (labels that carry their text never open it)."""
    files = [labels]
    if sample_labels is not None:
        if not sample_labels.is_file():
            raise ParamsError(f"train.sample_labels: {sample_labels}: no such file (or set train.add_sample: false)")
        if sample_labels.resolve() != labels.resolve():
            files.append(sample_labels)
    missing = set().union(*(ids_without_text(f) for f in files))
    corpus_text = paragraph_texts(paragraphs, missing) if paragraphs is not None and missing else {}
    return [a for f in files for a in read_annotations(f, themes, groups, corpus_text)]


def split_by_document(
    annotations: Sequence[Annotation], holdout_docs: Sequence[str], eval_only: Sequence[str]
) -> tuple[list[Annotation], list[Annotation]]:
    """Train / evaluation split by document, never by paragraph.

    Evaluation: every paragraph of a held-out document, and every annotation from an
    evaluation-only file (e.g. the seed paper: another genre, never trained on).  A name that
    matches nothing is an error: it would silently hold nothing out.
    """
    hold = set(holdout_docs)
    only = set(eval_only)
    _check_names("data.holdout_docs", "annotated document", holdout_docs, {a.doc for a in annotations})
    _check_names("data.eval_only", "annotation file", eval_only, {a.source for a in annotations})
    train = [a for a in annotations if a.doc not in hold and a.source not in only]
    test = [a for a in annotations if a.doc in hold or a.source in only]
    return train, test


def _check_names(key: str, what: str, names: Sequence[str], known: set[str]) -> None:
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ParamsError(f"{key}: {name!r} matches no {what} in the labels{hint}")
