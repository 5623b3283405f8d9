"""One self-contained HTML report over labelled paragraphs: what an analyst reads.

Streams: a paragraph updates per-year and per-group totals (`ThemeTrends`), the few best-scored
paragraphs per theme (a bounded heap) and near-threshold counts, then is dropped, so memory stays
flat whatever the corpus size.  The page is inline HTML + CSS + SVG (`pipeline.charts`): no script,
no font or image from anywhere, so it opens by double-click and makes no network request.
Tables beside it (CSV, .xlsx) are linked by relative name.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.charts import PALETTE, Series, heatmap, line_chart
from pipeline.report_card import validity_card
from pipeline.trends import NO_GROUP, ShareRow, ThemeTrends

if TYPE_CHECKING:
    from pipeline.evidence import Explainer
    from pipeline.model import ThemeModel

NEAR_THRESHOLD = 0.1
_CSS = """
body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC',sans-serif;margin:24px;
color:#222;max-width:1100px}h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
.chart-title{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#555}.legend{font-size:12px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td.t,th.t{text-align:left}.para{border-left:4px solid #ccc;padding:4px 10px;margin:8px 0;font-size:14px;
line-height:1.7}.para .meta{color:#777;font-size:12px}mark{padding:0 1px;border-radius:2px}
.ev{font-size:12px;color:#555}.card{background:#f7f7f7;padding:8px 16px;border-radius:6px}
"""


@dataclass
class Kept:
    """A paragraph kept for display: its score for one theme, metadata and (later) evidence."""

    score: float
    id: str
    text: str
    where: str
    evidence: dict | None = None


@dataclass
class ReportData:
    """Everything the report shows, accumulated one paragraph at a time."""

    themes: Sequence[str]
    thresholds: Sequence[float]
    group_field: str = "source"
    top: int = 5
    paragraphs: int = 0
    near: dict[str, int] = field(default_factory=dict)
    _heaps: dict[str, list[tuple[float, int, Kept]]] = field(default_factory=dict)
    _seq: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.by_year = ThemeTrends(self.themes, "year")
        self.by_group = ThemeTrends(self.themes, self.group_field)

    def add(self, record: Mapping, labels: Sequence[str], scores: Mapping[str, float], topic: int | None) -> None:
        self.by_year.add(record, labels, topic)
        self.by_group.add(record, labels, topic)
        if record.get("lang", "zh") != "zh":
            return
        self.paragraphs += 1
        for theme, cut in zip(self.themes, self.thresholds, strict=True):
            score = float(scores.get(theme, 0.0))
            if abs(score - cut) < NEAR_THRESHOLD:
                self.near[theme] = self.near.get(theme, 0) + 1
            if theme in labels:
                self._keep(theme, score, record)

    def _keep(self, theme: str, score: float, record: Mapping) -> None:
        heap = self._heaps.setdefault(theme, [])
        item = (score, -next(self._seq), None)
        if len(heap) >= self.top and item[:2] <= heap[0][:2]:
            return
        where = " · ".join(str(record[k]) for k in ("title", "year", "doc") if record.get(k) not in (None, ""))
        kept = Kept(score, str(record.get("id", "")), str(record.get("text", "")), where, record.get("evidence"))
        (heapq.heapreplace if len(heap) >= self.top else heapq.heappush)(heap, (score, item[1], kept))

    def kept(self, theme: str) -> list[Kept]:
        """The best-scored paragraphs of a theme, best first."""
        return [k for _, _, k in sorted(self._heaps.get(theme, []), key=lambda e: (-e[0], -e[1]))]


@dataclass
class ReportContext:
    """What the report says about the model and the files beside it."""

    model_dir: Path
    manifest: dict
    topic_words: list[list[str]]
    links: list[str]


def render(data: ReportData, context: ReportContext, title: str = "Policy themes report") -> str:
    """The whole page as one string."""
    sections = [
        f"<h1>{escape(title)}</h1>",
        _summary(data, context),
        "<h2>Theme share over time</h2>",
        _time_chart(data.by_year),
        _heat_section(data.by_group, f"Theme share by {data.group_field}"),
        _heat_section(data.by_year, "Theme share by year (heatmap)"),
        "<h2>Topics</h2>",
        _topic_section(data.by_year, context.topic_words),
        "<h2>Top paragraphs per theme</h2>",
        *(_top_section(data, theme, n) for n, theme in enumerate(data.themes)),
        "<h2>How far to trust this model</h2>",
        validity_card(context.model_dir, context.manifest, data.near, data.paragraphs),
    ]
    return (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{''.join(sections)}</body></html>\n"
    )


def _summary(data: ReportData, context: ReportContext) -> str:
    years = [g for g in data.by_year.ordered_groups() if g != NO_GROUP]
    span = f"{years[0]}–{years[-1]}" if years else "no years found"
    undated = data.by_year.groups.get(NO_GROUP)
    links = " · ".join(f'<a href="{escape(name)}">{escape(name)}</a>' for name in context.links)
    return (
        f'<p class="card">{data.paragraphs:,} Chinese paragraphs; years {span}'
        f"{f' ({undated.paragraphs:,} paragraphs without a year)' if undated else ''}. "
        f"Themes: {', '.join(escape(t) for t in data.themes)}. Tables: {links or '—'}</p>"
    )


def _points(rows: Sequence[ShareRow], groups: Sequence[str], theme: str) -> list[tuple[float, float, float] | None]:
    by_group = {r.group: r for r in rows if r.theme == theme}
    return [
        (r.share, r.ci_low, r.ci_high) if (r := by_group.get(g)) is not None and r.paragraphs else None for g in groups
    ]


def _time_chart(trends: ThemeTrends) -> str:
    years = [g for g in trends.ordered_groups() if g != NO_GROUP]
    if len(years) < 2:
        return "<p>Fewer than two years in the input: no time chart.</p>"
    rows = trends.theme_rows()
    series = [Series(t, _points(rows, years, t)) for t in trends.themes]
    return line_chart(years, series, "Share of paragraphs per theme (line) with 95% Wilson interval (band)")


def _heat_section(trends: ThemeTrends, title: str) -> str:
    groups = trends.ordered_groups()
    if not groups:
        return ""
    share = {(r.group, r.theme): r.share for r in trends.theme_rows()}
    values = [[share.get((g, t)) for g in groups] for t in trends.themes]
    return f"<h2>{escape(title)}</h2>" + heatmap(list(trends.themes), groups, values, title + " (share of paragraphs)")


def _topic_section(trends: ThemeTrends, topic_words: list[list[str]]) -> str:
    rows = trends.topic_rows()
    if not rows:
        return "<p>No topic proportions in the input (the model has no topic block).</p>"
    years = [g for g in trends.ordered_groups() if g != NO_GROUP] or trends.ordered_groups()
    names = list(dict.fromkeys(r.theme for r in rows))
    share = {(r.group, r.theme): r.share for r in rows}
    labels = []
    for name in names:
        k = int(name.split()[1])
        words = " ".join(topic_words[k][:5]) if k < len(topic_words) else ""
        labels.append(f"{k}: {words}")
    values = [[share.get((g, n)) for g in years] for n in names]
    words_table = "".join(
        f'<tr><td>{k}</td><td class="t">{escape(" ".join(ws))}</td></tr>' for k, ws in enumerate(topic_words)
    )
    return heatmap(labels, years, values, "Share of paragraphs by dominant topic, per year") + (
        f'<details><summary>Topic words</summary><table><tr><th>topic</th><th class="t">top words</th></tr>'
        f"{words_table}</table></details>"
    )


def _top_section(data: ReportData, theme: str, n: int) -> str:
    kept = data.kept(theme)
    colour = PALETTE[n % len(PALETTE)]
    if not kept:
        return f"<h3>{escape(theme)}</h3><p>No paragraph carries this theme.</p>"
    paras = "".join(_paragraph(k, theme, colour) for k in kept)
    return f'<h3 style="color:{colour}">{escape(theme)}</h3>{paras}'


def _paragraph(kept: Kept, theme: str, colour: str) -> str:
    evidence = (kept.evidence or {}).get(theme) or {}
    features = evidence.get("features", [])
    spans = sorted({(s, e): f["label"] for f in features for s, e in f.get("spans", [])}.items())
    text, out, pos = kept.text, [], 0
    for (start, end), label in spans:
        if start < pos:
            continue  # overlapping spans: the first one is marked
        out.append(escape(text[pos:start]))
        out.append(f'<mark style="background:{colour}33" title="{escape(label)}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    carried = ", ".join(f"{escape(f['label'])} +{f['contribution']:.2f}" for f in features[:6])
    return (
        f'<div class="para" style="border-color:{colour}"><div class="meta">{escape(kept.id)} · score '
        f"{kept.score:.2f} · {escape(kept.where)}</div>{''.join(out)}"
        f'<div class="ev">{"Carried by: " + carried if carried else ""}</div></div>'
    )


def explain_kept(data: ReportData, model: ThemeModel, explainer: Explainer) -> None:
    """Evidence for the displayed paragraphs that came without it (a few per theme, so cheap).

    These are classify output without --explain: each is explained alone, without its document's
    neighbours, so context features may weigh differently than when it was classified."""
    todo = [k for theme in data.themes for k in data.kept(theme) if k.evidence is None]
    if not todo:
        return
    texts = [k.text for k in todo]
    predictions, rows, analysed = model.classify_with_rows(texts)
    for kept, evidence in zip(todo, explainer.explain(texts, analysed, rows, predictions), strict=True):
        kept.evidence = evidence


def report_files(output: Path, group_field: str) -> dict[str, Path]:
    """Where `write_report` writes each table beside the HTML file (table name → path)."""
    stem = output.with_suffix("")
    names = ("themes by year", f"themes by {group_field}", "topics by year")
    files = {name: Path(f"{stem}-{'-'.join(name.split())}.csv") for name in names}
    files["workbook"] = Path(f"{stem}.xlsx")
    return files


def _in_place(path: Path) -> AbstractContextManager[Path]:
    return nullcontext(path)


def write_report(
    data: ReportData,
    context: ReportContext,
    output: Path,
    title: str = "Policy themes report",
    replaced: Callable[[Path], AbstractContextManager[Path]] = _in_place,
) -> list[Path]:
    """The HTML file and, beside it, the tables it links: one CSV per table and one .xlsx with all.

    `replaced(path)` gives the path to write each file to (the CLI passes an atomic replacement)."""
    from pipeline.trend_files import write_csv, write_xlsx

    files = report_files(output, data.group_field)
    sheets = {
        "themes by year": data.by_year.theme_rows(),
        f"themes by {data.group_field}": data.by_group.theme_rows(),
        "topics by year": data.by_year.topic_rows(),
    }
    written = []
    for name, rows in sheets.items():
        if rows:
            with replaced(files[name]) as path, path.open("w", encoding="utf-8", newline="") as out:
                write_csv(rows, out)
            written.append(files[name])
    with replaced(files["workbook"]) as path:
        write_xlsx(path, sheets)
    written.append(files["workbook"])
    context.links = [p.name for p in written]
    with replaced(output) as path:
        path.write_text(render(data, context, title), encoding="utf-8")
    return [output, *written]
