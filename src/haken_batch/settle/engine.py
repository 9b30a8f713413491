"""``settle``: one cycle's decisions, yen, payments and ledger, as a pure function of frames.

No I/O, no clock. Steps: select what the cycle considers -> every check (results rows) ->
one status per dispatch -> fee with the daily cap, travel lines, per diem, for the paid
ones -> lines, findings, dispatches, payments (with withholding), ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from haken_batch.errors import RulesError
from haken_batch.rules import RuleBook
from haken_batch.run import Settlement
from haken_batch.settle import checks, decide, exclusions, fee, limits, perdiem, travel, withholding
from haken_batch.settle.guard import require_paid_dispatches, require_payments
from haken_batch.settle.inputs import conform
from haken_batch.settle.results import (
    NOTES,
    both,
    cases,
    cycle_txt,
    english_notes,
    rows,
    txt,
    txt_en,
    yen_txt,
    yen_txt_en,
)
from haken_batch.settle.select import considered, paid_under_another_spelling

if TYPE_CHECKING:
    from haken_batch.load import Dataset

FEE_ITEM, PER_DIEM_ITEM = "謝金", "日当"
MONEY = ("fee", "transport", "per_diem", "lodging")

LEDGER_SCHEMA = pl.Schema(
    {
        "cycle": pl.String(),
        "dispatch_id": pl.String(),
        "expert_id": pl.String(),
        "support_date": pl.Date(),
        "start_time": pl.Time(),
        "fee": pl.Int64(),
        "transport": pl.Int64(),
        "per_diem": pl.Int64(),
        "lodging": pl.Int64(),
        "total": pl.Int64(),
        "face_to_face_minutes": pl.Int64(),
        "trip_km": pl.Float64(),
        # the institution the payment used (R-RPT-1 "amount used"): the KPI cumulative counts
        # a paid dispatch for it even when a later export names another or drops the case
        "institution_id": pl.String(),
    }
)
LINE_SCHEMA = pl.Schema(
    {
        "dispatch_id": pl.String(),
        "line_no": pl.Int64(),
        "item": pl.String(),
        "claimed": pl.Int64(),
        "paid": pl.Int64(),
        "rule_id": pl.String(),
        "note": pl.String(),
        "note_en": pl.String(),
    }
)


def empty_ledger() -> pl.DataFrame:
    return pl.DataFrame(schema=LEDGER_SCHEMA)


EXCLUDED_SCHEMA = pl.Schema(
    {
        "cycle": pl.String(),
        "dispatch_id": pl.String(),
        "expert_id": pl.String(),
        "support_date": pl.Date(),
        "rules": pl.String(),
    }
)


def empty_excluded() -> pl.DataFrame:
    return pl.DataFrame(schema=EXCLUDED_SCHEMA)


def _validation_touched(data: Dataset) -> pl.DataFrame:
    """R-VAL-1/R-VAL-2 rows from the validator: dispatch_id, rule_id, message_ja, message_en.

    The validator's findings include the bank check (``bankcheck.unpayable_experts`` on the
    same typed experts table, every finding an error keyed by expert_id), so an expert with
    unusable bank data already holds all of its dispatches through these rows (R-VAL-2).
    """
    from haken_batch.validate import touched_dispatches

    return touched_dispatches(data).select(
        pl.col("dispatch_id").cast(pl.String),
        pl.col("rule_id").cast(pl.String),
        pl.col("message_ja").cast(pl.String),
        pl.col("message_en").cast(pl.String),
    )


def _approval_in_doubt(data: Dataset) -> pl.Series:
    """Dispatch ids of reports whose approval timestamp carries an error finding."""
    cells = data.error_cells
    if cells is None:
        return pl.Series("dispatch_id", [], dtype=pl.String)
    return (cells.filter((pl.col("table") == "reports") & (pl.col("column") == "approved_at"))
            .get_column("key").alias("dispatch_id"))


def _no_unpayable() -> pl.DataFrame:
    return pl.DataFrame(schema={"expert_id": pl.String(), "message_ja": pl.String()})


def settle(
    data: Dataset,
    rules: RuleBook,
    *,
    cycle: str,
    cutoff: dt.date,
    transfer_date: dt.date,
    previous: pl.DataFrame,
    record_checks: bool = True,
    touched: pl.DataFrame | None = None,
    unpayable: pl.DataFrame | None = None,
    excluded_before: pl.DataFrame | None = None,
) -> Settlement:
    """Settle one cycle. ``previous`` is the ledger of earlier cycles (LEDGER_SCHEMA);
    ``excluded_before`` what earlier cycles excluded (EXCLUDED_SCHEMA; an exclusion is final).

    ``record_checks=False`` keeps only the non-pass rows in ``extra["checks"]`` and builds
    no English twins of line notes (``note_en`` null, and the English messages that quote
    them): scale runs write Japanese files only, and ``explain`` re-runs with documents.
    ``touched`` overrides the validator's findings (tests); ``unpayable`` (expert_id,
    message_ja) adds bank problems the validator did not see (tests, frames built by hand).
    By default nothing is added: the validator already ran the bank check (R-VAL-2).
    """
    with english_notes(record_checks):
        return _settle(data, rules, cycle=cycle, cutoff=cutoff, transfer_date=transfer_date,
                       previous=previous, record_checks=record_checks, touched=touched,
                       unpayable=unpayable, excluded_before=excluded_before)


def _settle(
    data: Dataset,
    rules: RuleBook,
    *,
    cycle: str,
    cutoff: dt.date,
    transfer_date: dt.date,
    previous: pl.DataFrame,
    record_checks: bool,
    touched: pl.DataFrame | None,
    unpayable: pl.DataFrame | None,
    excluded_before: pl.DataFrame | None,
) -> Settlement:
    """``settle``'s body (inside its language setting)."""
    t = conform(data.tables)
    previous = previous.select(
        (pl.col(c).cast(dtype) if c in previous.columns else pl.lit(None, dtype)).alias(c)
        for c, dtype in LEDGER_SCHEMA.items()
    )
    if touched is None:
        touched = _validation_touched(data)
    if unpayable is None:
        unpayable = _no_unpayable()

    d = checks.attach_checkins(considered(t, cutoff, previous, _approval_in_doubt(data)),
                               t["checkins"])
    touched = pl.concat([touched.select("dispatch_id", "rule_id", "message_ja", "message_en"),
                         paid_under_another_spelling(d, previous)])
    claims = travel.prepare(t["travel_claims"], d, rules,
                            travel.fare_corrected(getattr(data, "corrections", None)))
    ranked = limits.ranks(t, rules, previous.get_column("dispatch_id"))
    parts = [
        *exclusions.all_exclusions(d, rules),
        *exclusions.final(d, excluded_before),
        *checks.all_checks(d, rules, checks.overlapping(t, rules), touched, unpayable,
                           checks.refused_inputs(data.error_cells)),
        *limits.r_lim_1(d, ranked, rules),
        *travel.results(claims, record_checks),
    ]
    res = exclusions.one_row_each(pl.concat([rows(p, record_checks) for p in parts]).collect())
    del parts, ranked  # frames of a million rows each: memory at scale

    status = decide.statuses(d.select("dispatch_id"), res)
    d = d.join(status, on="dispatch_id", how="left")
    is_paid = pl.col("status") == decide.PAID

    # Fee (R-FEE-1..3): truncated for every dispatch, capped for the paid ones.
    f = fee.claimed(d, rules).join(
        d.select(
            "dispatch_id",
            "expert_id",
            "support_date",
            "start_time",
            "face_to_face_minutes",
            "status",
        ),
        on="dispatch_id",
    )
    paid_f = f.filter(is_paid)
    cap = fee.capped(paid_f, previous)
    f = f.join(cap, on="dispatch_id", how="left")
    del paid_f, cap

    # Per diem (R-TRV-9) on the paid ones.
    paid_d = d.filter(is_paid).select(
        "dispatch_id", "expert_id", "support_date", "start_time", "face_to_face_minutes", "trip_km"
    )
    reported_km = perdiem.reported_day_km(t["reports"], t["dispatches"])
    pd_frame = perdiem.per_diem(paid_d, previous, rules, reported_km)
    del paid_d, reported_km

    extra_res = [*fee.results(f), perdiem.results(pd_frame)]
    res = pl.concat([res, *(rows(p, record_checks).collect() for p in extra_res)])

    lines = _lines(d, f, claims, pd_frame)
    amounts = _amounts(lines, claims)
    dispatches = _dispatches(d, amounts, res)
    _require_money(dispatches)
    require_paid_dispatches(dispatches)  # never a negative amount written as paid
    payments = _payments(dispatches, t["experts"], rules, transfer_date)
    require_payments(payments)  # nor a net below 0 (tax above the gross)
    findings = _findings(res, d)
    ledger = _ledger(cycle, d, dispatches)
    checks_out = res
    return Settlement(
        cycle=cycle,
        cutoff=cutoff,
        transfer_date=transfer_date,
        dispatches=dispatches,
        lines=lines,
        findings=findings,
        payments=payments,
        ledger=ledger,
        extra={"checks": _sort_checks(checks_out)},
    )


def _sort_checks(res: pl.DataFrame) -> pl.DataFrame:
    """By dispatch, rule, line; rows equal on those (a validator hold and the check's own
    row, several R-VAL-1 problems) keep the order the checks gave them (a stable sort: an
    unstable one let them come out in any order from one run to the next)."""
    return res.sort(["dispatch_id", "rule_id", "line_no"], nulls_last=False, maintain_order=True)


def _decisive_rule() -> pl.Expr:
    return pl.col("_decisive").list.first()


def _lines(
    d: pl.DataFrame, f: pl.DataFrame, claims: pl.DataFrame, pd_frame: pl.DataFrame
) -> pl.DataFrame:
    """Every computed amount, claimed vs paid (lines.csv). Unpaid dispatches pay 0 per line.

    ``note`` is Japanese (lines.csv); ``note_en`` its English twin with the same values
    (``explain --lang en``), built in the same pass (``results.both``)."""
    status = d.select("dispatch_id", "status", "_decisive")
    paid = pl.col("status") == decide.PAID
    excluded = pl.col("status") == decide.EXCLUDED
    decisive = pl.col("_decisive").list.join(";")
    unpaid_note = (
        pl.when(excluded)
        .then(both(pl.format("対象外（{}）", decisive), pl.format("excluded ({})", decisive)))
        .otherwise(both(pl.format("保留（{}）", decisive), pl.format("held ({})", decisive)))
    )

    fee_f = f.join(status, on="dispatch_id")

    def fee_text(cap_ja: pl.Expr, cap_en: pl.Expr) -> pl.Expr:
        return both(*fee.formula_text(cap_ja, cap_en))

    capped_text = fee_text(
        pl.format(
            "、日額上限{}円（同日の既払い{}円・先行派遣{}円）",
            yen_txt(pl.col("_cap")),
            yen_txt(pl.col("_prev_day")),
            yen_txt(pl.col("_before")),
        ),
        pl.format(
            ", daily cap {} yen (already paid that day {} yen, earlier dispatches {} yen)",
            yen_txt_en(pl.col("_cap")),
            yen_txt_en(pl.col("_prev_day")),
            yen_txt_en(pl.col("_before")),
        ),
    )
    # notes computed only on the rows that take them (results.cases), both languages at once
    fee_note = cases(
        fee_f,
        [
            (paid & (pl.col("fee") < pl.col("fee_claimed")), capped_text),
            (paid, fee_text(pl.lit(""), pl.lit(""))),
        ],
        unpaid_note,
        dtype=NOTES,
    ).struct.unnest()
    fee_lines = fee_f.select(
        "dispatch_id",
        pl.lit(0, pl.Int64()).alias("line_no"),
        pl.lit(FEE_ITEM).alias("item"),
        pl.col("fee_claimed").fill_null(0).alias("claimed"),
        pl.when(paid).then(pl.col("fee")).otherwise(0).alias("paid"),
        pl.when(paid)
        .then(
            pl.when(pl.col("fee") < pl.col("fee_claimed"))
            .then(pl.lit("R-FEE-3"))
            .otherwise(pl.lit("R-FEE-2"))
        )
        .otherwise(_decisive_rule())
        .alias("rule_id"),
        fee_note.get_column("note"),
        fee_note.get_column("note_en"),
    )
    claim_f = claims.select(
        "dispatch_id", "line_no", "mode", "claimed", "allowed", "rule_id", "note", "note_en",
        "_hold", "_papers",
    ).join(status, on="dispatch_id")
    # a held dispatch's line cites what holds that line, if anything does (it cited the
    # dispatch's first rule: R-CHK-2 on a rental line held for R-TRV-8; blind check)
    line_hold = (
        pl.when(pl.col("_hold").is_not_null())
        .then(pl.col("rule_id"))
        .when(pl.col("_papers").fill_null("") != "")
        .then(pl.lit("R-CHK-5"))
    )
    claim_note = cases(
        claim_f,
        [
            (paid, both(pl.col("note"), pl.col("note_en"))),
            (
                excluded,
                both(
                    pl.format("対象外のため旅費なし（{}）", decisive),
                    pl.format("excluded, so no travel costs ({})", decisive),
                ),
            ),
        ],
        unpaid_note,
        dtype=NOTES,
    ).struct.unnest()
    claim_lines = claim_f.select(
        "dispatch_id",
        pl.col("line_no").cast(pl.Int64),
        pl.col("mode").fill_null("").alias("item"),
        pl.col("claimed").fill_null(0),
        pl.when(paid).then(pl.col("allowed")).otherwise(0).alias("paid"),
        pl.when(paid)
        .then(pl.col("rule_id"))
        .when(excluded)
        .then(pl.lit("R-TRV-12"))
        .otherwise(pl.coalesce(line_hold, _decisive_rule()))
        .alias("rule_id"),
        claim_note.get_column("note"),
        claim_note.get_column("note_en"),
    )
    next_no = claims.group_by("dispatch_id").agg(pl.col("line_no").max().alias("_max"))
    pd_lines = (
        pd_frame.filter(pl.col("_booking") & pl.col("_pd_qualifies"))
        .join(next_no, on="dispatch_id", how="left")
        .select(
            "dispatch_id",
            (pl.col("_max").fill_null(0).cast(pl.Int64) + 1).alias("line_no"),
            pl.lit(PER_DIEM_ITEM).alias("item"),
            # nothing is claimed on a day an earlier cycle paid (the line only says which)
            pl.when(pl.col("_paid_in").is_null()).then(pl.col("_pd")).otherwise(0)
            .alias("claimed"),
            pl.col("per_diem").alias("paid"),
            pl.lit("R-TRV-9").alias("rule_id"),
            pl.when(pl.col("_paid_in").is_not_null())
            .then(both(
                pl.format("同日の日当は{}で支払済", cycle_txt(pl.col("_paid_in"))),
                pl.format("the per diem of that day was already paid in cycle {}",
                          pl.col("_paid_in")),
            ))
            .otherwise(both(
                pl.format("同日の最大全行程{}・対面合計{}分",
                          perdiem.day_km_text(), txt(pl.col("_day_min"))),
                pl.format("largest trip that day {}, face-to-face minutes {} in all",
                          perdiem.day_km_text(en=True), txt_en(pl.col("_day_min"))),
            ))
            .struct.unnest(),
        )
    )
    frames = [
        x.select(list(LINE_SCHEMA)).cast(LINE_SCHEMA) for x in (fee_lines, claim_lines, pd_lines)
    ]
    return _sort_lines(pl.concat(frames))


def _sort_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Sorted on every column; when (dispatch_id, line_no) is unique, as it is unless an
    export repeats a claim line, sorting on those two gives the same order, for less."""
    key = ["dispatch_id", "line_no"]
    out = lines.sort(key, nulls_last=False)
    tie = out.select(
        pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in key).any()
    ).item()
    if tie:
        return lines.sort(list(LINE_SCHEMA), nulls_last=False)
    return out


def _amounts(lines: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """Per dispatch: fee, transport, per_diem, lodging (sums of the paid lines)."""
    kind = lines.join(
        claims.select("dispatch_id", pl.col("line_no").cast(pl.Int64), "_is_lodging"),
        on=["dispatch_id", "line_no"],
        how="left",
    )
    item = pl.col("item")
    return kind.group_by("dispatch_id").agg(
        pl.col("paid").filter(item == FEE_ITEM).sum().alias("fee"),
        pl.col("paid")
        .filter(
            (item != FEE_ITEM) & (item != PER_DIEM_ITEM) & ~pl.col("_is_lodging").fill_null(False)
        )
        .sum()
        .alias("transport"),
        pl.col("paid").filter(item == PER_DIEM_ITEM).sum().alias("per_diem"),
        pl.col("paid").filter(pl.col("_is_lodging").fill_null(False)).sum().alias("lodging"),
    )


def _dispatches(d: pl.DataFrame, amounts: pl.DataFrame, res: pl.DataFrame) -> pl.DataFrame:
    reductions = (
        res.filter(pl.col("outcome") == "reduce")
        .group_by("dispatch_id")
        .agg(pl.col("rule_id").unique().sort().alias("_red"))
    )
    out = (
        d.select(
            "dispatch_id", "expert_id", "institution_id", "support_date", "status", "_decisive"
        )
        .join(amounts, on="dispatch_id", how="left")
        .join(reductions, on="dispatch_id", how="left")
        .with_columns(pl.col(m).fill_null(0).cast(pl.Int64) for m in MONEY)
    )
    rules = (
        pl.when(pl.col("status") == decide.PAID).then(pl.col("_red")).otherwise(pl.col("_decisive"))
    )
    return out.select(
        "dispatch_id",
        "expert_id",
        "institution_id",
        "support_date",
        "status",
        *MONEY,
        pl.sum_horizontal(*MONEY).cast(pl.Int64).alias("total"),
        rules.fill_null(pl.lit([], pl.List(pl.String))).list.join(";").alias("rules"),
    ).sort("dispatch_id")


def _require_money(dispatches: pl.DataFrame) -> None:
    """A paid dispatch whose date has no fee/travel parameters is a rules gap, not 0 yen."""
    bad = dispatches.filter(
        (pl.col("status") == decide.PAID)
        & pl.any_horizontal(pl.col(m).is_null() for m in (*MONEY, "total"))
    )
    if bad.height:
        first = bad.row(0, named=True)
        raise RulesError(
            f"派遣 {first['dispatch_id']} の支援日 {first['support_date']} に"
            "金額のルールがありません",
            f"no money rules in force on {first['support_date']} (dispatch {first['dispatch_id']})",
        )


def _payments(
    dispatches: pl.DataFrame, experts: pl.DataFrame, rules: RuleBook, transfer_date: dt.date
) -> pl.DataFrame:
    """R-PAY-1/R-PAY-2: one row per expert with at least one paid dispatch."""
    payee = experts.select("expert_id", "payee_type").unique(subset="expert_id", keep="first")
    p = (
        dispatches.filter(pl.col("status") == decide.PAID)
        .group_by("expert_id")
        .agg(pl.len().cast(pl.Int64).alias("dispatch_count"), *(pl.col(m).sum() for m in MONEY))
        .with_columns(pl.sum_horizontal(*MONEY).cast(pl.Int64).alias("gross"))
        .join(payee, on="expert_id", how="left")
    )
    p = withholding.withhold(p, rules, transfer_date)
    return p.select("expert_id", "dispatch_count", *MONEY, "gross", "withholding", "net").sort(
        "expert_id"
    )


def _findings(res: pl.DataFrame, d: pl.DataFrame) -> pl.DataFrame:
    """Only the decisive kind per status (exclude / hold / reduce) plus every flag."""
    st = d.select("dispatch_id", "status")
    severity_for = (
        pl.when(pl.col("status") == decide.EXCLUDED)
        .then(pl.lit("exclude"))
        .when(pl.col("status") == decide.HELD)
        .then(pl.lit("hold"))
        .otherwise(pl.lit("reduce"))
    )
    return (
        res.filter(pl.col("outcome") != "pass")
        .join(st, on="dispatch_id", how="inner")
        .filter((pl.col("outcome") == "flag") | (pl.col("outcome") == severity_for))
        .select("dispatch_id", "line_no", "rule_id", pl.col("outcome").alias("severity"), "message")
        .unique()
        .sort(["dispatch_id", "line_no", "rule_id", "severity", "message"], nulls_last=False)
    )


def _ledger(cycle: str, d: pl.DataFrame, dispatches: pl.DataFrame) -> pl.DataFrame:
    """What this cycle paid (the ledger of OUT is the union over cycle folders)."""
    extra = d.select("dispatch_id", "start_time", "face_to_face_minutes", "trip_km")
    return (
        dispatches.filter(pl.col("status") == decide.PAID)
        .join(extra, on="dispatch_id", how="left")
        .with_columns(pl.lit(cycle).alias("cycle"))
        .select(list(LEDGER_SCHEMA))
        .cast(LEDGER_SCHEMA)
        .sort("dispatch_id")
    )
