"""Peak memory and time of `python -m pipeline classify` on hostile input shapes (issue 11):

    python benchmarks/hostile.py            # default sizes (a few minutes on one core)
    python benchmarks/hostile.py --mb 20    # smaller inputs

Each case runs in a fresh process; its peak RSS is the child's own (os.wait4), printed with its
exit code and the first line of stderr.  Inputs are generated in bounded memory: a child started
with vfork counts its parent's RSS until exec, so a big parent would inflate the figures.  Needs
the bundle (`dvc repro`).  Nothing is asserted: the target (<= 500 MB for any input) is read off
the table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from readers_support import pdf_with_content  # noqa: E402  (the hand-written PDF of the tests)

SENTENCE = "推进国际交往中心建设，完善城市治理体系，深化一带一路合作。"  # our own words


def no_line_breaks(folder: Path, mb: int) -> Path:
    """Plain text of `mb` MB without a single line break."""
    path = folder / "oneline.txt"
    block = (SENTENCE * 20_000).encode()
    with path.open("wb") as handle:
        for _ in range(mb * 2**20 // len(block) + 1):
            handle.write(block)
    return path


def huge_record(folder: Path, mb: int) -> Path:
    """One JSONL record whose text is `mb` MB, between two ordinary records."""
    path = folder / "huge.jsonl"
    block = (SENTENCE * 20_000).encode()
    with path.open("wb") as handle:
        handle.write(f'{{"id": 1, "text": "{SENTENCE}"}}\n{{"id": 2, "text": "'.encode())
        for _ in range(mb * 2**20 // len(block) + 1):
            handle.write(block)
        handle.write(f'"}}\n{{"id": 3, "text": "{SENTENCE}"}}\n'.encode())
    return path


def docx_bomb(folder: Path, mb: int) -> Path:
    """A small .docx whose document.xml inflates to `mb` MB (valid XML: one paragraph repeated)."""
    path = folder / "bomb.docx"
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    para = f"<w:p><w:r><w:t>{SENTENCE}</w:t></w:r></w:p>".encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(f"<?xml version='1.0'?><w:document {ns}><w:body>".encode())
            for _ in range(mb * 2**20 // len(para) + 1):
                xml.write(para)
            xml.write(b"</w:body></w:document>")
    return path


def pdf_bomb(folder: Path, mb: int) -> Path:
    """A small PDF whose one page's content stream inflates to `mb` MB."""
    packer, line = zlib.compressobj(9), b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" * 32_000  # ~1 MB
    stream = b"".join(packer.compress(line) for _ in range(mb * 2**20 // len(line))) + packer.flush()
    path = folder / "bomb.pdf"
    path.write_bytes(pdf_with_content(stream))
    return path


def dev_zero_in_a_folder(folder: Path, mb: int) -> Path:
    """A folder holding a symlink to /dev/zero named like a PDF, beside one ordinary file."""
    sub = folder / "with-dev-zero"
    sub.mkdir()
    (sub / "zero.pdf").symlink_to("/dev/zero")
    (sub / "note.txt").write_text(SENTENCE, encoding="utf-8")
    return sub


def measure(path: Path) -> tuple[float, int, int, str]:
    """(seconds, peak RSS in MB, exit code, first stderr line) of classifying `path`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [
        sys.executable,
        "-m",
        "pipeline",
        "classify",
        str(path),
        "-o",
        os.devnull,
        "-m",
        str(ROOT / "models/bundle"),
    ]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        first = err.read().decode(errors="replace").strip().splitlines()[:1]
    return seconds, usage.ru_maxrss // 1024, child.returncode, (first[0] if first else "")[:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the generated text inputs (MB)")
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[Path, int], Path], int]] = [
        (f"text without line breaks, {args.mb} MB", no_line_breaks, args.mb),
        (f"one JSONL record of {args.mb} MB", huge_record, args.mb),
        ("decompression-bomb .docx (XML inflates to 200 MB)", docx_bomb, 200),
        ("decompression-bomb .pdf (page content inflates to 200 MB)", pdf_bomb, 200),
        ("folder with a symlink to /dev/zero named .pdf", dev_zero_in_a_folder, 0),
    ]
    print("| input | file size | time | peak RSS | exit | first stderr line |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, mb in cases:
            path = make(Path(tmp), mb)
            size = path.stat().st_size if path.is_file() else 0
            seconds, rss, code, first = measure(path)
            print(f"| {name} | {size / 2**20:,.2f} MB | {seconds:.1f} s | {rss} MB | {code} | {first} |", flush=True)
            if path.is_file():
                path.unlink()


if __name__ == "__main__":
    main()
