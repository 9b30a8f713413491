"""Cell text that is safe to hand to Excel or a CSV reader.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/CR) would be run as a formula by
Excel (CSV injection). Such text, unless it is a plain number, gets a guard: a leading
single quote ``'``, which Excel shows but does not evaluate.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-30", "+1,200.5") is read as a number by Excel, not run: no guard, so a
# findings value reads as the cell it came from (it showed '-30; blind check of R-VAL-1).
_NUMBER = r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)"
_TRIGGER_RX = "^[" + re.escape("".join(_TRIGGERS)) + "]"
_NUMBER_RX = re.compile(_NUMBER)


def looks_like_formula(text: str) -> bool:
    return bool(text) and text.startswith(_TRIGGERS) and not _NUMBER_RX.fullmatch(text)


def neutralize(text: str) -> str:
    return "'" + text if looks_like_formula(text) else text


def guarded(c: pl.Expr) -> pl.Expr:
    """``neutralize`` as an expression over a String column (the CSV and archive writers)."""
    import polars as pl

    live = c.str.contains(_TRIGGER_RX) & ~c.str.contains(f"^{_NUMBER}$")
    return pl.when(live).then(pl.lit("'") + c).otherwise(c)


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                  "\u2066\u2067\u2068\u2069")


def for_terminal(text: str) -> str:
    """Text a file supplied, safe to print: control characters (C0, DEL, C1: escape
    sequences that retitle a window or clear the screen) shown as ``\\xNN``, and the
    bidirectional controls that reorder what follows them (a right-to-left override can
    make a value read as another) as ``\\u202e``."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0
                   else f"\\u{ord(c):04x}" if c in _BIDI else c for c in text)


def unneutralize(column: str) -> pl.Expr:
    """Undo ``neutralize`` on a column read back from a CSV we wrote (``'=x`` -> ``=x``), so
    ids and texts match the data again."""
    import polars as pl

    col = pl.col(column)
    guarded = "^'[" + re.escape("".join(_TRIGGERS)) + "]"
    return pl.when(col.str.contains(guarded)).then(col.str.slice(1)).otherwise(col).alias(column)

