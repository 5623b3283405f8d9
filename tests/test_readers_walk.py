"""pipeline.readers: folders, stdin and streaming in bounded memory.

Every fixture is generated here; tests that read ../shared are marked `shared` and skip without it.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from readers_support import (
    REPO,
    only_units,
    read_units,
    run_code,
)

from pipeline.readers import (
    Paragraph,
    ReadOptions,
    read_inputs,
)
from pipeline.readers.repair import MAX_PARAGRAPH_CHARS

# --------------------------------------------------------------------------- folders


def test_folder_sorted_recursive_with_globs_and_reported_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inner.md").write_text("内层文件。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("第一份。", encoding="utf-8")
    (tmp_path / "a.md").write_text("同名文件。", encoding="utf-8")
    (tmp_path / "c.xlsx").write_bytes(b"not supported")
    (tmp_path / "skip.txt").write_text("被排除。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("隐藏文件。", encoding="utf-8")
    items = list(read_inputs([str(tmp_path)], ReadOptions(exclude=("skip.*",))))
    assert [(type(i).__name__, i.id if isinstance(i, Paragraph) else i.path) for i in items] == [
        ("Paragraph", "a#000"),
        ("Paragraph", "a~2#000"),
        ("Paragraph", "b/inner#000"),
        ("InputFailure", str(tmp_path / "c.xlsx")),
    ]
    assert items[0].text == "同名文件。"  # a.md sorts before a.txt
    only_md = list(read_inputs([str(tmp_path)], ReadOptions(include=("*.md",))))
    assert [u.id for u in only_md] == ["a#000", "b/inner#000"]
    (tmp_path / "empty").mkdir()
    [failure] = read_units(tmp_path / "empty")
    assert failure.kind == "empty" and "empty" in failure.message


def test_folder_of_ten_thousand_small_files(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"{i:05d}.txt").write_bytes(f"第{i}号文件的内容。\n".encode())
    start = time.perf_counter()
    items = read_units(folder)
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder)  # keep pytest's temporary tree small for the next runs
    assert [i.id for i in only_units(items)] == [f"{i:05d}#000" for i in range(10_000)]
    assert items[1234].text == "第1234号文件的内容。"
    assert elapsed < 20


# --------------------------------------------------------------------------- streaming


def test_large_files_stream_in_bounded_memory(tmp_path: Path) -> None:
    """~50 MB of text and ~20 MB of JSONL; the peak RSS of a child process must not follow the size."""
    para = "各地区各部门深入贯彻新发展理念，推动经济社会高质量发展，国内生产总值增长5.2%。" * 3 + "\n"
    block = ("一、工作回顾\n" + para * 30).encode()
    big_txt = tmp_path / "big.txt"
    with big_txt.open("wb") as handle:
        for _ in range(50 * 2**20 // len(block) + 1):
            handle.write(block)
    big_jsonl = tmp_path / "big.jsonl"
    record = json.dumps({"text": para.strip(), "region": "全市"}, ensure_ascii=False)
    with big_jsonl.open("w", encoding="utf-8") as handle:
        for i in range(20 * 2**20 // len(record.encode())):
            handle.write(f'{{"id": "r{i}", {record[1:]}\n')
    small = tmp_path / "small.txt"
    small.write_text("预热。\n", encoding="utf-8")
    code = textwrap.dedent(f"""
        import json, resource
        from pipeline.readers import Paragraph, read_inputs
        list(read_inputs([{str(small)!r}]))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counts = {{}}
        for name in ({str(big_txt)!r}, {str(big_jsonl)!r}):
            counts[name] = sum(1 for u in read_inputs([name]) if isinstance(u, Paragraph))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"growth_kb": after - before, "counts": counts}}))
    """)
    result = run_code(code)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    big_txt.unlink()
    big_jsonl.unlink()
    assert out["counts"][str(big_txt)] == (50 * 2**20 // len(block) + 1) * 31
    assert out["counts"][str(big_jsonl)] == 20 * 2**20 // len(record.encode())
    assert out["growth_kb"] < 48 * 1024, out  # reading either file whole would take > 100 MB
    print(f"peak RSS growth while streaming 70 MB: {out['growth_kb'] // 1024} MB")


def test_a_huge_single_line_is_read_in_pieces(tmp_path: Path) -> None:
    text = "中" * (3 * 2**20)  # 3 M characters without a line break
    path = tmp_path / "oneline.txt"
    path.write_text(text, encoding="utf-8")
    units = only_units(read_units(path))
    assert "".join(u.text for u in units) == text
    assert max(len(u.text) for u in units) == MAX_PARAGRAPH_CHARS  # the documented cap


def test_an_over_long_line_is_cut_at_sentence_ends(tmp_path: Path) -> None:
    sentence = "推进国际交往中心建设，完善城市治理体系。"  # 20 characters
    path = tmp_path / "oneline.txt"
    path.write_text(sentence * 5_000, encoding="utf-8")  # 100,000 characters, one line
    units = only_units(read_units(path))
    assert "".join(u.text for u in units) == sentence * 5_000
    assert all(u.text.endswith("。") and len(u.text) <= MAX_PARAGRAPH_CHARS for u in units)


def test_module_import_stays_light() -> None:
    code = (
        "import sys, pipeline.readers; "
        "print([m for m in ('docx', 'pypdf', 'charset_normalizer', 'opencc', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    ).stdout
    assert out.strip() == "[]"
