"""The paid facts: one row per dispatch paid in the fiscal year up to this cycle, with its yen
and every attribute the KPIs break down by (R-RPT-2, R-PAY-7).

Held dispatches are not facts until the cycle that pays them; excluded ones never are.
"""

from __future__ import annotations

import polars as pl

from haken_batch.kpi.inputs import UNKNOWN, YOROZU, KpiInputs

MONEY = ("fee", "transport", "per_diem", "lodging")


def travel_expr() -> pl.Expr:
    """R-TRV-2: travel = transport + 日当 + 宿泊費."""
    return (pl.col("transport") + pl.col("per_diem") + pl.col("lodging")).alias("travel")


def month_paid(inp: KpiInputs) -> pl.DataFrame:
    """This cycle's paid dispatches (settlement status ``paid``)."""
    d = inp.decisions
    return (
        d.filter(pl.col("status") == "paid")
        .select(
            pl.lit(inp.cycle).alias("cycle"),
            pl.col("dispatch_id").cast(pl.String),
            pl.col("expert_id").cast(pl.String),
            pl.col("institution_id").cast(pl.String),
            pl.col("support_date").cast(pl.Date),
            *[pl.col(c).cast(pl.Int64).fill_null(0) for c in MONEY],
            pl.col("total").cast(pl.Int64).fill_null(0),
        )
    )


def earlier_paid(inp: KpiInputs) -> pl.DataFrame:
    """Ledger rows of earlier cycles of the same fiscal year (cycles are ``YYYY-MM``).

    A paid dispatch counts for the institution its paying cycle recorded, so a month's
    "amount used" (R-RPT-1) never moves to another institution afterwards; the other
    attributes (company, issue, expert) are read from the current export."""
    first = inp.fy_start.strftime("%Y-%m")
    return (
        inp.previous.filter((pl.col("cycle") >= first) & (pl.col("cycle") < inp.cycle))
        .select(
            "cycle", "dispatch_id", "expert_id",
            # the institution the paying cycle recorded; null in ledgers of earlier versions
            # (then the current export's, below)
            pl.col("institution_id").cast(pl.String),
            "support_date",
            *[pl.col(c).fill_null(0) for c in MONEY],
            pl.col("total").fill_null(0),
        )
    )


def kind_label_expr(inp: KpiInputs) -> pl.Expr:
    """①..⑫ with the kind's name, or よろず支援拠点 (R-RPT-2 "kind of the institution")."""
    labels = {code: f"{mark} {name}" for code, mark, name in inp.codes.kinds}
    return (
        pl.when(pl.col("channel") == YOROZU).then(pl.lit(YOROZU))
        .otherwise(pl.col("kind").replace_strict(labels, default=None, return_dtype=pl.String))
        .fill_null(UNKNOWN)
        .alias("kind_label")
    )


def paid_facts(inp: KpiInputs) -> pl.DataFrame:
    """Month and earlier paid rows with attributes; ``in_month`` marks this cycle's rows."""
    rows = pl.concat([
        month_paid(inp).with_columns(pl.lit(True).alias("in_month")),
        earlier_paid(inp).with_columns(pl.lit(False).alias("in_month")),
    ])
    table = inp.dispatch_table.select(
        "dispatch_id",
        pl.col("institution_id").alias("_table_institution_id"),
        "company_id", "company_name", "company_address", "company_phone",
        "company_prefecture", "industry", "employees", "company_class", "issue_category",
    ).unique("dispatch_id", keep="first")
    inst = inp.institutions.select(
        "institution_id",
        pl.col("name").alias("institution_name"),
        "channel", "kind", "platform_id", "platform_name", "is_representative",
        pl.col("prefecture").alias("institution_prefecture"),
    ).unique("institution_id", keep="first")
    bureau = pl.DataFrame(
        {"company_prefecture": [p[1] for p in inp.codes.prefectures],
         "bureau": [p[2] for p in inp.codes.prefectures]},
        schema={"company_prefecture": pl.String, "bureau": pl.String},
    )
    return (
        rows.join(table, on="dispatch_id", how="left")
        .with_columns(pl.coalesce("institution_id", "_table_institution_id")
                      .alias("institution_id"))
        .drop("_table_institution_id")
        .join(inst, on="institution_id", how="left")
        .join(bureau, on="company_prefecture", how="left")
        .with_columns(travel_expr(), kind_label_expr(inp))
        .sort("cycle", "dispatch_id")
    )
