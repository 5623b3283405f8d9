"""The theme set as data: names, one-line definitions and lexicon entries, read from one JSON file.

Nothing in the pipeline names a theme: training reads the set named by `data.themes` in
params.yaml, the bundle stores it, and inference, metrics and every output follow the bundle's
set.  The default file (data/dict/themes.json) holds the three themes of ../shared/THEMES.md;
a user who wants a fourth theme adds an entry there (and labels for it) and runs `dvc repro`.

File format (JSON object; the order of `themes` is the order of every output column):

    {"version": 2,
     "themes": {"<name>": {"definition": "<one line>", "strong": [terms], "weak": [terms],
                          "min_weak": 2}, …},          # min_weak 0: weak terms never label alone
     "negative": {"<name>": [cue terms], …}}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.lexicon import ThemeLexicon

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED = frozenset({"none"})  # the empty label set's name in tables and confusion plots


class ThemeSetError(ValueError):
    """The theme-set file is unusable; the message names the file and the problem."""


@dataclass(frozen=True)
class Theme:
    name: str
    definition: str


@dataclass(frozen=True)
class ThemeSet:
    """An ordered set of themes and their lexicon (one definition for baseline, features, topics)."""

    themes: tuple[Theme, ...]
    lexicon: ThemeLexicon

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def definition(self, name: str) -> str:
        return next(t.definition for t in self.themes if t.name == name)

    def check_labels(self, labels: object, where: str) -> tuple[str, ...]:
        """Validate one record's label list; `where` names the file and line. Returns set order."""
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ValueError(f"{where}: 'labels' must be a list of theme names")
        unknown = [x for x in labels if x not in self.names]
        if unknown:
            raise ValueError(f"{where}: unknown theme {unknown[0]!r} (themes: {', '.join(self.names)})")
        return tuple(t for t in self.names if t in labels)

    def matrix(self, label_sets: Iterable[Sequence[str]]) -> np.ndarray:
        """Binary (n, len(themes)) indicator matrix of label sets."""
        rows = [[t in labels for t in self.names] for labels in label_sets]
        return np.array(rows, dtype=np.int64).reshape(-1, len(self.themes))

    @classmethod
    def from_json(cls, data: object, where: str = "theme set") -> ThemeSet:
        """Validate the parsed file: at least one theme, identifier names, a definition for each."""
        if not isinstance(data, dict) or not isinstance(data.get("themes"), dict) or not data["themes"]:
            raise ThemeSetError(f"{where}: needs a non-empty 'themes' object (name → definition and terms)")
        themes = []
        for name, entry in data["themes"].items():
            if not NAME.match(name) or name in RESERVED:
                raise ThemeSetError(f"{where}: theme name {name!r} must be lower-case letters, digits, _ (not 'none')")
            if not isinstance(entry, dict) or not isinstance(entry.get("definition"), str) or not entry["definition"]:
                raise ThemeSetError(f"{where}: theme {name!r} needs a one-line 'definition'")
            for kind in ("strong", "weak"):
                if not isinstance(entry.get(kind, []), list):
                    raise ThemeSetError(f"{where}: theme {name!r}: '{kind}' must be a list of terms")
            themes.append(Theme(name, " ".join(entry["definition"].split())))
        negative = data.get("negative", {})
        stray = sorted(set(negative) - set(data["themes"])) if isinstance(negative, dict) else ["(not an object)"]
        if stray:
            raise ThemeSetError(f"{where}: 'negative' names theme {stray[0]!r}, which is not in 'themes'")
        return cls(tuple(themes), ThemeLexicon.from_json(data))

    @classmethod
    def read(cls, path: Path) -> ThemeSet:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ThemeSetError(f"{path}: no such theme-set file (params: data.themes)") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ThemeSetError(f"{path}: not valid UTF-8 JSON ({err})") from None
        return cls.from_json(data, str(path))
