"""Theme share per group (year, document, genre or any metadata field), streamed.

Input is labelled paragraphs — classify output, or documents classified on the way — one record at
a time; only per-group totals are kept, so memory does not grow with the corpus.  For each group and
theme: paragraphs and characters, the theme's share of each, and a 95 % Wilson interval for the
paragraph share (paragraphs are the sampled unit; the character share has no interval).

Only Chinese paragraphs count (the classifier gives other languages no theme); how many others a
group had is reported, never dropped silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.partitions import BundleRef, Documents, classify_unlabelled_partition
from pipeline.scheduler import Scheduler, map_partitions

NO_GROUP = "(none)"
CONTEXT_DOC = "_context_doc"  # the document a record takes its context features from, when it differs from `doc`
Z95 = 1.959963984540054
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_TITLE_YEAR = re.compile(r"^\W*(1[89]\d\d|20\d\d)(?!\d)")  # a title that starts with its year: "2014年…"
_NAME_FIELDS = ("source", "doc", "id")


def year_of(record: Mapping[str, object]) -> str | None:
    """The year of a record: its `year` field, else a year that opens its title ("2014年政府工作报告",
    not "…《2030年议程》"), else the first 18xx–20xx in its file or document name."""
    value = record.get("year")
    if value not in (None, ""):
        match = _YEAR.search(str(value))
        if match:
            return match.group(1)
    title = record.get("title")
    if isinstance(title, str) and (match := _TITLE_YEAR.match(title)):
        return match.group(1)
    for name in _NAME_FIELDS:
        text = record.get(name)
        if isinstance(text, str) and (match := _YEAR.search(text)):
            return match.group(1)
    return None


def group_of(record: Mapping[str, object], by: str) -> str:
    """The group a record falls in for `--by`: year (found as `year_of` says) or any field's value."""
    value = year_of(record) if by == "year" else record.get(by)
    if value is None or value == "" or isinstance(value, dict | list):
        return NO_GROUP
    return str(value)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (0, 0 for n = 0)."""
    if n == 0:
        return 0.0, 0.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class GroupTotals:
    """Running totals of one group."""

    paragraphs: int = 0
    chars: int = 0
    other_language: int = 0
    theme_paragraphs: dict[str, int] = field(default_factory=dict)
    theme_chars: dict[str, int] = field(default_factory=dict)
    topic_paragraphs: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ShareRow:
    """One group × theme (or topic) line of the output, long format (one row per pair)."""

    group: str
    theme: str
    paragraphs: int
    theme_paragraphs: int
    share: float
    ci_low: float
    ci_high: float
    chars: int
    theme_chars: int
    char_share: float
    other_language: int

    def as_dict(self) -> dict[str, object]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


FIELDS = tuple(ShareRow.__dataclass_fields__)


class ThemeTrends:
    """Accumulates labelled paragraphs into per-group theme (and dominant-topic) totals."""

    def __init__(self, themes: Sequence[str], by: str) -> None:
        self.themes = list(themes)
        self.by = by
        self.groups: dict[str, GroupTotals] = {}

    def add(self, record: Mapping[str, object], labels: Iterable[str], topic: int | None = None) -> None:
        """Count one paragraph (`record` holds its text and metadata)."""
        totals = self.groups.setdefault(group_of(record, self.by), GroupTotals())
        if record.get("lang", "zh") != "zh":
            totals.other_language += 1
            return
        n_chars = len(str(record.get("text", "")))
        totals.paragraphs += 1
        totals.chars += n_chars
        for theme in labels:
            totals.theme_paragraphs[theme] = totals.theme_paragraphs.get(theme, 0) + 1
            totals.theme_chars[theme] = totals.theme_chars.get(theme, 0) + n_chars
        if topic is not None:
            totals.topic_paragraphs[topic] = totals.topic_paragraphs.get(topic, 0) + 1

    def ordered_groups(self) -> list[str]:
        """Years in time order, other groups alphabetically; the no-group bucket last."""
        names = [g for g in self.groups if g != NO_GROUP]
        names.sort(key=lambda g: (0, int(g), "") if g.isdigit() else (1, 0, g))
        return names + ([NO_GROUP] if NO_GROUP in self.groups else [])

    def theme_rows(self) -> list[ShareRow]:
        return [self._row(g, t, self.groups[g], t) for g in self.ordered_groups() for t in self.themes]

    def topic_rows(self) -> list[ShareRow]:
        """Share of paragraphs whose dominant topic is k, per group (theme column = `topic k`)."""
        topics = sorted({k for totals in self.groups.values() for k in totals.topic_paragraphs})
        return [self._row(g, f"topic {k:02d}", self.groups[g], k) for g in self.ordered_groups() for k in topics]

    @staticmethod
    def _row(group: str, name: str, totals: GroupTotals, key: str | int) -> ShareRow:
        n, chars = totals.paragraphs, totals.chars
        if isinstance(key, int):
            k, k_chars = totals.topic_paragraphs.get(key, 0), 0
        else:
            k, k_chars = totals.theme_paragraphs.get(key, 0), totals.theme_chars.get(key, 0)
        low, high = wilson(k, n)
        return ShareRow(
            group=group,
            theme=name,
            paragraphs=n,
            theme_paragraphs=k,
            share=k / n if n else 0.0,
            ci_low=low,
            ci_high=high,
            chars=chars,
            theme_chars=k_chars,
            char_share=k_chars / chars if chars and not isinstance(key, int) else 0.0,
            other_language=totals.other_language,
        )


def wide(rows: Sequence[ShareRow]) -> tuple[list[str], list[list[object]]]:
    """Groups as rows, one share column per theme: the shape a spreadsheet chart wants."""
    names = list(dict.fromkeys(r.theme for r in rows))
    table: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    for r in rows:
        table.setdefault(r.group, {})[r.theme] = r.share
        counts[r.group] = r.paragraphs
    header = ["group", "paragraphs", *names]
    return header, [[g, counts[g], *(table[g].get(t, 0.0) for t in names)] for g in table]


@dataclass(frozen=True)
class Labelled:
    """A paragraph record with the labels, scores and dominant topic it was given."""

    record: Mapping[str, object]
    labels: tuple[str, ...]
    scores: Mapping[str, float]
    topic: int | None


Batch = Sequence[Mapping[str, object]]


def labelled(
    batches: Iterable[Batch],
    scheduler: Scheduler,
    bundle: Callable[[], BundleRef],
    batch_size: int = 512,
    explain_top: int = 0,
) -> Iterator[Labelled]:
    """Records as they come: classify output (it has `labels`) is taken as is, anything else is
    classified batch by batch where `scheduler` says (each batch a partition, results back in input
    order), with each paragraph's document for the context features, and explained (`evidence`) when
    `explain_top` > 0 — in the same pass, so the evidence is of the very scores reported.

    Batches must end where a document ends.  `bundle()` is called only for a batch that has records
    to classify, so classify output is read without any model."""

    def payload(batch: Batch) -> tuple[BundleRef | None, Documents]:
        todo = [r for r in batch if not isinstance(r.get("labels"), list)]
        texts = [str(r.get("text", "")) for r in todo]
        docs = [str(r.get(CONTEXT_DOC, r.get("doc", r.get("id", "")))) for r in todo]
        return (bundle() if todo else None), (texts, docs)

    parts = map_partitions(scheduler, classify_unlabelled_partition, batches, payload, batch_size, explain_top)
    for batch, results in parts:
        done = iter(results)
        for record in batch:
            labels = record.get("labels")
            if isinstance(labels, list):
                topic, scores = record.get("topic"), record.get("scores")
                yield Labelled(
                    record,
                    tuple(map(str, labels)),
                    scores if isinstance(scores, dict) else {},
                    topic if isinstance(topic, int) else None,
                )
                continue
            found, scores, topic, lang, evidence = next(done)
            extra = {"lang": lang} if evidence is None else {"lang": lang, "evidence": evidence}
            yield Labelled({**record, **extra}, found, scores, topic)
