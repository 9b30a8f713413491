"""Bank business days (R-DAY-1) and tax-office open days (R-TAX-4).

Public holidays come from ``jpholiday`` (maintained; knows 2021's moved Olympic holidays);
the year-end closures are rule parameters (``payment.bank_closed_days``,
``tax.office_closed_days``), read for the date in question.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import jpholiday

if TYPE_CHECKING:
    from haken_batch.rules import RuleBook


def _closed(day: dt.date, closed_mmdd: list[str]) -> bool:
    return (
        day.weekday() >= 5
        or jpholiday.is_holiday(day)
        or day.strftime("%m-%d") in closed_mmdd
    )


def holiday_name(day: dt.date) -> str | None:
    return jpholiday.is_holiday_name(day)


def is_bank_business_day(day: dt.date, rules: RuleBook) -> bool:
    """R-DAY-1: not Sat/Sun, not a public holiday, not 31 Dec – 3 Jan."""
    return not _closed(day, list(rules.value_at("payment.bank_closed_days", day)))


def previous_bank_business_day(day: dt.date, rules: RuleBook) -> dt.date:
    """The day itself when it is a bank business day, else the nearest one before it."""
    while not is_bank_business_day(day, rules):
        day -= dt.timedelta(days=1)
    return day


def is_tax_office_open(day: dt.date, rules: RuleBook) -> bool:
    """R-TAX-4: not Sat/Sun, not a public holiday, not 29–31 Dec or 2–3 Jan."""
    return not _closed(day, list(rules.value_at("tax.office_closed_days", day)))


def next_tax_office_open_day(day: dt.date, rules: RuleBook) -> dt.date:
    while not is_tax_office_open(day, rules):
        day += dt.timedelta(days=1)
    return day


def cycle_month(cycle: str) -> tuple[int, int]:
    year, month = cycle.split("-")
    return int(year), int(month)


def last_day_of_month(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def default_transfer_date(cycle: str, rules: RuleBook) -> dt.date:
    """R-DAY-1: the configured day of the month after the cycle, moved back to a business day."""
    year, month = add_months(*cycle_month(cycle), 1)
    first = dt.date(year, month, 1)
    day = int(rules.value_at("payment.transfer_day_of_next_month", first))
    wanted = dt.date(year, month, min(day, last_day_of_month(year, month).day))
    return previous_bank_business_day(wanted, rules)


def default_cutoff(cycle: str, rules: RuleBook) -> dt.date:
    """The last approval date a cycle considers (0 = the cycle month's last day)."""
    year, month = cycle_month(cycle)
    last = last_day_of_month(year, month)
    day = int(rules.value_at("payment.cutoff_day", dt.date(year, month, 1)))
    return last if day == 0 else dt.date(year, month, min(day, last.day))


def tax_due_date(payment_date: dt.date, rules: RuleBook) -> dt.date:
    """R-TAX-4: the due day of the month after payment, moved to the next open day."""
    year, month = add_months(payment_date.year, payment_date.month, 1)
    day = int(rules.value_at("tax.due_day", payment_date))
    return next_tax_office_open_day(dt.date(year, month, day), rules)


def fiscal_year_start(day: dt.date, rules: RuleBook) -> dt.date:
    start_month = int(rules.value_at("program.fiscal_year_start_month", day))
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1)
