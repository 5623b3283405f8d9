"""The inference bundle: plain arrays (.npy), JSON and word lists, with SHA-256 checksums.

Reading a bundle never executes code (no pickle: `np.load(allow_pickle=False)`, `json.loads`).
A missing, truncated, tampered or incompatible bundle raises `BundleError` with a one-line
message that says what to do.  Writing is deterministic: same model → same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from pipeline.affinity import ThemeAffinity
from pipeline.features import FeatureConfig, FeatureSpace, TopicModel
from pipeline.model import ThemeModel
from pipeline.segment import Segmenter, parse_terms, parse_wordlist
from pipeline.themes import ThemeSet, ThemeSetError

FORMAT = "policy-themes-bundle"
# 2: the theme set (themes.json) travels in the bundle; 3: document context (features.context);
# 4: theme affinity from word vectors (features.affinity, affinity_*.json/npy)
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
_REBUILD = "rebuild it with `dvc repro` (or pass --model-dir)"


class BundleError(Exception):
    """The bundle cannot be used; the message says why and what to do."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy(array: np.ndarray, dtype: type = np.float64) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
    return buf.getvalue()


def _json(obj: object) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def _vocab_list(vocabulary: dict[str, int]) -> list[str]:
    return sorted(vocabulary, key=vocabulary.__getitem__)


def write_bundle(
    directory: Path,
    model: ThemeModel,
    *,
    terms_file: Path,
    stopwords_file: Path,
    themes_file: Path,
    topic_words: list[list[str]] | None,
    params: dict,
    metrics: dict,
) -> None:
    """Write every file, then the manifest with their checksums (deterministic bytes)."""
    fs = model.features
    files: dict[str, bytes] = {
        "policy_terms.txt": terms_file.read_bytes(),
        "stopwords.txt": stopwords_file.read_bytes(),
        "themes.json": themes_file.read_bytes(),
        "word_vocabulary.json": _json(_vocab_list(fs.word_vocabulary)),
        "word_idf.npy": _npy(fs.word_idf),
        "char_vocabulary.json": _json(_vocab_list(fs.char_vocabulary)),
        "char_idf.npy": _npy(fs.char_idf),
        "coef.npy": _npy(model.coef),
        "intercept.npy": _npy(model.intercept),
        "thresholds.npy": _npy(model.thresholds),
    }
    tm = fs.topic_model
    if tm is not None:
        files["topic_vocabulary.json"] = _json(_vocab_list(tm.vocabulary))
        files["topic_exp_elog_beta.npy"] = _npy(tm.exp_elog_beta)
        files["topic_alpha.npy"] = _npy(tm.alpha)
        files["topic_words.json"] = _json(topic_words or [])
    if fs.affinity is not None:
        files["affinity_vocabulary.json"] = _json(_vocab_list(fs.affinity.vocabulary))
        files["affinity_vectors.npy"] = _npy(fs.affinity.vectors, np.float32)  # float32 as trained: half the bytes
        files["affinity_centroids.npy"] = _npy(fs.affinity.centroids)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "themes": list(model.themes),
        "features": fs.config.__dict__,
        "segmenter_backend": fs.segmenter.backend,
        "topic_inference": None if tm is None else {"iterations": tm.iterations, "tolerance": tm.tolerance},
        "params": params,
        "metrics": metrics,
        "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }
    manifest["checksum"] = _sha256(_json(manifest))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.iterdir():
        if stale.is_file() and stale.name not in files and stale.name != MANIFEST:
            stale.unlink()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    (directory / MANIFEST).write_bytes(_json(manifest))


def read_manifest(directory: Path) -> dict:
    """The manifest, checked for format, version and its own checksum."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BundleError(f"{directory}: no model bundle here; {_REBUILD}")
    if not path.is_file():
        raise BundleError(f"{path}: missing; the bundle is incomplete, {_REBUILD}")
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleError(f"{path}: unreadable or truncated; {_REBUILD}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{path}: not a policy-themes bundle; {_REBUILD}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"{path}: bundle format version {manifest.get('format_version')} but this policy-themes reads "
            f"version {FORMAT_VERSION}; {_REBUILD}"
        )
    claimed = manifest.pop("checksum", None)
    if claimed != _sha256(_json(manifest)):
        raise BundleError(f"{path}: checksum mismatch (edited or corrupted); {_REBUILD}")
    manifest["checksum"] = claimed
    themes = manifest.get("themes")
    if not isinstance(themes, list) or not themes or not all(isinstance(t, str) for t in themes):
        raise BundleError(f"{path}: no theme list in the manifest; {_REBUILD}")
    return manifest


def _theme_set(data: bytes, manifest: dict, directory: Path) -> ThemeSet:
    """The bundle's theme set, which must name the manifest's themes in the same order."""
    try:
        themes = ThemeSet.from_json(json.loads(data), str(directory / "themes.json"))
    except (ThemeSetError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{err}; {_REBUILD}") from None
    if list(themes.names) != manifest["themes"]:
        raise BundleError(f"{directory}: themes.json does not match the manifest's themes; {_REBUILD}")
    return themes


def theme_set(directory: Path) -> ThemeSet:
    """The theme set a bundle was trained with (names, definitions, lexicon), verified."""
    manifest = read_manifest(directory)
    return _theme_set(_verified(directory, manifest, ["themes.json"])["themes.json"], manifest, directory)


def _verified(directory: Path, manifest: dict, names: list[str] | None = None) -> dict[str, bytes]:
    """The bytes of the bundle's files (or of `names`), each checked against the manifest."""
    data: dict[str, bytes] = {}
    for name in names if names is not None else list(manifest["files"]):
        digest = manifest["files"][name]
        path = directory / name
        try:
            content = path.read_bytes()
        except OSError:
            raise BundleError(f"{path}: missing; the bundle is incomplete, {_REBUILD}") from None
        if _sha256(content) != digest:
            raise BundleError(f"{path}: checksum mismatch (truncated, edited or corrupted); {_REBUILD}")
        data[name] = content
    return data


def _load_npy(data: bytes, name: str, directory: Path) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        raise BundleError(f"{directory / name}: not a plain numeric array; {_REBUILD}") from None


def verify_bundle(directory: Path) -> dict:
    """Check the manifest and every file's checksum without building the model; returns the manifest."""
    manifest = read_manifest(directory)
    _verified(directory, manifest)
    return manifest


def read_bundle(directory: Path, backend: str | None = None) -> tuple[ThemeModel, dict]:
    """Load and verify a bundle; returns the model and its manifest."""
    manifest = read_manifest(directory)
    data = _verified(directory, manifest)

    def arr(name: str) -> np.ndarray:
        return _load_npy(data[name], name, directory)

    def vocab(name: str) -> dict[str, int]:
        return {t: i for i, t in enumerate(json.loads(data[name]))}

    segmenter = Segmenter(
        parse_terms(data["policy_terms.txt"].decode("utf-8")),
        parse_wordlist(data["stopwords.txt"].decode("utf-8")),
        backend or manifest.get("segmenter_backend", "rjieba"),
    )
    lexicon = _theme_set(data["themes.json"], manifest, directory).lexicon
    topic_model = None
    if "topic_exp_elog_beta.npy" in data:
        inference = manifest.get("topic_inference") or {}
        topic_model = TopicModel(
            vocab("topic_vocabulary.json"), arr("topic_exp_elog_beta.npy"), arr("topic_alpha.npy"), **inference
        )
    affinity = None
    if "affinity_vectors.npy" in data:
        vectors, centroids = arr("affinity_vectors.npy"), arr("affinity_centroids.npy")
        affinity = ThemeAffinity(vocab("affinity_vocabulary.json"), vectors, centroids)
    features = FeatureSpace(
        segmenter=segmenter,
        lexicon=lexicon,
        config=FeatureConfig.from_params(manifest["features"]),
        word_vocabulary=vocab("word_vocabulary.json"),
        word_idf=arr("word_idf.npy"),
        char_vocabulary=vocab("char_vocabulary.json"),
        char_idf=arr("char_idf.npy"),
        topic_model=topic_model,
        affinity=affinity,
    )
    model = ThemeModel(features, arr("coef.npy"), arr("intercept.npy"), arr("thresholds.npy"))
    return model, manifest


def topic_words(directory: Path) -> list[list[str]]:
    """Top words of every topic, as stored in the bundle (verified like every other file)."""
    manifest = read_manifest(directory)
    if "topic_words.json" not in manifest["files"]:
        return []
    return json.loads(_verified(directory, manifest, ["topic_words.json"])["topic_words.json"])
