"""Stage trends: theme and dominant-topic share per year over the pipeline's corpus, as DVC plots.

The bundle classifies every ingested paragraph (streamed, in partitions cut where a document ends so
context features see whole documents; they run where `scale.scheduler` says and come back in order);
the year comes from each paragraph's document (the documents file).  `dvc plots show` / `dvc plots
diff` then compare experiments on what analysts read — how each theme's share moves over the years.
"""

from __future__ import annotations

from pipeline.bundle import read_manifest
from pipeline.params import load
from pipeline.partitions import BundleRef
from pipeline.records import partitioned, with_documents
from pipeline.scheduler import Scheduler
from pipeline.stages import run, stage_paths
from pipeline.trend_files import write_year_plots
from pipeline.trends import NO_GROUP, ThemeTrends, labelled

BATCH = 512  # paragraphs classified at once within a partition (the CLI's default --batch-size)


def main() -> None:
    paths = stage_paths("trends", "paragraphs", "documents", "bundle", "plots")
    params = load()
    scale = params.scale
    scheduler = Scheduler.parse(scale.scheduler)
    bundle = BundleRef.of(paths.bundle)
    trends = ThemeTrends(read_manifest(paths.bundle)["themes"], "year")
    parts = partitioned(with_documents(paths.paragraphs, paths.documents), scale.partition_size, lambda r: r["doc"])
    for item in labelled(parts, scheduler, lambda: bundle, BATCH):
        trends.add(item.record, item.labels, item.topic)
    themes = write_year_plots(trends.theme_rows(), paths.plots / "themes")
    topics = write_year_plots(trends.topic_rows(), paths.plots / "topics")
    years = [g for g in trends.ordered_groups() if g != NO_GROUP]
    undated = trends.groups.get(NO_GROUP)
    print(
        f"trends: {len(years)} years{f' ({years[0]}–{years[-1]})' if years else ''}, "
        f"{undated.paragraphs if undated else 0} undated paragraphs; {len(themes)} theme and {len(topics)} topic "
        f"series → {paths.plots} (scheduler {scheduler})"
    )


if __name__ == "__main__":
    run(main)
