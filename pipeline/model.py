"""The theme classifier at inference: feature space + one logistic model per theme + thresholds.

Plain numpy: the evaluate stage and the CLI both classify through `ThemeModel.classify`, so their
predictions are the same by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.features import Analysed, FeatureBlocks, FeatureSpace
from pipeline.readers.language import language


@dataclass
class Prediction:
    labels: tuple[str, ...]
    scores: dict[str, float]
    topic: int | None
    lang: str


@dataclass
class ThemeModel:
    features: FeatureSpace
    coef: np.ndarray  # (n_features, n_themes)
    intercept: np.ndarray  # (n_themes,)
    thresholds: np.ndarray  # (n_themes,)

    @property
    def themes(self) -> tuple[str, ...]:
        """The theme names the model was trained for, in column order (the bundle's theme set)."""
        return self.features.lexicon.themes

    def predict_proba(self, texts: Sequence[str], docs: Sequence[str] | None = None) -> np.ndarray:
        """P(theme | paragraph) per theme, shape (n, len(themes)); `docs` as in `classify`."""
        return self._scores(self.features.analyse(texts, docs))[0]

    def _scores(self, analysed: Sequence[Analysed]) -> tuple[np.ndarray, np.ndarray | None]:
        proba, topics, _ = self._scored_rows(analysed)
        return proba, topics

    def _scored_rows(self, analysed: Sequence[Analysed]) -> tuple[np.ndarray, np.ndarray | None, FeatureBlocks]:
        rows, topics = self.features.transform_with_topics(analysed)
        logits = rows.dot(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits)), topics, rows

    def classify(self, texts: Sequence[str], docs: Sequence[str] | None = None) -> list[Prediction]:
        """Labels, per-theme scores and the dominant topic for each paragraph.

        `docs` names each paragraph's document, paragraphs in document order (the context features
        use it); without it every paragraph stands alone.  Paragraphs that are not Chinese (e.g. an
        English abstract) get no theme and zero scores.
        """
        return self.classify_with_rows(texts, docs)[0]

    def classify_with_rows(
        self, texts: Sequence[str], docs: Sequence[str] | None = None
    ) -> tuple[list[Prediction], FeatureBlocks, list[Analysed]]:
        """`classify`, plus the feature rows and analysed texts it used (for `pipeline.evidence`)."""
        analysed = self.features.analyse(texts, docs)
        proba, topics, rows = self._scored_rows(analysed)
        out = []
        themes = self.themes
        for i, text in enumerate(texts):
            lang = language(text)
            if lang != "zh":
                out.append(Prediction((), dict.fromkeys(themes, 0.0), None, lang))
                continue
            labels = tuple(t for j, t in enumerate(themes) if proba[i, j] >= self.thresholds[j])
            scores = {t: round(float(proba[i, j]), 4) for j, t in enumerate(themes)}
            topic = int(np.argmax(topics[i])) if topics is not None and analysed[i].tokens else None
            out.append(Prediction(labels, scores, topic, lang))
        return out, rows, analysed
