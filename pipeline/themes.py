"""The theme contract of ../shared/THEMES.md: three independent labels, none = empty set."""

from __future__ import annotations

THEMES: tuple[str, ...] = ("diplomacy", "governance", "belt_and_road")


def check_labels(labels: object, where: str) -> tuple[str, ...]:
    """Validate a label list from an annotation file; `where` names the file and line."""
    if not isinstance(labels, list):
        raise ValueError(f"{where}: 'labels' must be a list of theme names")
    unknown = [x for x in labels if x not in THEMES]
    if unknown:
        raise ValueError(f"{where}: unknown theme {unknown[0]!r} (themes: {', '.join(THEMES)})")
    return tuple(t for t in THEMES if t in labels)
