"""What the KPI workbook and the statements read, in one frozen object.

"month" = the dispatches paid in this cycle (status ``paid`` in the settlement).
"cumulative" = every cycle of the same fiscal year settled in OUT up to and including this one:
the ledger of earlier cycles restricted to the fiscal year, plus this cycle's paid rows.
Attributes (institution, company, industry, …) come from the data tables (docs/design.md).
"findings" = the cycle's findings (settlement.findings / findings.csv): the workbook lists the
flags of the month's paid dispatches for the agency (rules.md "Decisions", R-CHK-4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from haken_batch.jpcalendar import cycle_month, fiscal_year_start, last_day_of_month

if TYPE_CHECKING:
    from haken_batch.rules import RuleBook
    from haken_batch.run import CycleRun

YOROZU = "よろず支援拠点"
PLATFORM = "地域プラットフォーム"
NO_QUALIFICATION = "資格なし"
UNKNOWN = "不明"


@dataclass(frozen=True)
class Codes:
    """Code lists in the order the agency reads them (rules/codes/*.yaml)."""

    issue_categories: tuple[str, ...]
    jsic: tuple[tuple[str, str], ...]  # (letter, name)
    kinds: tuple[tuple[int, str, str], ...]  # (code, mark, name)
    bureaus: tuple[str, ...]
    prefectures: tuple[tuple[str, str, str], ...]  # (JIS code, name, bureau)
    qualifications: tuple[str, ...]
    company_classes: tuple[str, ...]

    @classmethod
    def from_rules(cls, rules: RuleBook) -> Codes:
        def listed(name: str, key: str) -> list[Any]:
            body = rules.code(name)
            return list(body[key] if isinstance(body, dict) else body)

        return cls(
            issue_categories=tuple(str(i["name"]) for i in listed("issue_categories",
                                                                   "issue_categories")),
            jsic=tuple((str(i["code"]), str(i["name"])) for i in listed("jsic", "jsic")),
            kinds=tuple((int(i["code"]), str(i["mark"]), str(i["name"]))
                        for i in listed("institution_kinds", "institution_kinds")),
            bureaus=tuple(str(b) for b in listed("bureaus", "bureaus")),
            prefectures=tuple((str(p["code"]), str(p["name"]), str(p["bureau"]))
                              for p in listed("prefectures", "prefectures")),
            qualifications=tuple(str(q["name"]) for q in listed("qualifications",
                                                                 "qualifications")),
            company_classes=tuple(str(c) for c in listed("enums", "company_class")),
        )


@dataclass(frozen=True)
class KpiInputs:
    cycle: str  # "YYYY-MM"
    fy_start: dt.date
    month_start: dt.date  # calendar month of the cycle (applications are dated by it)
    month_end: dt.date
    cutoff: dt.date
    transfer_date: dt.date
    decisions: pl.DataFrame  # settlement.dispatches (every considered dispatch)
    findings: pl.DataFrame  # settlement.findings of this cycle (every status and severity)
    previous: pl.DataFrame  # ledger of earlier cycles (any FY; restricted in facts.py)
    experts: pl.DataFrame
    institutions: pl.DataFrame
    dispatch_table: pl.DataFrame  # the `dispatches` input table (attributes, applications)
    codes: Codes

    @property
    def fiscal_year(self) -> int:
        return self.fy_start.year

    @property
    def created(self) -> dt.datetime:
        """Workbook creation stamp taken from the data, never the clock (byte-repeatable)."""
        return dt.datetime.combine(self.cutoff, dt.time(0, 0))

    @classmethod
    def build(cls, *, cycle: str, rules: RuleBook, cutoff: dt.date, transfer_date: dt.date,
              decisions: pl.DataFrame, previous: pl.DataFrame | None,
              tables: dict[str, pl.DataFrame],
              findings: pl.DataFrame | None = None) -> KpiInputs:
        year, month = cycle_month(cycle)
        start = dt.date(year, month, 1)
        return cls(
            cycle=cycle,
            fy_start=fiscal_year_start(start, rules),
            month_start=start,
            month_end=last_day_of_month(year, month),
            cutoff=cutoff,
            transfer_date=transfer_date,
            decisions=decisions,
            findings=_with_columns(findings, FINDING_COLUMNS),
            previous=_or_empty_ledger(previous),
            experts=_with_columns(tables.get("experts"), _EXPERT_COLUMNS),
            institutions=_with_columns(tables.get("institutions"), _INSTITUTION_COLUMNS),
            dispatch_table=_with_columns(tables.get("dispatches"), _DISPATCH_COLUMNS),
            codes=Codes.from_rules(rules),
        )

    @classmethod
    def from_run(cls, run: CycleRun) -> KpiInputs:
        s = run.settlement
        return cls.build(cycle=s.cycle, rules=run.rules, cutoff=s.cutoff,
                         transfer_date=s.transfer_date, decisions=s.dispatches,
                         previous=run.previous, tables=run.data.tables,
                         findings=s.findings)


# Columns this package reads from each input table, with their types after load
# (docs/design.md). A missing column is added as nulls so a thin export still works.
_EXPERT_COLUMNS: dict[str, pl.DataType] = {
    "expert_id": pl.String(), "name": pl.String(), "payee_type": pl.String(),
    "qualifications": pl.List(pl.String()),
}
_INSTITUTION_COLUMNS: dict[str, pl.DataType] = {
    "institution_id": pl.String(), "name": pl.String(), "channel": pl.String(),
    "kind": pl.Int64(), "platform_id": pl.String(), "platform_name": pl.String(),
    "is_representative": pl.Boolean(), "prefecture": pl.String(),
}
_DISPATCH_COLUMNS: dict[str, pl.DataType] = {
    "dispatch_id": pl.String(), "institution_id": pl.String(), "expert_id": pl.String(),
    "company_id": pl.String(), "company_name": pl.String(), "company_address": pl.String(),
    "company_phone": pl.String(), "company_prefecture": pl.String(), "industry": pl.String(),
    "employees": pl.Int64(), "company_class": pl.String(), "issue_category": pl.String(),
    "applied_on": pl.Date(), "scheduled_on": pl.Date(), "status": pl.String(),
}
# what the flag list shows of a finding (findings.csv: its line too, so that two lodging
# lines flagged alike are two rows the agency can tell apart)
FINDING_COLUMNS: dict[str, pl.DataType] = {
    "dispatch_id": pl.String(), "line_no": pl.Int64(), "rule_id": pl.String(),
    "severity": pl.String(), "message": pl.String(),
}
LEDGER_COLUMNS: dict[str, pl.DataType] = {
    "cycle": pl.String(), "dispatch_id": pl.String(), "expert_id": pl.String(),
    "support_date": pl.Date(), "fee": pl.Int64(), "transport": pl.Int64(),
    "per_diem": pl.Int64(), "lodging": pl.Int64(), "total": pl.Int64(),
    "institution_id": pl.String(),
}


def _with_columns(frame: pl.DataFrame | None, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=columns)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in columns.items() if c not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    return frame.select([pl.col(c).cast(t) for c, t in columns.items()])


def _or_empty_ledger(frame: pl.DataFrame | None) -> pl.DataFrame:
    return _with_columns(frame, LEDGER_COLUMNS)
