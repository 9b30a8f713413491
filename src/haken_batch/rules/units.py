"""What a parameter value may be, by its ``unit``: the one table of types and ranges.

Every unit used in rules/parameters/*.yaml has one row. Money is whole yen, never below 0; a
rate in basis points (1/10000) is 0..10000; minutes fit in a day. The upper bounds of money
and counts are generous: they keep the arithmetic inside 64-bit integers (a bigger value
ended in a polars overflow). A value of the wrong type
("5280", 5280.5, ``"true"``) or out of range is refused at load, before anything is paid:
an absurd value used to settle with exit 0 (blind red team, round 3). A parameter that needs
a tighter bound says so in ``expected.py``, not here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

_DATE_RX = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MMDD_RX = re.compile(r"^\d{2}-\d{2}$")


@dataclass(frozen=True)
class Kind:
    """A value's shape and, for numbers, its closed range [low, high] (None = open).

    shape: int, number (int or decimal), bool, text, choice, date, mmdd_list, text_list,
    int_map (text -> int, each in range: counts per category).
    """

    shape: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


def _int(low: int | None, high: int | None = None) -> Kind:
    return Kind("int", low, high)


_YEN = _int(0, 9_999_999_999)  # the most a Zengin amount field (10 digits) holds
_COUNT = _int(0, 99_999)


UNITS: dict[str, Kind] = {
    "yen": _YEN,
    "yen/hour": _YEN,
    "yen/day": _YEN,
    "yen/km": _YEN,
    "yen/night": _YEN,
    "1/10000": _int(0, 10_000),
    "minutes": _int(0, 24 * 60),
    "m": Kind("number", 0),
    "km": Kind("number", 0),
    "decimals": _int(0, 9),
    "count": _COUNT,
    "count/week": _COUNT,
    "dispatches": _COUNT,
    "nights": _COUNT,
    "month": _int(1, 12),
    "day of month": _int(1, 31),
    "bool": Kind("bool"),
    "code": Kind("text"),
    "formula": Kind("choice", choices=("hourly_capped", "flat_per_visit")),
    "date": Kind("date"),
    "list of MM-DD": Kind("mmdd_list"),
    "list": Kind("text_list"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(value: float, kind: Kind) -> bool:
    return ((kind.low is None or value >= kind.low)
            and (kind.high is None or value <= kind.high))


def _real_date(text: Any) -> bool:
    if not isinstance(text, str) or not _DATE_RX.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _real_mmdd(text: Any) -> bool:
    # 2000 is a leap year, so 02-29 is a day the calendar can close on
    return isinstance(text, str) and bool(_MMDD_RX.match(text)) and _real_date(f"2000-{text}")


def fits(value: Any, kind: Kind) -> bool:
    """True when ``value`` (as YAML gave it) is of ``kind``'s shape and range."""
    shape = kind.shape
    if shape == "int":
        return _is_int(value) and _in_range(value, kind)
    if shape == "number":
        return ((_is_int(value) or (isinstance(value, float) and math.isfinite(value)))
                and _in_range(value, kind))
    if shape == "bool":
        return isinstance(value, bool)
    if shape == "text":
        return isinstance(value, str) and value.strip() != ""
    if shape == "choice":
        return isinstance(value, str) and value in kind.choices
    if shape == "date":
        return _real_date(value)
    if shape == "mmdd_list":
        return isinstance(value, list) and all(_real_mmdd(v) for v in value)
    if shape == "text_list":
        return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if shape == "int_map":
        return isinstance(value, dict) and bool(value) and all(
            isinstance(k, str) and k.strip() and _is_int(v) and _in_range(v, kind)
            for k, v in value.items())
    raise ValueError(f"unknown shape {shape!r}")  # a bug in the table above


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def _range(kind: Kind, ja: bool) -> str:
    low, high = kind.low, kind.high
    if low is not None and high is not None:
        return f"{_num(low)}〜{_num(high)}" if ja else f"{_num(low)} to {_num(high)}"
    if low is not None:
        return f"{_num(low)}以上" if ja else f"{_num(low)} or more"
    return ""


def expected(kind: Kind, lang: str = "ja") -> str:
    """What a value of ``kind`` must be, in words (for the message that refuses one)."""
    ja = lang != "en"
    span = _range(kind, ja)
    shape = kind.shape
    if shape == "int":
        return (f"{span}の整数（小数・引用符なし）" if ja
                else f"a whole number {span} (no decimals, no quotes)")
    if shape == "number":
        return f"{span}の数（引用符なし）" if ja else f"a number {span} (no quotes)"
    if shape == "bool":
        return "true または false（引用符なし）" if ja else "true or false (no quotes)"
    if shape == "text":
        return "空でない文字列" if ja else "a non-empty text"
    if shape == "choice":
        names = " / ".join(kind.choices)
        return f"{names} のどれか" if ja else f"one of {names}"
    if shape == "date":
        return '実在する日付 "YYYY-MM-DD"' if ja else 'a real date "YYYY-MM-DD"'
    if shape == "mmdd_list":
        return '月-日 "MM-DD" の一覧' if ja else 'a list of month-days "MM-DD"'
    if shape == "text_list":
        return "空でない文字列の一覧" if ja else "a list of non-empty texts"
    if shape == "int_map":
        return (f"区分: 件数 の対応表（件数は{span}の整数）" if ja
                else f"a mapping category: count (each a whole number {span})")
    raise ValueError(f"unknown shape {shape!r}")


def described(value: Any, lang: str = "ja") -> str:
    """A value as the file holds it, its YAML type named: "5280"（文字列）, 5280.5（小数）."""
    ja = lang != "en"
    if isinstance(value, bool):
        kind = ("真偽値", "true/false")
        text = "true" if value else "false"
    elif isinstance(value, str):
        kind, text = ("文字列", "text"), f'"{value}"'
    elif isinstance(value, float):
        kind, text = ("小数", "decimal"), repr(value)
    elif _is_int(value):
        kind, text = ("整数", "whole number"), str(value)
    elif isinstance(value, list):
        kind, text = ("一覧", "list"), repr(value)
    elif isinstance(value, dict):
        kind, text = ("対応表", "mapping"), repr(value)
    else:
        kind = ("空", "empty") if value is None else ("?", "?")
        text = repr(value)
    return f"{text}（{kind[0]}）" if ja else f"{text} ({kind[1]})"
