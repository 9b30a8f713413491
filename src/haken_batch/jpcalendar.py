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
    if not 1 <= day <= 28:  # a day every month has (the law's is the 10th)
        from haken_batch.errors import RulesError

        raise RulesError(f"ルール tax.due_day（納期限の日）は 1〜28 の日です（{day}）",
                         f"the rule tax.due_day (the due day) must be 1 to 28 (got {day})")
    return next_tax_office_open_day(dt.date(year, month, day), rules)


def fiscal_year_start(day: dt.date, rules: RuleBook) -> dt.date:
    start_month = int(rules.value_at("program.fiscal_year_start_month", day))
    year = day.year if day.month >= start_month else day.year - 1
    return dt.date(year, start_month, 1)


def next_bank_business_day(day: dt.date, rules: RuleBook) -> dt.date:
    """The day itself when it is a bank business day, else the nearest one after it."""
    while not is_bank_business_day(day, rules):
        day += dt.timedelta(days=1)
    return day


def _closed_reason(day: dt.date) -> tuple[str, str]:
    name = holiday_name(day)
    if name:
        return f"祝日（{name}）", f"a public holiday ({name})"
    if day.weekday() >= 5:
        return ("土曜日", "a Saturday") if day.weekday() == 5 else ("日曜日", "a Sunday")
    return "年末年始の銀行休業日", "a year-end bank holiday"


def check_transfer_date(day: dt.date, rules: RuleBook, *, money_on: dt.date | None = None,
                        move: bool = False) -> dt.date:
    """A transfer date the clerk chose (``--transfer-date``), checked, never moved silently.

    R-DAY-1: a day that is not a bank business day is refused with the nearest business
    days before and after it (the clerk picks; the default date is moved by
    ``default_transfer_date`` instead). R-PER-2: a date after ``program.payment_deadline``
    is refused. ``money_on`` is the date whose rules govern the money (e.g. the cycle's
    first day), so FY2021 money is held to FY2021's deadline even when paid in April.
    Call it for the default date too: the March cycle's default (20 April) is refused.
    ``move=True`` moves a closed day back to the previous business day instead of refusing
    (the issue's wording for the parameter date), then checks the deadline.
    """
    from haken_batch.errors import ConfigError

    if move:
        day = previous_bank_business_day(day, rules)
    if not is_bank_business_day(day, rules):
        before = previous_bank_business_day(day, rules)
        after = next_bank_business_day(day, rules)
        why_ja, why_en = _closed_reason(day)
        raise ConfigError(
            f"振込指定日 {day.isoformat()} は銀行営業日ではありません（{why_ja}）。"
            f"前の営業日 {before.isoformat()} か次の営業日 {after.isoformat()} を指定してください"
            "（R-DAY-1）",
            f"transfer date {day.isoformat()} is not a bank business day ({why_en}); choose"
            f" {before.isoformat()} (before) or {after.isoformat()} (after) (R-DAY-1)",
        )
    deadline = dt.date.fromisoformat(
        str(rules.value_at("program.payment_deadline", money_on or day))
    )
    if day > deadline:
        latest = previous_bank_business_day(deadline, rules)
        raise ConfigError(
            f"振込指定日 {day.isoformat()} は支払期限 {deadline.isoformat()} より後です。"
            f"この年度の支払は {latest.isoformat()} までに指定してください（R-PER-2）",
            f"transfer date {day.isoformat()} is after the payment deadline"
            f" {deadline.isoformat()}; this fiscal year's money must be paid by"
            f" {latest.isoformat()} (R-PER-2)",
        )
    return day
