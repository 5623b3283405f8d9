"""Training the theme classifier: the training set (gold labels, sample weights, optional weak
labels), one-vs-rest logistic regression, document-grouped cross-validation and per-theme
thresholds.  Pure functions of data and params (scikit-learn; training only)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from pipeline.annotations import Annotation, label_matrix
from pipeline.features import FeatureSpace
from pipeline.genre_validation import leave_one_genre_out
from pipeline.lexicon import ThemeLexicon
from pipeline.metrics import best_threshold, document_counts, expected_calibration_error, theme_scores
from pipeline.model import ThemeModel
from pipeline.params import TrainParams


@dataclass
class TrainingSet:
    texts: list[str]
    y: np.ndarray  # (n, themes)
    groups: list[str]  # document ids, for grouped CV
    weights: np.ndarray  # per-paragraph sample weights (weak labels weigh less)
    genres: list[str] = field(default_factory=list)  # genre group per paragraph (threshold balancing)
    n_gold: int = 0  # the first n_gold rows are annotated; the rest are weak labels
    from_sample: list[bool] = field(default_factory=list)  # gold rows of the mixed-in shipped sample


def weak_labels(
    lexicon: ThemeLexicon,
    paragraphs: Callable[[], Iterable[tuple[str, Sequence[str]]]],
    exclude: set[str],
    limit: int,
) -> tuple[list[str], np.ndarray]:
    """Lexicon-derived labels for unannotated corpus paragraphs: a theme when ≥ 2 of its strong terms
    occur, `none` when no theme term occurs at all; ambiguous paragraphs are left out.
    Every k-th eligible paragraph is taken so the choice is deterministic.

    `paragraphs()` streams (text, content tokens) afresh on each call: one pass counts the eligible
    paragraphs (k follows from the count), a second takes every k-th, so only the chosen `limit`
    texts are ever held, whatever the corpus size."""

    def eligible() -> Iterator[tuple[str, np.ndarray]]:
        for text, tokens in paragraphs():
            if text in exclude or len(text) < 20:
                continue
            c = lexicon.counts(tokens)
            y = c[:, 0] >= 2
            if y.any() or (c[:, :2].sum() == 0):
                yield text, y.astype(np.int64)

    step = max(1, sum(1 for _ in eligible()) // max(limit, 1))
    chosen = list(itertools.islice(eligible(), 0, step * limit, step))
    return [t for t, _ in chosen], np.array([y for _, y in chosen]).reshape(-1, len(lexicon.themes))


def fit_classifier(
    x: csr_matrix, y: np.ndarray, weights: np.ndarray, params: TrainParams
) -> tuple[np.ndarray, np.ndarray]:
    """One logistic regression per theme (one-vs-rest); returns coef (features × themes) and intercepts."""
    coef = np.zeros((x.shape[1], y.shape[1]))
    intercept = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():
            intercept[j] = 10.0 if y[0, j] else -10.0
            continue
        clf = LogisticRegression(
            C=params.C,
            class_weight=None if params.class_weight == "none" else params.class_weight,
            solver=params.solver,
            max_iter=5000,
            random_state=0,  # liblinear shuffles; a fixed seed keeps training byte-identical
        )
        clf.fit(x, y[:, j], sample_weight=weights)
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return coef, intercept


def predict_proba(x: csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))


def cross_validate(x: csr_matrix, ts: TrainingSet, gold: np.ndarray, params: TrainParams) -> np.ndarray:
    """Out-of-fold probabilities by document-grouped K-fold (gold rows only are scored; NaN when
    fewer than two documents can be folded)."""
    groups = np.asarray(ts.groups)
    n_folds = min(params.cv_folds, len(set(groups[gold])))
    oof = np.full(ts.y.shape, np.nan, dtype=float)
    if n_folds < 2:
        return oof
    for fit_idx, test_idx in GroupKFold(n_splits=n_folds).split(x, ts.y, groups):
        coef, intercept = fit_classifier(x[fit_idx], ts.y[fit_idx], ts.weights[fit_idx], params)
        oof[test_idx] = predict_proba(x[test_idx], coef, intercept)
    return oof


def training_set(
    train: Sequence[Annotation],
    themes: Sequence[str],
    weak: tuple[list[str], np.ndarray] | None,
    mixed_sample: str | None,
    params: TrainParams,
) -> TrainingSet:
    """Gold training paragraphs (with sample weights and genre groups), plus weak labels if given.
    `mixed_sample` is the file stem of the shipped sample's labels when they are mixed into other
    labels: `train.sample_weight` then sets how much its genres count."""
    texts = [a.text for a in train]
    y = label_matrix(train, themes)
    docs = [a.doc for a in train]
    genres = [a.group for a in train]
    weights = np.array([params.sample_weight if a.source == mixed_sample else 1.0 for a in train])
    if weak is not None:
        w_texts, w_y = weak
        texts += w_texts
        y = np.vstack([y, w_y])
        docs += [f"weak#{i % 10}" for i in range(len(w_texts))]
        genres += ["weak"] * len(w_texts)
        weights = np.concatenate([weights, np.full(len(w_texts), params.weak_weight)])
    from_sample = [a.source == mixed_sample for a in train]
    return TrainingSet(texts, y, docs, weights, genres, len(train), from_sample)


def mixed_sample_stem(labels: Path, sample_labels: Path | None) -> str | None:
    """The sample's file stem when its labels are added to other labels, else None."""
    if sample_labels is None or sample_labels.resolve() == labels.resolve():
        return None
    return sample_labels.stem


def cv_by_genre(
    ts: TrainingSet, oof: np.ndarray, scored: np.ndarray, thresholds: np.ndarray, themes: Sequence[str]
) -> dict:
    """Out-of-fold macro-F1 and ECE per genre group: the in-genre figure beside leave-one-genre-out."""
    genres = np.asarray(ts.genres)
    out = {}
    for genre in sorted(set(genres[scored].tolist())):
        idx = scored & (genres == genre)
        f1 = theme_scores(ts.y[idx], oof[idx] >= thresholds, themes)
        ece = {t: expected_calibration_error(ts.y[idx, j], oof[idx, j]) for j, t in enumerate(themes)}
        out[genre] = {"macro_f1": f1["macro_f1"], "n": f1["n"], "f1": {t: f1[t]["f1"] for t in themes}, "ece": ece}
    return out


def cv_report(
    ts: TrainingSet, oof: np.ndarray, scored: np.ndarray, thresholds: np.ndarray, themes: Sequence[str]
) -> dict:
    """Out-of-fold figures: all scored rows, ECE per theme, per genre group, per document (counts, a
    list so `dvc metrics` does not show a column per document), and `data.labels` alone (without
    the mixed-in sample) when the sample is mixed in."""
    if not scored.any():
        return {}
    cv = theme_scores(ts.y[scored], oof[scored] >= thresholds, themes)
    cv["ece"] = {t: expected_calibration_error(ts.y[scored, j], oof[scored, j]) for j, t in enumerate(themes)}
    cv["groups"] = cv_by_genre(ts, oof, scored, thresholds, themes)
    rows = np.flatnonzero(scored)  # per-document counts: what `benchmarks/quality.py` bootstraps
    cv["documents"] = document_counts(
        ts.y[rows], oof[rows] >= thresholds, [ts.groups[i] for i in rows], [ts.genres[i] for i in rows]
    )
    if any(ts.from_sample):
        labelled = scored.copy()
        labelled[: len(ts.from_sample)] &= ~np.asarray(ts.from_sample, dtype=bool)
        pooled = theme_scores(ts.y[labelled], oof[labelled] >= thresholds, themes)
        cv["labels_only"] = {
            "macro_f1": pooled["macro_f1"],
            "n": pooled["n"],
            "f1": {t: pooled[t]["f1"] for t in themes},
        }
    return cv


def train_model(ts: TrainingSet, space: FeatureSpace, params: TrainParams) -> tuple[ThemeModel, dict]:
    """Fit the feature space and the per-theme classifiers; thresholds from grouped CV."""
    themes = space.lexicon.themes
    space.fit(ts.texts)
    x = space.transform(ts.texts, ts.groups).to_scipy()
    gold = np.arange(len(ts.texts)) < ts.n_gold
    oof = cross_validate(x, ts, gold, params)
    scored = gold & ~np.isnan(oof[:, 0])
    by_group = np.asarray(ts.genres)[scored] if params.threshold_by_group else None
    thresholds = np.array(
        [
            best_threshold(ts.y[scored, j], oof[scored, j], params.default_threshold, groups=by_group)
            for j in range(len(themes))
        ]
    )
    coef, intercept = fit_classifier(x, ts.y, ts.weights, params)
    cv = cv_report(ts, oof, scored, thresholds, themes)
    metrics = {
        "cv": cv,
        "thresholds": dict(zip(themes, thresholds.round(2).tolist(), strict=True)),
        "n_train": ts.n_gold,
        "n_weak": len(ts.texts) - ts.n_gold,
        "n_features": int(x.shape[1]),
        "train_docs": len(set(ts.groups[: ts.n_gold])),
    }
    return ThemeModel(space, coef, intercept, thresholds), metrics


def genre_holdouts(
    ts: TrainingSet, model: ThemeModel, train: Sequence[Annotation], mixed_sample: str | None, params: TrainParams
) -> dict:
    """Leave-one-genre-out over the annotated genres of `data.labels` (not the mixed-in sample's)."""
    genres = [a.group for a in train if a.source != mixed_sample]
    n = ts.n_gold
    return leave_one_genre_out(
        model.features,
        ts.texts[:n],
        ts.groups[:n],
        ts.genres[:n],
        ts.y[:n],
        ts.weights[:n],
        genres,
        lambda x, y, w: fit_classifier(x, y, w, params),
        model.thresholds,
    )
