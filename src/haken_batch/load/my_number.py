"""A My Number (個人番号) written inside text: 12 digits standing alone (no digit before or
after them: a 13-digit 法人番号 is not one) whose last digit is the number's check digit
(行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条).

The header and whole-cell checks (columns.yaml ``my_number``) catch a column of numbers; this
catches one written into free text, e.g. a correction's reason or an extra 備考 column
("番号123456789018"), which the archive would otherwise keep for good (blind red-team
check). The check digit keeps order numbers and the like from refusing a month (about one
random 12-digit number in eleven still passes it: the refusal then names where to look).
"""

from __future__ import annotations

import re

import polars as pl

_RUN = r"(?:^|[^0-9])([0-9]{12})(?:[^0-9]|$)"
_RX = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def check_digit_ok(number: str) -> bool:
    """The 12th digit is 11 - (Σ Pn·Qn mod 11) (0 when the remainder is 0 or 1), Pn the nth
    digit from the right of the first eleven, Qn = n + 1 up to 6, then n - 5."""
    digits = [int(c) for c in number]
    from_right = digits[10::-1]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(from_right, start=1))
    rest = total % 11
    return digits[11] == (0 if rest <= 1 else 11 - rest)


def written_in(values: pl.Series) -> bool:
    """Whether any cell holds a My Number among its text (full-width digits read as half)."""
    text = values.cast(pl.String).drop_nulls()
    if text.len() == 0:
        return False
    text = text.str.normalize("NFKC")
    candidates = text.filter(text.str.contains(_RUN))
    return any(check_digit_ok(m) for cell in candidates.to_list() for m in _RX.findall(cell))
