"""Leave-one-genre-out (LOGO): for each annotated genre, train without it and score it.

The honest estimate for a genre a user brings that nobody annotated: document-grouped CV mixes
every genre into training, so it says how well the model knows genres it has seen.  Each LOGO fold
refits the whole featurisation (vocabularies, IDF) and the classifier on the other genres only.
The thresholds are the trained model's (chosen on grouped out-of-fold scores of all genres), so
only the cut, not the weights, has seen the held-out genre.  Training side only (scikit-learn via
the caller's `fit`); the CLI never imports this module.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.features import FeatureSpace
from pipeline.metrics import document_counts, expected_calibration_error, theme_scores

Fit = Callable[[object, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def leave_one_genre_out(
    space: FeatureSpace,
    texts: Sequence[str],
    docs: Sequence[str],
    genres: Sequence[str],
    y: np.ndarray,
    weights: np.ndarray,
    held_genres: Sequence[str],
    fit: Fit,
    thresholds: np.ndarray,
) -> dict:
    """{genre: scores of a model trained without that genre}, for each genre in `held_genres`."""
    themes = space.lexicon.themes
    genre_of = np.asarray(genres)
    out: dict = {}
    for genre in sorted(set(held_genres)):
        held = genre_of == genre
        if held.all() or not held.any():
            continue
        fold_space = copy.copy(space)
        train_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
        fold_space.fit([texts[i] for i in train_idx])
        x_train = fold_space.transform([texts[i] for i in train_idx], [docs[i] for i in train_idx]).to_scipy()
        x_test = fold_space.transform([texts[i] for i in test_idx], [docs[i] for i in test_idx]).to_scipy()
        coef, intercept = fit(x_train, y[train_idx], weights[train_idx])
        proba = 1.0 / (1.0 + np.exp(-(x_test @ coef + intercept)))
        scores = theme_scores(y[test_idx], proba >= thresholds, themes)
        scores["docs"] = len({docs[i] for i in test_idx})
        scores["documents"] = document_counts(
            y[test_idx], proba >= thresholds, [docs[i] for i in test_idx], [genre] * len(test_idx)
        )
        scores["ece"] = {t: expected_calibration_error(y[test_idx, j], proba[:, j]) for j, t in enumerate(themes)}
        out[genre] = scores
    return out
