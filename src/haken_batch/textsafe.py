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


def looks_like_formula(text: str) -> bool:
    return bool(text) and text.startswith(_TRIGGERS)
