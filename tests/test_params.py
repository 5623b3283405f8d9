"""Strict, typed params: a typo, a missing key, a wrong type, an impossible value or a name that
matches nothing stops a stage with one line naming the key, never a traceback or a silent no-op."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pipeline.annotations import Annotation, load_labels, split_by_document
from pipeline.params import Params, ParamsError, load
from pipeline.themes import ThemeSet

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def params_with(tmp_path: Path, section: str, key: str, value: object) -> Path:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    if value is ...:
        del raw[section][key]
    else:
        raw[section][key] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_committed_params_load_typed() -> None:
    params = load(ROOT / "params.yaml")
    assert isinstance(params, Params)
    assert params.topics.num_topics == COMMITTED["topics"]["num_topics"]
    assert params.features.topic_weight == COMMITTED["features"]["topic_weight"]
    assert params.data.holdout_docs == tuple(COMMITTED["data"]["holdout_docs"])
    assert isinstance(params.train.C, float) and isinstance(params.topics.chunksize, int)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("features", "topic_wieght", 1, "features.topic_wieght: unknown params key (did you mean topic_weight?)"),
        ("topics", "num_topics", 0, "topics.num_topics: must be ≥ 1 (got 0)"),
        ("topics", "num_topics", -1, "topics.num_topics: must be ≥ 1 (got -1)"),
        ("topics", "chunksize", 0, "topics.chunksize: must be ≥ 1 (got 0)"),
        ("train", "cv_folds", 1, "train.cv_folds: must be ≥ 2 (got 1)"),
        ("train", "sample_weight", -0.5, "train.sample_weight: must be ≥ 0 (got -0.5)"),
        ("features", "topic_weight", -1, "features.topic_weight: must be ≥ 0 (got -1.0)"),
        ("topics", "no_above", 1.5, "topics.no_above: must be ≤ 1 (got 1.5)"),
        ("topics", "alpha", "asymetric", "topics.alpha: 'asymetric' is not one of symmetric, asymmetric, auto"),
        ("topics", "passes", "ten", "topics.passes: expected int, got 'ten'"),
        ("features", "topics", "yes", "features.topics: expected bool, got 'yes'"),
        ("segment", "backend", "pkuseg", "segment.backend: 'pkuseg' is not one of rjieba, jieba"),
        ("data", "holdout_docs", "gwr-2016", "data.holdout_docs: expected a list of names, got 'gwr-2016'"),
        ("topics", "inference_iterations", ..., "topics.inference_iterations: missing"),
    ],
)
def test_bad_params_name_the_key(tmp_path: Path, section: str, key: str, value: object, message: str) -> None:
    with pytest.raises(ParamsError) as err:
        load(params_with(tmp_path, section, key, value))
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_numbers_may_be_given_for_a_prior_and_ints_for_floats(tmp_path: Path) -> None:
    assert load(params_with(tmp_path, "topics", "alpha", 0.1)).topics.alpha == 0.1
    assert load(params_with(tmp_path, "train", "C", 2)).train.C == 2.0


def test_an_unknown_section_is_named(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "params.yaml").read_text(encoding="utf-8") + "\ntopic:\n  num_topics: 3\n")
    with pytest.raises(ParamsError, match=r"^topic: unknown params section \(did you mean topics\?\)"):
        load(path)


def annotation(doc: str, source: str) -> Annotation:
    return Annotation(f"{doc}#000", doc, "外事工作", ("diplomacy",), "g", source)


def test_names_that_match_nothing_are_errors() -> None:
    rows = [annotation("gwr-2016", "themes-annotated"), annotation("cpc-18", "themes-annotated")]
    assert split_by_document(rows, ["gwr-2016"], ["themes-annotated"])[1] == rows
    with pytest.raises(ParamsError, match=r"^data.holdout_docs: 'gwr-2061' matches no annotated document .*gwr-2016"):
        split_by_document(rows, ["gwr-2061"], [])
    with pytest.raises(ParamsError, match=r"^data.eval_only: 'seed-annotated' matches no annotation file"):
        split_by_document(rows, [], ["seed-annotated"])


def test_a_missing_sample_labels_file_is_an_error(tmp_path: Path) -> None:
    themes = ThemeSet.read(ROOT / "data/dict/themes.json")
    with pytest.raises(ParamsError, match=r"^train.sample_labels: .*nowhere.jsonl: no such file"):
        load_labels(ROOT / "data/sample/labels.jsonl", themes, {}, tmp_path / "nowhere.jsonl")


def test_a_stage_stops_with_one_line_and_no_traceback(tmp_path: Path, stage_command: Callable) -> None:
    params_with(tmp_path, "features", "topic_wieght", 1)
    proc = subprocess.run(stage_command(ROOT, "ingest"), cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == "error: features.topic_wieght: unknown params key (did you mean topic_weight?)\n"
