"""Fixtures shared by the test modules: the ../shared material and a CJK font for PDF fixtures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
_FONT_NAMES = ("wqy", "noto", "droid", "cjk", "source han", "sourcehan", "simsun", "simhei", "ukai", "uming")
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    str(Path.home() / ".fonts"),
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the project; tests that need it skip cleanly when it is absent."""
    if not (SHARED / "labels").is_dir():
        pytest.skip(f"{SHARED} is absent (the annotated material lives beside the project)")
    return SHARED


def _font_candidates() -> list[Path]:
    found: list[Path] = []
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False).stdout
        found += [Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()]
    for folder in map(Path, _FONT_DIRS):
        if folder.is_dir():
            found += [
                p
                for p in sorted(folder.rglob("*"))
                if p.suffix.lower() in {".ttf", ".otf", ".ttc"} and any(name in p.name.lower() for name in _FONT_NAMES)
            ]
    return [p for p in found if p.suffix.lower() in {".ttf", ".otf", ".ttc"} and p.is_file()]


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    """A TrueType font with Chinese glyphs, for fpdf2; skip when the machine has none."""
    candidates = _font_candidates()
    if not candidates:
        pytest.skip("no CJK TrueType font on this machine (e.g. apt-get install fonts-wqy-zenhei)")
    return candidates[0]


@pytest.fixture(scope="session")
def sample_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """A small model trained on the shipped sample's labels, written as a bundle: (model, directory, texts).

    Built once per session for every test that needs a real trained model (bundle, evidence, report).
    """
    import json

    import numpy as np

    from pipeline.bundle import write_bundle
    from pipeline.features import FeatureConfig, FeatureSpace, analyse
    from pipeline.lexicon import ThemeLexicon
    from pipeline.model import ThemeModel
    from pipeline.segment import Segmenter
    from pipeline.stages.topics import fit_topics, to_topic_model, top_words
    from pipeline.stages.train import fit_classifier

    root = Path(__file__).resolve().parents[1]
    dict_dir = root / "data/dict"
    rows = [json.loads(line) for line in (root / "data/sample/labels.jsonl").open(encoding="utf-8")]
    texts = [r["text"] for r in rows]
    y = np.array([[t in r["labels"] for t in ("diplomacy", "governance", "belt_and_road")] for r in rows], dtype=int)
    segmenter = Segmenter.from_files(dict_dir / "policy_terms.txt", dict_dir / "stopwords.txt")
    docs = [a.tokens for a in analyse(segmenter, texts)]
    params = {
        "num_topics": 5,
        "passes": 3,
        "iterations": 50,
        "random_state": 1,
        "no_below": 2,
        "no_above": 0.5,
        "keep_n": 5000,
    }
    lda, dictionary = fit_topics(docs, params)
    lexicon = ThemeLexicon.read(dict_dir / "themes.json")
    space = FeatureSpace(segmenter, lexicon, FeatureConfig(), topic_model=to_topic_model(lda, dictionary, {}))
    space.fit(texts)
    coef, intercept = fit_classifier(space.transform(texts).to_scipy(), y, np.ones(len(texts)), {"C": 2.0})
    model = ThemeModel(space, coef, intercept, np.full(3, 0.5))
    directory = tmp_path_factory.mktemp("bundle")
    write_bundle(
        directory,
        model,
        terms_file=dict_dir / "policy_terms.txt",
        stopwords_file=dict_dir / "stopwords.txt",
        themes_file=dict_dir / "themes.json",
        topic_words=[[w for w, _ in ws] for ws in top_words(lda, 5)],
        params={"topics": params},
        metrics={"cv": {}},
    )
    return model, directory, texts
