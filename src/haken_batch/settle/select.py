"""Which dispatches a cycle considers (issue 6 item 1, R-CHK-6 approval, R-PAY-1).

A dispatch is considered when its report was approved by the institution on or before the
cut-off, it is not cancelled (キャンセル is never paid) and no earlier cycle paid it
(``previous`` is the ledger of earlier cycles; held and excluded dispatches are not in it,
so they come back by themselves).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

CANCELLED = "キャンセル"


def repeats(frame: pl.DataFrame, key: str) -> bool:
    """Whether a value of ``key`` (null included) occurs on more than one row; counting the
    distinct values is cheaper than marking the duplicated rows or a ``unique``."""
    return frame.get_column(key).n_unique() != frame.height


def first_per_key(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """``frame.unique(subset=key, keep="first")``, skipped when no key repeats (the usual
    export); callers join on the key, so the row order does not matter."""
    return frame.unique(subset=key, keep="first") if repeats(frame, key) else frame


def _one_per_key(frame: pl.DataFrame, key: str, order: list[str]) -> pl.DataFrame:
    """Keep one row per key (deterministically) and mark keys that were duplicated.

    When no key repeats (the usual export) every row is kept as it is: no sort, no unique
    (callers join on the key and sort their result on it)."""
    if not repeats(frame, key):
        none = pl.Series(key, [], dtype=frame.schema[key])
        return frame.with_columns(pl.col(key).is_in(none.implode()).alias(f"_dup_{key}"))
    dup = frame.group_by(key).len().filter(pl.col("len") > 1).select(key)
    return (
        frame.sort([key, *order], nulls_last=True)
        .unique(subset=key, keep="first", maintain_order=True)
        .with_columns(pl.col(key).is_in(dup.get_column(key).implode()).alias(f"_dup_{key}"))
    )


def considered(t: dict[str, pl.DataFrame], cutoff: dt.date, previous: pl.DataFrame,
               approval_in_doubt: pl.Series | None = None) -> pl.DataFrame:
    """``approval_in_doubt``: dispatch ids whose 機関承認日時 is written but unreadable or
    implausible (an error finding). Whether they were approved by the cut-off is unknown, so
    they are considered and held (R-VAL-1) instead of waiting unseen for a date that never
    comes; once the cell is corrected they follow their approval date like any other. A
    report cannot be approved before its support took place, so one dated after the cut-off
    waits for the cycle of its support date."""
    approved = pl.col("approved_at").is_not_null() & (pl.col("approved_at").dt.date() <= cutoff)
    if approval_in_doubt is not None and approval_in_doubt.len():
        supported = pl.col("support_date").is_null() | (pl.col("support_date") <= cutoff)
        approved = approved | (pl.col("dispatch_id").is_in(approval_in_doubt.implode())
                               & supported)
    reports = t["reports"].filter(approved)
    reports = _one_per_key(reports, "dispatch_id", ["approved_at", "support_date", "start_time"])
    dispatches = _one_per_key(t["dispatches"], "dispatch_id", ["expert_id", "institution_id"])
    dispatches = dispatches.filter(pl.col("status").fill_null("") != CANCELLED)
    experts = _one_per_key(t["experts"], "expert_id", ["payee_type"]).with_columns(
        pl.lit(True).alias("_expert_known")
    )
    institutions = _one_per_key(t["institutions"], "institution_id", ["kind"]).with_columns(
        pl.lit(True).alias("_institution_known")
    )
    paid_before = previous.select("dispatch_id").unique()
    frame = (
        reports.join(dispatches, on="dispatch_id", how="inner")
        .join(paid_before, on="dispatch_id", how="anti")
        .join(experts, on="expert_id", how="left")
        .join(institutions, on="institution_id", how="left")
        .with_columns(
            (pl.col("_dup_dispatch_id") | pl.col("_dup_dispatch_id_right")).alias("_dup"),
            pl.col("_expert_known").fill_null(False),
            pl.col("_institution_known").fill_null(False),
        )
        .drop("_dup_dispatch_id", "_dup_dispatch_id_right", "_dup_expert_id", "_dup_institution_id")
    )
    # the export's own 状態 would clash with the decision's "status"
    return frame.rename({"status": "dispatch_status"}).sort("dispatch_id")


def paid_under_another_spelling(d: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """R-VAL-1 rows (dispatch_id, rule_id, message_ja, message_en) for a considered dispatch
    that looks like one an earlier cycle paid under another id: the same id but for letter
    case, width or separators (d21-0000958, D21_0000958, D210000958 beside the ledger's
    D21-0000958), or the same expert, support date and start time. The ledger compares ids
    exactly, so such a dispatch was paid a second time (blind red-team checks). It may be the
    same case re-keyed or another one: held, never paid twice, for the clerk to look at."""
    schema = {"dispatch_id": pl.String(), "rule_id": pl.String(), "message_ja": pl.String(),
              "message_en": pl.String()}
    if previous.height == 0 or d.height == 0:
        return pl.DataFrame(schema=schema)

    def folded(col: str) -> pl.Expr:  # NFKC, upper case, letters and digits only
        return (pl.col(col).cast(pl.String).str.normalize("NFKC").str.to_uppercase()
                .str.replace_all(r"[^0-9A-Z]", ""))

    paid = previous.select(pl.col("dispatch_id").cast(pl.String).alias("_paid"),
                           pl.col("cycle").cast(pl.String).alias("_cycle"),
                           folded("dispatch_id").alias("_k"),
                           pl.col("expert_id").cast(pl.String).alias("_e"),
                           pl.col("support_date").alias("_d"), pl.col("start_time").alias("_t"))
    mine = d.select(pl.col("dispatch_id").cast(pl.String), folded("dispatch_id").alias("_k"),
                    pl.col("expert_id").cast(pl.String).alias("_e"),
                    pl.col("support_date").alias("_d"), pl.col("start_time").alias("_t"))
    by_id = mine.join(paid.drop("_e", "_d", "_t"), on="_k", how="inner")
    by_slot = (mine.drop("_k").join(paid.drop("_k"), on=["_e", "_d", "_t"], how="inner")
               .filter(pl.col("dispatch_id") != pl.col("_paid")))
    hits = (pl.concat([by_id.select("dispatch_id", "_paid", "_cycle", pl.lit(0).alias("_why")),
                       by_slot.select("dispatch_id", "_paid", "_cycle", pl.lit(1).alias("_why"))])
            .sort("dispatch_id", "_why", "_cycle", "_paid")
            .unique("dispatch_id", keep="first", maintain_order=True))
    same_id = pl.col("_why") == 0
    return hits.select(
        "dispatch_id",
        pl.lit("R-VAL-1").alias("rule_id"),
        pl.when(same_id).then(pl.format(
            "派遣ID {} は、{} に支払済みの派遣 {} と大文字・小文字、全角・半角か区切り記号だけが"
            "違います（同じ派遣なら二重払いになるため保留）", "dispatch_id", "_cycle", "_paid"))
        .otherwise(pl.format(
            "{} に支払済みの派遣 {} と専門家・支援日・開始時刻が同じです（同じ派遣なら二重払いに"
            "なるため保留）", "_cycle", "_paid")).alias("message_ja"),
        pl.when(same_id).then(pl.format(
            "dispatch id {} differs only in letter case, width or separators from {}, paid in {} "
            "(held: if it is the same dispatch, paying it would pay it twice)",
            "dispatch_id", "_paid", "_cycle"))
        .otherwise(pl.format(
            "same expert, support date and start time as {}, paid in {} (held: if it is the "
            "same dispatch, paying it would pay it twice)", "_paid", "_cycle"))
        .alias("message_en"),
    )
