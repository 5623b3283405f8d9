"""Folder walking and document names: the one walk both the ingest stage and the CLI use.

Sorted and recursive; hidden entries are skipped; a sub-folder that cannot be read, a broken link
and anything that is not a regular file (FIFO, device, socket, a link to /dev/zero) is reported
and skipped, never opened, so a walk neither hangs nor stops early.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.readers.errors import InputFailure
from pipeline.readers.paragraph import ReadOptions


class DocNames:
    """Document names unique within one read: a repeated name gets "~2", "~3", …

    (a.txt and a.md in one folder are two documents, so they get two names.)
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, name: str) -> str:
        unique, n = name, 1
        while unique in self.used:
            n += 1
            unique = f"{name}~{n}"
        self.used.add(unique)
        return unique


def matches(rel: str, patterns: Sequence[str]) -> bool:
    """Does a glob match the file's name or its path under the input folder?"""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def walk(
    root: Path, options: ReadOptions, rel: str = "", seen: set[tuple[int, int]] | None = None
) -> Iterator[tuple[Path, str] | InputFailure]:
    """(file, path relative to `root`) in sorted order, or an InputFailure for what cannot be read."""
    folder = root / rel if rel else root
    seen = seen if seen is not None else set()
    try:
        info = folder.stat()
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except PermissionError:
        yield InputFailure(str(folder), f"{folder}: permission denied (folder skipped)", "permission")
        return
    except OSError as err:
        yield InputFailure(str(folder), f"{folder}: cannot read folder ({err.strerror or err})", "unreadable")
        return
    if (info.st_dev, info.st_ino) in seen:  # a symlink back up the tree
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        if entry.name.startswith(".") or matches(child, options.exclude):
            continue
        yield from _entry(root, entry, child, options, seen)


def _entry(
    root: Path, entry: os.DirEntry, child: str, options: ReadOptions, seen: set[tuple[int, int]]
) -> Iterator[tuple[Path, str] | InputFailure]:
    try:
        mode = entry.stat().st_mode  # follows links: what the link points at is what would be read
    except OSError as err:
        yield InputFailure(entry.path, f"{entry.path}: cannot read ({err.strerror or err})", "unreadable")
        return
    if stat.S_ISDIR(mode):
        yield from walk(root, options, child, seen)
    elif options.include and not matches(child, options.include):
        return
    elif stat.S_ISREG(mode):
        yield Path(entry.path), child
    else:
        yield InputFailure(entry.path, f"{entry.path}: not a regular file ({_kind(mode)}), skipped", "unsupported")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"
