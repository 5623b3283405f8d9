"""A small generated project for end-to-end tests of the theme set and the annotation loop:
documents built from phrase pools (original text, not from ../shared), labels with a fourth theme
(`ecology`), a four-theme set file and fast params, in a temporary git + DVC repository."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml
from test_workflow import ROOT, copy_project, sh

PHRASES = {
    "diplomacy": [
        "深化同周边国家的友好合作关系，积极开展元首外交和高层交往",
        "推动构建新型国际关系，参与全球治理体系改革",
        "做好外事工作，拓展国际友好城市网络",
        "举办国际会议，服务主场外交活动",
    ],
    "governance": [
        "推进城市治理体系和治理能力现代化，完善基层社会治理",
        "深化简政放权和放管服改革，建设法治政府",
        "加强应急管理体系建设，提升城市精细化管理水平",
        "推进接诉即办改革，健全社区治理机制",
    ],
    "belt_and_road": [
        "高质量共建一带一路，扩大与沿线国家的互联互通",
        "开行中欧班列，建设西部陆海新通道",
        "推动丝路电商发展，深化国际产能合作",
    ],
    "ecology": [
        "加强生态环境保护，推进碳达峰碳中和",
        "保护生物多样性，建设湿地公园和生态廊道",
        "推进污染防治攻坚，改善河湖水生态",
    ],
}
FILLER = [
    "全年地区生产总值稳步增长，居民收入持续提高",
    "加快发展先进制造业，培育新的增长点",
    "办好人民满意的教育，提升公共卫生服务水平",
    "丰富群众文化生活，举办各类体育赛事",
]
ECOLOGY = {
    "definition": "Ecological protection and environmental policy (a fourth theme, for tests).",
    "strong": ["生态环境", "碳达峰", "碳中和", "生物多样性", "生态廊道"],
    "weak": ["生态", "湿地", "污染防治"],
}
FAST_PARAMS = {
    "topics": {"num_topics": 4, "passes": 2, "iterations": 20, "no_below": 2, "chunksize": 200},
    "train": {"add_sample": False, "cv_folds": 3},
}


def paragraphs(seed: int, n: int) -> list[tuple[str, list[str]]]:
    """Paragraphs with zero to two themes each; the labels are the themes used."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        themes = rng.sample(sorted(PHRASES), rng.choice([0, 1, 1, 1, 2]))
        parts = [rng.choice(PHRASES[t]) for t in themes] + [rng.choice(FILLER)]
        rng.shuffle(parts)
        out.append(("，".join(parts) + "。", sorted(themes)))
    return out


def write_corpus(root: Path, docs: int = 6, per_doc: int = 30) -> list[dict]:
    """Documents under corpus/ and their label records (ids as ingest names paragraphs)."""
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    records = []
    for d in range(docs):
        name = f"report-{d}"
        paras = paragraphs(d, per_doc)
        (root / "corpus" / f"{name}.txt").write_text("\n".join(t for t, _ in paras) + "\n", encoding="utf-8")
        genre = "municipal" if d % 2 else "commentary"
        records += [
            {"id": f"{name}#{i:03d}", "doc": name, "genre": genre, "text": t, "labels": y}
            for i, (t, y) in enumerate(paras)
        ]
    return records


def write_four_theme_set(path: Path) -> None:
    data = json.loads((ROOT / "data/dict/themes.json").read_text(encoding="utf-8"))
    data["themes"]["ecology"] = ECOLOGY
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def make_project(repo: Path, labels: list[dict] | None = None) -> list[dict]:
    """Copy the project, add the generated corpus, labels and four-theme set, commit; returns the
    label records (written to labels/labels.jsonl unless `labels` are given)."""
    copy_project(repo)
    records = write_corpus(repo / "gen")
    write_four_theme_set(repo / "gen/themes.json")
    (repo / "gen/labels").mkdir(exist_ok=True)
    rows = records if labels is None else labels
    (repo / "gen/labels/labels.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["data"].update(
        corpus="gen/corpus",
        labels="gen/labels",  # a folder: imported label files are added beside
        themes="gen/themes.json",
        holdout_docs=["report-4", "report-5"],
        eval_only=[],
    )
    for section, values in FAST_PARAMS.items():
        params[section].update(values)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    sh("git", "init", "-q", "-b", "main", cwd=repo)
    if not (repo / ".dvc").exists():
        sh("dvc", "init", "-q", cwd=repo)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-qm", "generated four-theme project", cwd=repo)
    return records
