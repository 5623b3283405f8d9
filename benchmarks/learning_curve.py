"""Learning curves: does `suggest` reach random sampling's macro-F1 on a new genre with fewer labels?

    python benchmarks/learning_curve.py              # all four genres of ../shared, 3 random seeds
    python benchmarks/learning_curve.py --seeds 5 --budget 100

Start: the national reports only (labels/themes-annotated.jsonl).  For each genre of
labels/genres-annotated.jsonl, its documents are split in two halves (alternating, by document id);
each half in turn is the pool labels are drawn from and the other half is held out.  Every round
adds 25 labels from the pool, chosen by `pipeline.suggest.select` on the current model's
probabilities (`suggest`) or uniformly at random (`random`, several seeds), then retrains exactly
as the train stage does (one-vs-rest logistic regression, per-theme thresholds from
document-grouped CV with per-genre balancing) and scores macro-F1 on the held-out half.

One segmentation and featurisation serves every round: the feature space (vocabulary, IDF) is fit
once on all texts, labels unused (transductive, like fitting it on an unlabelled corpus); the
topic block is off (no LDA run per benchmark).  Writes plots/learning_curve/<genre>.csv (a DVC
plot, declared in dvc.yaml), benchmarks/learning_curve.json and benchmarks/learning_curve.png.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix  # noqa: E402

from pipeline.features import FeatureSpace, analyse  # noqa: E402
from pipeline.metrics import best_threshold, theme_scores  # noqa: E402
from pipeline.params import TrainParams, load  # noqa: E402
from pipeline.segment import Segmenter  # noqa: E402
from pipeline.suggest import Candidate, MinHasher, SuggestConfig, select, uncertainty  # noqa: E402
from pipeline.themes import ThemeSet  # noqa: E402
from pipeline.training import TrainingSet, cross_validate, fit_classifier, predict_proba  # noqa: E402

SHARED = ROOT.parent / "shared"
ROUND = 25
MIN_SUPPORT = 5  # a theme counts in the genre's macro-F1 with at least this many positives
GENRE_WEIGHT = 1.0  # sample weight of the new genre's labels (--genre-weight)
EXPLORE = 0.0  # SuggestConfig.explore (--explore)
PLOTS = ROOT / "plots" / "learning_curve"
RESULT = ROOT / "benchmarks" / "learning_curve.json"
PNG = ROOT / "benchmarks" / "learning_curve.png"


@dataclasses.dataclass
class Data:
    rows: list[dict]  # national reports first, then the genre documents
    x: csr_matrix
    y: np.ndarray
    n_national: int
    signatures: np.ndarray  # MinHash of every text (near-duplicate checks)
    names: tuple[str, ...]  # the theme set's names


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_data(themes: ThemeSet) -> Data:
    """Both label files, segmented and featurised once."""
    params = load(ROOT / "params.yaml")
    national = read_jsonl(SHARED / "labels/themes-annotated.jsonl")
    for r in national:
        r["genre"] = "national_report"
    rows = national + read_jsonl(SHARED / "labels/genres-annotated.jsonl")
    texts = [r["text"] for r in rows]
    segmenter = Segmenter.from_files(ROOT / params.segment.user_dict, ROOT / params.segment.stopwords)
    config = dataclasses.replace(params.features, topics=False)
    space = FeatureSpace(segmenter, themes.lexicon, config)
    space.fit(texts)
    x = space.transform_analysed(analyse(segmenter, texts)).to_scipy()
    y = themes.matrix([r["labels"] for r in rows])
    return Data(rows, x, y, len(national), MinHasher().signatures(texts), themes.names)


def folds(data: Data, genre: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(pool, held-out) index pairs: the genre's documents alternate between two halves."""
    idx = np.array([i for i, r in enumerate(data.rows) if r["genre"] == genre])
    docs = sorted({data.rows[i]["doc"] for i in idx})
    half = {d for k, d in enumerate(docs) if k % 2 == 0}
    a = np.array([i for i in idx if data.rows[i]["doc"] in half])
    b = np.array([i for i in idx if data.rows[i]["doc"] not in half])
    return [(a, b), (b, a)]


def fit_round(data: Data, train: np.ndarray, params: TrainParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The train stage's recipe on precomputed rows: coefficients, intercepts, CV thresholds.
    The new genre's labels weigh `GENRE_WEIGHT` each (national reports 1)."""
    x, y = data.x[train], data.y[train]
    docs = [data.rows[i]["doc"] for i in train]
    genres = np.array([data.rows[i]["genre"] for i in train])
    weights = np.where(np.asarray(train) < data.n_national, 1.0, GENRE_WEIGHT)
    ts = TrainingSet([], y, docs, weights, list(genres), len(train))
    oof = cross_validate(x, ts, np.ones(len(train), dtype=bool), params)
    scored = ~np.isnan(oof[:, 0])
    groups = genres[scored] if params.threshold_by_group else None
    thresholds = np.array(
        [best_threshold(y[scored, j], oof[scored, j], params.default_threshold, groups) for j in range(y.shape[1])]
    )
    coef, intercept = fit_classifier(x, y, weights, params)
    return coef, intercept, thresholds


def choose(
    data: Data, strategy: str, pool: list[int], labelled: list[int], model: tuple, rng: np.random.Generator
) -> list[int]:
    """The next ROUND pool paragraphs to label."""
    if strategy == "random":
        return [int(i) for i in rng.choice(pool, size=min(ROUND, len(pool)), replace=False)]
    coef, intercept, thresholds = model
    scores = uncertainty(predict_proba(data.x[pool], coef, intercept), thresholds)
    candidates = [Candidate(str(i), data.rows[i]["doc"], data.rows[i]["genre"], data.rows[i]["text"]) for i in pool]
    config = SuggestConfig(n=ROUND, min_chars=0, explore=EXPLORE, seed=int(rng.integers(2**31)))
    picked = select(candidates, scores, config, data.signatures[labelled])
    return [pool[k] for k in picked]


def curve(
    data: Data, pool: np.ndarray, test: np.ndarray, strategy: str, seed: int, budget: int, params: TrainParams
) -> list[tuple[int, np.ndarray]]:
    """Predictions on the held-out half after 0, 25, 50, … labels from the pool."""
    rng = np.random.default_rng(seed)
    national = list(range(data.n_national))
    chosen: list[int] = []
    points = []
    while True:
        model = fit_round(data, np.array(national + chosen), params)
        coef, intercept, thresholds = model
        points.append((len(chosen), predict_proba(data.x[test], coef, intercept) >= thresholds))
        remaining = [int(i) for i in pool if i not in set(chosen)]
        if len(chosen) >= budget or not remaining:
            return points
        chosen += choose(data, strategy, remaining, national + chosen, model, rng)


def pooled(data: Data, halves: list[tuple[np.ndarray, list]]) -> list[tuple[int, dict]]:
    """Scores over every paragraph of the genre: each half predicted by the model that drew its
    labels from the other half (the same label count on both sides).  `macro_f1` averages the
    themes with at least MIN_SUPPORT positives in the genre (a theme the genre hardly has gives an
    F1 of 0 or 1 on a handful of paragraphs and would drown the signal); `micro_f1` pools them all."""
    n = min(len(points) for _, points in halves)
    test = np.concatenate([t for t, _ in halves])
    present = [t for j, t in enumerate(data.names) if data.y[test, j].sum() >= MIN_SUPPORT]
    out = []
    for k in range(n):
        pred = np.vstack([points[k][1] for _, points in halves])
        scores = theme_scores(data.y[test], pred, list(data.names))
        macro = round(float(np.mean([scores[t]["f1"] for t in present])), 4)
        out.append((halves[0][1][k][0], {"macro_f1": macro, "micro_f1": scores["micro_f1"], "themes": present}))
    return out


def labels_to_reach(points: list[tuple[int, float]], target: float) -> float | None:
    """Labels at which a curve first reaches `target` (linear between measured points)."""
    for (l0, f0), (l1, f1) in zip([(0, -1.0), *points[:-1]], points, strict=True):
        if f1 >= target:
            return float(l1) if f0 < 0 or f1 == f0 else l0 + (l1 - l0) * (target - f0) / (f1 - f0)
    return None


def summarise(runs: dict[str, list[list[tuple[int, dict]]]]) -> dict:
    """Mean curves per strategy and metric, their spread over random seeds, and per random point
    the labels suggest needs to reach random's figure (ratio = random's labels / suggest's)."""
    out: dict = {"themes": runs["suggest"][0][0][1]["themes"]}
    for metric in ("macro_f1", "micro_f1"):
        mean, spread = {}, {}
        for strategy, curves in runs.items():
            n = min(len(c) for c in curves)
            values = [[c[k][1][metric] for c in curves] for k in range(n)]
            mean[strategy] = [(curves[0][k][0], round(float(np.mean(v)), 4)) for k, v in enumerate(values)]
            spread[strategy] = [round(float(np.std(v)), 4) for v in values]
        ratios = []
        for labels, f1 in mean["random"][1:]:
            needed = labels_to_reach(mean["suggest"], f1)
            ratio = None if needed is None else (round(labels / needed, 2) if needed > 0 else "inf")
            ratios.append({"random_labels": labels, "random": f1, "suggest_labels": needed, "ratio": ratio})
        out[metric] = {"mean": mean, "sd_over_runs": spread, "ratios": ratios}
    return out


def write_outputs(result: dict, tag: str = "") -> None:
    """One DVC-plot CSV per genre (labels, suggest, random), the JSON summary and the PNG."""
    plots, summary, png = Path(f"{PLOTS}{tag}"), RESULT.with_stem(RESULT.stem + tag), PNG.with_stem(PNG.stem + tag)
    plots.mkdir(parents=True, exist_ok=True)
    for genre, g in result["genres"].items():
        random_f1 = dict(g["macro_f1"]["mean"]["random"])
        with (plots / f"{genre}.csv").open("w", encoding="utf-8", newline="") as out:
            w = csv.writer(out)
            w.writerow(["labels", "suggest", "random"])
            for labels, f1 in g["macro_f1"]["mean"]["suggest"]:
                if labels in random_f1:
                    w.writerow([labels, f1, random_f1[labels]])
    summary.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no PNG", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(result["genres"]), figsize=(4 * len(result["genres"]), 3.4), sharey=True)
    for ax, (genre, g) in zip(np.atleast_1d(axes), result["genres"].items(), strict=True):
        for strategy, style in (("suggest", "o-"), ("random", "s--")):
            xs, ys = zip(*g["macro_f1"]["mean"][strategy], strict=True)
            ax.plot(xs, ys, style, label=strategy)
        ax.set_title(genre)
        ax.set_xlabel("labels from the genre")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("macro-F1 (genre's themes), held-out docs")
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="random-sampling runs per fold")
    parser.add_argument("--budget", type=int, default=100, help="labels per genre at most")
    parser.add_argument("--genres", nargs="*", help="default: every genre of genres-annotated.jsonl")
    parser.add_argument("--genre-weight", type=float, default=1.0, help="sample weight of the genre's labels")
    parser.add_argument("--explore", type=float, default=0.0, help="share of each round chosen for spread alone")
    parser.add_argument("--tag", default="", help="suffix for the output files (variants)")
    parser.add_argument(
        "--pooled-thresholds", action="store_true", help="thresholds over all CV rows (train.threshold_by_group off)"
    )
    args = parser.parse_args()
    global GENRE_WEIGHT, EXPLORE
    GENRE_WEIGHT, EXPLORE = args.genre_weight, args.explore
    params = load(ROOT / "params.yaml")
    if args.pooled_thresholds:
        params = dataclasses.replace(params, train=dataclasses.replace(params.train, threshold_by_group=False))
    themes = ThemeSet.read(ROOT / params.data.themes)
    start = time.perf_counter()
    data = load_data(themes)
    print(f"featurised {len(data.rows)} paragraphs in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    genres = args.genres or sorted({r["genre"] for r in data.rows[data.n_national :]})
    result: dict = {
        "round": ROUND,
        "budget": args.budget,
        "seeds": args.seeds,
        "genre_weight": args.genre_weight,
        "threshold_by_group": params.train.threshold_by_group,
        "explore": args.explore,
        "genres": {},
    }
    for genre in genres:
        pairs = folds(data, genre)
        budget = min([args.budget] + [len(pool) - len(pool) % ROUND for pool, _ in pairs])
        runs: dict[str, list] = {"suggest": [], "random": []}
        for strategy, seeds in (("suggest", [0]), ("random", range(args.seeds))):
            for seed in seeds:
                halves = [(test, curve(data, pool, test, strategy, seed, budget, params.train)) for pool, test in pairs]
                runs[strategy].append(pooled(data, halves))
        result["genres"][genre] = summarise(runs)
        print(f"{genre}: {json.dumps(result['genres'][genre])}  ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    result["seconds"] = round(time.perf_counter() - start, 1)
    write_outputs(result, args.tag)


if __name__ == "__main__":
    main()
