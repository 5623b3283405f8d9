"""Output safety without a model: valid JSON always, neutralised CSV formulas, escaped terminal text,
atomic files that are never truncated by a failed run, and an output path that is never an input."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from pipeline.cli.failure import Failure
from pipeline.cli.output import open_output, refuse_output_among_inputs, replaced_atomically
from pipeline.cli.writers import RowWriter, json_line
from pipeline.safe_text import FORMULA_PREFIXES, json_safe, spreadsheet_cell, terminal_text


def _strict_json(text: str) -> object:
    """json.loads that refuses NaN/Infinity, as every JSON parser outside Python does."""

    def refuse(name: str) -> None:
        raise ValueError(f"invalid JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_are_written_as_null() -> None:
    row = {"id": 1, "x": float("nan"), "y": [float("inf"), {"z": -float("inf")}], "ok": 1.5}
    assert _strict_json(json_line(row)) == {"id": 1, "x": None, "y": [None, {"z": None}], "ok": 1.5}


def test_integers_beyond_the_conversion_limit_become_strings_and_small_ones_stay_integers() -> None:
    huge = 7 * 10**5000  # str(huge) is refused by Python's default 4,300-digit limit
    parsed = _strict_json(json_line({"id": 42, "big": huge}))
    assert parsed["id"] == 42 and isinstance(parsed["id"], int)
    assert parsed["big"] == "7" + "0" * 5000


def test_deeply_nested_values_are_cleaned_without_recursion() -> None:
    deep: list = [float("nan")]
    for _ in range(50_000):
        deep = [deep]
    cleaned = json_safe(deep)
    for _ in range(50_000):
        cleaned = cleaned[0]
    assert cleaned == [None]


def test_fast_path_output_is_the_plain_json_dump() -> None:
    row = {"id": "a", "text": "推进国际交往中心建设", "scores": {"diplomacy": 0.5}}
    assert json_line(row) == json.dumps(row, ensure_ascii=False)


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_csv_cells_that_start_a_formula_are_neutralised(prefix: str) -> None:
    value = prefix + 'HYPERLINK("http://example.invalid")'
    assert spreadsheet_cell(value) == "'" + value
    assert spreadsheet_cell("城市治理" + prefix) == "城市治理" + prefix
    assert spreadsheet_cell(-1.5) == -1.5 and spreadsheet_cell(7) == 7


def test_csv_output_round_trips_through_the_csv_module() -> None:
    buf = io.StringIO()
    writer = RowWriter(buf, "csv", "tokens")
    writer.write(
        [{"id": "=1+1", "tokens": ["国际", "合作"], "text": "含,逗号\n和换行"}, {"id": 5, "tokens": [], "text": "@x"}]
    )
    writer.close()
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows == [["id", "tokens", "text"], ["'=1+1", "国际 合作", "含,逗号\n和换行"], ["5", "", "'@x"]]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31m红", "\\x1b[31m红"),
        ("a\rb", "a\\x0db"),
        ("bell\x07", "bell\\x07"),
        ("del\x7f", "del\\x7f"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("\u202eevil", "\\u202eevil"),
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("第一行\n第二行\t完", "第一行 第二行 完"),
    ],
)
def test_table_text_escapes_control_and_bidi_characters(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown


def test_table_rows_carry_no_raw_escape_sequences() -> None:
    buf = io.StringIO()
    writer = RowWriter(buf, "table", "labels")
    row = {
        "id": "\x1b]0;title\x07",
        "text": "\x1b[2J清屏",
        "labels": [],
        "scores": {"diplomacy": 0.1, "governance": 0.2, "belt_and_road": 0.3},
        "topic": None,
    }
    writer.write([row])
    writer.close()
    out = buf.getvalue()
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J清屏" in out


def test_json_format_is_one_valid_array_even_when_written_in_batches() -> None:
    buf = io.StringIO()
    writer = RowWriter(buf, "json", "labels")
    writer.write([{"id": 1}, {"id": 2}])
    writer.write([{"id": 3, "x": float("nan")}])
    writer.close()
    assert _strict_json(buf.getvalue()) == [{"id": 1}, {"id": 2}, {"id": 3, "x": None}]


def test_lone_surrogates_are_written_as_json_escapes(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with open_output(target) as out:
        RowWriter(out.stream, "jsonl", "labels").write([{"id": "\ud800", "note": "a\udfffb"}])
        out.commit()
    assert json.loads(target.read_text(encoding="utf-8")) == {"id": "\ud800", "note": "a\udfffb"}


def test_output_is_replaced_only_on_commit(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    target.write_text("earlier results\n", encoding="utf-8")
    target.chmod(0o640)
    with open_output(target) as out:
        out.stream.write("partial\n")
    assert target.read_text(encoding="utf-8") == "earlier results\n"  # not committed: untouched
    with open_output(target) as out:
        out.stream.write("new\n")
        assert target.read_text(encoding="utf-8") == "earlier results\n"  # nothing visible before commit
        out.commit()
    assert target.read_text(encoding="utf-8") == "new\n"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.jsonl"]  # no temporary file left


def test_an_error_while_writing_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "results.jsonl"
    target.write_text("keep\n", encoding="utf-8")
    with pytest.raises(RuntimeError), open_output(target) as out:
        out.stream.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "keep\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.jsonl"]


def test_a_symlinked_output_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with open_output(link) as out:
        out.stream.write("new\n")
        out.commit()
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_a_one_line_failure() -> None:
    full = r"^/dev/full: cannot write \(No space left on device\)$"
    with pytest.raises(Failure, match=full), open_output(Path("/dev/full")) as out:
        out.stream.write("x" * 100_000)
        out.commit()


def test_unwritable_targets_are_one_line_failures(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="is a folder"), open_output(tmp_path):
        pass
    with pytest.raises(Failure, match="cannot write"), open_output(tmp_path / "no-such-dir" / "out.jsonl"):
        pass


def test_the_output_is_never_one_of_the_inputs(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n", encoding="utf-8")
    (tmp_path / "hard.jsonl").hardlink_to(source)
    (tmp_path / "sym.jsonl").symlink_to(source)
    for output in ("in.jsonl", "hard.jsonl", "sym.jsonl", "./sub/../in.jsonl"):
        with pytest.raises(Failure, match="the output is also an input"):
            refuse_output_among_inputs(tmp_path / output, [str(source)])
    refuse_output_among_inputs(tmp_path / "other.jsonl", [str(source), "-"])  # fine


def test_the_output_is_never_inside_an_input_folder(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "deep").mkdir(parents=True)
    for output in (folder / "out.jsonl", folder / "deep" / "out.jsonl"):
        with pytest.raises(Failure, match="inside the input folder"):
            refuse_output_among_inputs(output, [str(folder)])
    refuse_output_among_inputs(tmp_path / "docs-out.jsonl", [str(folder)])  # a sibling, not inside


def test_files_written_by_name_replace_the_target_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "table.xlsx"
    target.write_bytes(b"earlier")
    with pytest.raises(RuntimeError), replaced_atomically(target) as path:
        path.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"earlier" and [p.name for p in tmp_path.iterdir()] == ["table.xlsx"]
    with replaced_atomically(target) as path:
        assert path.parent == tmp_path and path.suffix == ".xlsx"
        path.write_bytes(b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["table.xlsx"]
    with replaced_atomically(tmp_path / "labels" / "round-1.jsonl", make_parents=True) as path:
        path.write_text("{}\n", encoding="utf-8")
    assert (tmp_path / "labels" / "round-1.jsonl").read_text(encoding="utf-8") == "{}\n"
