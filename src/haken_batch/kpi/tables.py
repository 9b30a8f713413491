"""KPI frames (R-RPT-2, R-PAY-7): counts and yen, month and cumulative, from the paid facts.

Every frame ends sorted by an explicit order (code-list order, then ids). Counts are Int64
dispatch counts; yen are Int64. Column names shared by the amount frames:
``month_count, month_fee, month_travel, month_total, cum_count, cum_fee, cum_travel, cum_total``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from haken_batch.kpi.facts import kind_label_expr, paid_facts
from haken_batch.kpi.inputs import NO_QUALIFICATION, PLATFORM, UNKNOWN, YOROZU, KpiInputs

AMOUNT_COLUMNS = ("month_count", "month_fee", "month_travel", "month_total",
                  "cum_count", "cum_fee", "cum_travel", "cum_total")
TOTAL_LABEL = "合計"
FLAG_HEADLINE = "要確認フラグ（当月支払分）"


def amount_aggs() -> list[pl.Expr]:
    month = pl.col("in_month")
    return [
        month.sum().cast(pl.Int64).alias("month_count"),
        pl.col("fee").filter(month).sum().cast(pl.Int64).alias("month_fee"),
        pl.col("travel").filter(month).sum().cast(pl.Int64).alias("month_travel"),
        pl.col("total").filter(month).sum().cast(pl.Int64).alias("month_total"),
        pl.len().cast(pl.Int64).alias("cum_count"),
        pl.col("fee").sum().cast(pl.Int64).alias("cum_fee"),
        pl.col("travel").sum().cast(pl.Int64).alias("cum_travel"),
        pl.col("total").sum().cast(pl.Int64).alias("cum_total"),
    ]


def _fill_amounts(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in AMOUNT_COLUMNS)


def with_total(frame: pl.DataFrame, label_column: str, label: str = TOTAL_LABEL,
               sums: Sequence[str] = AMOUNT_COLUMNS) -> pl.DataFrame:
    """Append one total row (values, not formulas): ``label`` in ``label_column``."""
    total = frame.select(
        *[pl.lit(label if c == label_column else None, dtype=frame.schema[c]).alias(c)
          if c not in sums else pl.col(c).sum().cast(pl.Int64)
          for c in frame.columns]
    )
    return pl.concat([frame, total])


# ---------------------------------------------------------------------------- breakdowns
def breakdown(facts: pl.DataFrame, key: pl.Expr, order: Sequence[str]) -> pl.DataFrame:
    """label, month, cumulative: listed labels first (zeros kept), then others, 不明 last."""
    counted = (
        facts.group_by(key.fill_null(UNKNOWN).alias("label"))
        .agg(pl.col("in_month").sum().cast(pl.Int64).alias("month"),
             pl.len().cast(pl.Int64).alias("cumulative"))
    )
    listed = pl.DataFrame({"label": list(order), "_order": list(range(len(order)))},
                          schema={"label": pl.String, "_order": pl.Int64})
    return (
        listed.join(counted, on="label", how="full", coalesce=True)
        .with_columns(
            pl.col("_order").fill_null(len(order)),
            (pl.col("label") == UNKNOWN).alias("_unknown"),
            pl.col("month").fill_null(0),
            pl.col("cumulative").fill_null(0),
        )
        .sort("_order", "_unknown", "label")
        .select("label", "month", "cumulative")
    )


def by_issue(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    return breakdown(facts, pl.col("issue_category"), inp.codes.issue_categories)


def industry_label_expr(inp: KpiInputs, column: str = "industry") -> pl.Expr:
    """JSIC letter -> "E 製造業" (a name already given passes through)."""
    labels = {code: f"{code} {name}" for code, name in inp.codes.jsic}
    return pl.col(column).replace_strict(labels, default=pl.col(column),
                                         return_dtype=pl.String)


def by_industry(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    order = [f"{code} {name}" for code, name in inp.codes.jsic]
    return breakdown(facts, industry_label_expr(inp), order)


def by_kind(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    order = [f"{mark} {name}" for _, mark, name in inp.codes.kinds] + [YOROZU]
    return breakdown(facts, pl.col("kind_label"), order)


def by_bureau(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    return breakdown(facts, pl.col("bureau"), inp.codes.bureaus)


def by_prefecture(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    return breakdown(facts, pl.col("company_prefecture"), [p[1] for p in inp.codes.prefectures])


def by_qualification(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """An expert with two qualifications counts once under each (totals exceed dispatches)."""
    quals = inp.experts.select(
        "expert_id",
        pl.when(pl.col("qualifications").list.len().fill_null(0) == 0)
        .then(pl.lit([NO_QUALIFICATION], dtype=pl.List(pl.String)))
        .otherwise(pl.col("qualifications").list.unique(maintain_order=True))
        .alias("qualification"),
    ).unique("expert_id", keep="first")
    exploded = (
        facts.select("expert_id", "in_month")
        .join(quals, on="expert_id", how="left")
        .explode("qualification")
    )
    order = [*inp.codes.qualifications, NO_QUALIFICATION]
    return breakdown(exploded, pl.col("qualification"), order)


def by_company_class(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Dispatches and distinct companies per 企業区分 (小規模事業者, 創業予定者 …)."""
    key = pl.col("company_class").fill_null(UNKNOWN).alias("label")
    counts = breakdown(facts, pl.col("company_class"), inp.codes.company_classes)
    companies = facts.group_by(key).agg(
        pl.col("company_id").filter(pl.col("in_month")).drop_nulls().n_unique()
        .cast(pl.Int64).alias("month_companies"),
        pl.col("company_id").drop_nulls().n_unique().cast(pl.Int64).alias("cum_companies"),
    )
    return (
        counts.with_row_index("_order")
        .join(companies, on="label", how="left")
        .with_columns(pl.col("month_companies").fill_null(0),
                      pl.col("cum_companies").fill_null(0))
        .sort("_order")
        .select("label", "month", "month_companies", "cumulative", "cum_companies")
    )


# ------------------------------------------------------------------- per-unit amounts
def _pref_order(inp: KpiInputs) -> pl.DataFrame:
    return pl.DataFrame({"prefecture": [p[1] for p in inp.codes.prefectures],
                         "_pref": [p[0] for p in inp.codes.prefectures]})


def per_institution(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Every institution of the table (and any unknown id that was paid), ids sorted."""
    metrics = facts.group_by("institution_id").agg(amount_aggs())
    inst = inp.institutions.unique("institution_id", keep="first")
    kind = inst.select("institution_id", "channel", "kind")
    kind = kind.with_columns(kind_label_expr(inp)).select("institution_id", "kind_label")
    out = (
        inst.select("institution_id", pl.col("name").alias("institution_name"), "channel",
                    "platform_id", "prefecture")
        .join(kind, on="institution_id", how="left")
        .join(metrics, on="institution_id", how="full", coalesce=True)
        .with_columns(pl.col("institution_name").fill_null(UNKNOWN),
                      pl.col("institution_id").fill_null(UNKNOWN))
        .pipe(_fill_amounts)
        .sort("institution_id")
        .select("institution_id", "institution_name", "channel", "kind_label", "platform_id",
                "prefecture", *AMOUNT_COLUMNS)
    )
    return with_total(out, "institution_id")


def per_yorozu(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Each よろず支援拠点 (zeros kept), in prefecture (JIS) order."""
    metrics = facts.group_by("institution_id").agg(amount_aggs())
    out = (
        inp.institutions.filter(pl.col("channel") == YOROZU)
        .unique("institution_id", keep="first")
        .select("institution_id", pl.col("name").alias("institution_name"), "prefecture")
        .join(metrics, on="institution_id", how="left")
        .join(_pref_order(inp), on="prefecture", how="left")
        .pipe(_fill_amounts)
        .sort("_pref", "institution_id", nulls_last=True)
        .select("institution_id", "institution_name", "prefecture", *AMOUNT_COLUMNS)
    )
    return with_total(out, "institution_id")


ROLE_TOTAL = "プラットフォーム計"
ROLE_REP = "代表機関"
ROLE_MEMBER = "構成機関"


def per_platform(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Per 地域プラットフォーム: its total row, then the representative, then constituents."""
    metrics = facts.group_by("institution_id").agg(amount_aggs())
    members = (
        inp.institutions.filter(pl.col("channel") == PLATFORM)
        .unique("institution_id", keep="first")
        .with_columns(pl.col("platform_id").fill_null(UNKNOWN),
                      pl.col("is_representative").fill_null(False))
        .with_columns(
            pl.col("platform_name").fill_null(pl.col("platform_name").drop_nulls().first()
                                              .over("platform_id")))
        .select("platform_id", "platform_name", "institution_id",
                pl.col("name").alias("institution_name"), "kind", "channel",
                pl.when(pl.col("is_representative")).then(pl.lit(ROLE_REP))
                .otherwise(pl.lit(ROLE_MEMBER)).alias("role"),
                pl.when(pl.col("is_representative")).then(1).otherwise(2).alias("_role"))
        .join(metrics, on="institution_id", how="left")
        .pipe(_fill_amounts)
    )
    members = members.with_columns(kind_label_expr(inp))
    totals = (
        members.group_by("platform_id")
        .agg(pl.col("platform_name").drop_nulls().first(),
             *[pl.col(c).sum().cast(pl.Int64) for c in AMOUNT_COLUMNS])
        .with_columns(pl.lit(None, dtype=pl.String).alias("institution_id"),
                      pl.lit(None, dtype=pl.String).alias("institution_name"),
                      pl.lit(None, dtype=pl.String).alias("kind_label"),
                      pl.lit(ROLE_TOTAL).alias("role"), pl.lit(0).alias("_role"))
    )
    cols = ["platform_id", "platform_name", "role", "institution_id", "institution_name",
            "kind_label", *AMOUNT_COLUMNS]
    out = (
        pl.concat([members.select(*cols, "_role"), totals.select(*cols, "_role")],
                  how="vertical_relaxed")
        .sort("platform_id", "_role", "institution_id", nulls_last=False)
        .select(cols)
    )
    grand = out.filter(pl.col("role") == ROLE_TOTAL)
    total = grand.select(
        pl.lit(TOTAL_LABEL).alias("platform_id"),
        *[pl.lit(None, dtype=pl.String).alias(c) for c in cols[1:6]],
        *[pl.col(c).sum().cast(pl.Int64) for c in AMOUNT_COLUMNS],
    )
    return pl.concat([out, total], how="vertical_relaxed")


def per_expert(facts: pl.DataFrame, inp: KpiInputs, *, names: bool = True) -> pl.DataFrame:
    """Experts paid in the fiscal year, by id (R-PAY-7). Names only for the agency's copy."""
    experts = inp.experts.unique("expert_id", keep="first").select(
        "expert_id",
        (pl.col("name") if names else pl.lit(None, dtype=pl.String)).alias("expert_name"),
        "payee_type",
        pl.col("qualifications").list.join("・").alias("qualifications"),
    )
    out = (
        facts.group_by("expert_id").agg(amount_aggs())
        .join(experts, on="expert_id", how="left")
        .sort("expert_id")
        .select("expert_id", "expert_name", "payee_type", "qualifications", *AMOUNT_COLUMNS)
    )
    return with_total(out, "expert_id")


def companies_month(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """The supported companies of the month (R-RPT-2): name, address, phone, industry, size."""
    return _companies(facts.filter(pl.col("in_month")), inp)


def companies_cumulative(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """The supported companies of the fiscal year up to this cycle (R-RPT-2 "current month
    AND cumulative"), with the month's count beside the year's: the month's list alone
    left the agency to join twelve sheets (independent KPI check, session 21)."""
    return _companies(facts, inp)


def _companies(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """One row per 企業ID of ``facts``: each attribute as first written in dispatch id order,
    the month's and the whole frame's dispatch counts."""
    return (
        facts.sort("dispatch_id")
        .group_by(pl.col("company_id").fill_null(UNKNOWN))
        .agg(pl.col("company_name").drop_nulls().first(),
             pl.col("company_address").drop_nulls().first(),
             pl.col("company_phone").drop_nulls().first(),
             pl.col("company_prefecture").drop_nulls().first(),
             pl.col("industry").drop_nulls().first(),
             pl.col("employees").drop_nulls().first(),
             pl.col("company_class").drop_nulls().first(),
             pl.col("in_month").sum().cast(pl.Int64).alias("month_count"),
             pl.len().cast(pl.Int64).alias("cum_count"))
        .with_columns(industry_label_expr(inp))
        # the breakdowns count a blank as 不明, and so says the 定義 sheet: the list too
        .with_columns(pl.col(c).fill_null(UNKNOWN)
                      for c in ("company_prefecture", "industry", "company_class"))
        .sort("company_id")
    )


FLAG = "flag"  # severity of a finding that never blocks payment (rules.md "Decisions")


def month_flags(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """The flags of the month's paid dispatches, one row per finding (rules.md "Decisions":
    flags are listed for the agency report; R-CHK-4: an implausible reason is reported).

    The month is the facts' (status ``paid`` in this cycle), so the list and every count of
    the workbook speak of the same dispatches: a held dispatch's flag is listed in the cycle
    that pays it, an excluded one's never. Institution as the facts have it (the paying
    cycle's), its name from the master (不明 if missing there, as in 機関別)."""
    paid = facts.filter(pl.col("in_month")).select(
        "dispatch_id", "support_date", "institution_id",
        pl.col("institution_name").fill_null(UNKNOWN), "expert_id")
    return (
        inp.findings.filter(pl.col("severity") == FLAG)
        .select("dispatch_id", "line_no", "rule_id", "message")
        .join(paid, on="dispatch_id", how="inner")
        .sort("dispatch_id", "line_no", "rule_id", "message", nulls_last=False)
        .select("dispatch_id", "line_no", "support_date", "institution_id",
                "institution_name", "expert_id", "rule_id", "message")
    )


def headline(facts: pl.DataFrame, inp: KpiInputs, flags: pl.DataFrame) -> pl.DataFrame:
    """item, month, cumulative — the summary's table. The flags have no cumulative: the
    KPIs read the earlier cycles' ledgers, not their findings (blank cell, 定義 says so)."""
    month = facts.filter(pl.col("in_month"))

    def numbers(f: pl.DataFrame) -> list[int]:
        return [
            f.height,
            f["company_id"].drop_nulls().n_unique(),
            f["expert_id"].drop_nulls().n_unique(),
            f["institution_id"].drop_nulls().n_unique(),
            int(f["fee"].sum()),
            int(f["travel"].sum()),
            int(f["total"].sum()),
        ]

    items = ["派遣件数（支払済）", "支援企業数（実数）", "専門家数（実数）", "申請機関数（実数）",
             "謝金", "旅費（交通費＋日当＋宿泊費）", "支払額合計", FLAG_HEADLINE]
    units = ["件", "社", "人", "機関", "円", "円", "円", "件"]
    return pl.DataFrame(
        {"item": items, "unit": units, "month": [*numbers(month), flags.height],
         "cumulative": [*numbers(facts), None]},
        schema={"item": pl.String, "unit": pl.String, "month": pl.Int64,
                "cumulative": pl.Int64},
    )


def cycle_status_counts(inp: KpiInputs) -> pl.DataFrame:
    """This cycle's considered dispatches by status (information only: held/excluded are not
    counted in the KPIs)."""
    labels = {"paid": "支払", "held": "保留", "excluded": "対象外"}
    listed = pl.DataFrame({"status": list(labels), "label": list(labels.values()),
                           "_order": [0, 1, 2]})
    counted = inp.decisions.group_by("status").agg(pl.len().cast(pl.Int64).alias("count"))
    return (
        listed.join(counted, on="status", how="left")
        .with_columns(pl.col("count").fill_null(0))
        .sort("_order")
        .select("label", "count")
    )


def all_tables(inp: KpiInputs) -> dict[str, pl.DataFrame]:
    facts = paid_facts(inp)
    flags = month_flags(facts, inp)
    return {
        "facts": facts,
        "headline": headline(facts, inp, flags),
        "status": cycle_status_counts(inp),
        "yorozu": per_yorozu(facts, inp),
        "platform": per_platform(facts, inp),
        "institution": per_institution(facts, inp),
        "expert": per_expert(facts, inp),
        "issue": by_issue(facts, inp),
        "industry": by_industry(facts, inp),
        "kind": by_kind(facts, inp),
        "bureau": by_bureau(facts, inp),
        "prefecture": by_prefecture(facts, inp),
        "qualification": by_qualification(facts, inp),
        "company_class": by_company_class(facts, inp),
        "companies": companies_month(facts, inp),
        "companies_cumulative": companies_cumulative(facts, inp),
        "flags": flags,
    }
