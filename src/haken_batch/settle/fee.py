"""謝金: R-FEE-1 rate, R-FEE-2 half-hour truncation per report, R-FEE-3 daily cap.

Reading (fee.yaml): truncation applies to each report before the cap; the cap applies per
expert per calendar day in order of start time (then dispatch id), counting what earlier
cycles already paid that expert that day (from the ledger), so the cut falls on the later
dispatches of this cycle.
"""

from __future__ import annotations

import polars as pl

from haken_batch.errors import RulesError
from haken_batch.rules import RuleBook
from haken_batch.settle import params, windows
from haken_batch.settle.results import Part, result, txt, txt_en, yen_txt, yen_txt_en

HOURLY = "hourly_capped"  # the fee.formula this module computes (R-FEE-1..3)
_PARAMS: dict[str, tuple[str, pl.DataType]] = {
    "_formula": ("fee.formula", pl.String()),
    "_rate": ("fee.hourly_rate", pl.Int64()),
    "_unit": ("fee.unit_minutes", pl.Int64()),
    "_cap": ("fee.daily_cap", pl.Int64()),
}


def truncated_fee(minutes: pl.Expr, rate: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """R-FEE-1/R-FEE-2: floor(minutes / unit) whole units, each unit × rate / 60 (integer yen)."""
    return (minutes // unit) * unit * rate // 60


def claimed(d: pl.DataFrame, rules: RuleBook) -> pl.DataFrame:
    """dispatch_id -> fee_claimed (truncated, before the cap) and the parameters used."""
    f = params.add(
        d.select("dispatch_id", "support_date", "face_to_face_minutes"),
        rules,
        "support_date",
        _PARAMS,
    )
    _refuse_other_formulas(f)
    minutes = pl.col("face_to_face_minutes").clip(lower_bound=0)
    return f.with_columns(
        truncated_fee(minutes, pl.col("_rate"), pl.col("_unit")).alias("fee_claimed"),
        (minutes // pl.col("_unit")).alias("_units"),
    ).select("dispatch_id", "fee_claimed", "_units", "_rate", "_unit", "_cap")


def _refuse_other_formulas(f: pl.DataFrame) -> None:
    """A support date whose fee.formula is not the hourly one (FY2022's flat fee per visit,
    once fee.yaml dates it) stops the run: paying it by the hour would be wrong yen."""
    other = f.filter(pl.col("_formula").is_not_null() & (pl.col("_formula") != HOURLY))
    if other.height:
        first = other.sort("support_date", "dispatch_id").row(0, named=True)
        raise RulesError(
            f"派遣 {first['dispatch_id']} の支援日 {first['support_date']} の謝金の計算方式"
            f"「{first['_formula']}」は、この版では計算できません（rules/parameters/fee.yaml の "
            "formula）",
            f"the fee formula {first['_formula']!r} in force on {first['support_date']} "
            f"(dispatch {first['dispatch_id']}) is not implemented in this version "
            "(rules/parameters/fee.yaml formula)",
        )


def capped(paid: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """R-FEE-3 on this cycle's paid dispatches: dispatch_id -> fee, _prev_day, _before.

    ``paid`` has dispatch_id, expert_id, support_date, start_time, fee_claimed, _cap.
    """
    prev = previous.group_by("expert_id", "support_date").agg(
        pl.col("fee").sum().alias("_prev_day")
    )
    grp = ["expert_id", "support_date"]
    o = windows.ordered(paid.join(prev, on=grp, how="left"), grp, ["start_time", "dispatch_id"])
    return (
        o.with_columns(
            pl.col("_prev_day").fill_null(0), windows.sum_before("fee_claimed").alias("_before")
        )
        .with_columns(
            pl.min_horizontal(
                pl.col("fee_claimed"),
                (pl.col("_cap") - pl.col("_prev_day") - pl.col("_before")).clip(lower_bound=0),
            ).alias("fee")
        )
        .select("dispatch_id", "fee", "_prev_day", "_before")
    )


def formula_text(suffix: pl.Expr | None = None,
                 en_suffix: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """How the fee was computed (R-FEE-2), Japanese and English, with the same values:
    「対面90分 → 3×30分 × 5,280円/時」 + ``suffix`` (the amount, or the daily cap of R-FEE-3);
    under one unit 「対面20分（30分未満は切捨て）」 + ``suffix``."""
    def cell(name: str, english: bool) -> pl.Expr:
        if name == "_rate":
            return (yen_txt_en if english else yen_txt)(pl.col(name))
        return (txt_en if english else txt)(pl.col(name))

    names = ("face_to_face_minutes", "_units", "_unit", "_rate")
    tail_ja = pl.lit("") if suffix is None else suffix
    tail_en = pl.lit("") if en_suffix is None else en_suffix
    # under one unit the fee is 0: 「0×30分 × 5,280円/時」 on a notice read like a fault
    none = pl.col("_units") == 0
    ja = pl.when(none).then(pl.format(
        "対面{}分（{}分未満は切捨て）{}", cell(names[0], False), cell("_unit", False), tail_ja,
    )).otherwise(pl.format("対面{}分 → {}×{}分 × {}円/時{}",
                           *(cell(n, False) for n in names), tail_ja))
    en = pl.when(none).then(pl.format(
        "{} min face to face (less than {} min is dropped){}", cell(names[0], True),
        cell("_unit", True), tail_en,
    )).otherwise(pl.format("{} min face to face -> {} x {} min x {} yen/hour{}",
                           *(cell(n, True) for n in names), tail_en))
    return ja, en


def results(f: pl.DataFrame) -> list[Part]:
    """Explanations: R-FEE-2 for every considered dispatch, R-FEE-3 for the paid ones.

    ``f`` has dispatch_id, face_to_face_minutes, fee_claimed, _units, _rate, _unit and, for
    paid dispatches, fee, _prev_day, _before, _cap.
    """
    trunc = result(
        f,
        "R-FEE-2",
        pl.lit(False),
        "reduce",
        pl.lit(""),
        pl.lit(""),
        # no rate or unit without a support date: say so, not 「空欄×空欄分」 (blind check)
        ok_message=pl.when(pl.col("fee_claimed").is_null())
        .then(pl.lit("謝金は計算していません（支援日が空欄か日付でない、またはその日の単価がルールにないため）"))
        .otherwise(formula_text(pl.format(" = {}円", yen_txt(pl.col("fee_claimed"))))[0]),
        ok_message_en=pl.when(pl.col("fee_claimed").is_null())
        .then(pl.lit("no fee computed (the support date is blank or not a date, or the "
                     "rules have no rate on it)"))
        .otherwise(formula_text(
            en_suffix=pl.format(" = {} yen", yen_txt_en(pl.col("fee_claimed"))))[1]),
        line_no=pl.lit(0),
    )
    paid = f.filter(pl.col("fee").is_not_null())
    cap = result(
        paid,
        "R-FEE-3",
        pl.col("fee") < pl.col("fee_claimed"),
        "reduce",
        pl.format(
            "日額上限{}円（同日の既払い{}円・今回精算分の先行派遣{}円）: {}円 → {}円",
            yen_txt(pl.col("_cap")),
            yen_txt(pl.col("_prev_day")),
            yen_txt(pl.col("_before")),
            yen_txt(pl.col("fee_claimed")),
            yen_txt(pl.col("fee")),
        ),
        pl.format(
            "daily cap {} yen (already paid that day {} yen, earlier dispatches of this cycle"
            " {} yen): {} yen -> {} yen",
            yen_txt_en(pl.col("_cap")),
            yen_txt_en(pl.col("_prev_day")),
            yen_txt_en(pl.col("_before")),
            yen_txt_en(pl.col("fee_claimed")),
            yen_txt_en(pl.col("fee")),
        ),
        ok_message=pl.format(
            "日額上限{}円以内（同日の既払い{}円・先行派遣{}円）",
            yen_txt(pl.col("_cap")),
            yen_txt(pl.col("_prev_day")),
            yen_txt(pl.col("_before")),
        ),
        ok_message_en=pl.format(
            "within the daily cap of {} yen (already paid that day {} yen, earlier dispatches"
            " {} yen)",
            yen_txt_en(pl.col("_cap")),
            yen_txt_en(pl.col("_prev_day")),
            yen_txt_en(pl.col("_before")),
        ),
        line_no=pl.lit(0),
    )
    return [trunc, cap]
