"""Stage trends: theme and dominant-topic share per year over the pipeline's corpus, as DVC plots.

The bundle classifies every ingested paragraph (streamed in batches); `dvc plots show` / `dvc plots
diff` then compare experiments on what analysts read — how each theme's share moves over the years.
"""

from __future__ import annotations

from pipeline.bundle import read_bundle
from pipeline.stages import run, stage_paths
from pipeline.trend_files import write_year_plots
from pipeline.trends import NO_GROUP, ThemeTrends, jsonl_batches, labelled


def main() -> None:
    paths = stage_paths("trends", "paragraphs", "bundle", "plots")
    model, _ = read_bundle(paths.bundle)
    trends = ThemeTrends(model.themes, "year")
    for item in labelled(jsonl_batches(paths.paragraphs), lambda: model):
        trends.add(item.record, item.labels, item.topic)
    themes = write_year_plots(trends.theme_rows(), paths.plots / "themes")
    topics = write_year_plots(trends.topic_rows(), paths.plots / "topics")
    years = [g for g in trends.ordered_groups() if g != NO_GROUP]
    undated = trends.groups.get(NO_GROUP)
    print(
        f"trends: {len(years)} years{f' ({years[0]}–{years[-1]})' if years else ''}, "
        f"{undated.paragraphs if undated else 0} undated paragraphs; {len(themes)} theme and {len(topics)} topic "
        f"series → {paths.plots}"
    )


if __name__ == "__main__":
    run(main)
