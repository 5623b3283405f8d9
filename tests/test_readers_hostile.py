"""Hostile and broken inputs (issue 11, input side): errors are per record, never per rest-of-file;
resource limits by design; non-regular files refused; nothing hangs.  Every fixture is generated."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import textwrap
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from readers_support import REPO, pdf_with_content, run_code, run_without_dac_override

from pipeline.readers import InputError, InputFailure, Paragraph, ReadOptions, read_corpus, read_inputs
from pipeline.readers.records import MAX_ID_CHARS
from pipeline.readers.repair import MAX_PARAGRAPH_CHARS
from pipeline.readers.word import MAX_DOCX_XML_BYTES

TEXT = "推进国际交往中心建设，完善城市治理体系。"


def read(*inputs: Path | str, **options: object) -> tuple[list[Paragraph], list[InputFailure]]:
    items = list(read_inputs([str(i) for i in inputs], ReadOptions(**options)))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, Paragraph)], [i for i in items if isinstance(i, InputFailure)]


def jsonl_line(ident: object, text: str = TEXT) -> bytes:
    return json.dumps({"id": ident, "text": text}, ensure_ascii=False).encode() + b"\n"


def test_one_bad_byte_in_a_jsonl_file_loses_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    lines = [jsonl_line(f"r{n}") for n in range(1, 5001)]
    lines[2501] = lines[2501].replace(b"\xe5\x9b\xbd", b"\xff\xfe")  # line 2502
    path.write_bytes(b"".join(lines))
    paragraphs, failures = read(path)
    assert len(paragraphs) == 4999 and paragraphs[-1].id == "r5000"
    assert [(f.kind, f.message.split(": ")[0]) for f in failures] == [("encoding", f"{path}:2502")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": "a", "text": "\\ud800"}\n', "lone surrogate"),
        (b'{"id": "\\udfff", "text": "x"}\n', "lone surrogate"),
        (b'{"id": "a", "text": "x", "deep": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n", "nested too deeply"),
        (b'{"id": ' + b"7" * 5_000 + b', "text": "x"}\n', "unreadable JSON value"),
        (b'{"id": "' + b"i" * (MAX_ID_CHARS + 1) + b'", "text": "x"}\n', "longer than"),
        (b'{"id": "a", "text": "' + "长".encode() * (MAX_PARAGRAPH_CHARS + 1) + b'"}\n', "split it"),
        (b'{"id": "a", "text": "x"\n', "malformed JSON"),
        (b'["a", "b"]\n', "expected a JSON object"),
        (b'{"id": 1.5, "text": "x"}\n', "not a string or integer"),
    ],
)
def test_an_odd_jsonl_record_is_reported_and_the_rest_is_read(tmp_path: Path, line: bytes, reason: str) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes(jsonl_line("first") + line + jsonl_line(2) + jsonl_line("\U0001f600"))
    paragraphs, failures = read(path)
    assert [p.record_id for p in paragraphs] == ["first", 2, "\U0001f600"]  # an int id stays an int
    assert len(failures) == 1 and failures[0].message.startswith(f"{path}:2: ") and reason in failures[0].message


def test_a_surrogate_pair_is_one_character_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "pair.jsonl"
    path.write_bytes(b'{"id": "\\ud83d\\ude00", "text": "\\u63a8\\u8fdb"}\n')
    paragraphs, failures = read(path)
    assert not failures and paragraphs[0].id == "\U0001f600" and paragraphs[0].text == "推进"


def test_a_huge_single_jsonl_record_is_reported_not_parsed(tmp_path: Path) -> None:
    from pipeline.readers.encoding import MAX_RECORD_CHARS

    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write(jsonl_line("before") + b'{"id": "huge", "text": "')
        handle.write(b"x" * (MAX_RECORD_CHARS + 10))
        handle.write(b'"}\n' + jsonl_line("after"))
    paragraphs, failures = read(path)
    assert [p.id for p in paragraphs] == ["before", "after"]
    assert [f.kind for f in failures] == ["too-large"] and failures[0].message.startswith(f"{path}:2: ")


def test_csv_cells_over_the_csv_module_default_do_not_drop_later_rows(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    note = "注" * 200_000  # over csv's default field limit of 131,072
    long_text = "长" * (MAX_PARAGRAPH_CHARS + 1)
    path.write_text(f"id,text,note\na,{TEXT},{note}\nb,{long_text},x\nc,{TEXT},y\n", encoding="utf-8")
    paragraphs, failures = read(path)
    assert [p.id for p in paragraphs] == ["a", "c"] and paragraphs[0].meta["note"] == note
    assert len(failures) == 1 and failures[0].message.startswith(f"{path}:2: ")  # row b, reported


def test_an_unterminated_csv_quote_is_reported_not_merged(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(f'id,text\na,{TEXT}\nb,"{TEXT}\nc,{TEXT}\nd,{TEXT}\n', encoding="utf-8")
    paragraphs, failures = read(path)
    assert [p.id for p in paragraphs] == ["a"]
    assert [f.message for f in failures] == [f"{path}:3: unterminated quote: lines 3-5 not read"]


def test_a_bad_csv_row_is_skipped_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(f"id,text\na,{TEXT}\n".encode() + b"b,\xff\xfe\n" + f'c,"x"y\nd,{TEXT}\n'.encode())
    paragraphs, failures = read(path)
    assert [p.id for p in paragraphs] == ["a", "d"]
    assert [f.message.split(": ")[0] for f in failures] == [f"{path}:3", f"{path}:4"]


def test_docx_decompression_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (MAX_DOCX_XML_BYTES + 1))
    assert path.stat().st_size < 200_000
    paragraphs, failures = read(path)
    assert (
        not paragraphs and [f.kind for f in failures] == ["too-large"] and "decompression bomb" in failures[0].message
    )


def test_pdf_page_content_bomb_is_refused(tmp_path: Path) -> None:
    from pipeline.readers.pdf import MAX_PAGE_CONTENT_BYTES

    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf_with_content(zlib.compress(b" " * (MAX_PAGE_CONTENT_BYTES + 1), 9)))
    assert path.stat().st_size < 100_000
    paragraphs, failures = read(path)
    assert not paragraphs and [f.kind for f in failures] == ["too-large"] and "page 1" in failures[0].message


def test_non_regular_files_in_a_walk_are_refused_without_hanging(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(folder / "b.txt")
    (folder / "c.pdf").symlink_to("/dev/zero")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "d.txt"))
    (folder / "e.txt").write_text(TEXT, encoding="utf-8")
    code = textwrap.dedent(f"""
        import json
        from pipeline.readers import InputFailure, read_inputs
        items = list(read_inputs([{str(folder)!r}, {str(folder / "b.txt")!r}, {str(folder / "c.pdf")!r}]))
        print(json.dumps([i.message if isinstance(i, InputFailure) else i.id for i in items]))
    """)
    try:
        run = run_code(code)
    finally:
        server.close()
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out[0] == "a#000" and out[4] == "e#000"
    assert [m.split(": ", 1)[1] for m in out[1:4]] == [
        "not a regular file (a FIFO), skipped",
        "not a regular file (a device), skipped",
        "not a regular file (a socket), skipped",
    ]
    assert all("not a regular file" in m for m in out[5:]) and len(out) == 7


def test_an_unreadable_sub_folder_is_reported_and_its_siblings_are_read(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b").chmod(0o000)
    code = textwrap.dedent(f"""
        import json
        from pipeline.readers import InputFailure, read_inputs
        items = list(read_inputs([{str(tmp_path)!r}]))
        print(json.dumps([i.message if isinstance(i, InputFailure) else i.id for i in items]))
    """)
    try:
        if os.geteuid() == 0:
            run = run_without_dac_override(code)
            if run is None or run.returncode != 0:
                pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
        else:
            run = run_code(code)
            assert run.returncode == 0, run.stderr
    finally:
        (tmp_path / "b").chmod(0o755)
    assert json.loads(run.stdout) == ["a/doc#000", f"{tmp_path / 'b'}: permission denied (folder skipped)", "c/doc#000"]


def test_corpus_errors_name_the_file_and_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b'{"content": "x"}\n{"content": "x", "deep": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n")
    with pytest.raises(InputError, match=rf"^{corpus}:2: JSON nested too deeply$"):
        list(read_corpus(corpus))
    corpus.write_bytes(b'{"content": "x"}\n{"content": "\xff"}\n')
    with pytest.raises(InputError, match=rf"^{corpus}:2: bytes not valid in utf-8"):
        list(read_corpus(corpus))


def test_ingest_stage_reports_a_deeply_nested_corpus_line_in_one_line(
    tmp_path: Path, stage_command: Callable[[Path, str], list[str]]
) -> None:
    params = (REPO / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(params.replace("corpus: data/sample/docs", "corpus: c.jsonl", 1))
    (tmp_path / "c.jsonl").write_bytes(b'{"content": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n")
    run = subprocess.run(
        stage_command(REPO, "ingest"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert run.returncode == 2 and run.stderr.strip() == "error: c.jsonl:1: JSON nested too deeply", run.stderr
