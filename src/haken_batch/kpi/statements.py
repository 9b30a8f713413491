"""Statement frames (R-RPT-1): what each よろず支援拠点, platform and institution sees.

- a よろず支援拠点 sees itself; a platform's representative sees itself, each constituent and
  the platform total; a constituent sees itself.
- applications = dispatches the institution applied for, dated by 申請日 (派遣予定日 when the
  application date is missing), cancelled ones (キャンセル) not counted but shown apart;
  month = the cycle's calendar month, cumulative = the fiscal year up to the cycle month's
  end; a case is the fiscal year's by its 派遣予定日, and one applied for before the year
  began counts in its first month (``applications``).
- amount used and dispatches covered = paid facts (month = paid in this cycle, cumulative =
  paid in the fiscal year up to this cycle), as in the KPI workbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from haken_batch.kpi.inputs import PLATFORM, UNKNOWN, YOROZU, KpiInputs
from haken_batch.kpi.tables import AMOUNT_COLUMNS, TOTAL_LABEL, amount_aggs

CANCELLED = "キャンセル"
APP_COLUMNS = ("month_apps", "month_cancelled", "cum_apps", "cum_cancelled")
SUMMARY_COLUMNS = ("month_apps", "month_cancelled", "month_count", "month_fee", "month_travel",
                   "month_total", "cum_apps", "cum_cancelled", "cum_count", "cum_fee",
                   "cum_travel", "cum_total")
ROLE_SELF = "自機関"
ROLE_REP = "代表機関"
ROLE_MEMBER = "構成機関"


@dataclass(frozen=True)
class Unit:
    """One statement: its owner and the institutions it covers (owner first)."""

    owner_id: str
    owner_name: str
    scope: str  # よろず支援拠点 | 地域プラットフォーム | 構成機関 | その他
    platform_id: str | None
    platform_name: str | None
    members: tuple[tuple[str, str, str], ...]  # (institution_id, name, role)


def applications(inp: KpiInputs) -> pl.DataFrame:
    """Per institution: applications (not cancelled) and cancellations, month/cumulative.

    A case belongs to the fiscal year of its 派遣予定日 (申請日 when that is missing): one
    applied for in March for an April dispatch is one of April's year's applications, and
    is counted in the year's first month, so that the cumulative is the sum of the months
    and an institution never shows fewer applications than dispatches paid.
    """
    on = pl.coalesce("applied_on", "scheduled_on")
    case_on = pl.coalesce("scheduled_on", "applied_on")
    fy_end = dt.date(inp.fy_start.year + 1, inp.fy_start.month, inp.fy_start.day)
    this_fy = (case_on >= inp.fy_start) & (case_on < fy_end)
    in_fy = this_fy & (on <= inp.month_end)
    in_month = this_fy & (on >= inp.month_start) & (on <= inp.month_end)
    if inp.month_start <= inp.fy_start:  # the year's first month takes the early ones
        in_month = this_fy & (on <= inp.month_end)
    cancelled = pl.col("status") == CANCELLED
    return (
        inp.dispatch_table.unique("dispatch_id", keep="first")
        .group_by("institution_id")
        .agg((in_month & ~cancelled).sum().cast(pl.Int64).alias("month_apps"),
             (in_month & cancelled).sum().cast(pl.Int64).alias("month_cancelled"),
             (in_fy & ~cancelled).sum().cast(pl.Int64).alias("cum_apps"),
             (in_fy & cancelled).sum().cast(pl.Int64).alias("cum_cancelled"))
        .sort("institution_id")
    )


def units(inp: KpiInputs) -> list[Unit]:
    """One unit per institution of the table (plus one per platform that has no
    representative), sorted by owner id."""
    inst = inp.institutions.unique("institution_id", keep="first").sort("institution_id")
    rows = inst.to_dicts()
    by_platform: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        if r["channel"] == PLATFORM and r["platform_id"] is not None:
            by_platform.setdefault(str(r["platform_id"]), []).append(r)
    out: list[Unit] = []
    for r in rows:
        iid, name = str(r["institution_id"]), str(r["name"] or UNKNOWN)
        pid = r["platform_id"]
        if r["channel"] == PLATFORM and r["is_representative"] and pid is not None:
            group = by_platform[str(pid)]
            others = tuple((str(m["institution_id"]), str(m["name"] or UNKNOWN), ROLE_MEMBER)
                           for m in group if m["institution_id"] != iid)
            out.append(Unit(iid, name, PLATFORM, str(pid), _platform_name(group),
                            ((iid, name, ROLE_REP), *others)))
        elif r["channel"] == PLATFORM:
            plist = by_platform.get(str(pid), [])
            out.append(Unit(iid, name, ROLE_MEMBER, None if pid is None else str(pid),
                            _platform_name(plist), ((iid, name, ROLE_SELF),)))
        else:
            scope = YOROZU if r["channel"] == YOROZU else "その他"
            out.append(Unit(iid, name, scope, None, None, ((iid, name, ROLE_SELF),)))
    for pid, group in sorted(by_platform.items()):
        if not any(m["is_representative"] for m in group):
            # No representative flagged: the platform view is filed under the platform id.
            members = tuple((str(m["institution_id"]), str(m["name"] or UNKNOWN), ROLE_MEMBER)
                            for m in group)
            pname = _platform_name(group)
            out.append(Unit(pid, pname or pid, PLATFORM, pid, pname, members))
    return sorted(out, key=lambda u: u.owner_id)


def _platform_name(group: list[dict[str, object]]) -> str | None:
    names = sorted(str(m["platform_name"]) for m in group if m.get("platform_name"))
    return names[0] if names else None


def per_institution(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Applications and paid amounts per institution id (every id of table or facts)."""
    paid = facts.group_by("institution_id").agg(amount_aggs())
    return (
        applications(inp)
        .join(paid, on="institution_id", how="full", coalesce=True)
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64)
                      for c in (*APP_COLUMNS, *AMOUNT_COLUMNS))
        .sort("institution_id")
    )


def summary(unit: Unit, per_inst: pl.DataFrame) -> pl.DataFrame:
    """The unit's members (owner first) and, with more than one member, a total row."""
    members = pl.DataFrame(
        {"institution_id": [m[0] for m in unit.members],
         "institution_name": [m[1] for m in unit.members],
         "role": [m[2] for m in unit.members],
         "_order": list(range(len(unit.members)))},
        schema={"institution_id": pl.String, "institution_name": pl.String,
                "role": pl.String, "_order": pl.Int64})
    out = (
        members.join(per_inst, on="institution_id", how="left")
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in SUMMARY_COLUMNS)
        .sort("_order")
        .select("institution_id", "institution_name", "role", *SUMMARY_COLUMNS)
    )
    if len(unit.members) > 1:
        total = out.select(
            pl.lit(TOTAL_LABEL).alias("institution_id"),
            pl.lit(unit.platform_name or "", dtype=pl.String).alias("institution_name"),
            pl.lit("プラットフォーム計").alias("role"),
            *[pl.col(c).sum().cast(pl.Int64) for c in SUMMARY_COLUMNS])
        out = pl.concat([out, total])
    return out


def detail_frame(facts: pl.DataFrame, inp: KpiInputs) -> pl.DataFrame:
    """Facts with what a statement lists per dispatch (expert name, company, issue)."""
    names = inp.experts.unique("expert_id", keep="first").select(
        "expert_id", pl.col("name").alias("expert_name"))
    return (
        facts.join(names, on="expert_id", how="left")
        .select("institution_id", "cycle", "in_month", "dispatch_id", "support_date",
                "company_name", pl.col("issue_category").fill_null(UNKNOWN),
                "expert_id", "expert_name",
                "fee", "transport", "per_diem", "lodging", "travel", "total")
        .sort("institution_id", "cycle", "support_date", "dispatch_id")
    )


def details(unit: Unit, parts: dict[str, pl.DataFrame], empty: pl.DataFrame,
            *, month_only: bool) -> pl.DataFrame:
    """The unit's paid dispatches (owner first, then members by id order of ``unit``)."""
    frames = [parts[m[0]] for m in unit.members if m[0] in parts]
    out = pl.concat(frames) if frames else empty
    if month_only:
        out = out.filter(pl.col("in_month"))
    order = {m[0]: i for i, m in enumerate(unit.members)}
    return (
        out.with_columns(pl.col("institution_id").replace_strict(order, default=len(order),
                                                                 return_dtype=pl.Int64)
                         .alias("_order"))
        .sort("_order", "cycle", "support_date", "dispatch_id")
        .drop("_order")
    )
