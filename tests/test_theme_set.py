"""Themes as data: the theme-set file is validated, and a four-theme set runs end to end
(`dvc repro` in a temporary repository, then the CLI on the bundle) with no code change."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from generated_project import make_project, write_four_theme_set
from test_workflow import ROOT, sh

from pipeline.metrics import theme_scores
from pipeline.themes import ThemeSet, ThemeSetError


def test_default_set_is_the_three_themes_of_themes_md() -> None:
    themes = ThemeSet.read(ROOT / "data/dict/themes.json")
    assert themes.names == ("diplomacy", "governance", "belt_and_road")
    assert all(t.definition for t in themes.themes)
    assert themes.lexicon.min_weak["belt_and_road"] == 0 and themes.lexicon.min_weak["diplomacy"] == 2


def test_four_theme_set_drives_lexicon_and_metrics(tmp_path: Path) -> None:
    write_four_theme_set(tmp_path / "t.json")
    themes = ThemeSet.read(tmp_path / "t.json")
    assert themes.names[-1] == "ecology" and themes.lexicon.counts(["碳达峰", "外交"]).shape == (4, 3)
    assert themes.lexicon.predict(["碳达峰"]) == ("ecology",)
    y = themes.matrix([["ecology"], [], ["diplomacy", "ecology"]])
    assert y.tolist() == [[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 1]]
    assert theme_scores(y, y, themes.names)["ecology"]["support"] == 2
    with pytest.raises(ValueError, match=r"f\.jsonl:3: unknown theme 'economy'"):
        themes.check_labels(["economy"], "f.jsonl:3")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"themes": {}}, "non-empty 'themes'"),
        ({"themes": {"Eco": {"definition": "x"}}}, "lower-case"),
        ({"themes": {"none": {"definition": "x"}}}, "not 'none'"),
        ({"themes": {"eco": {"strong": ["a"]}}}, "needs a one-line 'definition'"),
        ({"themes": {"eco": {"definition": "x", "weak": "a"}}}, "'weak' must be a list"),
        ({"themes": {"eco": {"definition": "x"}}, "negative": {"other": []}}, "not in 'themes'"),
    ],
)
def test_bad_theme_set_is_one_line(data: dict, message: str) -> None:
    with pytest.raises(ThemeSetError, match=message):
        ThemeSet.from_json(data, "t.json")


@pytest.mark.slow
def test_four_theme_set_end_to_end(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_project(repo)
    sh("dvc", "repro", cwd=repo)
    metrics = json.loads((repo / "metrics/evaluate.json").read_text())
    assert metrics["model"]["ecology"]["support"] > 0 and metrics["model"]["ecology"]["f1"] > 0.5
    assert set(json.loads((repo / "metrics/train.json").read_text())["thresholds"]) >= {"ecology"}
    assert (repo / "plots/pr/ecology.csv").is_file()
    manifest = json.loads((repo / "models/bundle/manifest.json").read_text())
    assert manifest["themes"] == ["diplomacy", "governance", "belt_and_road", "ecology"]

    text = "加强生态环境保护，推进碳达峰碳中和，建设生态廊道。"
    out = sh(
        sys.executable, "-m", "pipeline", "classify", "-", "-m", "models/bundle", "-f", "jsonl", cwd=repo, input=text
    ).stdout
    row = json.loads(out)
    assert list(row["scores"]) == manifest["themes"] and "ecology" in row["labels"]
    csv_head = sh(
        sys.executable, "-m", "pipeline", "classify", "-", "-m", "models/bundle", "-f", "csv", cwd=repo, input=text
    ).stdout
    assert "score_ecology" in csv_head.splitlines()[0]
    assert "ecology" in sh(sys.executable, "-m", "pipeline", "info", "-m", "models/bundle", cwd=repo).stdout

    labels = repo / "gen/labels/labels.jsonl"
    n = len(labels.read_text(encoding="utf-8").splitlines())
    with labels.open("a", encoding="utf-8") as out_file:
        out_file.write(json.dumps({"id": "x#0", "doc": "x", "text": "t", "labels": ["economy"]}) + "\n")
    failed = sh("dvc", "repro", cwd=repo, check=False)
    assert failed.returncode != 0
    assert f"labels.jsonl:{n + 1}: unknown theme 'economy'" in failed.stderr + failed.stdout
    assert "Traceback" not in failed.stderr + failed.stdout
    assert np.isfinite(metrics["model"]["macro_f1"])
