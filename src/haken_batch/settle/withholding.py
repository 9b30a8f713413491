"""源泉徴収 R-TAX-1..3: per expert per cycle (one transfer = one payment), rates by transfer date.

Integer arithmetic in basis points (1/10000); one floor, on the total (R-TAX-1).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from haken_batch.rules import RuleBook

CORPORATION = "法人"


def tax_on(base: pl.Expr, low_bp: int, high_bp: int, threshold: int) -> pl.Expr:
    """R-TAX-1: low rate up to the threshold, high rate on the part above; floor once."""
    return (
        pl.when(base <= threshold)
        .then(base * low_bp)
        .otherwise(threshold * low_bp + (base - threshold) * high_bp)
        // 10_000
    ).clip(lower_bound=0)


def withhold(payments: pl.DataFrame, rules: RuleBook, transfer_date: dt.date) -> pl.DataFrame:
    """``payments`` has expert_id, payee_type, fee, transport, per_diem, lodging, gross."""
    low = int(rules.value_at("tax.rate_low_bp", transfer_date))
    high = int(rules.value_at("tax.rate_high_bp", transfer_date))
    threshold = int(rules.value_at("tax.threshold", transfer_date))
    travel_in_base = bool(rules.value_at("tax.travel_in_base", transfer_date))  # R-TAX-2
    corporations = bool(rules.value_at("tax.withhold_corporations", transfer_date))
    travel = pl.col("transport") + pl.col("per_diem") + pl.col("lodging")
    base = pl.col("fee") + (travel if travel_in_base else pl.lit(0, pl.Int64()))
    exempt = (pl.col("payee_type") == CORPORATION).fill_null(False) & pl.lit(not corporations)
    return payments.with_columns(
        pl.when(exempt)
        .then(0)
        .otherwise(tax_on(base, low, high, threshold))
        .cast(pl.Int64)
        .alias("withholding"),
    ).with_columns((pl.col("gross") - pl.col("withholding")).alias("net"))
