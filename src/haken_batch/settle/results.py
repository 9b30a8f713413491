"""The one shape every check returns: what was evaluated for a dispatch (or a claim line).

``dispatch_id, line_no, rule_id, outcome, message`` — ``outcome`` is ``pass``, ``hold``,
``exclude``, ``reduce`` or ``flag``; ``line_no`` is null for a dispatch-level check, 0 for
the fee line and the claim's own number for a travel line. The message (Japanese) carries
the parameter values used, so `haken explain` can tell the story without recomputing.
"""

from __future__ import annotations

import polars as pl

OUTCOMES = ("pass", "flag", "reduce", "hold", "exclude")
SCHEMA = pl.Schema(
    {
        "dispatch_id": pl.String(),
        "line_no": pl.Int64(),
        "rule_id": pl.String(),
        "outcome": pl.String(),
        "message": pl.String(),
    }
)


def result(
    frame: pl.LazyFrame | pl.DataFrame,
    rule_id: str,
    failed: pl.Expr,
    outcome: str,
    message: pl.Expr,
    *,
    ok_message: pl.Expr | str = "問題なし",
    line_no: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Rows of one check: ``outcome`` where ``failed`` is true, else ``pass``.

    A null ``failed`` (data missing) counts as passed here: the missing data itself is a
    validation finding (R-VAL-1) and holds the dispatch through the validator.
    """
    failed = failed.fill_null(False)
    ok = pl.lit(ok_message) if isinstance(ok_message, str) else ok_message
    return frame.lazy().select(
        pl.col("dispatch_id"),
        (line_no if line_no is not None else pl.lit(None, pl.Int64()))
        .cast(pl.Int64)
        .alias("line_no"),
        pl.lit(rule_id).alias("rule_id"),
        pl.when(failed).then(pl.lit(outcome)).otherwise(pl.lit("pass")).alias("outcome"),
        pl.when(failed).then(message).otherwise(ok).cast(pl.String).alias("message"),
    )


def empty() -> pl.LazyFrame:
    return pl.DataFrame(schema=SCHEMA).lazy()


def txt(expr: pl.Expr) -> pl.Expr:
    """A value as text for a message (null shows as 空欄)."""
    return expr.cast(pl.String).fill_null("空欄")
