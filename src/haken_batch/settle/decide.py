"""Decisions ("Decisions" in rules.md): exactly one status per considered dispatch.

excluded (any exclusion: R-EXC-*, R-PER-1) wins over held (any hold), which wins over paid.
Reductions and flags never change the status.
"""

from __future__ import annotations

import polars as pl

PAID, HELD, EXCLUDED = "paid", "held", "excluded"


def statuses(dispatch_ids: pl.DataFrame, res: pl.DataFrame) -> pl.DataFrame:
    """dispatch_id -> status, decisive rule ids (``_decisive``: sorted unique list)."""
    worst = (
        res.filter(pl.col("outcome").is_in(["exclude", "hold"]))
        .group_by("dispatch_id")
        .agg(
            pl.col("outcome").eq("exclude").any().alias("_ex"),
            pl.col("rule_id")
            .filter(pl.col("outcome") == "exclude")
            .unique()
            .sort()
            .alias("_ex_rules"),
            pl.col("rule_id")
            .filter(pl.col("outcome") == "hold")
            .unique()
            .sort()
            .alias("_hold_rules"),
        )
    )
    return dispatch_ids.join(worst, on="dispatch_id", how="left").select(
        "dispatch_id",
        pl.when(pl.col("_ex").fill_null(False))
        .then(pl.lit(EXCLUDED))
        .when(pl.col("_hold_rules").list.len().fill_null(0) > 0)
        .then(pl.lit(HELD))
        .otherwise(pl.lit(PAID))
        .alias("status"),
        pl.when(pl.col("_ex").fill_null(False))
        .then(pl.col("_ex_rules"))
        .otherwise(pl.col("_hold_rules"))
        .fill_null(pl.lit([], pl.List(pl.String)))
        .alias("_decisive"),
    )
