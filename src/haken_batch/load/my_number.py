"""A My Number (個人番号) written inside text: 12 digits standing alone (no digit before or
after them: a 13-digit 法人番号 is not one) whose last digit is the number's check digit
(``privacy.looks_like_my_number``).

The header and whole-cell checks (columns.yaml ``my_number``) catch a column of numbers; this
catches one written into free text, e.g. a correction's reason or an extra 備考 column
("番号123456789018"), which the archive would otherwise keep for good (blind red-team
check). The check digit keeps order numbers and the like from refusing a month (about one
random 12-digit number in eleven still passes it: the refusal then names where to look).
"""

from __future__ import annotations

import re

import polars as pl

from haken_batch.privacy import looks_like_my_number

_RUN = r"(?:^|[^0-9])([0-9]{12})(?:[^0-9]|$)"
_RX = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def written_in(values: pl.Series) -> bool:
    """Whether any cell holds a My Number among its text (full-width digits read as half)."""
    text = values.cast(pl.String).drop_nulls()
    if text.len() == 0:
        return False
    text = text.str.normalize("NFKC")
    candidates = text.filter(text.str.contains(_RUN))
    return any(looks_like_my_number(m) for cell in candidates.to_list() for m in _RX.findall(cell))
