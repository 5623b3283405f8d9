"""Stage train: annotated paragraphs → features (the one featurisation) → one-vs-rest logistic
regression with per-theme thresholds from document-grouped cross-validation → inference bundle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.affinity import read_word_vectors, theme_affinity
from pipeline.annotations import load_labels, split_by_document
from pipeline.bundle import write_bundle
from pipeline.features import FeatureSpace
from pipeline.lexicon import ThemeLexicon
from pipeline.params import FeatureConfig, SegmentParams, load
from pipeline.records import texts_and_tokens, write_json
from pipeline.segment import Segmenter
from pipeline.stages import run, stage_paths
from pipeline.themes import ThemeSet
from pipeline.topic_store import read_topic_model
from pipeline.training import genre_holdouts, mixed_sample_stem, train_model, training_set, weak_labels


def feature_space(
    seg: SegmentParams, features: FeatureConfig, lexicon: ThemeLexicon, topics: Path, vectors: Path
) -> tuple[FeatureSpace, list[list[str]]]:
    """The unfitted feature space with what earlier stages trained (LDA topics, the word vectors'
    theme affinity), and the topics' top words for the bundle."""
    segmenter = Segmenter.from_files(Path(seg.user_dict), Path(seg.stopwords), seg.backend)
    topic_model, topic_words = read_topic_model(topics)
    affinity = theme_affinity(*read_word_vectors(vectors), lexicon) if features.affinity else None
    return FeatureSpace(segmenter, lexicon, features, topic_model=topic_model, affinity=affinity), topic_words


def main() -> None:
    paths = stage_paths("train", "paragraphs", "tokens", "topics", "vectors", "bundle", "metrics")
    params = load()
    seg, train_p = params.segment, params.train
    labels, themes_file = Path(params.data.labels), Path(params.data.themes)
    sample = Path(train_p.sample_labels) if train_p.add_sample else None
    themes = ThemeSet.read(themes_file)
    annotations = load_labels(labels, themes, params.data.groups, sample, paths.paragraphs)
    train, _ = split_by_document(annotations, params.data.holdout_docs, params.data.eval_only)
    if not train:
        raise ValueError("train: no training paragraphs left after the document split (data.holdout_docs)")
    lexicon = themes.lexicon
    space, topic_words = feature_space(seg, params.features, lexicon, paths.topics, paths.vectors)
    exclude = {a.text for a in annotations}
    weak = None
    if train_p.weak_labels:  # every eligible corpus paragraph is a candidate: streamed, with the segment stage's tokens
        corpus = lambda: texts_and_tokens(paths.paragraphs, paths.tokens)  # noqa: E731
        weak = weak_labels(lexicon, corpus, exclude, train_p.weak_limit)

    mixed_sample = mixed_sample_stem(labels, sample)
    ts = training_set(train, themes.names, weak, mixed_sample, train_p)
    model, metrics = train_model(ts, space, train_p)
    if train_p.leave_one_genre_out:
        metrics["logo"] = genre_holdouts(ts, model, train, mixed_sample, train_p)

    write_json(paths.metrics, metrics)
    write_bundle(
        paths.bundle,
        model,
        terms_file=Path(seg.user_dict),
        stopwords_file=Path(seg.stopwords),
        themes_file=themes_file,
        topic_words=topic_words,
        params={  # every section that shapes the model (`scale` only says where work runs)
            "data": dataclasses.asdict(params.data),
            "segment": dataclasses.asdict(params.segment),
            "topics": dataclasses.asdict(params.topics),
            "vectors": dataclasses.asdict(params.vectors),
            "features": dataclasses.asdict(params.features),
            "train": dataclasses.asdict(params.train),
        },
        metrics={k: metrics[k] for k in ("cv", "logo") if k in metrics},
    )
    print(
        f"train: {ts.n_gold} paragraphs (+{metrics['n_weak']} weak), {metrics['n_features']} features, "
        f"CV macro-F1 {metrics['cv'].get('macro_f1')} → {paths.bundle}"
    )


if __name__ == "__main__":
    run(main)
