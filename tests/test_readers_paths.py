"""One read path (issue 10): the ingest stage and the CLI give a folder the same paragraphs and ids,
record metadata never overwrites core fields and is written once per document, and ingest drops
licence footers and source lines."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.readers import InputError, InputFailure, Paragraph, ReadOptions, read_corpus, read_inputs
from pipeline.records import read_jsonl, with_documents, write_corpus

REPO = Path(__file__).resolve().parents[1]
BODY = "推进城市治理现代化，完善基层协商机制，提升公共服务水平和应急处置能力。"
# our own wording of a Wikisource-style licence footer, ended by the template's category keys
FOOTER = [
    "本作品属于公有领域，因为它是政府文件。",
    "该模板说明适用的法律条款。",
    "Public domain Public domain false false",
]


def _ids(items: list[Paragraph | InputFailure]) -> list[str]:
    assert all(isinstance(i, Paragraph) for i in items), items
    return [i.id for i in items]  # type: ignore[union-attr]


def test_a_folder_gives_the_same_ids_to_ingest_and_the_cli(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text(BODY + "\n" + BODY, encoding="utf-8")
    (corpus / "a.md").write_text(BODY, encoding="utf-8")
    (corpus / ".hidden.txt").write_text(BODY, encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text(BODY, encoding="utf-8")
    cli = _ids(list(read_inputs([str(corpus)])))
    ingest = [p.id for p in read_corpus(corpus)]
    assert cli == ingest == ["a#000", "a~2#000", "a~2#001", "sub/b#000"]  # sorted: a.md before a.txt


def test_record_metadata_never_overwrites_core_fields(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    record = {"content": BODY + "\n" + BODY, "title": "t", "text": "元数据", "index": 9, "doc": "d1", "year": 2024}
    corpus.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    paragraphs = list(read_corpus(corpus))
    assert [(r["id"], r["doc"], r["index"], r["text"]) for r in (p.record() for p in paragraphs)] == [
        ("d1#000", "d1", 0, BODY),
        ("d1#001", "d1", 1, BODY),
    ]
    assert all(p.document() == {"doc": "d1", "title": "t", "year": 2024, "source": str(corpus)} for p in paragraphs)


def test_ingest_writes_document_metadata_once_and_joins_it_back(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    records = [{"id": "d1", "content": BODY + "\n" + BODY, "title": "t1"}, {"content": BODY, "year": 2024}]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    paragraphs = list(read_corpus(corpus))
    files = tmp_path / "paragraphs.jsonl", tmp_path / "documents.jsonl"
    assert write_corpus(*files, ((p.record(), p.document()) for p in paragraphs)) == (3, 2)
    assert [d["doc"] for d in read_jsonl(files[1])] == ["d1", "docs-0002"]
    per_paragraph = [{**p.meta, "id": p.id, "doc": p.doc, "index": p.index, "text": p.text} for p in paragraphs]
    assert list(with_documents(*files)) == per_paragraph  # what every paragraph record carried before
    files[1].write_text(files[1].read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="docs-0002"):
        list(with_documents(*files))


def test_ingest_drops_licence_footers_and_source_lines_but_keeps_the_ids(tmp_path: Path) -> None:
    doc = tmp_path / "report.txt"
    doc.write_text("\n".join([BODY, "来源：某市人民政府门户网站新闻中心", BODY, *FOOTER]), encoding="utf-8")
    ingest = list(read_corpus(doc))
    assert [p.id for p in ingest] == ["report#000", "report#002"]
    cli = [p for p in read_inputs([str(doc)]) if isinstance(p, Paragraph)]
    assert len(cli) == 6 and {p.id: p.text for p in cli if p.id in {"report#000", "report#002"}} == {
        p.id: p.text for p in ingest
    }


def test_a_footer_needs_its_marker(tmp_path: Path) -> None:
    doc = tmp_path / "plain.txt"
    doc.write_text("\n".join([BODY, FOOTER[0], FOOTER[1]]), encoding="utf-8")
    assert len(list(read_corpus(doc))) == 3


def test_ingest_reports_unsupported_files_and_stops_on_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04")
    skipped: list[InputFailure] = []
    assert [p.id for p in read_corpus(tmp_path, skipped=skipped)] == ["a#000"]
    assert [f.kind for f in skipped] == ["unsupported"]
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match=r"b\.txt"):
        list(read_corpus(tmp_path, skipped=[]))


def test_cli_and_records_as_paragraphs_keep_the_record_id_value(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": 7, "text": "甲"}\n{"id": "x", "text": "乙"}\n{"text": "丙"}\n', encoding="utf-8")
    items = list(read_inputs([str(path)], ReadOptions()))
    assert [(p.id, p.record_id) for p in items if isinstance(p, Paragraph)] == [("7", 7), ("x", "x"), ("r#3", None)]


@pytest.mark.shared
def test_the_shared_corpus_has_no_licence_paragraphs_after_ingest(shared_dir: Path) -> None:
    texts = [p.text for p in read_corpus(shared_dir / "corpus")]
    assert not [t for t in texts if "Public domain" in t or t.startswith("本作品")]
    assert len(texts) > 8000


def test_ingest_stage_names_the_file_of_a_bad_corpus(tmp_path: Path, stage_command: Callable) -> None:
    params = (REPO / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(params.replace("corpus: data/sample/docs", "corpus: corpus.jsonl", 1))
    (tmp_path / "corpus.jsonl").write_bytes(b'{"content": "\xff\xfe bad"}\n')
    run = subprocess.run(
        stage_command(REPO, "ingest"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "corpus.jsonl" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_records_read_as_documents_give_the_ingest_ids(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    lines = [{"id": "r1", "content": BODY + "\n" + BODY}, {"content": BODY}, {"doc": "d3", "content": BODY}]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    cli = _ids(list(read_inputs([str(tmp_path)], ReadOptions(text_field="content", records="document"))))
    assert cli == [p.id for p in read_corpus(tmp_path)] == ["r1#000", "r1#001", "docs-0002#000", "d3#000"]
