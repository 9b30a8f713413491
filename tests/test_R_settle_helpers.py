"""Unit tests of the named rounding/arithmetic helpers, one per rule id."""

from __future__ import annotations

import polars as pl
import pytest

from haken_batch.settle import windows
from haken_batch.settle.checks import haversine_m
from haken_batch.settle.fee import truncated_fee
from haken_batch.settle.results import cycle_txt, exact_km, km_txt
from haken_batch.settle.travel import lodging_cap, private_car_yen
from haken_batch.settle.withholding import tax_on


def _eval(expr: pl.Expr, **cols: list) -> list:
    return pl.DataFrame(cols).select(expr.alias("x")).get_column("x").to_list()


def test_R_FEE_2_truncates_to_half_hours() -> None:
    got = _eval(
        truncated_fee(pl.col("m"), pl.lit(5280), pl.lit(30)), m=[0, 29, 30, 59, 60, 89, 360]
    )
    assert got == [0, 0, 2640, 2640, 5280, 5280, 31680]


def test_R_FEE_1_rate_per_hour_is_exact_for_any_unit() -> None:
    assert _eval(truncated_fee(pl.col("m"), pl.lit(5280), pl.lit(15)), m=[45]) == [3960]


def test_R_TRV_7_R_TRV_9_distances_read_like_the_yen_beside_them() -> None:
    # a notice printed 「全行程2263.2km」 beside 「13,450」 and 「走行42.0km」
    got = _eval(km_txt(pl.col("k")),
                k=[2263.2, 42.0, 99.9999999, 1226.4000000000001, 0.5, None, 1e22])
    # 10^22 km (an absurd export, an R-VAL-1 error) has no usable distance, and no crash
    assert got == ["2,263.2", "42", "99.9999999", "1,226.4", "0.5", "空欄", "空欄"]


def test_R_TRV_9_the_distance_compared_is_the_one_shown() -> None:
    # rounded to the micrometre, 99.99999999999999 read 「100km（基準100km）」 beside
    # 「日当の対象外」 (review, session 22)
    got = _eval(exact_km(pl.col("k")), k=[99.99999999999999, 100.0, 1226.4, None])
    assert got == ["99.99999999999999", "100", "1,226.4", "空欄"]


def test_cycle_named_for_the_expert() -> None:
    assert _eval(cycle_txt(pl.col("c")), c=["2021-10", "2022-03"]) == ["2021年10月精算分",
                                                                       "2022年3月精算分"]


def test_R_TRV_7_private_car_drops_fractions_of_a_km_before_multiplying() -> None:
    got = _eval(private_car_yen(pl.col("km"), pl.lit(37)), km=[12.9, 100.0, 0.99, 87.9])
    assert got == [444, 3700, 0, 3219]


def test_R_TRV_10_lodging_cap_is_per_night() -> None:
    assert _eval(lodging_cap(pl.col("n"), pl.lit(9800)), n=[1, 2, 3]) == [9800, 19600, 29400]


@pytest.mark.parametrize(
    ("base", "tax"),
    [
        (0, 0),
        (9999, 1020),
        (1_000_000, 102_100),
        (1_000_001, 102_100),
        (1_000_010, 102_102),
        (1_230_960, 149_262),
    ],
)
def test_R_TAX_1_rates_and_one_floor(base: int, tax: int) -> None:
    assert _eval(tax_on(pl.col("b"), 1021, 2042, 1_000_000), b=[base]) == [tax]


def test_R_CHK_3_great_circle_distance() -> None:
    r = pl.lit(6371008.8)
    # 0.0054 degrees of latitude ~ 600.5 m; Tokyo -> Osaka station ~ 403 km
    got = _eval(
        haversine_m(pl.col("a"), pl.col("b"), pl.col("c"), pl.col("d"), r),
        a=[35.6812, 35.681236],
        b=[139.7671, 139.767125],
        c=[35.6866, 34.702485],
        d=[139.7671, 135.495951],
    )
    assert round(got[0]) == 600 or round(got[0]) == 601
    assert 400_000 < got[1] < 406_000


def test_ordered_groups_running_sum_and_earlier_max() -> None:
    f = pl.DataFrame(
        {"k": ["a", "a", "b", "a", "b"], "o": [3, 1, 1, 2, 2], "v": [30, 10, 5, 20, 7]}
    )
    o = windows.ordered(f, ["k"], ["o"]).with_columns(
        windows.sum_before("v").alias("before"),
        windows.earlier_max(pl.col("v")).alias("mx"),
        windows.next_in_group("v").alias("nxt"),
    )
    assert o.select("k", "o", "before", "mx", "nxt", windows.POS).rows() == [
        ("a", 1, 0, None, 20, 0),
        ("a", 2, 10, 10, 30, 1),
        ("a", 3, 30, 20, None, 2),
        ("b", 1, 0, None, 7, 0),
        ("b", 2, 5, 5, None, 1),
    ]


def test_R_CHK_3_exactly_500_m_passes_whatever_the_earth_radius() -> None:
    import math

    from haken_batch.settle.checks import beyond_m, haversine_m

    lat0, lon0 = 35.681236, 139.767125
    got = {}
    for placed_with in (6_371_000.0, 6_371_008.8):  # a point placed exactly 500 m away
        for offset_m in (500.0, 500.01, 499.99):
            lat1 = lat0 + math.degrees(offset_m / placed_with)
            frame = pl.DataFrame({"lat": [lat1], "lon": [lon0]})
            out = frame.select(
                beyond_m(
                    haversine_m(
                        pl.col("lat"), pl.col("lon"), pl.lit(lat0), pl.lit(lon0),
                        pl.lit(6_371_008.8),
                    ),
                    pl.lit(500.0),
                    pl.lit(2),
                )
            ).item()
            got[(placed_with, offset_m)] = out
    assert got[(6_371_000.0, 500.0)] is False
    assert got[(6_371_008.8, 500.0)] is False
    assert got[(6_371_008.8, 499.99)] is False
    assert got[(6_371_008.8, 500.01)] is True
