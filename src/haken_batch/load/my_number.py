"""A My Number (個人番号) written inside text: 12 digits standing alone (no digit or Latin
letter before or after them: a 13-digit 法人番号 and a record id are not one) whose last
digit is the number's check digit (``privacy.looks_like_my_number``).

The header and whole-cell checks (columns.yaml ``my_number``) catch a column of numbers; this
catches one written into free text, e.g. a correction's reason or an extra 備考 column
("番号123456789018"), which the archive would otherwise keep for good (blind red-team
check). The check digit keeps order numbers and the like from refusing a month (about one
random 12-digit number in eleven still passes it: the refusal then names where to look).
"""

from __future__ import annotations

import re

import polars as pl

from haken_batch.privacy import DASHES, SEPARATORS, looks_like_my_number

# 12 digits standing alone, possibly in groups of four (1234-5678-9018, 1234 5678 9018,
# 1234.5678.9018, 1234・5678・9018, 1234 - 5678 - 9018: the dots, slashes and spaced
# dashes passed and were archived for good: auditor check, session 18); the polars
# prefilter is loose (either width, no boundaries), Python checks the rest
_SEP = (f"[ \\t\u3000]*[{SEPARATORS}]?[ \\t\u3000]*")  # never over a line end
_D4 = "[0-9０-９]{4}"
_LOOSE = f"(?:^|[^0-9０-９]){_D4}{_SEP}{_D4}{_SEP}{_D4}(?:[^0-9０-９]|$)"  # a 13-digit 法人番号: no
# Standing alone means no digit and no Latin letter beside it (after width folding): 12
# digits glued to letters are part of an identifier, such as the Salesforce record id an
# export carries in an extra column (a0B300000000001AAA): about one in eleven of those
# passes the check digit, and a month was refused for `a0B000000000000` (blind check,
# session 11). Japanese text, punctuation and spaces still mark a number written by hand.
_RX = re.compile(f"(?<![0-9A-Za-z])([0-9]{{4}})({_SEP})([0-9]{{4}})({_SEP})([0-9]{{4}})"
                 "(?![0-9A-Za-z])")
# dashes and spaces may differ between the groups (1234-5678 9018); a dot, comma, slash …
# must repeat: 1234.56789012 is a number with decimals, not a My Number
_DASH_OR_SPACE = re.compile(f"[ \\t\u3000]*[{DASHES}]?[ \\t\u3000]*")
# three years in a row (2020, 2021, 2022 / 2015・2016・2017) are a list of years, whatever
# the check digit says: they refused a month (review, session 18)
_YEAR = re.compile("(?:19|20)[0-9]{2}")


def _grouped(m: re.Match[str]) -> str | None:
    """The 12 digits of a match whose separators read as one number's grouping."""
    first, second = m.group(2), m.group(4)
    if all(_YEAR.fullmatch(m.group(g)) for g in (1, 3, 5)) and (first or second):
        return None
    if first == second or (_DASH_OR_SPACE.fullmatch(first)
                           and _DASH_OR_SPACE.fullmatch(second)):
        return m.group(1) + m.group(3) + m.group(5)
    return None


def written_in(values: pl.Series) -> bool:
    """Whether any cell holds a My Number among its text (full-width digits read as half)."""
    return bool(columns_with_one(values.to_frame("v"), ["v"]))


def columns_with_one(frame: pl.DataFrame, columns: list[str]) -> list[str]:
    """The ``columns`` of ``frame`` with a cell that holds a My Number."""
    return list(cells_with_one(frame, columns))


def cells_with_one(frame: pl.DataFrame, columns: list[str]) -> dict[str, list[int]]:
    """Column -> the positions (0-based, in ``frame``) of its cells that hold a My Number,
    for the columns that have one: one pass over all of them at once (polars runs the
    columns side by side), then the check digit of the few candidates in Python."""
    if not columns or frame.height == 0:
        return {}
    flags = frame.select(pl.col(c).cast(pl.String).str.contains(_LOOSE).any().alias(c)
                         for c in columns).row(0)
    found: dict[str, list[int]] = {}
    for column, flagged in zip(columns, flags, strict=True):
        if not flagged:
            continue
        text = frame.get_column(column).cast(pl.String)
        hit = text.str.contains(_LOOSE).fill_null(False)
        cells = text.filter(hit).str.normalize("NFKC").to_list()
        at = [pos for pos, cell in zip(hit.arg_true().to_list(), cells, strict=True)
              if any(looks_like_my_number(_grouped(m)) for m in _RX.finditer(cell))]
        if at:
            found[column] = at
    return found
