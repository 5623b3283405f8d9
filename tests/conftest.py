"""Fixtures shared by the test modules: the committed params, the ../shared material and a CJK font."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from pipeline.params import Params, load

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
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


def resolved_stages(root: Path) -> dict[str, dict]:
    """dvc.yaml's stages with `${...}` filled from its `vars` and params.yaml, as DVC would."""
    import re

    import yaml

    dvc = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))
    context = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    for entry in dvc.get("vars", []):
        if isinstance(entry, dict):
            context.update(entry)

    def value(match: re.Match[str]) -> str:
        node = context
        for part in match.group(1).split("."):
            node = node[part]
        return str(node)

    def fill(node: object) -> object:
        if isinstance(node, str):
            return re.sub(r"\$\{\s*([\w.]+)\s*\}", value, node)
        if isinstance(node, list):
            return [fill(item) for item in node]
        if isinstance(node, dict):
            return {fill(k): fill(v) for k, v in node.items()}
        return node

    return fill(dvc["stages"])  # type: ignore[return-value]


@pytest.fixture(scope="session")
def params() -> Params:
    """The committed params.yaml, typed: tests change what they need with `dataclasses.replace`."""
    return load(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def sample_bundle(tmp_path_factory: pytest.TempPathFactory, params: Params) -> tuple:
    """A small model trained on the shipped sample's labels, written as a bundle: (model, directory, texts).

    Built once per session for every test that needs a real trained model (bundle, evidence, report).
    """
    import json

    import numpy as np

    from pipeline.affinity import theme_affinity
    from pipeline.bundle import write_bundle
    from pipeline.features import FeatureSpace, analyse
    from pipeline.lexicon import ThemeLexicon
    from pipeline.model import ThemeModel
    from pipeline.segment import Segmenter
    from pipeline.topics import fit_topics, to_topic_model, top_words
    from pipeline.training import fit_classifier
    from pipeline.vectors import train_word_vectors

    root = Path(__file__).resolve().parents[1]
    dict_dir = root / "data/dict"
    rows = [json.loads(line) for line in (root / "data/sample/labels.jsonl").open(encoding="utf-8")]
    texts = [r["text"] for r in rows]
    y = np.array([[t in r["labels"] for t in ("diplomacy", "governance", "belt_and_road")] for r in rows], dtype=int)
    segmenter = Segmenter.from_files(dict_dir / "policy_terms.txt", dict_dir / "stopwords.txt")
    docs = [a.tokens for a in analyse(segmenter, texts)]
    topics = replace(
        params.topics, num_topics=5, passes=3, iterations=50, random_state=1, no_below=2, no_above=0.5, keep_n=5000
    )
    lda, dictionary = fit_topics(docs, topics)
    lexicon = ThemeLexicon.read(dict_dir / "themes.json")
    words, vectors = train_word_vectors(docs, replace(params.vectors, dim=16, epochs=5, min_count=2))
    affinity = theme_affinity({w: i for i, w in enumerate(words)}, vectors, lexicon)
    topic_model = to_topic_model(lda, dictionary, topics)
    space = FeatureSpace(segmenter, lexicon, params.features, topic_model=topic_model, affinity=affinity)
    space.fit(texts)
    x = space.transform(texts).to_scipy()
    coef, intercept = fit_classifier(x, y, np.ones(len(texts)), replace(params.train, C=2.0))
    model = ThemeModel(space, coef, intercept, np.full(3, 0.5))
    directory = tmp_path_factory.mktemp("bundle")
    write_bundle(
        directory,
        model,
        terms_file=dict_dir / "policy_terms.txt",
        stopwords_file=dict_dir / "stopwords.txt",
        themes_file=dict_dir / "themes.json",
        topic_words=[[w for w, _ in ws] for ws in top_words(lda, 5)],
        params={"topics": asdict(topics)},
        metrics={"cv": {}},
    )
    return model, directory, texts


@pytest.fixture(scope="session")
def stage_command() -> Callable[[Path, str], list[str]]:
    """argv of a stage as dvc.yaml runs it in `root` (with this interpreter for `python`)."""

    def command(root: Path, stage: str) -> list[str]:
        argv = shlex.split(resolved_stages(root)[stage]["cmd"])
        return [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]

    return command


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of a Dask LocalCluster of 2 worker processes, started and stopped here."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        yield cluster.scheduler_address
