"""Exclusions (final, 0 yen, no travel either — R-TRV-12): R-EXC-1..4 and R-PER-1, and the
finality of an earlier cycle's exclusion."""

from __future__ import annotations

import polars as pl

from haken_batch.rules import RuleBook
from haken_batch.settle import params
from haken_batch.settle.results import OK_EN, OK_JA, Part, result, txt, txt_en


def spared_kinds(rules: RuleBook) -> list[int]:
    """R-EXC-3: institution kinds ①–④ (flag ``spared_by_exc3`` in codes/institution_kinds)."""
    kinds = rules.code("institution_kinds")["institution_kinds"]
    return sorted(int(k["code"]) for k in kinds if k.get("spared_by_exc3"))


def r_exc_1(d: pl.DataFrame) -> Part:
    """R-EXC-1: the expert receives a public salary subsidy."""
    return result(
        d,
        "R-EXC-1",
        pl.col("public_salary_subsidy"),
        "exclude",
        pl.lit("専門家が国・自治体の人件費補助を受けている（人件費補助=有）"),
        pl.lit(
            "the expert receives a national or local government salary subsidy"
            " (salary subsidy = yes)"
        ),
    )


def r_exc_2(d: pl.DataFrame) -> Part:
    """R-EXC-2: the dispatching institution pays the expert a salary or fees."""
    hit = pl.col("paid_by_institution_ids").list.contains(pl.col("institution_id"))
    return result(
        d,
        "R-EXC-2",
        hit,
        "exclude",
        pl.format("申請機関 {} が専門家に給与・報酬を支払っている", txt(pl.col("institution_id"))),
        pl.format(
            "the applying institution {} pays the expert a salary or fees",
            txt_en(pl.col("institution_id")),
        ),
    )


def r_exc_3(d: pl.DataFrame, rules: RuleBook) -> Part:
    """R-EXC-3: the expert belongs to the dispatching institution, unless its kind is ①–④."""
    spared = spared_kinds(rules)
    member = pl.col("member_of_institution_ids").list.contains(pl.col("institution_id"))
    is_spared = pl.col("kind").is_in(spared).fill_null(False)
    kinds = "・".join(str(k) for k in spared)
    kinds_en = ", ".join(str(k) for k in spared)
    return result(
        d,
        "R-EXC-3",
        member & ~is_spared,
        "exclude",
        pl.format(
            "専門家が申請機関 {}（機関種別 {}）に所属している（除外されない種別: {}）",
            txt(pl.col("institution_id")),
            txt(pl.col("kind")),
            pl.lit(kinds),
        ),
        pl.format(
            "the expert belongs to the applying institution {} (institution kind {})"
            " (kinds not excluded: {})",
            txt_en(pl.col("institution_id")),
            txt_en(pl.col("kind")),
            pl.lit(kinds_en),
        ),
        ok_message=pl.when(member)
        .then(
            pl.format(
                "所属機関だが機関種別 {} は対象外とならない種別（{}）",
                txt(pl.col("kind")),
                pl.lit(kinds),
            )
        )
        .otherwise(pl.lit(OK_JA)),
        ok_message_en=pl.when(member)
        .then(
            pl.format(
                "the expert's own institution, but institution kind {} is not excluded ({})",
                txt_en(pl.col("kind")),
                pl.lit(kinds_en),
            )
        )
        .otherwise(pl.lit(OK_EN)),
    )


def r_exc_4(d: pl.DataFrame) -> Part:
    """R-EXC-4: dispatched at the expert's own request."""
    return result(
        d,
        "R-EXC-4",
        pl.col("expert_initiated"),
        "exclude",
        pl.lit("専門家からの要請による派遣"),
        pl.lit("dispatched at the expert's own request"),
    )


def r_per_1(d: pl.DataFrame, rules: RuleBook) -> Part:
    """R-PER-1: the support date lies in the dispatch period (bounds read on that date).

    A date before the rules begin has no period at all and is outside it.
    """
    dates = d.get_column("support_date")
    start = params.dated(rules, dates, "program.dispatch_period_start").rename({"value": "_p0"})
    end = params.dated(rules, dates, "program.dispatch_period_end").rename({"value": "_p1"})
    frame = (
        d.select("dispatch_id", "support_date")
        .join(start, left_on="support_date", right_on="date", how="left")
        .join(end, left_on="support_date", right_on="date", how="left")
    )
    outside = pl.col("support_date").is_not_null() & (
        pl.col("_p0").is_null()
        | pl.col("_p1").is_null()
        | (pl.col("support_date") < pl.col("_p0"))
        | (pl.col("support_date") > pl.col("_p1"))
    )
    # no period on that date: before the rules begin (no 空欄〜空欄: blind check)
    unruled = pl.col("_p0").is_null() | pl.col("_p1").is_null()
    return result(
        frame,
        "R-PER-1",
        outside,
        "exclude",
        pl.when(unruled).then(pl.format(
            "支援日 {} はルールの最初の適用日より前で、派遣実施期間の外",
            txt(pl.col("support_date")))).otherwise(pl.format(
            "支援日 {} が派遣実施期間（{}〜{}）の外",
            txt(pl.col("support_date")),
            txt(pl.col("_p0")),
            txt(pl.col("_p1")),
        )),
        pl.when(unruled).then(pl.format(
            "support date {} is before the rules' first date, outside any dispatch period",
            txt_en(pl.col("support_date")))).otherwise(pl.format(
            "support date {} is outside the dispatch period ({} to {})",
            txt_en(pl.col("support_date")),
            txt_en(pl.col("_p0")),
            txt_en(pl.col("_p1")),
        )),
        # a blank or unreadable date is held by R-VAL-1, not judged here
        ok_message=pl.when(pl.col("support_date").is_null())
        .then(pl.lit("支援日が空欄か日付として読めないため、期間は判定していません"))
        .otherwise(pl.format(
            "支援日 {} は期間 {}〜{} 内",
            txt(pl.col("support_date")),
            txt(pl.col("_p0")),
            txt(pl.col("_p1")),
        )),
        ok_message_en=pl.when(pl.col("support_date").is_null())
        .then(pl.lit("the support date is blank or not a date: the period is not judged"))
        .otherwise(pl.format(
            "support date {} is within the period {} to {}",
            txt_en(pl.col("support_date")),
            txt_en(pl.col("_p0")),
            txt_en(pl.col("_p1")),
        )),
    )


def all_exclusions(d: pl.DataFrame, rules: RuleBook) -> list[Part]:
    return [r_exc_1(d), r_exc_2(d), r_exc_3(d, rules), r_exc_4(d), r_per_1(d, rules)]


# The end of final()'s messages: `explain` tells a finality row from the rule's own reason
# by it, to show each exclusion once.
FINAL_JA = "のサイクルで対象外と決定済み（対象外は最終）"
FINAL_EN = "; an exclusion is final"


def final(d: pl.DataFrame, before: pl.DataFrame | None) -> list[Part]:
    """An exclusion is final ("Decisions" in rules.md): a dispatch an earlier cycle excluded
    (``before``: excluded.csv of earlier cycles) is excluded again under that cycle's rules,
    also when a later export or correction no longer gives the reason (an expert who later
    left the institution, a flag set otherwise afterwards); it is never paid."""
    if before is None or before.height == 0:
        return []
    first = (before.sort(["cycle", "dispatch_id"])
             .unique(subset="dispatch_id", keep="first", maintain_order=True))
    frame = (d.select("dispatch_id").join(first.select("dispatch_id", "cycle", "rules"),
                                          on="dispatch_id", how="inner")
             .with_columns(pl.col("rules").str.split(";").alias("_rule"))
             .explode("_rule")
             .filter(pl.col("_rule").str.len_chars() > 0))
    return [result(
        frame,
        pl.col("_rule"),
        pl.lit(True),
        "exclude",
        pl.format("{}" + FINAL_JA, txt(pl.col("cycle"))),
        pl.format("excluded in cycle {}" + FINAL_EN, txt_en(pl.col("cycle"))),
    )]


def one_row_each(res: pl.DataFrame) -> pl.DataFrame:
    """One row per exclusion: where the data still gives the reason of an exclusion an earlier
    cycle decided, its reason and then the earlier decision (``final``) in one message, not
    two rows of the same rule (findings.csv listed both; explain merged them)."""
    key = ["dispatch_id", "rule_id", "line_no"]
    ex = res.filter(pl.col("outcome") == "exclude")
    if ex.height == 0 or ex.select(pl.struct(key).is_unique().all()).item():
        return res  # the common case: no exclusion decided twice
    merged = ex.group_by(key, maintain_order=True).agg(
        pl.col("outcome").first(),
        pl.col("message").str.join("。"),
        pl.col("message_en").str.join("; "),
    )
    return pl.concat([res.filter(pl.col("outcome") != "exclude"), merged.select(res.columns)])
