"""Travel claim lines (R-TRV-3..8, R-TRV-10) and their papers (R-CHK-5).

Each claim line gets: what was claimed, what the rules allow (``allowed``), the rule that
governs its mode and a note. Reductions are line-level findings; a missing paper (R-CHK-5),
a higher class (R-TRV-4 Reading) or a rental car without the secretariat's reviewed amount
(R-TRV-8) holds the dispatch. Whether the line is finally paid (R-TRV-12, holds) is
decided in ``engine``. Per diem is ``perdiem``.
"""

from __future__ import annotations

import polars as pl

from haken_batch.rules import RuleBook
from haken_batch.settle import params
from haken_batch.settle.results import Part, cases, result, txt

RAIL, AIR, BOAT, BUS, TAXI, CAR, RENTAL, LODGING = (
    "鉄道",
    "航空",
    "船",
    "バス",
    "タクシー",
    "私有車",
    "レンタカー",
    "宿泊",
)
HIGHER_CLASS = "上位"
MODE_RULE = {
    RAIL: "R-TRV-3",
    AIR: "R-TRV-4",
    BOAT: "R-TRV-4",
    BUS: "R-TRV-5",
    TAXI: "R-TRV-6",
    CAR: "R-TRV-7",
    RENTAL: "R-TRV-8",
    LODGING: "R-TRV-10",
}

_PARAMS: dict[str, tuple[str, pl.DataType]] = {
    "_min_km": ("travel.express_min_one_way_km", pl.Float64()),
    "_car_rate": ("travel.private_car_yen_per_km", pl.Int64()),
    "_night_cap": ("travel.lodging_cap_per_night", pl.Int64()),
    "_flag_nights": ("travel.lodging_flag_min_nights", pl.Int64()),
    "_air_bp": ("travel.air_requires_boarding_pass", pl.Boolean()),
    "_air_rc": ("travel.air_requires_receipt", pl.Boolean()),
    "_boat_rc": ("travel.boat_high_speed_requires_receipt", pl.Boolean()),
    "_taxi_rc": ("travel.taxi_requires_receipt", pl.Boolean()),
    "_taxi_rs": ("travel.taxi_requires_reason", pl.Boolean()),
    "_lodge_rc": ("travel.lodging_requires_receipt", pl.Boolean()),
}


def private_car_yen(distance_km: pl.Expr, rate: pl.Expr) -> pl.Expr:
    """R-TRV-7: yen per whole km of the route, fractions of a km dropped (before multiplying)."""
    return distance_km.floor().cast(pl.Int64) * rate


def lodging_cap(nights: pl.Expr, cap: pl.Expr) -> pl.Expr:
    """R-TRV-10: a line of N nights pays at most N × the per-night cap."""
    return nights * cap


def _excluded_lodging(rules: RuleBook, dates: pl.Series) -> pl.DataFrame:
    """(support_date, lodging_type) pairs that R-TRV-10 does not cover (民泊, ゲストハウス)."""
    table = params.at_dates(
        rules,
        dates,
        {"lodging_type": "travel.lodging_excluded_types"},
        {"lodging_type": pl.List(pl.String())},
    )
    return (
        table.explode("lodging_type")
        .drop_nulls("lodging_type")
        .select(
            pl.col("date").alias("support_date"), "lodging_type", pl.lit(True).alias("_no_lodging")
        )
        .unique()
    )


def prepare(claims: pl.DataFrame, d: pl.DataFrame, rules: RuleBook) -> pl.DataFrame:
    """Claim lines of the considered dispatches with their computed amounts and reasons."""
    c = claims.join(d.select("dispatch_id", "support_date"), on="dispatch_id", how="inner")
    c = params.add(c, rules, "support_date", _PARAMS)
    c = c.join(
        _excluded_lodging(rules, c.get_column("support_date")),
        on=["support_date", "lodging_type"],
        how="left",
    )
    mode = pl.col("mode")
    z = pl.lit(0, pl.Int64())
    fare = pl.col("fare").fill_null(0)
    express = pl.col("express_fee").fill_null(0) + pl.col("reserved_fee").fill_null(0)
    long_leg = (pl.col("one_way_km") >= pl.col("_min_km")).fill_null(False)
    fare_rt = pl.min_horizontal(fare, pl.col("round_trip_fare").fill_null(fare))
    amount = pl.col("amount").fill_null(0)
    nights = pl.col("nights").fill_null(1)
    car = private_car_yen(pl.col("distance_km"), pl.col("_car_rate")).fill_null(0)
    no_lodging = pl.col("_no_lodging").fill_null(False)
    c = c.with_columns(
        pl.when(mode == RAIL)
        .then(fare + express)
        .when(mode.is_in([AIR, BOAT, BUS]))
        .then(fare)
        .when(mode == CAR)
        .then(pl.col("amount").fill_null(car))
        .otherwise(amount)
        .alias("claimed"),
        pl.when(mode == RAIL)
        .then(fare + pl.when(long_leg).then(express).otherwise(z))
        .when(mode.is_in([AIR, BOAT]))
        .then(fare_rt)
        .when(mode == BUS)
        .then(fare)
        .when(mode == TAXI)
        .then(amount)
        .when(mode == CAR)
        .then(car)
        .when(mode == RENTAL)
        .then(pl.col("approved_amount").fill_null(0))
        .when(mode == LODGING)
        .then(
            pl.when(no_lodging)
            .then(z)
            .otherwise(pl.min_horizontal(amount, lodging_cap(nights, pl.col("_night_cap"))))
        )
        .otherwise(z)
        .alias("allowed"),
        mode.replace_strict(MODE_RULE, default="R-VAL-1", return_dtype=pl.String).alias("rule_id"),
        (mode == LODGING).alias("_is_lodging"),
    )
    air_boat = mode.is_in([AIR, BOAT])
    rental_unknown = pl.col("approved_amount").is_null()
    # one branch per note (computed only on its rows, see results.cases)
    note_cases = [
        (
            (mode == RAIL) & (long_leg | (express == 0)),
            pl.format("片道{}km", txt(pl.col("one_way_km"))),
        ),
        (
            mode == RAIL,
            pl.format(
                "片道{}km（{}km未満）のため特急・指定席料金{}円は対象外",
                txt(pl.col("one_way_km")),
                txt(pl.col("_min_km")),
                txt(express),
            ),
        ),
        (
            air_boat & (fare_rt < fare),
            pl.format(
                "往復割引運賃{}円と実費{}円の安い方", txt(pl.col("round_trip_fare")), txt(fare)
            ),
        ),
        (air_boat, pl.lit("実費（普通席）")),
        (mode == BUS, pl.lit("普通運賃")),
        (mode == TAXI, pl.format("実費（理由: {}）", txt(pl.col("reason")))),
        (
            mode == CAR,
            pl.format(
                "走行{}km → {}km × {}円（1km未満切捨て）",
                txt(pl.col("distance_km")),
                txt(pl.col("distance_km").floor().cast(pl.Int64)),
                txt(pl.col("_car_rate")),
            ),
        ),
        ((mode == RENTAL) & rental_unknown, pl.lit("事務局精査額が未記録")),
        (mode == RENTAL, pl.format("事務局精査額{}円", txt(pl.col("approved_amount")))),
        (
            (mode == LODGING) & no_lodging,
            pl.format("{}は宿泊費の対象外", txt(pl.col("lodging_type"))),
        ),
        (
            mode == LODGING,
            pl.format("{}泊、上限 {}円/泊", txt(nights), txt(pl.col("_night_cap"))),
        ),
    ]
    not_travel = pl.format("区分「{}」は旅費の区分にない", txt(mode))
    papers = pl.concat_str(
        pl.when(
            (mode == AIR)
            & pl.col("_air_bp").fill_null(True)
            & ~pl.col("boarding_pass").fill_null(False)
        ).then(pl.lit("搭乗券半券なし")),
        pl.when(
            (mode == AIR) & pl.col("_air_rc").fill_null(True) & ~pl.col("receipt").fill_null(False)
        ).then(pl.lit("領収書なし（航空）")),
        pl.when(
            (mode == BOAT)
            & pl.col("high_speed_boat").fill_null(False)
            & pl.col("_boat_rc").fill_null(True)
            & ~pl.col("receipt").fill_null(False)
        ).then(pl.lit("領収書なし（高速船）")),
        pl.when(
            (mode == TAXI)
            & pl.col("_taxi_rc").fill_null(True)
            & ~pl.col("receipt").fill_null(False)
        ).then(pl.lit("領収書なし（タクシー）")),
        pl.when(
            (mode == TAXI)
            & pl.col("_taxi_rs").fill_null(True)
            & (pl.col("reason").fill_null("").str.strip_chars() == "")
        ).then(pl.lit("タクシー利用の理由なし")),
        pl.when(
            (mode == LODGING)
            & ~no_lodging
            & pl.col("_lodge_rc").fill_null(True)
            & ~pl.col("receipt").fill_null(False)
        ).then(pl.lit("領収書なし（宿泊）")),
        separator="・",
        ignore_nulls=True,
    )
    hold_cases = [
        (
            mode.is_in([AIR, BOAT]) & (pl.col("seat_class") == HIGHER_CLASS).fill_null(False),
            pl.lit("上位クラスの請求: 普通運賃の修正入力まで保留"),
        ),
        (
            (mode == RENTAL) & pl.col("approved_amount").is_null(),
            pl.lit("レンタカーの事務局精査額が記録されるまで保留"),
        ),
        (~mode.is_in(list(MODE_RULE)).fill_null(True), not_travel),
    ]
    per_dispatch = (
        c.filter(pl.col("_is_lodging"))
        .group_by("dispatch_id")
        .agg(pl.col("nights").fill_null(1).sum().alias("_all_nights"))
    )
    c = c.join(per_dispatch, on="dispatch_id", how="left")
    day_nights = pl.col("_all_nights")
    c = c.with_columns(
        cases(c, note_cases, not_travel).alias("note"),
        papers.alias("_papers"),
        cases(c, hold_cases, pl.lit(None, pl.String())).alias("_hold"),
        (
            pl.col("_is_lodging")
            & ((nights >= pl.col("_flag_nights")) | (day_nights >= pl.col("_flag_nights")))
        )
        .fill_null(False)
        .alias("_many_nights"),
        nights.alias("_nights"),
    )
    return c.sort(["dispatch_id", "line_no"])


def results(c: pl.DataFrame) -> list[Part]:
    """Per line: the mode's rule (pass / reduce / hold), R-CHK-5 papers, R-TRV-10 nights flag."""
    line = pl.col("line_no")
    reduced = pl.col("allowed") < pl.col("claimed")
    per_mode = c.lazy().select(
        "dispatch_id",
        line.cast(pl.Int64),
        "rule_id",
        pl.when(pl.col("_hold").is_not_null())
        .then(pl.lit("hold"))
        .when(reduced)
        .then(pl.lit("reduce"))
        .otherwise(pl.lit("pass"))
        .alias("outcome"),
        pl.when(pl.col("_hold").is_not_null())
        .then(pl.col("_hold"))
        .when(reduced)
        .then(
            pl.format(
                "{}: 請求{}円 → {}円",
                pl.col("note"),
                txt(pl.col("claimed")),
                txt(pl.col("allowed")),
            )
        )
        .otherwise(pl.col("note"))
        .alias("message"),
    )
    papers = result(
        c,
        "R-CHK-5",
        pl.col("_papers") != "",
        "hold",
        pl.format("旅費の証拠書類不足: {}", pl.col("_papers")),
        ok_message="証拠書類あり",
        line_no=line,
    )
    nights = result(
        c.filter(pl.col("_many_nights")),
        "R-TRV-10",
        pl.lit(True),
        "flag",
        pl.format("複数泊（この明細 {}泊）: 前泊・後泊の必要性を確認", txt(pl.col("_nights"))),
        line_no=line,
    )
    return [per_mode, papers, nights]
