"""pipeline.readers: encodings and bad inputs (each reported in one line, the batch goes on).

Every fixture is generated here; tests that read ../shared are marked `shared` and skip without it.
"""

import codecs
import json
import os
import textwrap
import zipfile
from pathlib import Path

import pytest
from readers_support import (
    TRADITIONAL,
    failures_of,
    only_units,
    read_units,
    run_without_dac_override,
    texts,
)

from pipeline.readers import (
    InputError,
    InputFailure,
    Paragraph,
    read_corpus,
    split_paragraphs,
)
from pipeline.readers.encoding import detect_encoding

# --------------------------------------------------------------------------- encodings

SIMPLIFIED = (
    "一、总体要求\n坚持以人民为中心的发展思想，推动城市治理体系和治理能力现代化。\n"
    "加强国际交往中心功能建设，服务国家总体外交。\n"
)


@pytest.mark.parametrize(
    ("encoding", "script"),
    [
        ("utf-8", "simplified"),
        ("utf-8-sig", "simplified"),
        ("gbk", "simplified"),
        ("gb18030", "traditional"),
        ("big5", "traditional"),
        ("utf-16", "simplified"),  # with BOM
        ("utf-16-le", "simplified"),
        ("utf-16-be", "traditional"),
    ],
)
@pytest.mark.parametrize("size", ["short", "long"])
def test_text_files_in_any_chinese_encoding(tmp_path: Path, encoding: str, script: str, size: str) -> None:
    text = SIMPLIFIED if script == "simplified" else TRADITIONAL
    body = text if size == "short" else text * 2000  # ~200 KB: beyond the 64 KB detection head
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(body.encode(encoding))
    units = only_units(read_units(path))
    assert texts(units) == split_paragraphs(body)
    assert units[1].text == text.splitlines()[1]  # traditional characters are kept as they are
    assert [u.id for u in units[:2]] == [f"report-{encoding}#000", f"report-{encoding}#001"]
    assert units[0].doc == f"report-{encoding}" and units[0].meta == {"source": str(path), "lang": "zh"}


def test_encoding_option_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(SIMPLIFIED.encode("gbk"))
    assert texts(read_units(path, encoding="gbk")) == split_paragraphs(SIMPLIFIED)
    wrong = read_units(path, encoding="utf-8")  # every line is reported, none is read as garbage
    assert wrong and all(isinstance(f, InputFailure) and f.kind == "encoding" for f in wrong)
    assert all(f.message.startswith(f"{path}:{n}:") for n, f in enumerate(wrong, 1))  # type: ignore[union-attr]
    [failure] = read_units(path, encoding="no-such-codec")
    assert failure.kind == "encoding" and "no-such-codec" in failure.message


def test_detect_encoding_short_and_ambiguous_heads() -> None:
    assert detect_encoding("中文".encode("gbk"), "x") == ("gb18030", 0)
    assert detect_encoding("中華民國".encode("big5"), "x") == ("cp950", 0)
    assert detect_encoding("中文".encode("utf-16"), "x")[1] == 2
    assert detect_encoding(b"plain ascii", "x") == ("utf-8", 0)


# --------------------------------------------------------------------------- bad inputs


def test_empty_files_are_failures(tmp_path: Path) -> None:
    for name, data in [
        ("a.txt", b""),
        ("b.txt", b"\n \n\t\n"),
        ("c.jsonl", b""),
        ("d.md", codecs.BOM_UTF8),
        ("e.csv", b""),
    ]:
        (tmp_path / name).write_bytes(data)
        [failure] = read_units(tmp_path / name)
        assert isinstance(failure, InputFailure) and failure.kind == "empty", failure
        assert str(tmp_path / name) in failure.message and "\n" not in failure.message


def test_binary_files_are_failures(tmp_path: Path) -> None:
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "noise.txt").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "zip.md").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    for name in ("image.txt", "noise.txt", "zip.md"):
        [failure] = read_units(tmp_path / name)
        assert isinstance(failure, InputFailure) and failure.kind == "binary", failure
        assert name in failure.message


def test_undecodable_bytes_name_the_line_and_skip_only_that_line(tmp_path: Path) -> None:
    good = "第一段，内容完整。\n第二段，内容也完整。\n"
    path = tmp_path / "broken.txt"
    path.write_bytes(good.encode() * 3000 + b"\xff\xfe\xfa broken\n" + good.encode())
    items = read_units(path)
    [failure] = failures_of(items)
    assert failure.kind == "encoding" and failure.message.startswith(f"{path}:6001:")
    assert texts(items) == split_paragraphs(good * 3001)
    assert items.index(failure) == 6000


def test_undecodable_bytes_in_the_first_lines(tmp_path: Path) -> None:
    path = tmp_path / "early.txt"
    path.write_bytes("标题行，内容完整。\n".encode() + b"\xc3\x28 bad\n" + "后面的内容。\n".encode() * 50)
    items = read_units(path)
    assert [type(i).__name__ for i in items] == ["Paragraph", "InputFailure"] + ["Paragraph"] * 50
    assert items[1].kind == "encoding" and items[1].message.startswith(f"{path}:2:")


def test_unsupported_extension_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "data.xlsx").write_bytes(b"whatever")
    [failure] = read_units(tmp_path / "data.xlsx")
    assert failure.kind == "unsupported" and "data.xlsx" in failure.message and ".xlsx" in failure.message
    [failure] = read_units(tmp_path / "nope.txt")
    assert failure.kind == "missing" and "nope.txt" in failure.message
    with pytest.raises(InputError, match="nope"):
        list(read_corpus(tmp_path / "nope"))


def test_corrupt_docx(tmp_path: Path) -> None:
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 this is not a zip archive")
    with zipfile.ZipFile(tmp_path / "notword.docx", "w") as archive:
        archive.writestr("hello.txt", "a zip, but not a Word document")
    for name in ("bad.docx", "notword.docx"):
        [failure] = read_units(tmp_path / name)
        assert failure.kind == "corrupt" and name in failure.message
        with pytest.raises(InputError, match=name):
            list(read_corpus(tmp_path / name))


def test_file_without_read_permission(tmp_path: Path) -> None:
    """A real EACCES from the kernel.  As root chmod alone does not stop a read, so the read runs
    in a child that dropped the capabilities that bypass file modes; no library is mocked."""
    path = tmp_path / "secret.txt"
    path.write_text("机密内容。\n", encoding="utf-8")
    path.chmod(0o000)
    code = textwrap.dedent(f"""
        import json, pathlib
        from pipeline.readers import InputError, read_inputs, read_corpus
        items = list(read_inputs([{str(path)!r}]))
        try:
            list(read_corpus(pathlib.Path({str(tmp_path)!r})))
            corpus = "read"
        except InputError as err:
            corpus = str(err)
        print(json.dumps({{"items": [repr(i) for i in items], "corpus": corpus}}))
    """)
    try:
        if os.geteuid() != 0:
            reported = [repr(i) for i in read_units(path)]
            try:
                list(read_corpus(tmp_path))
                corpus = "read"
            except InputError as err:
                corpus = str(err)
        else:
            result = run_without_dac_override(code)
            if result is None or result.returncode != 0:
                pytest.skip(f"cannot drop CAP_DAC_OVERRIDE here: {result.stderr[-300:] if result else 'prctl failed'}")
            out = json.loads(result.stdout)
            reported, corpus = out["items"], out["corpus"]
        assert len(reported) == 1 and "InputFailure" in reported[0] and "kind='permission'" in reported[0]
        assert str(path) in reported[0] and corpus == f"{path}: permission denied"
    finally:
        path.chmod(0o600)


def test_a_failure_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("第一段。\n第二段。\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    items = read_units(tmp_path / "missing.txt", tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "good.txt")
    assert [type(i).__name__ for i in items] == [
        "InputFailure",
        "Paragraph",
        "Paragraph",
        "InputFailure",
        "Paragraph",
        "Paragraph",
    ]
    assert [i.id for i in items if isinstance(i, Paragraph)] == ["good#000", "good#001", "good~2#000", "good~2#001"]
