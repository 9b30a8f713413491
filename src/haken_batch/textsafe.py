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
                  "\u2066\u2067\u2068\u2069"
                  # invisible: 「E001\u200b」 read as a valid id E001 (hostile check, session 22)
                  "\u200b\u200c\u200d\u2060\ufeff")


def for_terminal(text: str) -> str:
    """Text a file supplied, safe to print: control characters (C0, DEL, C1: escape
    sequences that retitle a window or clear the screen) shown as ``\\xNN``, and the
    bidirectional controls that reorder what follows them (a right-to-left override can
    make a value read as another) and the invisible zero-width characters as ``\\u202e``,
    ``\\u200b``."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0
                   else f"\\u{ord(c):04x}" if c in _BIDI else c for c in text)


def unneutralize(column: str) -> pl.Expr:
    """Undo ``neutralize`` on a column read back from a CSV we wrote (``'=x`` -> ``=x``), so
    ids and texts match the data again."""
    import polars as pl

    col = pl.col(column)
    guarded = "^'[" + re.escape("".join(_TRIGGERS)) + "]"
    return pl.when(col.str.contains(guarded)).then(col.str.slice(1)).otherwise(col).alias(column)


PERSON_MAX = 60  # characters of a name given with --by (a name and a section fit)


def person(text: str, option: str = "--by") -> str:
    """The name a clerk gives with ``--by`` (who closed or withdrew a cycle), checked
    before it is sealed into CLOSED.json and .haken-history.csv: one line of at most
    ``PERSON_MAX`` characters, no control character (an escape sequence was replayed on the
    terminal by every later close), no formula start (``=HYPERLINK(…)`` reached the history
    CSV as it was: hostile check, session 22). Returns it stripped; raises ConfigError."""
    from haken_batch.errors import ConfigError

    who = text.strip()
    if not who:
        raise ConfigError(f"{option} に名前を指定してください", f"give a name with {option}",
                          where=option)
    # a character the terminal would be shown escaped (for_terminal) is no part of a name
    if for_terminal(who) != who or len(who) > PERSON_MAX or looks_like_formula(who):
        raise ConfigError(
            f"{option} の名前に使えない文字か形があります（改行・制御文字、= + - @ で始まる形、"
            f"{PERSON_MAX}文字超）: {for_terminal(who[:PERSON_MAX])}",
            f"the name given with {option} has a character or form it may not have (line "
            f"breaks, control characters, a start of = + - @, over {PERSON_MAX} characters): "
            f"{for_terminal(who[:PERSON_MAX])}", where=option)
    return who
