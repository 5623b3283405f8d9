"""The report: one self-contained HTML page with charts, evidence, the validity card and its tables beside it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from pipeline.bundle import read_bundle, topic_words
from pipeline.evidence import Explainer
from pipeline.partitions import BundleRef
from pipeline.report import ReportContext, ReportData, explain_kept, write_report
from pipeline.scheduler import Scheduler
from pipeline.trends import labelled


def build_report(sample_bundle: tuple, out: Path, top: int = 3) -> tuple[Path, ReportData]:
    """The report over the sample paragraphs, spread over made-up years and two sources."""
    _, directory, texts = sample_bundle
    directory = Path(directory)
    model, manifest = read_bundle(directory)
    records = [
        {"id": f"d{i // 40}#{i % 40:03d}", "text": t, "title": f"{1990 + i // 40}年报告", "source": f"s{i % 2}"}
        for i, t in enumerate(texts)
    ]
    data = ReportData(manifest["themes"], list(model.thresholds), group_field="source", top=top)
    bundle = BundleRef.of(directory)
    for item in labelled([records[i : i + 100] for i in range(0, len(records), 100)], Scheduler(), lambda: bundle):
        data.add(item.record, item.labels, item.scores, item.topic)
    words = topic_words(directory)
    explain_kept(data, model, Explainer(model, manifest["themes"], words))
    write_report(data, ReportContext(directory, manifest, words, []), out)
    return out, data


@pytest.fixture(scope="module")
def report(sample_bundle: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReportData]:
    return build_report(sample_bundle, tmp_path_factory.mktemp("report") / "report.html")


def test_one_self_contained_page_with_its_tables_beside_it(report: tuple[Path, ReportData]) -> None:
    path, _ = report
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and " src=" not in html and "url(" not in html
    assert "http://" not in html and "https://" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all("/" not in link and (path.parent / link).is_file() for link in links)
    assert any(link.endswith(".xlsx") for link in links) and any(link.endswith(".csv") for link in links)
    with zipfile.ZipFile(path.with_suffix(".xlsx")) as book:
        assert book.testzip() is None


def test_charts_show_every_theme_over_the_years(report: tuple[Path, ReportData]) -> None:
    path, data = report
    html = path.read_text(encoding="utf-8")
    assert html.count('class="chart line-chart"') == 1 and html.count('class="chart heatmap"') == 3
    assert html.count('class="series"') == len(data.themes)
    years = [g for g in data.by_year.ordered_groups()]
    assert years == [str(1990 + k) for k in range(len(years))] and len(years) >= 10


def test_top_paragraphs_are_the_best_scored_with_evidence_marked(report: tuple[Path, ReportData]) -> None:
    path, data = report
    html = path.read_text(encoding="utf-8")
    for theme in data.themes:
        kept = data.kept(theme)
        assert len(kept) == 3 and [k.score for k in kept] == sorted((k.score for k in kept), reverse=True)
        assert all(theme in k.evidence for k in kept)
    marks = re.findall(r"<mark[^>]*>([^<]+)</mark>", html)
    assert len(marks) >= 9 and all(m.strip() for m in marks)


def test_validity_card_reports_threshold_neighbours(report: tuple[Path, ReportData]) -> None:
    path, data = report
    html = path.read_text(encoding="utf-8")
    assert "How far to trust this model" in html and "Training params" in html
    assert sum(data.near.values()) > 0
    assert f"out of {data.paragraphs:,}" in html


def test_validity_card_of_a_bundle_outside_the_pipeline_uses_its_own_figures() -> None:
    """A bundle that is not <project>/models/bundle (the released model, a copy) must not borrow the
    project's evaluate-stage metrics: the card shows the figures its manifest carries."""
    from pipeline.report_card import evaluation, validity_card

    root = Path(__file__).resolve().parents[1]
    released = root / "models" / "released"
    _, manifest = read_bundle(released)
    assert evaluation(released) is None
    html = validity_card(released, manifest, {}, 1)
    cv = manifest["metrics"]["cv"]
    assert f"{cv['macro_f1']:.3f}" in html and "held out:" not in html
    assert "cross-validation: national_report" in html
    assert "(self-written sample)" in html and "cross-validation: national_report (self" not in html
