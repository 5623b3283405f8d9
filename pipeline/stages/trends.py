"""Stage trends: theme and dominant-topic share per year over the pipeline's corpus, as DVC plots.

The bundle classifies every ingested paragraph (streamed in batches); `dvc plots show` / `dvc plots
diff` then compare experiments on what analysts read — how each theme's share moves over the years.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pipeline.bundle import read_bundle
from pipeline.stages import run
from pipeline.trend_files import write_year_plots
from pipeline.trends import NO_GROUP, ThemeTrends, labelled

PARAGRAPHS = Path("data/interim/paragraphs.jsonl")
BUNDLE = Path("models/bundle")
THEME_PLOTS = Path("plots/trends/themes")
TOPIC_PLOTS = Path("plots/trends/topics")
BATCH = 512


def batches(path: Path, size: int = BATCH) -> Iterator[list[dict]]:
    """The paragraphs file, streamed in batches (memory does not grow with the corpus)."""
    batch: list[dict] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                batch.append(json.loads(line))
                if len(batch) >= size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def main() -> None:
    model, _ = read_bundle(BUNDLE)
    trends = ThemeTrends(model.themes, "year")
    for item in labelled(batches(PARAGRAPHS), lambda: model):
        trends.add(item.record, item.labels, item.topic)
    themes = write_year_plots(trends.theme_rows(), THEME_PLOTS)
    topics = write_year_plots(trends.topic_rows(), TOPIC_PLOTS)
    years = [g for g in trends.ordered_groups() if g != NO_GROUP]
    undated = trends.groups.get(NO_GROUP)
    print(
        f"trends: {len(years)} years{f' ({years[0]}–{years[-1]})' if years else ''}, "
        f"{undated.paragraphs if undated else 0} undated paragraphs; {len(themes)} theme and {len(topics)} topic "
        f"series → {THEME_PLOTS.parent}"
    )


if __name__ == "__main__":
    run(main)
