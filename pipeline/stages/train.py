"""Stage train: annotated paragraphs → features (the one featurisation) → one-vs-rest logistic
regression with per-theme thresholds from document-grouped cross-validation → inference bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from pipeline.annotations import Annotation, label_matrix, read_annotations, split_by_document
from pipeline.bundle import write_bundle
from pipeline.features import FeatureConfig, FeatureSpace, analyse
from pipeline.lexicon import ThemeLexicon
from pipeline.metrics import best_threshold, theme_scores
from pipeline.model import ThemeModel
from pipeline.params import read_params
from pipeline.segment import Segmenter
from pipeline.stages import read_jsonl, run, write_json
from pipeline.stages.segment import segmenter_from_params
from pipeline.stages.topics import MODEL_DIR as TOPICS_DIR
from pipeline.stages.topics import read_topic_model
from pipeline.themes import ThemeSet

PARAGRAPHS = Path("data/interim/paragraphs.jsonl")
BUNDLE = Path("models/bundle")
METRICS = Path("metrics/train.json")


@dataclass
class TrainingSet:
    texts: list[str]
    y: np.ndarray  # (n, themes)
    groups: list[str]  # document ids, for grouped CV
    weights: np.ndarray  # per-paragraph sample weights (weak labels weigh less)
    genres: list[str] = field(default_factory=list)  # genre group per paragraph (threshold balancing)
    n_gold: int = 0  # the first n_gold rows are annotated; the rest are weak labels


def load_annotations(data: dict, train: dict, corpus_text: dict[str, str], themes: ThemeSet) -> list[Annotation]:
    """The configured labels, plus the shipped sample's labels when `train.add_sample` is on,
    validated against the theme set."""
    groups = data.get("groups") or {}
    labels = Path(data["labels"])
    annotations = read_annotations(labels, themes, groups, corpus_text)
    sample = Path(train.get("sample_labels", ""))
    if train.get("add_sample") and sample.exists() and sample.resolve() != labels.resolve():
        annotations += read_annotations(sample, themes, groups, corpus_text)
    return annotations


def weak_labels(
    segmenter: Segmenter, lexicon: ThemeLexicon, paragraphs: Sequence[dict], exclude: set[str], limit: int
) -> tuple[list[str], np.ndarray]:
    """Lexicon-derived labels for unannotated corpus paragraphs: a theme when ≥ 2 of its strong terms
    occur, `none` when no theme term occurs at all; ambiguous paragraphs are left out.
    Every k-th eligible paragraph is taken so the choice is deterministic."""
    texts, ys = [], []
    candidates = [p["text"] for p in paragraphs if p["text"] not in exclude and len(p["text"]) >= 20]
    for text, a in zip(candidates, analyse(segmenter, candidates), strict=True):
        c = lexicon.counts(a.tokens)
        y = c[:, 0] >= 2
        if y.any() or (c[:, :2].sum() == 0):
            texts.append(text)
            ys.append(y.astype(np.int64))
    step = max(1, len(texts) // max(limit, 1))
    return texts[::step][:limit], np.array(ys[::step][:limit]).reshape(-1, len(lexicon.themes))


def fit_classifier(x: csr_matrix, y: np.ndarray, weights: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """One logistic regression per theme (one-vs-rest); returns coef (features × themes) and intercepts."""
    coef = np.zeros((x.shape[1], y.shape[1]))
    intercept = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():
            intercept[j] = 10.0 if y[0, j] else -10.0
            continue
        clf = LogisticRegression(
            C=params["C"],
            class_weight=params.get("class_weight") or None,
            solver=params.get("solver", "liblinear"),
            max_iter=5000,
            random_state=0,  # liblinear shuffles; a fixed seed keeps training byte-identical
        )
        clf.fit(x, y[:, j], sample_weight=weights)
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return coef, intercept


def predict_proba(x: csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))


def cross_validate(x: csr_matrix, ts: TrainingSet, gold: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities by document-grouped K-fold (gold rows only are scored)."""
    groups = np.asarray(ts.groups)
    n_folds = min(params.get("cv_folds", 5), len(set(groups[gold])))
    oof = np.full(ts.y.shape, np.nan, dtype=float)
    if n_folds < 2:
        return oof, gold
    for fit_idx, test_idx in GroupKFold(n_splits=n_folds).split(x, ts.y, groups):
        coef, intercept = fit_classifier(x[fit_idx], ts.y[fit_idx], ts.weights[fit_idx], params)
        oof[test_idx] = predict_proba(x[test_idx], coef, intercept)
    return oof, gold


def training_set(
    train: Sequence[Annotation],
    annotations: Sequence[Annotation],
    paragraphs: Sequence[dict],
    segmenter: Segmenter,
    lexicon: ThemeLexicon,
    train_p: dict,
    labels_path: Path,
) -> TrainingSet:
    """Gold training paragraphs (with sample weights and genre groups), plus weak labels if on."""
    texts = [a.text for a in train]
    y = label_matrix(train, lexicon.themes)
    docs = [a.doc for a in train]
    genres = [a.group for a in train]
    # when the sample is mixed into other labels, `sample_weight` sets how much its genres count
    sample = Path(train_p.get("sample_labels", ""))
    mixed = train_p.get("add_sample") and sample.exists() and sample.resolve() != labels_path.resolve()
    mixed_sample = sample.stem if mixed else None
    weights = np.array([train_p.get("sample_weight", 1.0) if a.source == mixed_sample else 1.0 for a in train])
    if train_p.get("weak_labels"):
        exclude = {a.text for a in annotations}
        w_texts, w_y = weak_labels(segmenter, lexicon, paragraphs, exclude, train_p.get("weak_limit", 2000))
        texts += w_texts
        y = np.vstack([y, w_y])
        docs += [f"weak#{i % 10}" for i in range(len(w_texts))]
        genres += ["weak"] * len(w_texts)
        weights = np.concatenate([weights, np.full(len(w_texts), train_p.get("weak_weight", 0.3))])
    return TrainingSet(texts, y, docs, weights, genres, len(train))


def train_model(ts: TrainingSet, space: FeatureSpace, train_p: dict) -> tuple[ThemeModel, dict]:
    """Fit the feature space and the per-theme classifiers; thresholds from grouped CV."""
    themes = space.lexicon.themes
    space.fit(ts.texts)
    x = space.transform(ts.texts).to_scipy()
    gold = np.arange(len(ts.texts)) < ts.n_gold
    oof, _ = cross_validate(x, ts, gold, train_p)
    scored = gold & ~np.isnan(oof[:, 0])
    by_group = np.asarray(ts.genres)[scored] if train_p.get("threshold_by_group") else None
    default = train_p.get("default_threshold", 0.5)
    thresholds = np.array(
        [best_threshold(ts.y[scored, j], oof[scored, j], default, groups=by_group) for j in range(len(themes))]
    )
    coef, intercept = fit_classifier(x, ts.y, ts.weights, train_p)
    cv = theme_scores(ts.y[scored], oof[scored] >= thresholds, themes) if scored.any() else {}
    metrics = {
        "cv": cv,
        "thresholds": dict(zip(themes, thresholds.round(2).tolist(), strict=True)),
        "n_train": ts.n_gold,
        "n_weak": len(ts.texts) - ts.n_gold,
        "n_features": int(x.shape[1]),
        "train_docs": len(set(ts.groups[: ts.n_gold])),
    }
    return ThemeModel(space, coef, intercept, thresholds), metrics


def main() -> None:
    params = read_params()
    data, seg_p, feat_p, train_p = params["data"], params["segment"], params["features"], params["train"]
    paragraphs = read_jsonl(PARAGRAPHS)
    themes = ThemeSet.read(Path(data["themes"]))
    annotations = load_annotations(data, train_p, {p["id"]: p["text"] for p in paragraphs}, themes)
    train, _ = split_by_document(annotations, data.get("holdout_docs", []), data.get("eval_only", []))
    if not train:
        raise ValueError("train: no training paragraphs left after the document split (data.holdout_docs)")
    segmenter = segmenter_from_params(seg_p)
    lexicon = themes.lexicon
    topic_model, topic_words = read_topic_model(TOPICS_DIR)

    ts = training_set(train, annotations, paragraphs, segmenter, lexicon, train_p, Path(data["labels"]))
    space = FeatureSpace(segmenter, lexicon, FeatureConfig.from_params(feat_p), topic_model=topic_model)
    model, metrics = train_model(ts, space, train_p)

    write_json(METRICS, metrics)
    write_bundle(
        BUNDLE,
        model,
        terms_file=Path(seg_p["user_dict"]),
        stopwords_file=Path(seg_p["stopwords"]),
        themes_file=Path(data["themes"]),
        topic_words=topic_words,
        params={k: params[k] for k in ("data", "segment", "topics", "features", "train")},
        metrics={"cv": metrics["cv"]},
    )
    cv = metrics["cv"].get("macro_f1")
    print(
        f"train: {ts.n_gold} paragraphs (+{metrics['n_weak']} weak), {metrics['n_features']} features, "
        f"CV macro-F1 {cv} → {BUNDLE}"
    )


if __name__ == "__main__":
    run(main)
