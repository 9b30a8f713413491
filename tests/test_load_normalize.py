"""Cell normalisation (input-contract.md "Files"): one vectorised expression per kind."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch.load.codes import codes_from
from haken_batch.load.normalize import normalize_table
from haken_batch.load.spec import column_map


@pytest.fixture(scope="module")
def env(rules):
    return column_map(rules.columns), codes_from(rules)


def read(env, table: str, column: str, cells: list[str | None]) -> tuple[list, pl.DataFrame]:
    """Normalise one column of ``table`` given as text cells; other columns empty."""
    cmap, codes = env
    spec = cmap.tables[table]
    n = len(cells)
    frame = pl.DataFrame({c.name: (cells if c.name == column else [None] * n)
                          for c in spec.columns}, schema=dict.fromkeys(
                              [c.name for c in spec.columns], pl.String))
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("idx"),
                               (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("row"))
    typed, issues = normalize_table(frame, spec, codes)
    return typed.get_column(column).to_list(), issues.filter(pl.col("column") == column)


def test_booleans(env) -> None:
    cells = ["有", "無", "はい", "いいえ", "1", "0", "TRUE", "false", "○", None, "ｙｅｓ"]
    values, issues = read(env, "dispatches", "web_meeting", cells)
    assert values == [True, False, True, False, True, False, True, False, True, False, True]
    assert issues.height == 0


def test_booleans_as_a_clerk_types_them(env) -> None:
    """有り was refused as 'not a yes/no value' while 有 was read (blind clerk check)."""
    cells = ["有り", "無し", "済み", "ｱﾘ"]
    values, issues = read(env, "dispatches", "web_meeting", cells)
    assert values == [True, False, True, None]
    assert issues.get_column("value").to_list() == ["ｱﾘ"]
    assert "有/無・はい/いいえ" in issues.get_column("message_ja")[0]


def test_optional_boolean_blank_is_unknown(env) -> None:
    values, _ = read(env, "experts", "renew_next_year", [None, "有"])
    assert values == [None, True]


def test_dates(env) -> None:
    cells = ["2021-10-05", "2021/10/05", "2021/1/5", "44474", "2021-10-05 00:00:00",
             "２０２１／１０／０５", "2021年10月5日"]
    values, issues = read(env, "dispatches", "applied_on", cells)
    assert values == [dt.date(2021, 10, 5), dt.date(2021, 10, 5), dt.date(2021, 1, 5),
                      dt.date(2021, 10, 5), dt.date(2021, 10, 5), dt.date(2021, 10, 5),
                      dt.date(2021, 10, 5)]
    assert issues.height == 0


def test_impossible_dates_are_findings(env) -> None:
    values, issues = read(env, "dispatches", "applied_on", ["2021-02-30", "2021-13-01", "昨日"])
    assert values == [None, None, None]
    assert issues.get_column("value").to_list() == ["2021-02-30", "2021-13-01", "昨日"]
    assert issues.get_column("rule_id").unique().to_list() == ["R-VAL-1"]


def test_times(env) -> None:
    values, issues = read(env, "reports", "start_time",
                          ["13:30", "13:30:00", "9:05", "1899-12-31 13:30:00", "１３：３０"])
    assert values == [dt.time(13, 30), dt.time(13, 30), dt.time(9, 5), dt.time(13, 30),
                      dt.time(13, 30)]
    assert issues.height == 0
    values, issues = read(env, "reports", "start_time", ["25:00", "12:60", "noon"])
    assert values == [None, None, None] and issues.height == 3


def test_timestamps_are_naive_jst(env) -> None:
    values, issues = read(env, "checkins", "at", [
        "2021-10-05T13:30:00", "2021/10/05 13:30", "2021-10-05T04:30:00Z",
        "2021-10-05T13:30:00+09:00", "2021-10-05T05:30:00+01:00", "2021-10-05 13:30:00"])
    assert values == [dt.datetime(2021, 10, 5, 13, 30)] * 6
    assert issues.height == 0


def test_numbers_full_width_and_thousands(env) -> None:
    values, issues = read(env, "travel_claims", "fare",
                          ["31,680", "３１６８０", "31680", "３１，６８０", "31680.0", "1,050円"])
    assert values == [31680, 31680, 31680, 31680, 31680, 1050]
    assert issues.height == 0
    values, issues = read(env, "travel_claims", "fare", ["abc", "1.5"])
    assert values == [None, None] and issues.height == 2


def test_lists(env) -> None:
    values, _ = read(env, "experts", "qualifications",
                     ["中小企業診断士;税理士", "中小企業診断士；税理士", " 税理士 ; ", None])
    assert values == [["中小企業診断士", "税理士"], ["中小企業診断士", "税理士"], ["税理士"], []]


def test_prefecture_short_names(env) -> None:
    values, _ = read(env, "institutions", "prefecture",
                     ["東京", "東京都", "大阪", "京都", "北海道", "13", "沖縄"])
    assert values == ["東京都", "東京都", "大阪府", "京都府", "北海道", "東京都", "沖縄県"]


def test_jsic_letter_or_name(env) -> None:
    values, _ = read(env, "dispatches", "industry",
                     ["E", "e", "製造業", "卸売業，小売業", "卸売業,小売業", "Ｅ"])
    assert values == ["E", "E", "E", "I", "I", "E"]


def test_account_type_and_number(env) -> None:
    values, issues = read(env, "experts", "account_type",
                          ["普通", "当座", "貯蓄", "1", "2", "4", "普通預金", "１"])
    assert values == [1, 2, 4, 1, 2, 4, 1, 1]
    assert issues.height == 0
    values, issues = read(env, "experts", "account_type", ["定期", "3"])
    assert values == [None, None]
    assert issues.get_column("rule_id").to_list() == ["R-VAL-2", "R-VAL-2"]
    values, _ = read(env, "experts", "account_number", ["12345", "１２３４５６７", "0012345"])
    assert values == ["0012345", "1234567", "0012345"]


def test_institution_kind_circled_numbers(env) -> None:
    values, _ = read(env, "institutions", "kind", ["①", "⑫", "3", "３", None])
    assert values == [1, 12, 3, 3, None]


@functools.cache
def _bundled_env():
    from haken_batch.rules import load_rules

    rules = load_rules()
    return column_map(rules.columns), codes_from(rules)


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=0, max_value=10**12))
def test_full_width_and_separated_integers_read_back(value: int) -> None:
    plain = str(value)
    full = plain.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    values, issues = read(_bundled_env(), "travel_claims", "amount", [plain, full, f"{value:,}"])
    assert values == [value, value, value]
    assert issues.height == 0


# The fast path reads cells as written and trims only the cells it could not read: a blank
# around a value, or a cell of blanks only, must read exactly like the trimmed cell.
_PADDED = [
    ("dispatches", "web_meeting", ["有", "　無　", " はい", "いいえ ", "\t1", " ", "", None],
     [True, False, True, False, True, False, False, False]),
    ("experts", "renew_next_year", [" 有 ", "  ", None], [True, None, None]),
    ("reports", "support_date", [" 2021-10-05", "2021/10/05　", " ", ""],
     [dt.date(2021, 10, 5), dt.date(2021, 10, 5), None, None]),
    ("reports", "start_time", [" 13:30 ", "13:30", "　"], [dt.time(13, 30), dt.time(13, 30), None]),
    ("checkins", "at", [" 2021-10-05T04:30:00Z", "2021-10-05T13:30:00+09:00 ", ""],
     [dt.datetime(2021, 10, 5, 13, 30), dt.datetime(2021, 10, 5, 13, 30), None]),
    ("travel_claims", "amount", [" 1,200 ", "1200", " "], [1200, 1200, None]),
    ("checkins", "lat", [" 35.5 ", "35.5"], [35.5, 35.5]),
    ("experts", "bank_code", [" 0005", "0005 "], ["0005", "0005"]),
    ("experts", "expert_id", [" E-1 ", "　", ""], ["E-1", None, None]),
]


@pytest.mark.parametrize(("table", "column", "cells", "expected"), _PADDED,
                         ids=[f"{t}.{c}" for t, c, *_ in _PADDED])
def test_blanks_around_a_cell_read_like_the_trimmed_cell(env, table, column, cells,
                                                        expected) -> None:
    values, issues = read(env, table, column, cells)
    assert values == expected
    assert issues.height == 0  # a blank cell is empty, not unreadable


def test_unreadable_cell_is_reported_trimmed(env) -> None:
    values, issues = read(env, "reports", "support_date", ["2021-10-05", "  2021-02-30 "])
    assert values == [dt.date(2021, 10, 5), None]
    assert issues.get_column("value").to_list() == ["2021-02-30"]
    assert issues.get_column("idx").to_list() == [1]


_TS_CELLS = st.builds(
    lambda d, h, m, s, sep, zone: f"{d.isoformat()}{sep}{h:02d}:{m:02d}:{s:02d}{zone}",
    st.dates(dt.date(2020, 1, 1), dt.date(2023, 12, 31)), st.integers(0, 23),
    st.integers(0, 59), st.integers(0, 59), st.sampled_from(["T", " "]),
    st.sampled_from(["", "Z", "+09:00", "+0900", "-05:30", "+00:00"]))


@settings(deadline=None, max_examples=80)
@given(st.lists(_TS_CELLS, min_size=1, max_size=6))
def test_timestamp_fast_path_agrees_with_the_full_reading(cells: list[str]) -> None:
    """The fast path (polars formats) and the regex reading give the same JST instant."""
    from haken_batch.load.normalize import _read_grouped, fast_tiers, trimmed

    cmap, codes = _bundled_env()
    col = cmap.tables["checkins"].column("at")
    frame = pl.DataFrame({"at": cells})
    fast = frame.select(pl.coalesce(fast_tiers(col, codes)).alias("at")).to_series().to_list()
    full = _read_grouped(frame.select(trimmed(pl.col("at")).alias("at")), "at",
                         "timestamp").to_list()
    assert all(f is None or f == g for f, g in zip(fast, full, strict=True))
    assert all(g is not None for g in full)


def test_R_VAL_2_account_digits_are_never_rewritten(env) -> None:
    """Only digits (full width read as half, blanks around trimmed, a short number padded as
    Excel shortens it). A sign, point, space or comma inside is a finding: '-1' was paid to
    0000001 and '876 5432' to 8765432 (blind red-team check)."""
    good = ["8765432", "８７６５４３２", " 8765432 ", "65432"]
    bad = ["-1", "-0000001", "+8765432", "8765432.0", "876 5432", "8,765,432", "87654321",
           "795787¹", "795787①"]
    values, _ = read(env, "experts", "account_number", good + bad)
    assert values[:4] == ["8765432", "8765432", "8765432", "0065432"]
    assert values[4:] == [b.strip() for b in bad]  # as written: the contract finds them
    assert not any(v is not None and len(v) == 7 and v.isascii() and v.isdigit()
                   for v in values[4:])


def test_R_VAL_1_an_excel_duration_over_a_day_is_no_time_of_day(env) -> None:
    """'25:00' typed in Excel arrives as '1900-01-01 01:00:00' and was read as 01:00 without
    a word, while the CSV's 25:00 is refused (blind Excel check)."""
    cells = ["1899-12-31 13:30:00", "1899-12-30 09:00:00", "1900-01-01 01:00:00", "25:00"]
    values, issues = read(env, "reports", "start_time", cells)
    assert values == [dt.time(13, 30), dt.time(9, 0), None, None]
    assert issues.get_column("value").to_list() == ["1900-01-01 01:00:00", "25:00"]
