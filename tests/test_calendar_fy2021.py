"""FY2021 business days: R-DAY-1 transfer dates, R-PER-2 deadline, R-TAX-4 due dates."""

from __future__ import annotations

import datetime as dt

import pytest

from haken_batch import jpcalendar as cal
from haken_batch.errors import ConfigError

D = dt.date

# Every public holiday of FY2021 (2021-04-01 .. 2022-03-31), incl. the Olympic moves:
# 海の日 7/22, スポーツの日 7/23, 山の日 8/8 with its substitute 8/9 (none on 7/19, 8/11, 10/11).
FY2021_HOLIDAYS = [
    D(2021, 4, 29), D(2021, 5, 3), D(2021, 5, 4), D(2021, 5, 5), D(2021, 7, 22),
    D(2021, 7, 23), D(2021, 8, 8), D(2021, 8, 9), D(2021, 9, 20), D(2021, 9, 23),
    D(2021, 11, 3), D(2021, 11, 23), D(2022, 1, 1), D(2022, 1, 10), D(2022, 2, 11),
    D(2022, 2, 23), D(2022, 3, 21),
]



def test_R_DAY_1_pins_every_fy2021_public_holiday() -> None:
    day, found = D(2021, 4, 1), []
    while day <= D(2022, 3, 31):
        if cal.holiday_name(day):
            found.append(day)
        day += dt.timedelta(days=1)
    assert found == FY2021_HOLIDAYS


@pytest.mark.parametrize("day", [D(2021, 7, 19), D(2021, 8, 11), D(2021, 10, 11)])
def test_R_DAY_1_the_usual_dates_of_the_moved_holidays_are_business_days(rules, day) -> None:
    assert cal.holiday_name(day) is None
    assert cal.is_bank_business_day(day, rules)


@pytest.mark.parametrize("day", FY2021_HOLIDAYS)
def test_R_DAY_1_holidays_are_not_bank_business_days(rules, day) -> None:
    assert not cal.is_bank_business_day(day, rules)


@pytest.mark.parametrize("day", [D(2021, 12, 31), D(2022, 1, 1), D(2022, 1, 2), D(2022, 1, 3)])
def test_R_DAY_1_year_end_closure(rules, day) -> None:
    assert not cal.is_bank_business_day(day, rules)


def test_R_DAY_1_year_end_neighbours_are_open(rules) -> None:
    assert cal.is_bank_business_day(D(2021, 12, 30), rules)
    assert cal.is_bank_business_day(D(2022, 1, 4), rules)


@pytest.mark.parametrize(
    ("cycle", "expected"),
    [
        ("2021-04", D(2021, 5, 20)),
        ("2021-05", D(2021, 6, 18)),  # 20 June is a Sunday
        ("2021-07", D(2021, 8, 20)),
        ("2021-08", D(2021, 9, 17)),  # 20 Sept is 敬老の日, 18-19 weekend
        ("2021-10", D(2021, 11, 19)),  # 20 Nov is a Saturday
        ("2021-12", D(2022, 1, 20)),
        ("2022-01", D(2022, 2, 18)),  # 20 Feb is a Sunday
        ("2022-02", D(2022, 3, 18)),  # 20 Mar Sunday, 19 Saturday
    ],
)
def test_R_DAY_1_default_transfer_date_moves_back(rules, cycle: str, expected: dt.date) -> None:
    assert cal.default_transfer_date(cycle, rules) == expected


def test_R_DAY_1_a_holiday_transfer_date_is_refused_naming_the_nearest_days(rules) -> None:
    with pytest.raises(ConfigError) as info:
        cal.check_transfer_date(D(2021, 7, 22), rules)
    err = info.value
    assert "2021-07-21" in err.ja and "2021-07-26" in err.ja
    assert "海の日" in err.ja and "R-DAY-1" in err.en


def test_R_DAY_1_a_weekend_and_year_end_are_refused(rules) -> None:
    with pytest.raises(ConfigError, match="Saturday"):
        cal.check_transfer_date(D(2021, 11, 20), rules)
    with pytest.raises(ConfigError, match="2021-12-30") as info:
        cal.check_transfer_date(D(2021, 12, 31), rules)
    assert "2022-01-04" in info.value.en


def test_R_DAY_1_a_business_day_is_accepted_as_given(rules) -> None:
    assert cal.check_transfer_date(D(2021, 11, 19), rules) == D(2021, 11, 19)


def test_R_DAY_1_move_option_moves_back_instead_of_refusing(rules) -> None:
    assert cal.check_transfer_date(D(2021, 7, 25), rules, move=True) == D(2021, 7, 21)
    # moved back into the deadline: 2022-04-02 (Saturday) → 2022-04-01 is still too late
    with pytest.raises(ConfigError, match="R-PER-2"):
        cal.check_transfer_date(D(2022, 4, 2), rules, money_on=D(2022, 3, 1), move=True)


def test_R_PER_2_a_date_after_the_deadline_is_refused(rules) -> None:
    with pytest.raises(ConfigError) as info:
        cal.check_transfer_date(D(2022, 4, 1), rules, money_on=D(2022, 3, 1))
    assert "R-PER-2" in info.value.en and "2022-03-31" in info.value.en
    # the March cycle's default date (20 April) is refused too: pick one by 31 March
    with pytest.raises(ConfigError, match="R-PER-2"):
        cal.check_transfer_date(cal.default_transfer_date("2022-03", rules), rules,
                                money_on=D(2022, 3, 1))


def test_R_PER_2_the_last_day_is_accepted(rules) -> None:
    assert cal.check_transfer_date(D(2022, 3, 31), rules, money_on=D(2022, 3, 1)) == D(2022, 3, 31)


@pytest.mark.parametrize(
    ("paid_on", "due"),
    [
        (D(2021, 4, 20), D(2021, 5, 10)),
        (D(2021, 6, 18), D(2021, 7, 12)),  # 10 July Saturday
        (D(2021, 8, 20), D(2021, 9, 10)),
        (D(2021, 9, 17), D(2021, 10, 11)),  # 10 Oct Sunday; 11 Oct open in 2021 (moved)
        (D(2021, 11, 19), D(2021, 12, 10)),
        (D(2021, 12, 20), D(2022, 1, 11)),  # 10 Jan 成人の日
        (D(2022, 1, 20), D(2022, 2, 10)),
        (D(2022, 3, 18), D(2022, 4, 11)),  # 10 April Sunday
    ],
)
def test_R_TAX_4_due_date_is_the_10th_moved_to_the_next_open_day(rules, paid_on, due) -> None:
    assert cal.tax_due_date(paid_on, rules) == due


@pytest.mark.parametrize("day", [D(2021, 12, 29), D(2021, 12, 30), D(2022, 1, 3)])
def test_R_TAX_4_tax_office_year_end_closure(rules, day) -> None:
    assert not cal.is_tax_office_open(day, rules)
    assert cal.is_tax_office_open(D(2022, 1, 4), rules)


def test_next_bank_business_day(rules) -> None:
    assert cal.next_bank_business_day(D(2021, 12, 31), rules) == D(2022, 1, 4)
    assert cal.next_bank_business_day(D(2021, 12, 30), rules) == D(2021, 12, 30)
