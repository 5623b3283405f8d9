"""The whole workflow, for real: `dvc repro` on the shipped sample in a temporary git repository,
then the CLI on its outputs, then an experiment with `dvc exp run -S`.

One repository is built per test session (module fixture) and every check below reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pipeline.bundle import FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def sh(*args: str, cwd: Path, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def copy_project(dest: Path) -> None:
    """The project's source as a fresh clone would have it (tracked + new files, no outputs)."""
    listed = sh("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout.split("\n")
    for rel in filter(None, listed):
        src = ROOT / rel
        outputs = ("data/interim/", "models/", "metrics/", "plots/")
        if (
            not src.is_file()
            or (rel.startswith(outputs) and not rel.startswith("models/released/"))
            or rel == "dvc.lock"
        ):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("project")
    copy_project(repo)
    sh("git", "init", "-q", "-b", "main", cwd=repo)
    if not (repo / ".dvc").exists():
        sh("dvc", "init", "-q", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", "fresh clone", cwd=repo)
    sh("dvc", "repro", cwd=repo)
    return repo


def write_params(work: Path, **changes: str) -> None:
    """The project's committed params with `section.key=value` changes (earlier tests may have
    applied experiments to the temporary project's workspace, so start from the source)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        params[section][key] = value
    (work / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")


def cli(repo: Path, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return sh(sys.executable, "-m", "pipeline", *args, cwd=repo, check=check, input=input)


def test_repro_outputs_and_metrics(project: Path) -> None:
    metrics = json.loads((project / "metrics/evaluate.json").read_text())
    for side in ("model", "baseline"):
        assert set(metrics[side]) >= {"diplomacy", "governance", "belt_and_road", "macro_f1", "micro_f1"}
    assert metrics["groups"], "per-genre groups are reported"
    topics = json.loads((project / "metrics/topics.json").read_text())
    assert set(topics) >= {"c_v", "u_mass", "perplexity"}
    assert topics["inference_mad_vs_gensim"] < 1e-3
    assert (project / "models/bundle/manifest.json").is_file()
    assert (project / "plots/confusion.csv").is_file()
    assert (project / "data/interim/topic_words.csv").read_text().startswith("topic,rank,word,weight")


def test_second_repro_reproduces_nothing(project: Path) -> None:
    out = sh("dvc", "repro", cwd=project).stdout
    assert "didn't change, skipping" in out or "is cached" in out
    assert "Running stage" not in out


def test_rerun_from_scratch_is_byte_identical(project: Path) -> None:
    before = (project / "dvc.lock").read_text()
    bundle_before = {p.name: p.read_bytes() for p in (project / "models/bundle").iterdir()}
    sh("dvc", "repro", "--force", cwd=project)
    assert (project / "dvc.lock").read_text() == before
    assert {p.name: p.read_bytes() for p in (project / "models/bundle").iterdir()} == bundle_before


def test_cli_predictions_equal_evaluate_stage(project: Path) -> None:
    """One featurisation: the CLI, fed the evaluation paragraphs one JSONL line each, predicts what
    the evaluate stage predicted, for every evaluation paragraph."""
    stage_rows = [json.loads(line) for line in (project / "data/interim/predictions.jsonl").open()]
    labels = {
        json.loads(line)["id"]: json.loads(line)["text"] for line in (project / "data/sample/labels.jsonl").open()
    }
    records = "".join(  # with their document, as the evaluate stage sees them (context features)
        json.dumps({"id": r["id"], "doc": r["doc"], "text": labels[r["id"]]}, ensure_ascii=False) + "\n"
        for r in stage_rows
    )
    path = project / "eval.jsonl"
    path.write_text(records, encoding="utf-8")
    out = cli(project, "classify", str(path), "--format", "jsonl", "--batch-size", "7", "--model-dir", "models/bundle")
    cli_rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in cli_rows] == [r["id"] for r in stage_rows]
    for c, s in zip(cli_rows, stage_rows, strict=True):
        assert c["labels"] == s["labels"], c["id"]
        assert c["scores"] == s["scores"], c["id"]


def test_cli_classify_folder_table_and_info(project: Path) -> None:
    out = cli(project, "classify", "data/sample/docs/yunjiang-forum-speech.txt", "--format", "table").stdout
    assert "yunjiang-forum-speech#000" in out and "belt_and_road" in out
    info = cli(project, "info").stdout
    assert f"format v{FORMAT_VERSION}" in info and "macro-F1" in info
    topics = cli(project, "topics").stdout.splitlines()
    assert len(topics) == json.loads((project / "metrics/topics.json").read_text())["num_topics"]


def test_cli_bad_bundle_one_line_error(project: Path, tmp_path: Path) -> None:
    broken = tmp_path / "bundle"
    shutil.copytree(project / "models/bundle", broken)
    coef = broken / "coef.npy"
    coef.write_bytes(coef.read_bytes()[:-8])
    proc = cli(project, "classify", "--model-dir", str(broken), "data/sample/docs", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "checksum mismatch" in proc.stderr and "dvc repro" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_experiment_run_and_compare(project: Path) -> None:
    sh("git", "add", "-A", cwd=project)
    sh("git", "commit", "-qm", "baseline run", cwd=project)
    sh("dvc", "exp", "run", "-S", "topics.num_topics=8", "-n", "k8", cwd=project)
    show = sh("dvc", "exp", "show", "--json", cwd=project).stdout
    assert "k8" in show
    topics = json.loads((project / "metrics/topics.json").read_text())
    assert topics["num_topics"] == 8
    diff = sh("dvc", "metrics", "diff", "--json", cwd=project).stdout
    assert "metrics/topics.json" in diff
    params = sh("dvc", "params", "diff", "--json", cwd=project).stdout
    assert "topics.num_topics" in params


def test_bad_corpus_path_is_one_line(project: Path, tmp_path: Path, stage_command: Callable) -> None:
    work = tmp_path / "w"
    shutil.copytree(project, work, ignore=shutil.ignore_patterns(".dvc", ".git"))
    write_params(work, data__corpus="no/such/folder")
    proc = sh(*stage_command(work, "ingest"), cwd=work, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: no/such/folder: no such file or directory"


def test_cli_bad_inputs_exit_codes(project: Path) -> None:
    missing = cli(project, "classify", "no-such.txt", check=False)
    assert missing.returncode == 2 and missing.stderr == "error: no-such.txt: no such file or directory\n"
    mixed = cli(
        project, "classify", "no-such.txt", "data/sample/docs/yunjiang-forum-speech.txt", "-f", "jsonl", check=False
    )
    assert mixed.returncode == 1 and "Traceback" not in mixed.stderr
    rows = [json.loads(line) for line in mixed.stdout.splitlines()]
    assert [r["id"] for r in rows] == [f"yunjiang-forum-speech#{i:03d}" for i in range(len(rows))]
    bad_line = cli(project, "classify", "-", input='{"id": "a", "text": "外事工作"}\n{oops\n', check=False)
    assert bad_line.returncode == 1 and "<stdin>:2: malformed JSON" in bad_line.stderr
    assert json.loads(bad_line.stdout)["id"] == "a"


SHARED = ROOT.parent / "shared"


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared is not beside the project")
def test_shared_corpus_experiment(project: Path) -> None:
    """The README's real-corpus run: the same pipeline pointed at ../shared by params alone."""
    sh("git", "checkout", "HEAD", "--", "params.yaml", cwd=project)  # undo experiments applied by earlier tests
    corpus, labels = (SHARED / "corpus").resolve(), (SHARED / "labels").resolve()
    holdout = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))["data"]["holdout_docs"]
    holdout += ["gwr-2016", "gwr-2024", "cpc-18"]
    sets = [f"data.corpus={corpus}", f"data.labels={labels}", f"data.holdout_docs=[{','.join(holdout)}]"]
    sets.append("data.eval_only=[seed-annotated]")
    sh("dvc", "exp", "run", "-n", "shared", *[a for s in sets for a in ("-S", s)], cwd=project)
    metrics = json.loads((project / "metrics/evaluate.json").read_text())
    national = metrics["groups"]["national_report"]
    assert national["model"]["n"] > 300 and metrics["groups"]["seed_paper"]["model"]["n"] == 54
    assert national["model"]["macro_f1"] >= 0.85
    assert national["model"]["macro_f1"] > national["baseline"]["macro_f1"]
    topics = json.loads((project / "metrics/topics.json").read_text())
    assert topics["num_topics"] == 20 and topics["inference_mad_vs_gensim"] < 1e-3


def test_cli_workers_give_the_same_output(project: Path) -> None:
    one = cli(project, "classify", "data/sample/docs", "-f", "jsonl", "--batch-size", "16").stdout
    two = cli(project, "classify", "data/sample/docs", "-f", "jsonl", "--batch-size", "16", "--workers", "2").stdout
    assert one == two and len(one.splitlines()) == 488


def test_classify_path_never_imports_the_training_stack(project: Path) -> None:
    """Boundary B1: classify loads numpy, the segmenter and the bundle reader, nothing heavier."""
    code = (
        "import sys\n"
        "sys.argv = ['policy-themes', 'classify', 'data/sample/docs/yunjiang-forum-speech.txt', '-o', 'out.jsonl']\n"
        "from pipeline.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = ('gensim', 'sklearn', 'scipy', 'jieba', 'pydantic', 'dask', 'distributed')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = sh(sys.executable, "-c", code, cwd=project).stdout
    assert out.strip() == "[]"
    assert len((project / "out.jsonl").read_text().splitlines()) == 27


@pytest.mark.parametrize(
    ("setup", "stage", "expected"),
    [
        ("empty-corpus", "ingest", "error: empty: no .txt, .md, .docx, .pdf, .csv or .jsonl"),
        ("unknown-theme", "train", "bad.jsonl:2: unknown theme 'economy'"),
        ("malformed-labels", "train", "bad.jsonl:2: malformed JSON"),
        ("unknown-id", "train", "bad.jsonl:1: unknown id 'nowhere#001'"),
    ],
)
def test_stage_input_errors_are_one_line(
    project: Path, tmp_path: Path, stage_command: Callable, setup: str, stage: str, expected: str
) -> None:
    work = tmp_path / "w"
    shutil.copytree(project, work, ignore=shutil.ignore_patterns(".dvc", ".git"))
    if setup == "empty-corpus":
        (work / "empty").mkdir()
        write_params(work, data__corpus="empty")
    else:
        rows = {
            "unknown-theme": [
                '{"id": "a#000", "text": "外事", "labels": []}',
                '{"id": "a#001", "text": "x", "labels": ["economy"]}',
            ],
            "malformed-labels": ['{"id": "a#000", "text": "外事", "labels": []}', "{oops"],
            "unknown-id": ['{"id": "nowhere#001", "labels": ["governance"]}'],
        }[setup]
        (work / "bad.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        write_params(work, data__labels="bad.jsonl")
    proc = sh(*stage_command(work, stage), cwd=work, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
