"""The annotation loop: `suggest` chooses paragraphs and writes tool imports; `import-labels` reads
Label Studio / doccano / CSV exports (written as the tools write them) back into labels."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from generated_project import write_corpus

from pipeline.suggest import Candidate, MinHasher, SuggestConfig, select, similarity, uncertainty

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True)


def test_uncertainty_peaks_at_the_threshold() -> None:
    proba = np.array([[0.3, 0.01], [0.9, 0.99], [0.05, 0.02]])
    u = uncertainty(proba, np.array([0.3, 0.5]))
    assert u[0] == pytest.approx(1.0) and u[1] < u[0] and u[2] < u[0]
    assert np.all((u > 0) & (u <= 1))


def test_minhash_finds_near_copies_only() -> None:
    hasher = MinHasher()
    text = "推进城市治理体系和治理能力现代化，完善基层社会治理，健全社区治理机制，提升城市精细化管理水平。"
    near = text.replace("健全", "完善")
    other = "高质量共建一带一路，扩大与沿线国家的互联互通，开行中欧班列，建设西部陆海新通道。"
    sig = hasher.signature(text)
    assert np.array_equal(sig, MinHasher().signature(text))  # seeded: the same in every run
    sims = similarity(sig, hasher.signatures([text, near, other]))
    assert sims[0] == 1.0 and sims[1] >= 0.7 and sims[2] < 0.2


def test_select_spreads_skips_copies_and_short_units() -> None:
    text = "推进城市治理体系和治理能力现代化，完善基层社会治理{}。"
    candidates = [Candidate(f"a#{i}", "a", "report", text.format("甲乙丙丁戊己庚辛"[i] * 12)) for i in range(8)]
    candidates += [Candidate("b#0", "b", "paper", "深化同周边国家的友好合作关系，积极开展元首外交和高层交往。")]
    candidates += [Candidate("a#copy", "a", "report", candidates[0].text), Candidate("h#0", "h", "report", "总结")]
    scores = np.array([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.5, 1.0, 1.0])
    chosen = select(candidates, scores, SuggestConfig(n=4))
    ids = [candidates[i].id for i in chosen]
    assert ids[0] == "a#copy" and "a#0" not in ids and "h#0" not in ids  # the copy of a#0 comes first, once
    assert "b#0" in ids  # a second document beats the fourth paragraph of the first
    assert chosen == select(candidates, scores, SuggestConfig(n=4))
    labelled = MinHasher().signatures([candidates[1].text])
    assert 1 not in select(candidates, scores, SuggestConfig(n=4), labelled)


def test_suggest_writes_tool_imports(sample_bundle: tuple, tmp_path: Path) -> None:
    _, bundle, _ = sample_bundle
    records = write_corpus(tmp_path, docs=3, per_doc=20)
    for r in records:  # the sample bundle knows three themes
        r["labels"] = [t for t in r["labels"] if t != "ecology"]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:20]), encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("suggest", str(tmp_path / "corpus"), "-n", "8", "-l", str(labels), "-o", str(out), "-m", str(bundle))
    assert proc.returncode == 0, proc.stderr
    tasks = json.loads((out / "labelstudio-tasks.json").read_text(encoding="utf-8"))
    assert 0 < len(tasks) <= 8
    labelled_texts = {r["text"] for r in records[:20]}
    for task in tasks:
        assert task["data"]["text"] not in labelled_texts
        (prediction,) = task["predictions"]
        for region in prediction["result"]:
            assert region["type"] == "choices" and region["from_name"] == "themes" and region["to_name"] == "text"
    config = ET.fromstring((out / "labelstudio-config.xml").read_text(encoding="utf-8"))
    choices = config.find("Choices")
    assert choices is not None and choices.get("choice") == "multiple"
    assert [c.get("value") for c in choices.iter("Choice")] == ["diplomacy", "governance", "belt_and_road"]
    doccano = [json.loads(line) for line in (out / "doccano.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["paragraph_id"] for d in doccano] == [t["data"]["paragraph_id"] for t in tasks]
    assert all("label" not in d for d in doccano)  # predictions never come back as unreviewed labels
    with (out / "suggestions.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(tasks) and rows[0]["labels"] == "" and "score_governance" in rows[0]


def labelstudio_export(tasks: list[tuple[str, str, list[list[str]]]]) -> list[dict]:
    """Tasks as Label Studio's JSON export writes them: one annotation per list of choices."""
    out = []
    for n, (pid, text, submitted) in enumerate(tasks, 1):
        out.append(
            {
                "id": n,
                "data": {"text": text, "paragraph_id": pid, "doc": pid.split("#")[0], "genre": "municipal"},
                "annotations": [
                    {
                        "id": 100 + 10 * n + k,
                        "completed_by": 1,
                        "result": [
                            {
                                "value": {"choices": choices},
                                "id": f"r{n}{k}",
                                "from_name": "themes",
                                "to_name": "text",
                                "type": "choices",
                                "origin": "manual",
                            }
                        ]
                        if choices
                        else [],
                        "was_cancelled": False,
                        "ground_truth": False,
                        "created_at": "2026-12-01T10:00:00.000000Z",
                        "updated_at": "2026-12-01T10:00:00.000000Z",
                        "lead_time": 4.2,
                        "task": n,
                    }
                    for k, choices in enumerate(submitted)
                ],
                "predictions": [],
                "created_at": "2026-12-01T09:00:00.000000Z",
                "updated_at": "2026-12-01T10:00:00.000000Z",
                "project": 1,
                "inner_id": n,
                "total_annotations": len(submitted),
                "cancelled_annotations": 0,
            }
        )
    return out


def test_import_labelstudio_doccano_and_csv(tmp_path: Path) -> None:
    ls = tmp_path / "project-1.json"
    export = labelstudio_export(
        [
            ("d#000", "推进外事工作。", [["diplomacy"]]),
            ("d#001", "地区生产总值增长。", [[]]),  # submitted with no choice: no theme
            ("d#002", "建设法治政府。", [["governance"], ["governance"]]),  # two annotators agree
            ("d#003", "尚未标注。", []),
        ]
    )
    ls.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    proc = cli("import-labels", str(ls), "-o", str(tmp_path / "labels.jsonl"))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = [("d#000", ["diplomacy"]), ("d#001", []), ("d#002", ["governance"])]
    assert [(r["id"], r["labels"]) for r in rows] == expected
    assert rows[0]["doc"] == "d" and rows[0]["genre"] == "municipal" and "1 not labelled yet" in proc.stderr

    doccano = tmp_path / "admin.jsonl"
    lines = [  # doccano's JSONL export: its own id, text, metadata fields, label list, comments
        {"id": 7, "text": "共建一带一路。", "paragraph_id": "e#000", "label": ["belt_and_road"], "Comments": []},
        {"id": 8, "text": "举办体育赛事。", "paragraph_id": "e#001", "label": ["none"], "Comments": []},
        {"id": 9, "text": "未标注。", "paragraph_id": "e#002", "label": [], "Comments": []},
    ]
    doccano.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,doc,labels,text\nf#000,f,diplomacy;governance,城市外事与治理。\nf#001,f,,空白。\n", "utf-8")
    proc = cli("import-labels", str(doccano), str(sheet), "-o", str(tmp_path / "more.jsonl"))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "more.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["labels"] for r in rows] == [["belt_and_road"], [], ["diplomacy", "governance"]]
    assert cli("import-labels", str(doccano), "-o", str(tmp_path / "more.jsonl")).returncode == 2  # no clobbering


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([("a#0", "外事。", [["economy"]])], r"task 1 \(a#0\): unknown theme 'economy'"),
        ([("a#0", "", [["diplomacy"]])], r"task 1 \(a#0\): missing text"),
        ([("a#0", "外事。", [["diplomacy"], ["governance"]])], r"task 1 \(a#0\): annotators disagree"),
        ([("a#0", "外事。", [["diplomacy"]]), ("a#0", "治理。", [[]])], r"task 2 \(a#0\): duplicate id 'a#0'"),
        ([("a#0", "外事。", [["diplomacy"]]), ("b#0", "外事。", [[]])], r"task 2 \(b#0\): paragraph labelled none"),
    ],
)
def test_import_errors_are_one_line(tmp_path: Path, tasks: list, message: str) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(labelstudio_export(tasks), ensure_ascii=False), encoding="utf-8")
    proc = cli("import-labels", str(export), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert re.search(message, proc.stderr), proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def answer(tasks: list[dict], truth: dict[str, list[str]]) -> list[dict]:
    """What an annotator's Label Studio export looks like after labelling the imported tasks."""
    data = [t["data"] for t in tasks]
    done = labelstudio_export([(d["paragraph_id"], d["text"], [truth[d["text"]]]) for d in data])
    for task, original in zip(done, tasks, strict=True):
        task["data"] = original["data"]
        task["predictions"] = original["predictions"]
    return done


@pytest.mark.slow
def test_labelstudio_round_trip_retrains_on_a_fresh_clone(tmp_path: Path) -> None:
    from generated_project import make_project
    from test_workflow import sh

    origin = tmp_path / "origin"
    origin.mkdir()
    truth = {r["text"]: r["labels"] for r in write_corpus(tmp_path / "truth")}
    initial = [r for r in write_corpus(tmp_path / "truth") if r["doc"] in ("report-0", "report-4", "report-5")]
    make_project(origin, labels=initial)
    clone = tmp_path / "clone"
    sh("git", "clone", "-q", str(origin), str(clone), cwd=tmp_path)
    sh("dvc", "repro", cwd=clone)
    before = json.loads((clone / "metrics/train.json").read_text())

    proc = cli("suggest", "gen/corpus", "-n", "20", "-l", "gen/labels", "-o", "tasks", "-m", "models/bundle", cwd=clone)
    assert proc.returncode == 0, proc.stderr
    tasks = json.loads((clone / "tasks/labelstudio-tasks.json").read_text(encoding="utf-8"))
    assert len(tasks) == 20 and not {t["data"]["text"] for t in tasks} & {r["text"] for r in initial}
    (clone / "export.json").write_text(json.dumps(answer(tasks, truth), ensure_ascii=False), encoding="utf-8")
    proc = cli("import-labels", "export.json", "-o", "gen/labels/round-1.jsonl", cwd=clone)
    assert proc.returncode == 0, proc.stderr

    sh("dvc", "repro", cwd=clone)
    after = json.loads((clone / "metrics/train.json").read_text())
    assert after["n_train"] == before["n_train"] + 20
    assert "train.json" in sh("dvc", "metrics", "diff", cwd=clone).stdout


def test_explore_share_is_chosen_for_spread_alone() -> None:
    topics, fillers = ("深化国际合作", "推进城市治理"), "甲乙丙丁戊己庚辛壬癸"
    texts = [f"第{i}段：{topics[i % 2]}，{fillers[i % 10] * (i + 3)}。" for i in range(40)]
    candidates = [Candidate(f"d{i % 4}#{i}", f"d{i % 4}", "g", t) for i, t in enumerate(texts)]
    scores = np.linspace(1.0, 0.01, len(candidates))
    plain = select(candidates, scores, SuggestConfig(n=10))
    mixed = select(candidates, scores, SuggestConfig(n=10, explore=0.5))
    assert len(mixed) == 10 and len(set(mixed)) == 10
    assert mixed[:5] == select(candidates, scores, SuggestConfig(n=5))  # the first half by uncertainty
    assert set(mixed[5:]) - set(plain)  # the rest is not simply the next most uncertain
    assert mixed == select(candidates, scores, SuggestConfig(n=10, explore=0.5))  # seeded
