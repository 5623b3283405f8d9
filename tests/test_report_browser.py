"""The report as a user sees it: opened from disk in real headless Chromium (Debian's package)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_binary
from test_report import build_report

from pipeline.charts import PALETTE

BINARY = chromium_binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason="chromium is not installed (.ci/run installs it)")

_DOM_CHECK = """(() => {
  const cjk = /[\\u4e00-\\u9fff]/;
  const chinese = [...document.querySelectorAll('svg.heatmap text')].filter(t => cjk.test(t.textContent));
  return {
    charts: document.querySelectorAll('svg.chart').length,
    lines: document.querySelectorAll('svg.line-chart polyline.series').length,
    cells: document.querySelectorAll('svg.heatmap rect.cell').length,
    marks: document.querySelectorAll('mark').length,
    chineseLabels: chinese.length,
    chineseWidth: chinese.length ? chinese[0].getBBox().width : 0,
    legend: [...document.querySelectorAll('svg.line-chart text.legend')].map(t => t.textContent),
    height: document.body.scrollHeight,
  };
})()"""


@pytest.fixture(scope="module")
def report(sample_bundle: tuple, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(sample_bundle, tmp_path_factory.mktemp("browser") / "report.html", top=2)[0]


def test_report_renders_offline_with_charts_and_chinese_labels(report: Path) -> None:
    from PIL import Image

    with Chromium(BINARY) as browser:  # type: ignore[arg-type]
        session = browser.open(report)
        dom = browser.evaluate(session, _DOM_CHECK)
        png = browser.screenshot(session)
        urls = browser.requested_urls()
        errors = browser.errors()
    assert urls and all(u.startswith(report.resolve().as_uri()) for u in urls), urls  # the file itself only
    assert errors == []
    assert dom["charts"] == 4 and dom["lines"] == 3 and dom["cells"] > 50 and dom["marks"] > 5, dom
    assert dom["legend"] == ["diplomacy", "governance", "belt_and_road"], dom
    assert dom["chineseLabels"] > 0 and dom["chineseWidth"] > 20, dom  # Chinese text laid out with a font
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    non_white = sum(n for n, c in colours if sum(c) < 720)
    assert non_white > 0.02 * image.width * image.height  # not a blank page
    painted = {c for _, c in colours}
    line_colours = [tuple(int(h[i : i + 2], 16) for i in (1, 3, 5)) for h in PALETTE[:3]]
    assert all(c in painted for c in line_colours)  # the three theme lines were drawn
