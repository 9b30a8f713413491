"""R-LIM-1: at most N dispatches per company per fiscal year (IT活用: 5, others: 3).

Reading (rules/parameters/limit.yaml): every non-cancelled dispatch of the company in the
fiscal year counts, whatever its cycle or status, ranked by support date (the report's,
else the scheduled date) then dispatch id. A dispatch an earlier cycle paid counts even when
a later export marks it cancelled: what was paid stays as paid (the ledger, as for the
per diem), or a cancelled paid case would make room for a 4th paid one. For the same
reason a paid dispatch keeps its place: where a dispatch that came to rank before it later
(a report that arrives late with an earlier support date) would put it over its limit, the
paid ones of that company and year rank first and the cut falls on the later cycle, as
R-FEE-3's does (``ranks``). A dispatch is over the limit when its rank exceeds the limit
of its own issue category. A recorded
exception (回数上限例外) is honoured when ``limit.honour_exception_flag`` is on: the
dispatch is paid and flagged.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from haken_batch.rules import RuleBook
from haken_batch.settle import params, windows
from haken_batch.settle.results import Part, result, txt, txt_en
from haken_batch.settle.select import CANCELLED, first_per_key


def _fiscal_years(rules: RuleBook, dates: pl.Series) -> pl.DataFrame:
    """date -> fiscal year (its start year), from program.fiscal_year_start_month."""
    table = params.at_dates(
        rules, dates, {"_m": "program.fiscal_year_start_month"}, {"_m": pl.Int64()}
    )
    return table.select(
        "date",
        pl.when(pl.col("date").dt.month() >= pl.col("_m"))
        .then(pl.col("date").dt.year())
        .otherwise(pl.col("date").dt.year() - 1)
        .cast(pl.Int64)
        .alias("_fy"),
    )


def _limits(rules: RuleBook, pairs: pl.DataFrame) -> pl.DataFrame:
    """(date, issue_category) -> limit; the per-category value when the category has one."""
    rows: list[tuple[dt.date, str | None, int | None]] = []
    for day, category in pairs.unique().sort(["_d", "issue_category"], nulls_last=True).iter_rows():
        general = params._value(rules, "limit.per_company_per_year", day)
        by_cat = params._value(rules, "limit.per_company_by_issue_category", day) or {}
        value = by_cat.get(category, general) if category is not None else general
        rows.append((day, category, None if value is None else int(value)))
    return pl.DataFrame(
        rows,
        schema={"_d": pl.Date(), "issue_category": pl.String(), "_limit": pl.Int64()},
        orient="row",
    )


def ranks(t: dict[str, pl.DataFrame], rules: RuleBook,
          paid: pl.Series | None = None) -> pl.DataFrame:
    """dispatch_id, company_id, _fy, _rank, _limit, _d (the day it is ordered by), _behind
    (ranked after a paid dispatch of a later day) for every dispatch that counts: not
    cancelled, or ``paid`` (the dispatch ids of the earlier cycles' ledger).

    By day, as the Reading says. Only where that would put a paid dispatch over its own
    limit (one whose 回数上限例外 is not recorded: a place it held is taken by a dispatch
    that came to rank before it later, a late report of an earlier day) do the paid ones of
    that company and year rank first, the unpaid after them by day: the cut falls on the
    later cycle. Elsewhere the order is the Reading's, so approvals split over cycles pay
    as one cycle would (property test)."""
    report_day = first_per_key(t["reports"].select("dispatch_id", "support_date"), "dispatch_id")
    counts = pl.col("status").fill_null("") != CANCELLED
    earlier = paid is not None and paid.len() > 0
    was_paid = (pl.col("dispatch_id").is_in(paid.implode()) if paid is not None and earlier
                else pl.lit(False))
    counts = counts | was_paid
    d = (
        first_per_key(
            t["dispatches"]
            .filter(counts)
            .select("dispatch_id", "company_id", "issue_category", "scheduled_on",
                    "limit_exception"),
            "dispatch_id",
        )
        .join(report_day, on="dispatch_id", how="left")
        .select(
            "dispatch_id",
            "company_id",
            "issue_category",
            pl.coalesce("support_date", "scheduled_on").alias("_d"),
            (~was_paid).alias("_unpaid"),
            pl.col("limit_exception").fill_null(False).alias("_excepted"),
        )
        .filter(pl.col("company_id").is_not_null() & pl.col("_d").is_not_null())
    )
    fy = _fiscal_years(rules, d.get_column("_d"))
    lim = _limits(rules, d.select("_d", "issue_category"))
    group, by_day = ["company_id", "_fy"], ["_d", "dispatch_id"]
    ranked = (windows.ordered(d.join(fy, left_on="_d", right_on="date", how="left"), group,
                              by_day)
              .with_columns((pl.col(windows.POS) + 1).alias("_rank"))
              .join(lim, on=["_d", "issue_category"], how="left", nulls_equal=True)
              .with_columns(pl.lit(False).alias("_behind")))
    if earlier:
        displaced = (~pl.col("_unpaid") & ~pl.col("_excepted")
                     & (pl.col("_rank") > pl.col("_limit")).fill_null(False))
        over = ranked.filter(displaced).select(group).unique()  # nearly always none
        moved = ranked.join(over, on=group, how="semi") if over.height else ranked.clear()
        if moved.height:
            paid_first = (windows.ordered(moved.drop(windows.G, windows.FIRST, windows.POS,
                                                     "_rank"), group, ["_unpaid", *by_day])
                          .select("dispatch_id", (pl.col(windows.POS) + 1).alias("_kept")))
            ranked = ranked.join(paid_first, on="dispatch_id", how="left")
            # by day alone it would rank before a paid one: said in its message
            ranked = ranked.with_columns(
                (pl.col("_unpaid") & (pl.col("_kept") > pl.col("_rank")).fill_null(False))
                .alias("_behind"),
                pl.coalesce("_kept", "_rank").alias("_rank"))
    return ranked.select("dispatch_id", "company_id", "_fy", "_rank", "_limit", "_d", "_behind")


def r_lim_1(d: pl.DataFrame, ranked: pl.DataFrame, rules: RuleBook) -> list[Part]:
    frame = params.add(
        d.select("dispatch_id", "support_date", "limit_exception"),
        rules,
        "support_date",
        {"_honour": ("limit.honour_exception_flag", pl.Boolean())},
    ).join(ranked, on="dispatch_id", how="left")
    over = pl.col("_rank") > pl.col("_limit")
    excepted = pl.col("limit_exception").fill_null(False) & pl.col("_honour").fill_null(False)
    # a day the rules do not reach has no limit: said, not 「上限 空欄件」 (blind check)
    unruled = pl.col("_limit").is_null()
    behind = pl.col("_behind").fill_null(False)
    what = pl.format(
        "企業 {} の{}年度 {}件目（{}{}）",
        txt(pl.col("company_id")),
        txt(pl.col("_fy")),
        txt(pl.col("_rank")),
        pl.when(unruled).then(pl.lit("支援日の上限がルールにありません"))
        .otherwise(pl.format("上限 {}件", pl.col("_limit"))),
        pl.when(behind).then(pl.lit("。支援日が後でも前のサイクルで支払済みの派遣を先に数えます"))
        .otherwise(pl.lit("")),
    )
    what_en = pl.format(
        "dispatch {} of company {} in fiscal year {} ({}{})",
        txt_en(pl.col("_rank")),
        txt_en(pl.col("company_id")),
        txt_en(pl.col("_fy")),
        pl.when(unruled).then(pl.lit("the rules have no limit on the support date"))
        .otherwise(pl.format("limit {}", pl.col("_limit"))),
        pl.when(behind).then(pl.lit("; the dispatches earlier cycles paid count first, even "
                                    "those of a later support date"))
        .otherwise(pl.lit("")),
    )
    flagged = (over & excepted).fill_null(False)
    return [
        result(
            frame.filter(~flagged),
            "R-LIM-1",
            over & ~excepted,
            "hold",
            pl.format("{}、例外の記録なし", what),
            pl.format("{}, no exception recorded", what_en),
            ok_message=what,
            ok_message_en=what_en,
        ),
        result(
            frame.filter(flagged),
            "R-LIM-1",
            pl.lit(True),
            "flag",
            # not "…により支払": the flag rides on held and excluded dispatches too (blind check)
            pl.format("{}、回数上限例外の記録により上限を適用しない", what),
            pl.format("{}, the limit does not apply: an exception is recorded", what_en),
        ),
    ]
