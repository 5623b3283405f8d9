"""Charts as hand-written SVG: a line chart with interval bands and a heatmap.

No chart library, no script: the report is one HTML file that makes no network request and runs
no code, yet opens in any browser (and prints).  Every mark carries a <title>, so hovering shows
its exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
FONT = "'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC','Source Han Sans SC',sans-serif"


@dataclass(frozen=True)
class Series:
    """One line: a name and a (value, low, high) per x position (None where there is no data)."""

    name: str
    points: Sequence[tuple[float, float, float] | None]


def _pct(v: float) -> str:
    return f"{v:.1%}"


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str, width: int = 920) -> str:
    """Share (0–max) over x, one coloured line per series, its 95 % interval as a faint band."""
    height, left, right, top, bottom = 320, 56, 150, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    highs = [p[2] for s in series for p in s.points if p is not None]
    y_max = min(1.0, 4 * math.ceil(max(highs, default=0.05) * 1.05 / 4 / 0.025) * 0.025)  # ticks at 2.5 % steps
    positions = _positions(x_labels)
    lo, hi = positions[0], positions[-1]

    def x(i: int) -> float:
        return left + plot_w * (positions[i] - lo) / max(hi - lo, 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [_frame(width, height, title, "line-chart")]
    parts += _y_axis(left, top, plot_w, plot_h, y_max)
    for label, at in _x_ticks(x_labels, positions):
        xx = left + plot_w * (at - lo) / max(hi - lo, 1)
        parts.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#999"/>'
            f'<text x="{xx:.1f}" y="{height - bottom + 18}" text-anchor="middle" class="tick">{escape(label)}</text>'
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts += _series_marks(s, colour, x, y)
        parts.append(
            f'<rect x="{width - right + 12}" y="{top + 18 * n}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{width - right + 30}" y="{top + 18 * n + 11}" class="legend">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _series_marks(s: Series, colour: str, x: object, y: object) -> list[str]:
    """The band, the line and a dot per point (the dot's <title> gives the figures)."""
    pts = [(i, p) for i, p in enumerate(s.points) if p is not None]
    if not pts:
        return []
    upper = " ".join(f"{x(i):.1f},{y(p[2]):.1f}" for i, p in pts)  # type: ignore[operator]
    lower = " ".join(f"{x(i):.1f},{y(p[1]):.1f}" for i, p in reversed(pts))  # type: ignore[operator]
    line = " ".join(f"{x(i):.1f},{y(p[0]):.1f}" for i, p in pts)  # type: ignore[operator]
    out = [
        f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.12" stroke="none"/>',
        f'<polyline class="series" points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>',
    ]
    for i, p in pts:
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p[0]):.1f}" r="2.6" fill="{colour}">'  # type: ignore[operator]
            f"<title>{escape(s.name)}: {_pct(p[0])} (95% CI {_pct(p[1])}–{_pct(p[2])})</title></circle>"
        )
    return out


def heatmap(
    rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float | None]], title: str, cell: int = 0
) -> str:
    """Rows × columns of shares, darker = larger; empty cells where a value is None."""
    label_w = min(260, 14 + 13 * max((len(r) for r in rows), default=4))
    cell = cell or max(10, min(46, 760 // max(len(columns), 1)))
    row_h = 22
    width = max(label_w + cell * len(columns) + 20, 8 * len(title) + 40)
    height = 46 + row_h * len(rows) + 20 + 6 * max((len(_short(c)) for c in columns), default=4)
    peak = max((v for row in values for v in row if v is not None), default=0.0) or 1.0
    parts = [_frame(width, height, title, "heatmap")]
    every = max(1, len(columns) // 20)
    for j, col in enumerate(columns):
        if j % every == 0:
            cx = label_w + cell * j + cell / 2
            parts.append(
                f'<text transform="translate({cx:.1f},{46 + row_h * len(rows) + 8}) rotate(55)" class="tick">'
                f"{escape(_short(col))}</text>"
            )
    for i, (name, row) in enumerate(zip(rows, values, strict=True)):
        y = 40 + row_h * i
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="tick">{escape(name)}</text>')
        for j, v in enumerate(row):
            if v is None:
                continue
            shade = v / peak
            parts.append(
                f'<rect class="cell" x="{label_w + cell * j}" y="{y}" width="{cell - 1}" height="{row_h - 1}" '
                f'fill="rgb({int(247 - 200 * shade)},{int(251 - 150 * shade)},{int(255 - 90 * shade)})">'
                f"<title>{escape(name)} · {escape(columns[j])}: {_pct(v)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _positions(labels: Sequence[str]) -> list[float]:
    """Years sit at their value (gaps between reports show as gaps); other labels one apart."""
    if labels and all(label.isdigit() for label in labels):
        return [float(label) for label in labels]
    return [float(i) for i in range(len(labels))]


def _x_ticks(labels: Sequence[str], positions: Sequence[float]) -> list[tuple[str, float]]:
    """Every decade (every 5 years over a short span) for years, else about 14 evenly spaced labels."""
    if labels and all(label.isdigit() for label in labels):
        lo, hi = int(positions[0]), int(positions[-1])
        step = 10 if hi - lo >= 30 else 5 if hi - lo >= 10 else 1
        return [(str(v), float(v)) for v in range(lo + (-lo) % step, hi + 1, step)]
    every = max(1, len(labels) // 14)
    return [(label, positions[i]) for i, label in enumerate(labels) if i % every == 0]


def _short(label: str, limit: int = 24) -> str:
    """A column label that fits: the last path component, cut to `limit` characters."""
    tail = label.rstrip("/").rsplit("/", 1)[-1] or label
    return tail if len(tail) <= limit else tail[: limit - 1] + "…"


def _frame(width: int, height: int, title: str, kind: str) -> str:
    return (
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" font-family="{FONT}">'
        f'<text x="8" y="18" class="chart-title">{escape(title)}</text>'
    )


def _y_axis(left: int, top: int, plot_w: int, plot_h: int, y_max: float) -> list[str]:
    out = []
    for k in range(5):
        v = y_max * k / 4
        yy = top + plot_h * (1 - k / 4)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{_pct(v)}</text>'
        )
    return out
