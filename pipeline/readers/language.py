"""The language flag: paragraphs that are not Chinese get no theme, and say so."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def language(text: str) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, 'en' for Latin text,
    'und' when there are no letters at all (numbers, punctuation)."""
    latin = len(_LATIN.findall(text))  # few matches in Chinese text, so this is cheap
    if not latin:
        return "zh" if _HAN.search(text) else "und"
    han = len(text) - len(_HAN.sub("", text))  # counted by deletion: one new string, not a list
    if han and han * 4 >= latin:  # a Latin letter weighs about a quarter of a character of text
        return "zh"
    if latin:
        return "en"
    return "und"
