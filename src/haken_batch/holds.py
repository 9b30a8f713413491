"""holds.csv: the cycle's held dispatches as a to-do list, one row per reason, sorted by the
applying institution (a clerk filters it by 申請機関ID and asks each institution, expert or
the secretariat itself for what is missing). The same facts as dispatches.csv (判定 held)
and findings.csv (区分 hold), joined with the institution's name and what to do about each
reason (templates/hold_reasons.yaml); no expert's name or account (personal data)."""

from __future__ import annotations

import polars as pl

from haken_batch.settle.decide import HELD

COLUMNS = ["institution_id", "institution_name", "dispatch_id", "support_date", "expert_id",
           "line_no", "rule_id", "message", "todo"]
SORT_KEY = ["institution_id", "dispatch_id", "line_no", "rule_id", "message"]
HOLD = "hold"  # findings' severity of a reason that holds the dispatch


def holds(dispatches: pl.DataFrame, findings: pl.DataFrame,
          institutions: pl.DataFrame | None, todos: dict[str, str]) -> pl.DataFrame:
    """Held dispatches × their hold reasons, with the institution's name and the to-do.

    A dispatch held without a hold finding of its own (none today) still gets one row, so
    the list never has fewer dispatches than dispatches.csv holds."""
    held = dispatches.filter(pl.col("status") == HELD).select(
        "dispatch_id", "institution_id", "support_date", "expert_id")
    reasons = findings.filter(pl.col("severity") == HOLD).select(
        "dispatch_id", "line_no", "rule_id", "message")
    names = _names(institutions)
    todo = pl.DataFrame({"rule_id": list(todos), "todo": list(todos.values())},
                        schema={"rule_id": pl.String(), "todo": pl.String()})
    return (held.join(reasons, on="dispatch_id", how="left")
            .join(names, on="institution_id", how="left")
            .join(todo, on="rule_id", how="left")
            .with_columns(pl.col("todo").replace("", None))
            .select(COLUMNS)
            .sort(SORT_KEY, nulls_last=False))


def _names(institutions: pl.DataFrame | None) -> pl.DataFrame:
    """institution_id -> name, one row per id: a duplicated id (a validation error) takes the
    smallest name, so the order of the export's rows never changes the file."""
    empty = pl.DataFrame(schema={"institution_id": pl.String(), "institution_name": pl.String()})
    if institutions is None or not {"institution_id", "name"} <= set(institutions.columns):
        return empty
    return (institutions.select("institution_id", pl.col("name").alias("institution_name"))
            .filter(pl.col("institution_id").is_not_null())
            .group_by("institution_id").agg(pl.col("institution_name").min()))
