"""Every README promise of the CLI, run for real (in-process through `main`, a few in a subprocess)
on a small model trained from the shipped sample (the `sample_bundle` fixture): formats, commands,
option wiring, non-Chinese paragraphs, and output that never destroys or reads itself."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from pipeline.cli import app, main
from pipeline.cli.options import READER_OPTION_NAMES
from pipeline.readers import ReadOptions

ROOT = Path(__file__).resolve().parents[1]
# Original sentences written for these tests (nothing from ../shared).
ZH = [
    "推进国际交往中心建设，深化与友好城市的务实合作。",
    "完善基层治理体系，推动接诉即办改革向纵深发展。",
    "高质量共建一带一路，扩大中欧班列开行规模。",
]
EN = "The committee met on Tuesday to review the annual budget."


class Result:
    """What a CLI run gave: exit code, stdout, stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def rows(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines()]


@pytest.fixture
def cli(sample_bundle: tuple, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `policy-themes ARGS` in this process with the sample bundle; stdin from `stdin`."""
    bundle = str(sample_bundle[1])

    def run(*args: str, stdin: str = "", model: bool = True) -> Result:
        takes_model = "model_dir" in {p.name for p in _click_commands()[args[0]].params}
        argv = ["policy-themes", *args, *(["--model-dir", bundle] if model and takes_model else [])]
        monkeypatch.setattr(sys, "argv", argv)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(stdin.encode()))))
        capsys.readouterr()
        with pytest.raises(SystemExit) as ended:
            main()
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(ended.value.code, captured.out, captured.err)

    return run


def jsonl(tmp_path: Path, records: list[dict], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# ------------------------------------------------------------------ classify: the JSONL contract and the formats


def test_jsonl_in_jsonl_out_keeps_order_ids_and_fields(cli: Callable[..., Result], tmp_path: Path) -> None:
    records = [{"id": f"p{i}", "text": t, "source": "memo", "year": 2024} for i, t in enumerate(ZH)]
    result = cli("classify", str(jsonl(tmp_path, records)))
    assert result.code == 0, result.err
    rows = result.rows()
    assert [r["id"] for r in rows] == ["p0", "p1", "p2"]
    for row, record in zip(rows, records, strict=True):
        assert row["text"] == record["text"] and row["year"] == 2024 and row["source"] == "memo"
        assert set(row["scores"]) == {"diplomacy", "governance", "belt_and_road"}
        assert all(0.0 <= s <= 1.0 for s in row["scores"].values())
        assert set(row["labels"]) <= set(row["scores"]) and row["lang"] == "zh"
        assert row["topic"] is None or isinstance(row["topic"], int)


def test_ids_keep_their_json_type(cli: Callable[..., Result], tmp_path: Path) -> None:
    records = [{"id": 7, "text": ZH[0]}, {"id": "7", "text": ZH[1]}, {"id": 2**53 + 1, "text": ZH[2]}]
    ids = [r["id"] for r in cli("classify", str(jsonl(tmp_path, records))).rows()]
    assert ids == [7, "7", 2**53 + 1] and isinstance(ids[0], int)


def test_non_chinese_paragraphs_get_no_theme(cli: Callable[..., Result], tmp_path: Path) -> None:
    rows = cli("classify", str(jsonl(tmp_path, [{"id": "en", "text": EN}, {"id": "zh", "text": ZH[0]}]))).rows()
    assert rows[0]["lang"] == "en" and rows[0]["labels"] == [] and rows[1]["lang"] == "zh"


def test_csv_json_and_table_say_the_same_as_jsonl(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = str(jsonl(tmp_path, [{"id": f"p{i}", "text": t} for i, t in enumerate([*ZH, EN])]))
    rows = cli("classify", path, "-f", "jsonl").rows()
    as_json = json.loads(cli("classify", path, "-f", "json").out)
    assert as_json == rows
    table = list(csv.DictReader(io.StringIO(cli("classify", path, "-f", "csv").out)))
    assert [r["id"] for r in table] == [r["id"] for r in rows]
    for line, row in zip(table, rows, strict=True):
        assert line["labels"] == ";".join(row["labels"]) and line["lang"] == row["lang"]
        assert float(line["score_governance"]) == row["scores"]["governance"]
    lines = cli("classify", path, "-f", "table").out.splitlines()
    assert lines[0].split()[:2] == ["id", "labels"] and len(lines) == 1 + len(rows)


def test_csv_neutralises_formulas_and_table_escapes_terminal_sequences(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = str(
        jsonl(tmp_path, [{"id": "=cmd|' /C calc'!A0", "text": "@SUM(1)" + ZH[0]}, {"id": "\x1b[2J", "text": ZH[1]}])
    )
    cells = list(csv.reader(io.StringIO(cli("classify", path, "-f", "csv").out)))[1]
    assert cells[0].startswith("'=") and cells[-1].startswith("'@")
    table = cli("classify", path, "-f", "table").out
    assert "\x1b" not in table and "\\x1b[2J" in table


def test_non_finite_pass_through_numbers_are_written_as_null(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(f'{{"id": "a", "text": "{ZH[1]}", "w": NaN, "v": 1e999, "u": -Infinity}}\n', encoding="utf-8")
    out = cli("classify", str(path)).out

    def refuse(name: str) -> None:
        raise AssertionError(f"invalid JSON constant {name}")

    row = json.loads(out, parse_constant=refuse)
    assert row["w"] is None and row["v"] is None and row["u"] is None


ODD_RECORDS = {
    "surrogate in text": '{"id": "s", "text": "\\ud800推进国际合作"}',
    "surrogate in id": '{"id": "\\udc00", "text": "推进国际合作"}',
    "5,000-digit id": '{"id": ' + "9" * 5000 + ', "text": "推进国际合作"}',
    "50,000-deep value": '{"id": "d", "text": "推进", "m": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "NaN field": '{"id": "n", "text": "推进", "m": NaN}',
    "list id": '{"id": [1, 2], "text": "推进"}',
    "number text": '{"id": "t", "text": 123}',
    "not an object": "[1, 2, 3]",
    "210,000-character text": json.dumps({"id": "long", "text": "推进国际合作。" * 30_000}, ensure_ascii=False),
}


@pytest.mark.parametrize("case", sorted(ODD_RECORDS))
def test_odd_records_never_end_in_a_traceback(cli: Callable[..., Result], tmp_path: Path, case: str) -> None:
    """Alone in a file, and between two good records: one line per problem, an exit code that says it."""
    path = tmp_path / "odd.jsonl"
    good = json.dumps({"id": "ok", "text": ZH[1]}, ensure_ascii=False)
    for lines in ([ODD_RECORDS[case]], [good, ODD_RECORDS[case], good]):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = tmp_path / "out.jsonl"
        out.write_text("earlier\n", encoding="utf-8")
        result = cli("classify", str(path), "-o", str(out))  # the fixture fails on "Traceback"
        assert result.code in (0, 1, 2) and result.err.count("\n") <= 2, result.err
        assert (result.code == 0) == (result.err == ""), result.err
        written = out.read_text(encoding="utf-8")
        if result.code == 2:
            assert written == "earlier\n"  # a failed run leaves the output as it was
        else:
            rows = [json.loads(line) for line in written.splitlines()]
            assert [r["id"] for r in rows].count("ok") == lines.count(good)


# ------------------------------------------------------------------ segment, topics, info


def test_segment_prints_the_pipelines_tokens(cli: Callable[..., Result], sample_bundle: tuple) -> None:
    rows = cli("segment", "-", "-f", "jsonl", stdin=ZH[0] + "\n").rows()
    expected = sample_bundle[0].features.analyse([ZH[0]])[0].tokens
    assert rows == [{"source": "-", "id": "stdin#000", "doc": "stdin", "text": ZH[0], "tokens": expected}]
    table = cli("segment", "-", "-f", "table", stdin=ZH[0] + "\n").out
    assert " / ".join(expected) in table
    cells = list(csv.reader(io.StringIO(cli("segment", "-", "-f", "csv", stdin=ZH[0] + "\n").out)))
    assert cells == [["id", "tokens", "text"], ["stdin#000", " ".join(expected), ZH[0]]]


def test_topics_as_table_and_json(cli: Callable[..., Result], sample_bundle: tuple) -> None:
    from pipeline.bundle import topic_words

    words = topic_words(sample_bundle[1])
    assert json.loads(cli("topics", "-f", "json").out) == [{"topic": k, "words": w} for k, w in enumerate(words)]
    lines = cli("topics").out.splitlines()
    assert len(lines) == len(words) and lines[0].split()[1:] == words[0]


def test_info_as_text_and_json(cli: Callable[..., Result], sample_bundle: tuple) -> None:
    report = json.loads(cli("info", "-f", "json").out)
    manifest = json.loads((sample_bundle[1] / "manifest.json").read_text(encoding="utf-8"))
    assert report["checksum"] == manifest["checksum"] and report["files"] == manifest["files"]
    assert report["themes"] == ["diplomacy", "governance", "belt_and_road"]
    text = cli("info").out
    assert manifest["checksum"] in text and "K=5" in text


# ------------------------------------------------------------------ every option reaches the reader / writer


def test_every_reader_option_is_a_cli_option() -> None:
    """One definition: each ReadOptions field is an option of every reading command."""
    assert set(READER_OPTION_NAMES) == {f.name for f in fields(ReadOptions)}
    for name, command in _click_commands().items():
        names = {p.name for p in command.params}
        if "inputs" in names:
            assert set(READER_OPTION_NAMES) <= names, name


def test_jsonl_field_options(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = str(jsonl(tmp_path, [{"key": "k1", "body": ZH[2], "text": "不是这一段"}]))
    rows = cli("classify", path, "--text-field", "body", "--id-field", "key").rows()
    assert rows[0]["id"] == "k1" and rows[0]["text"] == ZH[2]


def test_csv_column_options(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f"编号,正文\nc1,{ZH[0]}\nc2,{ZH[1]}\n", encoding="utf-8")
    rows = cli("classify", str(path), "--text-column", "正文", "--id-column", "编号").rows()
    assert [(r["id"], r["text"]) for r in rows] == [("c1", ZH[0]), ("c2", ZH[1])]


def test_include_and_exclude_globs(cli: Callable[..., Result], tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(ZH[0] + "\n", encoding="utf-8")
    (folder / "b.md").write_text(ZH[1] + "\n", encoding="utf-8")
    (folder / "c.txt").write_text(ZH[2] + "\n", encoding="utf-8")
    docs = lambda *opts: sorted({r["doc"] for r in cli("classify", str(folder), *opts).rows()})  # noqa: E731
    assert docs() == ["a", "b", "c"]
    assert docs("--include", "*.txt") == ["a", "c"]
    assert docs("--include", "*.txt", "--exclude", "c.*") == ["a"]


def test_encoding_option(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "big5.txt"
    path.write_bytes("推進國際交往中心建設。\n".encode("big5"))
    assert cli("classify", str(path), "--encoding", "big5").rows()[0]["text"] == "推進國際交往中心建設。"
    wrong = cli("classify", str(path), "--encoding", "utf-8")
    assert wrong.code == 2 and "big5.txt" in wrong.err and wrong.err.count("\n") == 1


def test_stdin_format_option(cli: Callable[..., Result]) -> None:
    record = json.dumps({"id": "r", "text": ZH[0]}, ensure_ascii=False) + "\n"
    assert cli("classify", "-", stdin=record).rows()[0]["id"] == "r"  # auto: JSONL
    as_text = cli("classify", "-", "--stdin-format", "text", stdin=record).rows()
    assert as_text[0]["id"] == "stdin#000" and as_text[0]["text"] == record.strip()


def test_batch_size_does_not_change_the_output(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = str(jsonl(tmp_path, [{"id": i, "text": ZH[i % 3]} for i in range(7)]))
    assert cli("classify", path, "--batch-size", "1").out == cli("classify", path, "--batch-size", "512").out


def test_model_dir_option_is_used(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("classify", "-", "--model-dir", str(tmp_path / "nowhere"), stdin=ZH[0], model=False)
    assert result.code == 2 and "nowhere" in result.err and result.err.count("\n") == 1


def _click_commands() -> dict:
    import typer.main

    return typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", sorted(_click_commands()))
def test_every_format_option_refuses_an_unknown_format(cli: Callable[..., Result], command: str) -> None:
    """Every command, those added later included: a --format outside its choices is one line, exit 2."""
    params = {p.name: p for p in _click_commands()[command].params}
    if "fmt" not in params:
        pytest.skip(f"{command} has no --format")
    assert params["fmt"].type.choices, f"{command}: --format has no choices"
    inputs = ["-"] if "inputs" in params else []
    result = cli(command, *inputs, "--format", "xml", stdin=ZH[0])
    assert result.code == 2 and result.err.startswith("error: ") and result.err.count("\n") == 1
    assert "'xml' is not one of" in result.err and result.out == ""


def test_import_labels_format_choices_are_the_importers() -> None:
    from pipeline.label_import import FORMATS

    params = {p.name: p for p in _click_commands()["import-labels"].params}
    assert tuple(params["fmt"].type.choices) == FORMATS


def test_usage_errors_are_one_line(cli: Callable[..., Result]) -> None:
    result = cli("classify", "-", "--no-such-option", stdin=ZH[0])
    assert result.code == 2 and result.err.count("\n") == 1 and "--no-such-option" in result.err


# ------------------------------------------------------------------ output never destroys or reads itself


def test_output_file_is_written_atomically(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = str(jsonl(tmp_path, [{"id": "a", "text": ZH[0]}]))
    out = tmp_path / "out" / "results.jsonl"
    out.parent.mkdir()
    assert cli("classify", path, "-o", str(out)).code == 0
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a"]
    assert os.listdir(out.parent) == ["results.jsonl"]


def test_a_run_that_read_nothing_leaves_an_existing_output_untouched(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "results.jsonl"
    out.write_text("earlier results\n", encoding="utf-8")
    for args in (["missing.txt"], [str(tmp_path / "empty.jsonl")]):
        (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
        result = cli("classify", *args, "-o", str(out))
        assert result.code == 2 and result.err.count("\n") == 1
        assert out.read_text(encoding="utf-8") == "earlier results\n"
    assert sorted(os.listdir(tmp_path)) == ["empty.jsonl", "results.jsonl"]


def test_classifying_a_file_onto_itself_is_refused(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = jsonl(tmp_path, [{"id": "a", "text": ZH[0]}])
    before = path.read_bytes()
    result = cli("classify", str(path), "-o", str(path))
    assert result.code == 2 and "the output is also an input" in result.err and result.err.count("\n") == 1
    assert path.read_bytes() == before


def test_an_output_inside_an_input_folder_is_refused(cli: Callable[..., Result], tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(ZH[0] + "\n", encoding="utf-8")
    result = cli("classify", str(folder), "-o", str(folder / "out.jsonl"))
    assert result.code == 2 and "inside the input folder" in result.err and result.err.count("\n") == 1
    assert os.listdir(folder) == ["a.txt"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("target", ["-o", ">"])
def test_a_full_disk_is_one_line_and_exit_2(sample_bundle: tuple, tmp_path: Path, target: str) -> None:
    """In a subprocess, so the interpreter's own flush at exit is checked too."""
    path = jsonl(tmp_path, [{"id": i, "text": ZH[i % 3]} for i in range(300)])
    cmd = [sys.executable, "-m", "pipeline", "classify", str(path), "-m", str(sample_bundle[1])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*cmd, "-o", "/dev/full"] if target == "-o" else cmd,
            stdout=subprocess.DEVNULL if target == "-o" else full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "No space left on device" in proc.stderr, proc.stderr


def test_broken_pipe_ends_quietly(sample_bundle: tuple, tmp_path: Path) -> None:
    path = jsonl(tmp_path, [{"id": i, "text": ZH[i % 3]} for i in range(3000)])
    cmd = [sys.executable, "-m", "pipeline", "classify", str(path), "-m", str(sample_bundle[1])]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert proc.stdout is not None and proc.stdout.read(10)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == b""


def test_classify_path_imports_no_training_stack(sample_bundle: tuple, tmp_path: Path) -> None:
    """Boundary B1, with every registered command module imported: nothing heavy loads at start."""
    path = jsonl(tmp_path, [{"id": "a", "text": ZH[0]}])
    code = (
        "import sys\n"
        f"sys.argv = ['policy-themes', 'classify', {str(path)!r}, '-m', {str(sample_bundle[1])!r}, '-o', 'out.jsonl']\n"
        "from pipeline.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = ('gensim', 'sklearn', 'scipy', 'pandas', 'dask', 'jieba', 'pydantic', 'matplotlib')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_output_to_dev_stdout_on_a_pipe(sample_bundle: tuple, tmp_path: Path) -> None:
    """A device is written as named: /dev/stdout on a pipe resolves to an unopenable pipe:[…] path."""
    path = jsonl(tmp_path, [{"id": 1, "text": ZH[0]}])
    cmd = [sys.executable, "-m", "pipeline", "classify", str(path), "-m", str(sample_bundle[1]), "-o", "/dev/stdout"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["id"] == 1
