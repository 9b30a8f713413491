"""日当 R-TRV-9, once per expert per calendar day, also across cycles.

Reading (rules.md R-TRV-9, travel.yaml): the day qualifies when the largest trip distance
reported for it is >= per_diem_min_trip_km and its paid dispatches' face-to-face minutes
add up to >= per_diem_min_face_minutes; it is booked on the day's first paid dispatch by
start time.

Across cycles we read "that day's paid dispatches" as every dispatch of that expert and
day that is paid in THIS cycle or WAS paid by an earlier cycle (the ledger keeps day,
face-to-face minutes and trip distance of each). The distance is NOT limited to paid
dispatches: rules.md says "the largest trip distance reported for it", so every report of
that expert and day (of a non-cancelled dispatch, whatever its status or approval) counts
(``reported_day_km``); the minutes are those of paid dispatches only. So 20 minutes paid
in October and 20 minutes paid in November for the same day make 40 minutes: the day
qualifies in November. An earlier cycle's payment cannot be reopened, so the per diem is
booked on the first (by start time, then id) of the day's dispatches paid in this cycle;
if an earlier cycle already paid the day's per diem, it is not paid again (a per-diem line
of 0 yen, nothing claimed, names the cycle that paid it; not a reduction).
"""

from __future__ import annotations

import polars as pl

from haken_batch.rules import RuleBook
from haken_batch.settle import params, windows
from haken_batch.settle.results import (
    Part,
    cycle_txt,
    exact_km,
    km_txt,
    km_txt_en,
    micrometres,
    result,
    txt,
    txt_en,
    yen_txt,
    yen_txt_en,
)

_PARAMS: dict[str, tuple[str, pl.DataType]] = {
    "_pd": ("travel.per_diem", pl.Int64()),
    "_pd_km": ("travel.per_diem_min_trip_km", pl.Float64()),
    "_pd_min": ("travel.per_diem_min_face_minutes", pl.Int64()),
}


def reported_day_km(reports: pl.DataFrame, dispatches: pl.DataFrame) -> pl.DataFrame:
    """R-TRV-9 Reading: expert_id, support_date -> the largest trip distance reported that day.

    Every report of a non-cancelled dispatch counts, whatever its approval or status.
    """
    from haken_batch.settle.select import CANCELLED, first_per_key

    who = first_per_key(
        dispatches.filter(pl.col("status").fill_null("") != CANCELLED)
        .select("dispatch_id", "expert_id"),
        "dispatch_id",
    )
    return (
        reports.select("dispatch_id", "support_date", "trip_km")
        .join(who, on="dispatch_id", how="inner")
        .filter(pl.col("expert_id").is_not_null() & pl.col("support_date").is_not_null()
                # a distance no trip has (10^22 km, infinite: an R-VAL-1 error that holds
                # its own dispatch) is no distance: it paid another dispatch's per diem
                # with 「全行程空欄km」 on the notice (review, session 22)
                & micrometres(pl.col("trip_km")).is_not_null())
        .group_by("expert_id", "support_date")
        .agg(pl.col("trip_km").max().alias("_rep_km"),
             # whose report it is, for the explanation (smallest id on a tie)
             pl.col("dispatch_id").filter(pl.col("trip_km") == pl.col("trip_km").max()).min()
             .alias("_rep_from"))
    )


def per_diem(
    paid: pl.DataFrame,
    previous: pl.DataFrame,
    rules: RuleBook,
    reported_km: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """For this cycle's paid dispatches: dispatch_id, per_diem, _pd_claimed, _pd_note, ...

    ``paid``: dispatch_id, expert_id, support_date, start_time, face_to_face_minutes, trip_km.
    ``per_diem`` is the yen paid on this dispatch (0 unless it is the day's booking
    dispatch); ``_booking`` marks the dispatch that carries the day (for the line).
    """
    grp = ["expert_id", "support_date"]
    prev = previous.select(
        *grp,
        "dispatch_id",
        pl.col("face_to_face_minutes").cast(pl.Int64),
        pl.col("trip_km").cast(pl.Float64),
        pl.col("per_diem").cast(pl.Int64),
        pl.col("cycle"),
    )
    prev_day = prev.group_by(grp).agg(
        pl.col("face_to_face_minutes").sum().alias("_prev_min"),
        pl.col("trip_km").max().alias("_prev_km"),
        pl.col("dispatch_id").filter(pl.col("trip_km") == pl.col("trip_km").max()).min()
        .alias("_prev_from"),
        pl.col("cycle").filter(pl.col("per_diem") > 0).min().alias("_paid_in"),
    )
    p = params.add(paid, rules, "support_date", _PARAMS)
    day = p.group_by(grp).agg(
        pl.col("face_to_face_minutes").fill_null(0).sum().alias("_now_min"),
        pl.col("trip_km").max().alias("_now_km"),
    )
    if reported_km is None:
        reported_km = pl.DataFrame(
            schema={"expert_id": pl.String(), "support_date": pl.Date(), "_rep_km": pl.Float64(),
                    "_rep_from": pl.String()}
        )
    p = windows.ordered(
        p.join(prev_day, on=grp, how="left")
        .join(day, on=grp, how="left")
        .join(reported_km, on=grp, how="left"),
        grp,
        ["start_time", "dispatch_id"],
    ).with_columns(
        (pl.col("_now_min") + pl.col("_prev_min").fill_null(0)).alias("_day_min"),
        pl.max_horizontal("_now_km", "_prev_km", "_rep_km").alias("_day_km"),
        pl.col(windows.FIRST).alias("_booking"),
    ).with_columns(
        # whose distance it is, named only when not this dispatch's own (a tie included)
        pl.when(pl.col("trip_km") == pl.col("_day_km")).then(None)
        .when(pl.col("_rep_km") == pl.col("_day_km")).then(pl.col("_rep_from"))
        .when(pl.col("_prev_km") == pl.col("_day_km")).then(pl.col("_prev_from"))
        .alias("_km_from"),
    )
    qualifies = (
        (pl.col("_day_km") >= pl.col("_pd_km")) & (pl.col("_day_min") >= pl.col("_pd_min"))
    ).fill_null(False)
    return p.with_columns(
        qualifies.alias("_pd_qualifies"),
        pl.when(pl.col("_booking") & qualifies & pl.col("_paid_in").is_null())
        .then(pl.col("_pd"))
        .otherwise(0)
        .cast(pl.Int64)
        .alias("per_diem"),
    ).select(
        "dispatch_id",
        "per_diem",
        "_booking",
        "_pd_qualifies",
        "_pd",
        "_pd_km",
        "_pd_min",
        "_day_km",
        "_km_from",
        "_day_min",
        "_paid_in",
    )


def day_km_text(en: bool = False) -> pl.Expr:
    """The day's largest trip as text, naming the dispatch whose report gave it when that
    is not the dispatch itself: 「150km（D-002の報告）」. The distance may come from any
    report of the day (R-TRV-9 Reading), and a clerk saw 150 km beside a report of 5 km
    with no word of where it came from (independent sweep, session 22)."""
    other = pl.col("_km_from").is_not_null() & (pl.col("_km_from") != pl.col("dispatch_id"))
    # the figure the threshold was compared with: 99.99999999999999 shown rounded read as
    # 100 beside 「日当の対象外」 (review, session 22)
    km = exact_km(pl.col("_day_km"), en)
    if en:
        return pl.when(other).then(pl.format("{} km (report of {})", km, pl.col("_km_from"))
                                   ).otherwise(pl.format("{} km", km))
    return pl.when(other).then(pl.format("{}km（{}の報告）", km, pl.col("_km_from"))
                               ).otherwise(pl.format("{}km", km))


def results(pd_frame: pl.DataFrame) -> Part:
    """R-TRV-9 explanation for every paid dispatch (a pass: the per diem is never cut)."""
    why = pl.format(
        "同日の最大全行程{}（基準{}km）・支払対象の対面合計{}分（基準{}分）",
        day_km_text(),
        km_txt(pl.col("_pd_km")),
        txt(pl.col("_day_min")),
        txt(pl.col("_pd_min")),
    )
    why_en = pl.format(
        "largest trip that day {} (threshold {} km), face-to-face minutes of the paid"
        " dispatches {} (threshold {})",
        day_km_text(en=True),
        km_txt_en(pl.col("_pd_km")),
        txt_en(pl.col("_day_min")),
        txt_en(pl.col("_pd_min")),
    )
    # A day whose per diem an earlier cycle paid is not a reduction of this dispatch: it
    # never carried the per diem (the earlier one did, as a same-cycle second dispatch never
    # does). It said "reduce" with a claimed 1,100 -> 0 (blind check of the rule ids).
    already = pl.col("_booking") & pl.col("_pd_qualifies") & pl.col("_paid_in").is_not_null()
    return result(
        pd_frame,
        "R-TRV-9",
        pl.lit(False),
        "reduce",
        pl.lit(""),
        pl.lit(""),
        ok_message=pl.when(~pl.col("_pd_qualifies"))
        .then(pl.format("日当の対象外: {}", why))
        .when(already)
        .then(pl.format("同日の日当は{}で支払済（1日1回）", cycle_txt(pl.col("_paid_in"))))
        .when(pl.col("_booking"))
        .then(pl.format("日当{}円: {}", yen_txt(pl.col("_pd")), why))
        .otherwise(pl.lit("日当は同日の最初の支払対象派遣に計上")),
        ok_message_en=pl.when(~pl.col("_pd_qualifies"))
        .then(pl.format("per diem requirements not met: {}", why_en))
        .when(already)
        .then(pl.format("the per diem of that day was already paid in cycle {} (once a day)",
                        txt_en(pl.col("_paid_in"))))
        .when(pl.col("_booking"))
        .then(pl.format("per diem {} yen: {}", yen_txt_en(pl.col("_pd")), why_en))
        .otherwise(pl.lit("per diem is booked on the day's first paid dispatch")),
    )
