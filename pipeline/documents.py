"""Documents → paragraphs: readers, normalisation and the repair of lines broken mid-sentence.

The ingest stage and the CLI both read through this module, so a document is split into the
same paragraphs in training and in inference.  Nothing here imports the training stack.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class InputError(Exception):
    """A problem with something the user gave us; the message is one line and names the file."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One unit as THEMES.md defines it: a block of text ended by a line break."""

    id: str
    doc: str
    index: int
    text: str
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- normalisation

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# Full-width punctuation is how Chinese is written; NFKC would turn it into ASCII.  Park it in
# the private-use area while NFKC folds full-width Latin letters and digits, then bring it back.
_KEEP = "，；：！？（）"
_PARK = str.maketrans({c: chr(0xE000 + i) for i, c in enumerate(_KEEP)})
_UNPARK = str.maketrans({chr(0xE000 + i): c for i, c in enumerate(_KEEP)})


def normalise(text: str) -> str:
    """NFKC for full-width Latin and digits, drop zero-width characters, fold spaces.

    Chinese punctuation is kept full-width, and a space between two Chinese characters (layout,
    not content) is removed.
    """
    text = text.translate(_ZERO_WIDTH).translate(_PARK)
    text = unicodedata.normalize("NFKC", text).translate(_UNPARK)
    text = _SPACES.sub(" ", text).strip()
    return _CJK_SPACE.sub("", text)


# --------------------------------------------------------------------------- paragraph repair

_SENTENCE_END = tuple("。！？；：…”’」』）)!?;:")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十百]+、|（[一二三四五六七八九十百]+）|\([一二三四五六七八九十百]+\)|"
    r"第[一二三四五六七八九十百零0-9]+[章节部分篇条]|[0-9]{1,2}[.、．](?![0-9])|[（(][0-9]{1,2}[)）])"
)
_CONTINUATION_START = re.compile(r"^[，。、；：！？）)”’」』%…—\-.0-9a-zA-Z]")


def is_heading(line: str) -> bool:
    """A numbered heading line (一、 / （一） / 第一章 / 1.) stays its own paragraph."""
    return bool(_HEADING.match(line))


def repair_lines(lines: list[str]) -> list[str]:
    """Rejoin lines broken mid-sentence; keep headings and complete lines as they are.

    The Wikisource extraction breaks sentences around inline markup ("（P" / "2.5" / "）浓度…").
    A line is joined to the previous one when the previous line did not end a sentence and either
    the previous line is a short fragment or this line starts with continuing punctuation/digits.
    """
    out: list[str] = []
    for line in lines:
        if out:
            prev = out[-1]
            if not prev.endswith(_SENTENCE_END) and not is_heading(line) and (
                _CONTINUATION_START.match(line)
                or (len(prev) <= 6 and not is_heading(prev))
                or (len(line) <= 4 and not line.endswith(_SENTENCE_END[:3]))
            ):
                out[-1] = prev + line
                continue
        out.append(line)
    return out


def split_paragraphs(text: str) -> list[str]:
    """Split a document into normalised paragraphs (non-empty lines, repaired)."""
    lines = [normalise(line) for line in text.splitlines()]
    return repair_lines([line for line in lines if line])


# --------------------------------------------------------------------------- readers

TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".jsonl"}


def read_text_file(path: Path) -> str:
    """Read a text file as UTF-8 (BOM tolerated)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not valid UTF-8 (byte {err.start})") from None


def iter_records(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line of a JSONL file; bad lines are errors."""
    try:
        handle = path.open(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{lineno}: malformed JSON ({err.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, obj


def _files_under(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.exists():
        raise InputError(f"{root}: no such file or directory")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | RECORD_SUFFIXES)


def read_corpus(root: Path, text_field: str = "content") -> Iterator[Paragraph]:
    """Read a corpus (a folder, a .txt/.md file or a .jsonl file of documents) into paragraphs.

    Document ids: a text file's path relative to the corpus root without suffix; a JSONL record's
    `id` field when present, else `<file stem>-<line number>`.  Paragraph ids are `doc#index`.
    """
    files = _files_under(root)
    if not files:
        raise InputError(f"{root}: no .txt, .md or .jsonl files found")
    base = root if root.is_dir() else root.parent
    for path in files:
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            doc = path.relative_to(base).with_suffix("").as_posix()
            yield from _paragraphs(doc, read_text_file(path), {"source": path.name})
        elif suffix in RECORD_SUFFIXES:
            for lineno, rec in iter_records(path):
                if text_field not in rec:
                    raise InputError(f"{path}:{lineno}: no '{text_field}' field (set data.text_field)")
                doc = str(rec.get("id") or f"{path.stem}-{lineno:04d}")
                meta = {k: v for k, v in rec.items() if k not in (text_field, "id") and _is_scalar(v)}
                meta["source"] = path.name
                yield from _paragraphs(doc, str(rec[text_field] or ""), meta)
        else:
            raise InputError(f"{path}: unsupported file type '{suffix}'")


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _paragraphs(doc: str, text: str, meta: dict) -> Iterator[Paragraph]:
    for index, para in enumerate(split_paragraphs(text)):
        yield Paragraph(id=f"{doc}#{index:03d}", doc=doc, index=index, text=para, meta=meta)


# --------------------------------------------------------------------------- language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, 'en' for Latin text,
    'und' when there are no letters at all (numbers, punctuation)."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han and han * 4 >= latin:  # a Latin letter weighs about a quarter of a character of text
        return "zh"
    if latin:
        return "en"
    return "und"
