"""params.yaml, strict and typed: one frozen dataclass per section, defaults in params.yaml only.

A key is one line in its section's class: `name: type` or `name: type = rule(...)`.  Reading a
section rejects unknown keys (with the closest known name), missing keys, wrong types and
impossible values with a `ParamsError` that names the key, e.g. `topics.num_topics: must be ≥ 1`.
Names that must match data (held-out documents, evaluation-only files) are checked where the data
is read (pipeline/training.py).  PyYAML is imported on read only: features.py (the classify path)
imports `FeatureConfig` from here.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

PARAMS_FILE = Path("params.yaml")


class ParamsError(ValueError):
    """A params value the pipeline cannot honour; the message names the key."""


def rule(
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
    choices: tuple[object, ...] = (),
) -> Any:
    """Constraints of one key: `minimum` ≤ value, `above` < value, value ≤ `maximum`, or one of `choices`
    (for a str | float key, strings must be a choice and numbers obey the bounds)."""
    return field(metadata={"minimum": minimum, "above": above, "maximum": maximum, "choices": choices})


@dataclass(frozen=True)
class DataParams:
    corpus: str
    text_field: str
    labels: str
    groups: dict[str, str]
    holdout_docs: tuple[str, ...]
    eval_only: tuple[str, ...]
    themes: str


@dataclass(frozen=True)
class SegmentParams:
    backend: str = rule(choices=("rjieba", "jieba"))
    user_dict: str
    stopwords: str


@dataclass(frozen=True)
class TopicsParams:
    num_topics: int = rule(minimum=1)
    passes: int = rule(minimum=1)
    iterations: int = rule(minimum=1)
    chunksize: int = rule(minimum=1)
    alpha: str | float = rule(choices=("symmetric", "asymmetric", "auto"), above=0)
    eta: str | float = rule(choices=("symmetric", "auto"), above=0)
    random_state: int = rule(minimum=0)
    no_below: int = rule(minimum=1)
    no_above: float = rule(above=0, maximum=1)
    keep_n: int = rule(minimum=1)
    topn: int = rule(minimum=1)
    seed_from_lexicon: bool
    seed_weight: float = rule(minimum=0)
    inference_iterations: int = rule(minimum=1)
    inference_tolerance: float = rule(above=0)
    coherence_sample: int = rule(minimum=1)
    fit_sample: int = rule(minimum=1)
    estep_partitions: int = rule(minimum=1)


@dataclass(frozen=True)
class FeatureConfig:
    """params.yaml `features`: which feature blocks to use and how much each weighs (also stored in
    the bundle, so the CLI featurises exactly as training did)."""

    word_tfidf: bool
    word_bigrams: bool
    word_min_df: int = rule(minimum=1)
    word_max_features: int = rule(minimum=1)
    char_ngram: int = rule(minimum=0)
    char_min_df: int = rule(minimum=1)
    char_max_features: int = rule(minimum=1)
    char_weight: float = rule(minimum=0)
    topics: bool
    topic_weight: float = rule(minimum=0)
    lexicon: bool
    lexicon_weight: float = rule(minimum=0)
    context: bool  # document context block (pipeline/context.py)
    context_weight: float = rule(minimum=0)
    affinity: bool  # theme affinity of words from corpus word vectors (pipeline/affinity.py)
    affinity_weight: float = rule(minimum=0)
    affinity_threshold: float = rule(minimum=-1, maximum=1)

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> FeatureConfig:
        return section(cls, "features", params)


@dataclass(frozen=True)
class VectorsParams:
    """params.yaml `vectors`: gensim Word2Vec on the corpus tokens (the affinity block's source)."""

    dim: int = rule(minimum=1)
    window: int = rule(minimum=1)
    min_count: int = rule(minimum=1)
    epochs: int = rule(minimum=1)
    skipgram: bool
    seed: int = rule(minimum=0)
    fit_sample: int = rule(minimum=1)


@dataclass(frozen=True)
class TrainParams:
    add_sample: bool
    sample_labels: str
    sample_weight: float = rule(minimum=0)
    weak_labels: bool
    weak_limit: int = rule(minimum=1)
    weak_weight: float = rule(minimum=0)
    C: float = rule(above=0)
    class_weight: str = rule(choices=("balanced", "none"))
    cv_folds: int = rule(minimum=2)
    default_threshold: float = rule(above=0, maximum=1)
    threshold_by_group: bool
    leave_one_genre_out: bool
    solver: str = rule(choices=("liblinear", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"))


@dataclass(frozen=True)
class ScaleParams:
    """Where the segment stage and topic inference run (never changes a result, only the time)."""

    scheduler: str  # none | local[:N] | tcp://host:port (checked by pipeline.scheduler)
    partition_size: int = rule(minimum=1)


@dataclass(frozen=True)
class Params:
    """The whole params file: one typed section per field (a new section is one line here)."""

    data: DataParams
    segment: SegmentParams
    topics: TopicsParams
    vectors: VectorsParams
    features: FeatureConfig
    train: TrainParams
    scale: ScaleParams


S = TypeVar("S")


def load(path: Path = PARAMS_FILE) -> Params:
    """The params file, every section validated: a typo anywhere stops any stage that runs."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise ParamsError(f"{path}: cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of sections")
    kinds = typing.get_type_hints(Params)
    for name in raw:
        if name not in kinds:
            raise ParamsError(f"{name}: unknown params section{_hint(str(name), kinds)}")
    return Params(**{name: section(kind, name, raw.get(name)) for name, kind in kinds.items()})


def section(cls: type[S], name: str, values: object) -> S:
    """Validate one section's mapping against its class: exact keys, types, rules."""
    if not isinstance(values, Mapping):
        raise ParamsError(f"{name}: missing params section (expected a mapping)")
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    for key in values:
        if key not in known:
            raise ParamsError(f"{name}.{key}: unknown params key{_hint(str(key), known)}")
    hints = typing.get_type_hints(cls)
    out: dict[str, object] = {}
    for key, f in known.items():
        if key not in values:
            raise ParamsError(f"{name}.{key}: missing (every key is set in params.yaml)")
        out[key] = _checked(f"{name}.{key}", values[key], hints[key], f.metadata)
    return cls(**out)


def _hint(key: str, known: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def _checked(key: str, value: object, kind: object, rules: Mapping[str, Any]) -> object:
    value = _typed(key, value, kind)
    choices = rules.get("choices") or ()
    if isinstance(value, str):
        if choices and value not in choices:
            raise ParamsError(f"{key}: {value!r} is not one of {', '.join(map(str, choices))}")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, above, high = rules.get("minimum"), rules.get("above"), rules.get("maximum")
        if low is not None and value < low:
            raise ParamsError(f"{key}: must be ≥ {low} (got {value})")
        if above is not None and value <= above:
            raise ParamsError(f"{key}: must be > {above} (got {value})")
        if high is not None and value > high:
            raise ParamsError(f"{key}: must be ≤ {high} (got {value})")
    return value


def _typed(key: str, value: object, kind: object) -> object:
    """The value as `kind` (bool, int, float, str, tuple[str, ...], dict[str, str] or a union)."""
    if isinstance(kind, types.UnionType):
        for option in typing.get_args(kind):
            try:
                return _typed(key, value, option)
            except ParamsError:
                continue
        raise ParamsError(f"{key}: expected {kind}, got {value!r}")
    origin = typing.get_origin(kind)
    if origin is tuple:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParamsError(f"{key}: expected a list of names, got {value!r}")
        return tuple(value)
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in [*value, *value.values()]):
            raise ParamsError(f"{key}: expected a mapping of names to names, got {value!r}")
        return dict(value)
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
    }[kind]  # type: ignore[index]
    if not ok:
        raise ParamsError(f"{key}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return float(value) if kind is float else value  # type: ignore[arg-type]
