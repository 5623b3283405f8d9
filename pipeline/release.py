"""The released model: the bundle trained on every annotated real document, shipped in the repository.

`python -m pipeline.release` rebuilds `models/released/` from ../shared with one command and the
same bytes every time: it copies the project (params.yaml, dvc.yaml, pipeline/, data/dict, data/sample)
into a scratch folder whose `../shared` is a link to the real one, sets the release params
(`RELEASE_PARAMS`: the shared corpus and labels, no held-out documents), runs `dvc repro` up to
the train stage there (DVC without git), and copies the bundle.  Paths inside the bundle's params
are the relative `../shared/...`, so the bytes do not depend on where the project or ../shared live.

The bundle carries words, weights and checksums only: vocabularies, IDF, coefficients, topic-word
weights, the dictionary, stopwords and theme set; no paragraph of ../shared.

`--set section.key=value --out DIR` builds the same model with one params change (the README's
ablation rows: e.g. `--set features.affinity=false`), scored with `benchmarks/quality.py --model-dir DIR`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RELEASED = ROOT / "models" / "released"
TARGET = "train"  # the stage that writes the bundle (evaluate is not needed)
COPIED = ("params.yaml", "dvc.yaml", "pipeline", "data/dict", "data/sample")  # what the stages read
RELEASE_PARAMS = {
    "corpus": "../shared/corpus",
    "labels": "../shared/labels",
    "holdout_docs": [],  # every annotated document trains …
    "eval_only": ["seed-annotated"],  # … except the seed paper, which is for evaluation only
}


class ReleaseError(Exception):
    """The release cannot be built; the message says why."""


def release_params(params: dict, overrides: Sequence[str] = ()) -> dict:
    """The project's params with the release's data section (corpus, labels, no held-out documents),
    then `section.key=value` overrides (a YAML value) for ablations; the stages validate the result."""
    out = {name: dict(section) if isinstance(section, dict) else section for name, section in params.items()}
    out["data"] = {**params["data"], **RELEASE_PARAMS}
    for item in overrides:
        key, sep, value = item.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot or not isinstance(out.get(section), dict):
            raise ReleaseError(f"--set {item}: expected section.key=value with a params section")
        out[section][name] = yaml.safe_load(value)
    return out


def build(shared: Path, out: Path = RELEASED, root: Path = ROOT, overrides: Sequence[str] = ()) -> Path:
    """Build the released bundle from `shared` into `out` (replaced); returns `out`.  `overrides`
    (`section.key=value`) build an ablation of it instead (never written to models/released)."""
    if not (shared / "labels").is_dir() or not (shared / "corpus").is_dir():
        raise ReleaseError(f"{shared}: no corpus/ and labels/ here (the ../shared folder is needed)")
    with tempfile.TemporaryDirectory(prefix="policy-themes-release-") as tmp:
        work = Path(tmp) / "project"
        work.mkdir()
        (Path(tmp) / "shared").symlink_to(shared.resolve(), target_is_directory=True)
        for name in COPIED:
            src = root / name
            if src.is_dir():
                shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, work / name)
        params = release_params(yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8")), overrides)
        (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(work), "DVC_NO_ANALYTICS": "1"}
        for cmd in (["dvc", "init", "--no-scm", "-q"], ["dvc", "repro", "-q", TARGET]):
            done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                raise ReleaseError(f"`{' '.join(cmd)}` failed: {last[0]}")
        bundle = yaml.safe_load((work / "dvc.yaml").read_text(encoding="utf-8"))["vars"][0]["paths"]["bundle"]
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(work / bundle, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the released model (models/released) from ../shared.")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared folder")
    parser.add_argument("--out", type=Path, default=RELEASED, help="where to write the bundle")
    parser.add_argument(
        "--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="a params change (ablations)"
    )
    args = parser.parse_args(argv)
    try:
        if args.set and args.out.resolve() == RELEASED.resolve():
            raise ReleaseError("--set builds an ablation: give it its own --out (models/released is the release)")
        out = build(args.shared, args.out, overrides=args.set)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"release: bundle written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
