"""The inference bundle: round trip, and refusal of missing / truncated / tampered / foreign bundles."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.bundle import FORMAT_VERSION, BundleError, _json, read_bundle, read_manifest, write_bundle
from pipeline.model import ThemeModel

ROOT = Path(__file__).resolve().parents[1]
DICT = ROOT / "data/dict"


@pytest.fixture(scope="module")
def trained(sample_bundle: tuple[ThemeModel, Path, list[str]]) -> tuple[ThemeModel, Path, list[str]]:
    return sample_bundle


def copy(directory: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "b"
    shutil.copytree(directory, dest)
    return dest


def test_round_trip_predicts_identically(trained) -> None:
    model, directory, texts = trained
    loaded, manifest = read_bundle(directory)
    assert manifest["format_version"] == FORMAT_VERSION
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert [p.labels for p in loaded.classify(texts)] == [p.labels for p in model.classify(texts)]


def test_writing_twice_gives_the_same_bytes(trained, tmp_path: Path) -> None:
    model, directory, _ = trained
    again = tmp_path / "again"
    write_bundle(
        again,
        model,
        terms_file=DICT / "policy_terms.txt",
        stopwords_file=DICT / "stopwords.txt",
        themes_file=DICT / "themes.json",
        topic_words=json.loads((directory / "topic_words.json").read_text()),
        params=read_manifest(directory)["params"],
        metrics={"cv": {}},
    )
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in directory.iterdir()}


def test_missing_bundle(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no model bundle here; rebuild it with `dvc repro`"):
        read_bundle(tmp_path / "nothing")


def test_missing_file(trained, tmp_path: Path) -> None:
    b = copy(trained[1], tmp_path)
    (b / "word_idf.npy").unlink()
    with pytest.raises(BundleError, match=r"word_idf\.npy: missing"):
        read_bundle(b)


def test_truncated_file(trained, tmp_path: Path) -> None:
    b = copy(trained[1], tmp_path)
    data = (b / "coef.npy").read_bytes()
    (b / "coef.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match=r"coef\.npy: checksum mismatch"):
        read_bundle(b)


def test_tampered_manifest(trained, tmp_path: Path) -> None:
    b = copy(trained[1], tmp_path)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["features"]["lexicon_weight"] = 100.0
    (b / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"manifest\.json: checksum mismatch"):
        read_bundle(b)


def test_truncated_manifest(trained, tmp_path: Path) -> None:
    b = copy(trained[1], tmp_path)
    (b / "manifest.json").write_text((b / "manifest.json").read_text()[:100])
    with pytest.raises(BundleError, match="unreadable or truncated"):
        read_bundle(b)


def _resign(b: Path, manifest: dict) -> None:
    manifest.pop("checksum", None)
    manifest["checksum"] = hashlib.sha256(_json(manifest)).hexdigest()
    (b / "manifest.json").write_bytes(_json(manifest))


def test_incompatible_version(trained, tmp_path: Path) -> None:
    b = copy(trained[1], tmp_path)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    _resign(b, manifest)
    with pytest.raises(BundleError, match=f"format version {FORMAT_VERSION + 1} but this policy-themes reads"):
        read_bundle(b)


def test_loading_never_unpickles(trained, tmp_path: Path) -> None:
    """Even a correctly checksummed array holding Python objects is refused, not executed."""
    b = copy(trained[1], tmp_path)
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (b / "thresholds.npy").write_bytes(buf.getvalue())
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["files"]["thresholds.npy"] = hashlib.sha256(buf.getvalue()).hexdigest()
    _resign(b, manifest)
    with pytest.raises(BundleError, match="not a plain numeric array"):
        read_bundle(b)
