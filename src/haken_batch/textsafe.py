"""Cell text that is safe to hand to Excel or a CSV reader.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/CR) would be run as a formula by
Excel (CSV injection). Such text gets a leading apostrophe-free guard: a single quote ``'``
for CSV, which Excel shows but does not evaluate.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(text: str) -> str:
    if text and text.startswith(_TRIGGERS):
        return "'" + text
    return text


def for_terminal(text: str) -> str:
    """Text a file supplied, safe to print: control characters (C0, DEL, C1: escape
    sequences that retitle a window or clear the screen) shown as ``\\xNN``."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c
                   for c in text)


def looks_like_formula(text: str) -> bool:
    return bool(text) and text.startswith(_TRIGGERS)
