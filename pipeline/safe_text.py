"""Text made safe for where it is shown: spreadsheets (formula prefixes) and terminals (control
characters), and values made valid JSON. Used by every writer of results (CLI rows, trend tables).

- CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
  leading apostrophe, OWASP's recommendation; numbers are left as numbers.
- Terminal text shows control characters and bidirectional overrides as escapes (`\\x1b` is
  shown, never sent), so input text cannot move the cursor, change colours or reorder the line.
- `json_safe` turns non-finite floats into None and integers past the 4,300-digit `str()` limit
  into strings, iteratively (a deeply nested value cannot exhaust the stack).
"""

from __future__ import annotations

import math
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# C0 and C1 controls, DEL and the bidirectional embeddings/overrides/isolates → visible escapes.
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE_ESCAPES = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _CONTROLS}
_TABLE_ESCAPES.update({ord("\n"): " ", ord("\t"): " "})


def json_safe(value: Any) -> Any:
    """`value` with non-finite floats as None and over-long integers as strings (valid JSON).

    Iterative, so a deeply nested value cannot exhaust the stack.
    """
    root: list[Any] = [value]
    stack: list[tuple[list | dict, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, float) and not math.isfinite(item):
            container[key] = None
        elif isinstance(item, int) and item.bit_length() > 14_000:  # past the 4,300-digit str() limit
            container[key] = _long_int_text(item)
        elif isinstance(item, dict):
            container[key] = item = dict(item)
            stack.extend((item, k) for k in item)
        elif isinstance(item, list | tuple):
            container[key] = item = list(item)
            stack.extend((item, i) for i in range(len(item)))
    return root[0]


def _long_int_text(value: int) -> str:
    """Decimal text of an integer beyond Python's default 4,300-digit conversion limit."""
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(value)
    finally:
        sys.set_int_max_str_digits(limit)


def spreadsheet_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula prefixes neutralised, numbers left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def terminal_text(value: Any) -> str:
    """Text safe to print on a terminal: control characters as visible escapes, lines joined."""
    return str(value).translate(_TABLE_ESCAPES)
