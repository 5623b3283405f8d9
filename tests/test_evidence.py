"""Evidence for a label: exact contributions that add up to the model's logit, spans on the right characters."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.bundle import read_bundle, topic_words
from pipeline.evidence import Explainer
from pipeline.simplify import to_simplified


@pytest.fixture(scope="module")
def explained(sample_bundle: tuple) -> tuple:
    _, directory, texts = sample_bundle
    model, manifest = read_bundle(Path(directory))
    explainer = Explainer(model, manifest["themes"], topic_words(Path(directory)))
    predictions, rows, analysed = model.classify_with_rows(texts)
    return model, manifest["themes"], texts, predictions, explainer.explain(texts, analysed, rows, predictions)


def test_contributions_and_intercept_sum_to_the_models_logit(explained: tuple) -> None:
    model, themes, texts, predictions, evidence = explained
    proba = model.predict_proba(texts)
    checked = 0
    for i, (pred, ev) in enumerate(zip(predictions, evidence, strict=True)):
        assert set(ev) == set(pred.labels)
        for theme, e in ev.items():
            p = proba[i, themes.index(theme)]
            logit = math.log(p / (1 - p))
            total = e["intercept"] + sum(f["contribution"] for f in e["features"]) + e["rest"]
            assert total == pytest.approx(logit, abs=1e-4)
            assert e["logit"] == pytest.approx(logit, abs=1e-5)
            for f in e["features"]:
                assert f["contribution"] == pytest.approx(f["weight"] * f["value"], abs=1e-5)
                assert f["contribution"] > 0
            checked += 1
    assert checked > 100  # most sample paragraphs carry a theme


def test_every_block_of_the_model_can_carry_a_label(explained: tuple) -> None:
    blocks = {f["feature"].split(":")[0] for ev in explained[4] for e in ev.values() for f in e["features"]}
    assert {"word", "char"} <= blocks
    assert blocks & {"topic", "diplomacy", "governance", "belt_and_road", "length"}


def test_spans_point_at_the_characters_that_made_the_feature(explained: tuple) -> None:
    model, _, texts, _, evidence = explained
    lexicon = model.features.lexicon
    seen = 0
    for text, ev in zip(texts, evidence, strict=True):
        for theme, e in ev.items():
            for f in e["features"]:
                kind, _, value = f["feature"].partition(":")
                pieces = [text[s:e] for s, e in f["spans"]]
                if kind in ("word", "char"):
                    assert pieces and all(to_simplified(p) == value.replace("|", "") or "|" in value for p in pieces)
                    assert value.replace("|", "") not in text or pieces
                elif kind == theme and value in ("strong", "strong_share"):
                    assert pieces and all(p in lexicon.strong[theme] for p in pieces)
                seen += len(pieces)
    assert seen > 500


def test_spans_are_on_the_original_traditional_text(sample_bundle: tuple) -> None:
    _, directory, _ = sample_bundle
    model, manifest = read_bundle(Path(directory))
    explainer = Explainer(model, manifest["themes"])
    text = "我們堅持推動構建人類命運共同體，深化國際合作，積極參與全球治理體系改革。"
    predictions, rows, analysed = model.classify_with_rows([text])
    [evidence] = explainer.explain([text], analysed, rows, predictions)
    assert evidence, "a clearly diplomatic paragraph gets a theme"
    spans = [(f["feature"], s) for e in evidence.values() for f in e["features"] for s in f["spans"]]
    assert spans
    for feature, (start, end) in spans:
        original = text[start:end]
        kind, _, value = feature.partition(":")
        if kind in ("word", "char"):
            assert to_simplified(original) == value
        assert original in text and all("\u4e00" <= c <= "\u9fff" for c in original)


def test_features_are_named_for_a_reader(explained: tuple) -> None:
    labels = {f["label"] for ev in explained[4] for e in ev.values() for f in e["features"]}
    assert any(label.startswith("word ") for label in labels)
    assert all(":" not in label or label.startswith("topic ") or "lexicon:" in label for label in labels)
    json.dumps(explained[4], ensure_ascii=False)  # evidence is plain JSON
