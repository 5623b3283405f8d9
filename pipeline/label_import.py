"""Labels back from the annotation tools: Label Studio JSON exports, doccano JSONL exports and CSV
sheets → the labels file the pipeline trains on (`{"id", "doc", "text", "labels", "genre"}`).

Formats, as the tools document them:
- Label Studio JSON export: a list of tasks `{"id", "data": {...}, "annotations": [{"result":
  [{"type": "choices", "from_name", "to_name", "value": {"choices": [...]}}], "was_cancelled"}]}`.
  A submitted annotation with no choice means "no theme"; cancelled (skipped) annotations and
  tasks nobody annotated are not labels (counted and reported, never written).
- doccano JSONL export (text classification): one object a line, `{"id", "text", "label": [...],
  <metadata fields>}`.  doccano exports unlabelled examples with `"label": []`, so an empty list
  means "not labelled yet"; "no theme" is the label `none`.
- CSV: columns `id` (or `paragraph_id`), `text`, `labels` (theme names separated by `;`), optional
  `doc`, `genre`; an empty `labels` cell is "not labelled yet", `none` is "no theme".

Every problem is one line naming the file and the record: unknown theme, missing text, the same id
for two different paragraphs, the same paragraph labelled twice with different labels.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.annotations import Annotation
from pipeline.readers import InputError
from pipeline.themes import ThemeSet

NONE = "none"
FORMATS = ("auto", "labelstudio", "doccano", "csv")
_SEPARATORS = re.compile(r"[;,|，；]")


def label_row(a: Annotation) -> dict:
    """A labels-file line; `group` holds the genre the tool exported (may be empty)."""
    out = {"id": a.id, "doc": a.doc, "text": a.text, "labels": list(a.labels)}
    if a.group:
        out["genre"] = a.group
    return out


@dataclass
class ImportResult:
    labels: list[Annotation]
    unlabelled: int = 0  # tasks / lines nobody has labelled yet
    agreeing: int = 0  # repeated labels of one paragraph that agree (kept once)


def _themes(names: object, themes: ThemeSet, where: str) -> tuple[str, ...]:
    """Validated theme names; `none` alone means no theme."""
    if isinstance(names, list) and NONE in names:
        if len(names) > 1:
            raise InputError(f"{where}: 'none' together with themes {[n for n in names if n != NONE]}")
        return ()
    try:
        return themes.check_labels(names, where)
    except ValueError as err:
        raise InputError(str(err)) from None


def _label(ident: object, text: object, doc: object, genre: object, labels: tuple[str, ...], where: str) -> Annotation:
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: missing text")
    if not isinstance(ident, str | int) or str(ident) == "":
        raise InputError(f"{where}: missing id")
    ident = str(ident)
    return Annotation(ident, str(doc or ident.split("#")[0]), text, labels, str(genre or ""), where)


def _labelstudio_choices(task: dict, themes: ThemeSet, where: str) -> tuple[str, ...] | None:
    """The task's themes; None when no annotation was submitted.  Annotators must agree."""
    found: list[tuple[str, ...]] = []
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise InputError(f"{where}: 'annotations' must be a list")
    for annotation in annotations:
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        choices: list[str] = []
        for region in annotation.get("result") or []:
            if isinstance(region, dict) and region.get("type") == "choices":
                choices += (region.get("value") or {}).get("choices") or []
        found.append(_themes(choices, themes, where))
    if found and any(f != found[0] for f in found):
        raise InputError(f"{where}: annotators disagree ({' vs '.join(sorted({'+'.join(f) or NONE for f in found}))})")
    return found[0] if found else None


def read_labelstudio(path: Path, themes: ThemeSet) -> Iterator[Annotation | None]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not a Label Studio JSON export ({err})") from None
    if not isinstance(tasks, list):
        raise InputError(f"{path}: a Label Studio JSON export is a list of tasks")
    for n, task in enumerate(tasks, 1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(f"{path}: task {n}: no 'data' object")
        data = task["data"]
        ident = data.get("paragraph_id") or (f"labelstudio-{task['id']}" if "id" in task else None)
        where = f"{path}: task {task.get('id', n)} ({ident})"
        labels = _labelstudio_choices(task, themes, where)
        yield (
            None
            if labels is None
            else _label(ident, data.get("text"), data.get("doc"), data.get("genre"), labels, where)
        )


def read_doccano(path: Path, themes: ThemeSet) -> Iterator[Annotation | None]:
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{where}: not a JSON object ({err.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{where}: not a JSON object")
            names = rec.get("label", rec.get("labels"))
            if names == []:
                yield None
                continue
            ident = rec.get("paragraph_id") or (f"doccano-{rec['id']}" if "id" in rec else None)
            yield _label(ident, rec.get("text"), rec.get("doc"), rec.get("genre"), _themes(names, themes, where), where)


def read_sheet(path: Path, themes: ThemeSet) -> Iterator[Annotation | None]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "labels" not in reader.fieldnames or "text" not in reader.fieldnames:
            raise InputError(f"{path}: a label sheet needs the columns id, text and labels")
        for lineno, row in enumerate(reader, 2):
            where = f"{path}:{lineno}"
            cell = (row.get("labels") or "").strip()
            if not cell:
                yield None
                continue
            names = [n.strip() for n in _SEPARATORS.split(cell) if n.strip()]
            ident = row.get("id") or row.get("paragraph_id")
            yield _label(ident, row.get("text"), row.get("doc"), row.get("genre"), _themes(names, themes, where), where)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "labelstudio"
    if suffix == ".jsonl":
        return "doccano"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise InputError(f"{path}: unknown export format (.json Label Studio, .jsonl doccano, .csv); use --format")


READERS = {"labelstudio": read_labelstudio, "doccano": read_doccano, "csv": read_sheet}


def import_labels(paths: Sequence[Path], themes: ThemeSet, fmt: str = "auto") -> ImportResult:
    """Read every export, validate each record, then check the records against each other."""
    result = ImportResult([])
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such export file")
        for item in READERS[detect_format(path) if fmt == "auto" else fmt](path, themes):
            if item is None:
                result.unlabelled += 1
            else:
                result.labels.append(item)
    return _consistent(result)


def _consistent(result: ImportResult) -> ImportResult:
    """One record per paragraph: repeats that agree are merged; an id naming two different texts,
    or one paragraph (id or text) with two different label sets, is an error."""
    by_id: dict[str, Annotation] = {}
    by_text: dict[str, Annotation] = {}
    kept: list[Annotation] = []
    for rec in result.labels:
        key = " ".join(rec.text.split())
        first = by_id.get(rec.id)
        if first is not None and " ".join(first.text.split()) != key:
            raise InputError(f"{rec.source}: duplicate id {rec.id!r} for another paragraph (first at {first.source})")
        first = first or by_text.get(key)
        if first is not None:
            if first.labels != rec.labels:
                was, now = "+".join(first.labels) or NONE, "+".join(rec.labels) or NONE
                raise InputError(f"{rec.source}: paragraph labelled {now} here but {was} at {first.source}")
            result.agreeing += 1
            continue
        by_id[rec.id] = by_text[key] = rec
        kept.append(rec)
    result.labels = kept
    return result


def write_labels(path: Path, labels: Sequence[Annotation]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(label_row(r), ensure_ascii=False) + "\n" for r in labels), encoding="utf-8")
