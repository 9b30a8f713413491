"""Dated rule values as columns: one small frame per distinct support date, joined in.

A date before a parameter starts (or after it ends with ``null``) gives a null value, so a
dispatch outside the rules' dates is visible as data (R-PER-1) instead of an exception.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from haken_batch.errors import RulesError
from haken_batch.rules import RuleBook


def _value(rules: RuleBook, name: str, day: dt.date) -> Any:
    try:
        return rules.value_at(name, day)
    except RulesError:
        if name not in rules.parameters:
            raise  # a missing parameter is a broken rules tree, not a date question
        return None


def at_dates(
    rules: RuleBook, dates: pl.Series, names: dict[str, str], dtypes: dict[str, pl.DataType]
) -> pl.DataFrame:
    """A frame ``date`` + one column per alias, the value of ``names[alias]`` on that date."""
    days = dates.drop_nulls().unique().sort().to_list()
    columns: dict[str, list[Any]] = {"date": days}
    for alias, name in names.items():
        columns[alias] = [_value(rules, name, d) for d in days]
    schema: dict[str, pl.DataType] = {"date": pl.Date(), **dtypes}
    return pl.DataFrame(columns, schema=schema)


def as_date(value: Any) -> dt.date | None:
    """A date parameter is a 'YYYY-MM-DD' string in the YAML (dates stay strings there)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def add(
    frame: pl.DataFrame,
    rules: RuleBook,
    on: str,
    names: dict[str, tuple[str, pl.DataType]],
) -> pl.DataFrame:
    """Join the values of ``names`` (alias -> (parameter, dtype)) on the date column ``on``."""
    table = at_dates(
        rules,
        frame.get_column(on),
        {a: n for a, (n, _) in names.items()},
        {a: t for a, (_, t) in names.items()},
    )
    return frame.join(table, left_on=on, right_on="date", how="left")


def dated(rules: RuleBook, dates: pl.Series, name: str) -> pl.DataFrame:
    """Like ``at_dates`` for one date-valued parameter (R-PER-1 period bounds)."""
    days = dates.drop_nulls().unique().sort().to_list()
    return pl.DataFrame(
        {"date": days, "value": [as_date(_value(rules, name, d)) for d in days]},
        schema={"date": pl.Date(), "value": pl.Date()},
    )
