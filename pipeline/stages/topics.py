"""Stage topics: tokens → gensim LdaModel (deterministic) → topic model files, tables, metrics.

The tokens file is streamed (vocabulary, bag-of-words on disk, LDA passes, per-paragraph topics);
metrics are computed on a seeded sample (`topics.coherence_sample`).  With `topics.estep_partitions`
> 1 the LDA E-step runs on `scale.scheduler` too (pipeline/lda_partitioned.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.params import load
from pipeline.records import RecordField, write_json
from pipeline.scheduler import Scheduler
from pipeline.stages import run, stage_paths
from pipeline.streaming import infer_corpus_topics
from pipeline.themes import ThemeSet
from pipeline.topic_store import write_topic_model
from pipeline.topics import fit_topics, to_topic_model, top_words, topic_metrics, write_topic_words


def main() -> None:
    paths = stage_paths("topics", "tokens", "model", "topic-words", "paragraph-topics", "metrics")
    params = load()
    topics, scale = params.topics, params.scale
    logging.getLogger("gensim").setLevel(logging.WARNING)
    docs = RecordField(paths.tokens, "tokens")
    lexicon = ThemeSet.read(Path(params.data.themes)).lexicon if topics.seed_from_lexicon else None
    scheduler = Scheduler.parse(scale.scheduler)
    paths.model.parent.mkdir(parents=True, exist_ok=True)  # scratch files there: a path Dask workers share
    lda, dictionary = fit_topics(docs, topics, lexicon, scheduler, paths.model.parent)
    tm = to_topic_model(lda, dictionary, topics)
    words = top_words(lda, topics.topn)
    write_topic_model(paths.model, tm, words)
    write_topic_words(paths.topic_words, words)
    infer_corpus_topics(paths.tokens, paths.paragraph_topics, paths.model, scheduler, scale.partition_size)
    metrics = topic_metrics(lda, dictionary, docs, tm, topics)
    write_json(paths.metrics, metrics)
    print(f"topics: K={tm.num_topics} c_v={metrics['c_v']} u_mass={metrics['u_mass']} → {paths.model}")


if __name__ == "__main__":
    run(main)
