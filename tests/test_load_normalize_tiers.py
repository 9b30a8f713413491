"""Fast tiers of normalisation (load/normalize.py): their order changes the time, never a value.

Each tier of a column fills only the cells the tiers before it left null, and
``ordered_tiers`` puts first the tier that reads most of a sample of the column. So the tiers
must never read one cell two ways, and what a tier reads must be what the full reading (NFKC,
regex groups) gives for the trimmed cell. These properties are drawn over mixes of spellings.
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch.load.codes import codes_from
from haken_batch.load.normalize import (
    _GROUPED,
    _list,
    _read,
    _read_grouped,
    fast_tiers,
    normalize_table,
    ordered_tiers,
    trimmed,
    value_expr,
)
from haken_batch.load.spec import column_map


@functools.cache
def _env():
    from haken_batch.rules import load_rules

    rules = load_rules()
    return column_map(rules.columns), codes_from(rules)


def _col(table: str, column: str):
    cmap, _ = _env()
    return cmap.tables[table].column(column)


def _full(cells: list[str | None], table: str, column: str) -> list:
    """The full reading of the trimmed cells (no fast tier)."""
    col = _col(table, column)
    frame = pl.DataFrame({column: cells}, schema={column: pl.String})
    rest = frame.select(trimmed(pl.col(column)).alias(column))
    if col.kind in _GROUPED:
        return _read_grouped(rest, column, col.kind).to_list()
    return rest.select(value_expr(col, _env()[1]).alias(column)).to_series().to_list()


def _read_in_order(cells: list[str | None], table: str, column: str,
                   order: list[int]) -> tuple[list, list | None]:
    col, codes = _col(table, column), _env()[1]
    tiers = fast_tiers(col, codes)
    frame = pl.DataFrame({column: cells}, schema={column: pl.String})
    values, bad = _read(frame, col, codes, tiers=[tiers[i] for i in order])
    return values.to_list(), None if bad is None else bad.to_list()


def _check(cells: list[str | None], table: str, column: str, order: list[int],
           new: tuple[int, ...] = ()) -> None:
    """Same values and findings in any tier order; tiers ``new`` read as the full reading."""
    tiers = fast_tiers(_col(table, column), _env()[1])
    listed = _read_in_order(cells, table, column, list(range(len(tiers))))
    assert _read_in_order(cells, table, column, order) == listed
    frame = pl.DataFrame({column: cells}, schema={column: pl.String})
    read = [frame.select(t.alias(column)).to_series().to_list() for t in tiers]
    for i, a in enumerate(read):  # no cell read two ways
        for b in read[i + 1:]:
            assert all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))
    full = _full(cells, table, column)
    for i in new:  # the fast tiers of this change read a cell as the full reading does
        assert all(f is None or f == g for f, g in zip(read[i], full, strict=True)), (read, full)


_FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
_BLANKS = st.sampled_from(["", " ", "　", "\t"])


def _spelt(spellings: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    padded = st.builds(lambda a, s, b: f"{a}{s}{b}", _BLANKS, spellings, _BLANKS)
    return st.one_of(spellings, padded, st.none(), _BLANKS)


_AMOUNTS = st.integers(-10**13, 10**13).flatmap(lambda v: st.sampled_from([
    str(v), f"{v:,}", f"{v:,}円", f"{v}.0", str(v).translate(_FULL_WIDTH),
    f"{v:,}".translate(_FULL_WIDTH), f"+{v}", f"{v:,}".replace(",", ", ")]))
_ODD_AMOUNTS = st.sampled_from(["1,2,3", "1,0000", "12,34", ",123", "123,", "1,234.0",
                                "1,000,000,000,000,000,000", "9,999,999,999,999,999",
                                "-0,000", "abc", "1.5", "--1", "1,2a4"])


@settings(deadline=None, max_examples=60)
@given(st.lists(_spelt(st.one_of(_AMOUNTS, _ODD_AMOUNTS)), min_size=1, max_size=12),
       st.permutations([0, 1]))
def test_yen_tiers_read_any_mix_like_the_full_reading(cells, order) -> None:
    _check(cells, "travel_claims", "fare", order, new=(1,))


_ACCOUNTS = st.one_of(st.text("0123456789", min_size=1, max_size=9),
                      st.text("0123456789０１２３４５６７８９-", min_size=1, max_size=9))


@settings(deadline=None, max_examples=60)
@given(st.lists(_spelt(_ACCOUNTS), min_size=1, max_size=12), st.permutations([0, 1]))
def test_digit_tiers_pad_like_the_full_reading(cells, order) -> None:
    _check(cells, "experts", "account_number", order, new=(1,))


def _ts(d: dt.date, h: int, m: int, s: int, date_sep: str, sep: str, zone: str,
        short: bool) -> str:
    day = f"{d.year}{date_sep}{d.month:02d}{date_sep}{d.day:02d}"
    clock = f"{h}:{m:02d}" if short else f"{h:02d}:{m:02d}:{s:02d}"
    return f"{day}{sep}{clock}{zone}"


_DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2023, 12, 31))
_CLOCKS = st.times().map(lambda t: t.strftime("%H:%M:%S"))
_TIMESTAMPS = st.one_of(
    # the usual spellings, each likely: check-in app ISO with +09:00, other offsets, Excel
    st.builds(lambda d, t: f"{d}T{t}+09:00", _DAYS, _CLOCKS),
    st.builds(lambda d, t, z: f"{d}T{t}{z}", _DAYS, _CLOCKS,
              st.sampled_from(["", "Z", "+0900", "-05:30", "+00:00", " +09:00"])),
    st.builds(lambda d, t, sep: f"{d.strftime(f'%Y{sep}%m{sep}%d')} {t}", _DAYS, _CLOCKS,
              st.sampled_from("-/")),
    st.builds(lambda d, t: f"{d.strftime('%Y/%m/%d')} {t[:5]}", _DAYS, _CLOCKS),
    # odd ones: hour 24, minute 60, leap seconds, single digits, fractions, stray zones
    st.builds(_ts, _DAYS, st.integers(0, 24), st.integers(0, 60), st.integers(0, 61),
              st.sampled_from(["-", "/"]), st.sampled_from(["T", " ", "  "]),
              st.sampled_from(["", "Z", "+09:00", "+0900", "-05:30", "+00:00", " +09:00",
                               "+09:00Z", "+9:00", ".5+09:00", ".123+09:00"]),
              st.booleans()),
    st.sampled_from(["2021-10-05", "45123", "２０２１-10-05T13:30:00+09:00", "+09:00", "昨日",
                     "2021-02-29T10:00:00+09:00", "2021-10-05T13:30+09:00"]))


@settings(deadline=None, max_examples=100)
@given(st.lists(_spelt(_TIMESTAMPS), min_size=1, max_size=10),
       st.permutations(list(range(7))))
def test_timestamp_tiers_read_any_mix_in_any_order(cells, order) -> None:
    _check(cells, "checkins", "at", order, new=(1,))


_DATES = st.one_of(
    st.builds(lambda d, sep: d.strftime(f"%Y{sep}%m{sep}%d"),
              st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), st.sampled_from("-/.")),
    st.sampled_from(["2021/1/5", "44474", "2021-02-30", "2021年10月5日", "2021-10-05 00:00"]))
_TIMES = st.builds(lambda h, m, s, secs: f"{h}:{m:02d}:{s:02d}" if secs else f"{h:02d}:{m:02d}",
                   st.integers(0, 25), st.integers(0, 61), st.integers(0, 61), st.booleans())


@settings(deadline=None, max_examples=60)
@given(st.lists(_spelt(_DATES), min_size=1, max_size=10), st.permutations([0, 1]))
def test_date_tiers_read_any_mix_in_any_order(cells, order) -> None:
    _check(cells, "dispatches", "applied_on", order)


@settings(deadline=None, max_examples=60)
@given(st.lists(_spelt(_TIMES), min_size=1, max_size=10), st.permutations([0, 1]))
def test_time_tiers_read_any_mix_in_any_order(cells, order) -> None:
    _check(cells, "reports", "start_time", order)


@settings(deadline=None, max_examples=40)
@given(st.lists(_spelt(st.sampled_from(["普通", "当座", "貯蓄", "1", "2", "4", "普通預金", "１",
                                        "定期", "3", "ﾌﾂｳ"])), min_size=1, max_size=10))
def test_account_type_tier_reads_like_the_full_reading(cells) -> None:
    _check(cells, "experts", "account_type", [0], new=(0,))


def test_tier_order_follows_the_sample() -> None:
    """The check-in app's ISO spelling and the approval times' slashes go first."""
    _, codes = _env()
    at, listed = _col("checkins", "at"), fast_tiers(_col("checkins", "at"), codes)
    iso = pl.Series("at", ["2021-10-05T13:30:00+09:00"] * 50 + ["2021-10-05 13:30:00"])
    assert str(ordered_tiers(iso, at, codes)[0]) == str(listed[1])
    slashed = pl.Series("at", ["2021/10/05 13:30"] * 10)
    assert str(ordered_tiers(slashed, at, codes)[0]) == str(listed[4])
    # ties (an empty column) keep the listed order
    empty = pl.Series("at", [None] * 5, dtype=pl.String)
    assert [str(t) for t in ordered_tiers(empty, at, codes)] == [str(t) for t in listed]


_ITEMS = st.text("ab税理士 　;；", max_size=12)


@settings(deadline=None, max_examples=80)
@given(st.lists(st.one_of(st.none(), _ITEMS,
                          st.lists(st.text("ab税理士", min_size=1, max_size=4), max_size=3)
                          .map(";".join)), min_size=1, max_size=8))
def test_plain_list_columns_read_like_the_full_reading(cells) -> None:
    """A list column of plain cells skips the per-item strip; any other reads in full."""
    cmap, codes = _env()
    spec = cmap.tables["experts"]
    n = len(cells)
    frame = pl.DataFrame({c.name: (cells if c.name == "qualifications" else [None] * n)
                          for c in spec.columns},
                         schema=dict.fromkeys([c.name for c in spec.columns], pl.String))
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("idx"),
                               (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("row"))
    typed, _ = normalize_table(frame, spec, codes)
    full = frame.select(_list(trimmed(pl.col("qualifications")))).to_series()
    assert typed.get_column("qualifications").to_list() == full.to_list()


@settings(deadline=None, max_examples=80)
@given(st.lists(_spelt(st.sampled_from(["有", "無", "はい", "1", "0", "TRUE", "false", "○",
                                        "ｙｅｓ", "?", "多分"])), min_size=1, max_size=10),
       st.sampled_from([("dispatches", "web_meeting"), ("experts", "renew_next_year")]))
def test_yes_no_cells_read_like_the_full_reading(cells, where) -> None:
    """A blank yes/no cell is "no" (or unknown where blank means unknown), unread ones null."""
    table, column = where
    col, codes = _col(table, column), _env()[1]
    frame = pl.DataFrame({column: cells}, schema={column: pl.String})
    values, bad = _read(frame, col, codes)
    assert values.to_list() == _full(cells, table, column)
    unread = [c is not None and c.strip() in ("?", "多分") for c in cells]
    assert (bad.to_list() if bad is not None else [False] * len(cells)) == unread


_FLOATS = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.sampled_from(["1e5", "+1.5", "inf", "-inf", "nan", "1.", ".5", "-.5", "1.2.3", "-", ".",
                     "1" + "0" * 400, "1" + "0" * 400 + ".0", "12.000", "-0.0", "１２．５",
                     "1,234.5", "35.5km"]))


@settings(deadline=None, max_examples=60)
@given(st.lists(_spelt(_FLOATS), min_size=1, max_size=10))
def test_float_tier_reads_like_the_full_reading(cells) -> None:
    _check(cells, "checkins", "lat", [0], new=(0,))
    col, codes = _col("checkins", "lat"), _env()[1]
    frame = pl.DataFrame({"lat": cells}, schema={"lat": pl.String})
    assert _read(frame, col, codes)[0].to_list() == _full(cells, "checkins", "lat")
