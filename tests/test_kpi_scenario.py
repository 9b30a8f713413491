"""A hand-made cycle (2021-10) for the KPI and statement tests, and tests of its facts.

Other test_kpi_*/test_statements_* modules import ``scenario_run`` from here. The frames are
built directly (Settlement per run.py, tables per docs/design.md) so these tests do not
depend on the loader or the engine.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from haken_batch.kpi import KpiInputs
from haken_batch.kpi.facts import paid_facts
from haken_batch.rules import load_rules
from haken_batch.run import CycleRun, Options, Settlement

REPO = Path(__file__).resolve().parents[1]
CYCLE = "2021-10"
EVIL = "=cmd|' /C calc'!A0"
D = dt.date


def kpi_rules(tmp: Path):
    """Parameters and code lists only (the column map is not needed here)."""
    root = tmp / "rules"
    if not root.exists():
        root.mkdir(parents=True)
        shutil.copytree(REPO / "rules" / "parameters", root / "parameters")
        shutil.copytree(REPO / "rules" / "codes", root / "codes")
    return load_rules(root)


def institutions() -> pl.DataFrame:
    rows = [
        ("Y13", "東京都よろず支援拠点", "よろず支援拠点", None, None, None, False, "東京都"),
        ("Y27", "大阪府よろず支援拠点", "よろず支援拠点", None, None, None, False, "大阪府"),
        ("P1R", "札幌商工会議所", "地域プラットフォーム", 2, "PF1", "札幌PF", True, "北海道"),
        ("P1A", "北海信用金庫", "地域プラットフォーム", 8, "PF1", "札幌PF", False, "北海道"),
        ("P1B", "小樽商工会", "地域プラットフォーム", 1, "PF1", "札幌PF", False, "北海道"),
        ("../x", "-悪い名前", "地域プラットフォーム", 11, None, None, False, "沖縄県"),
    ]
    return pl.DataFrame(rows, orient="row", schema={
        "institution_id": pl.String, "name": pl.String, "channel": pl.String,
        "kind": pl.Int64, "platform_id": pl.String, "platform_name": pl.String,
        "is_representative": pl.Boolean, "prefecture": pl.String})


def experts() -> pl.DataFrame:
    return pl.DataFrame({
        "expert_id": ["E1", "E2", "E3"],
        "name": ["山田 太郎", "佐藤 花子", "株式会社コンサル"],
        "payee_type": ["個人", "個人", "法人"],
        "qualifications": [["中小企業診断士", "税理士"], [], ["ITコーディネータ"]],
    }, schema={"expert_id": pl.String, "name": pl.String, "payee_type": pl.String,
               "qualifications": pl.List(pl.String)})


# dispatch, institution, expert, company, name, prefecture, industry, class, issue,
# applied_on, status
DISPATCHES = [
    ("D01", "Y13", "E1", "C1", "有限会社いろは", "東京都", "E", "小規模事業者", "経営改善",
     D(2021, 9, 20), "実施済"),
    ("D02", "Y13", "E2", "C2", EVIL, "神奈川県", "I", "中小企業", "IT活用",
     D(2021, 10, 1), "実施済"),
    ("D03", "P1R", "E1", "C3", "創業準備 一郎", "北海道", "E", "創業予定者", "創業",
     D(2021, 10, 5), "実施済"),
    ("D04", "P1A", "E3", "C1", "有限会社いろは", "東京都", "E", "小規模事業者", "経営改善",
     D(2021, 10, 6), "実施済"),
    ("D05", "P1A", "E2", "C4", "琉球食堂", "沖縄県", "M", "その他", "事業承継",
     D(2021, 10, 6), "実施済"),
    ("D06", "Y27", "E3", "C5", "なにわ電子", "大阪府", "G", "中小企業", "IT活用",
     D(2021, 7, 1), "実施済"),
    ("D07", "P1A", "E1", "C2", EVIL, "神奈川県", "I", "中小企業", "法務",
     D(2021, 8, 1), "実施済"),
    ("D08", "Y13", "E2", "C6", "前年度商店", "東京都", "I", "小規模事業者", "その他",
     D(2021, 2, 1), "実施済"),
    ("D09", "P1B", "E2", "C7", "取消商店", "北海道", "I", "小規模事業者", "その他",
     D(2021, 10, 10), "キャンセル"),
    ("D10", "Y13", "E2", "C8", "申請中商店", "東京都", "I", "小規模事業者", "その他",
     D(2021, 10, 12), "申請中"),
]


def dispatch_table() -> pl.DataFrame:
    cols = ["dispatch_id", "institution_id", "expert_id", "company_id", "company_name",
            "company_prefecture", "industry", "company_class", "issue_category", "applied_on",
            "status"]
    frame = pl.DataFrame(DISPATCHES, orient="row", schema=cols)
    return frame.with_columns(
        pl.col("applied_on").cast(pl.Date),
        (pl.col("company_prefecture") + "中央1-2-3").alias("company_address"),
        pl.lit("03-1234-5678").alias("company_phone"),
        pl.lit(12, dtype=pl.Int64).alias("employees"),
        (pl.col("applied_on").cast(pl.Date) + pl.duration(days=14)).alias("scheduled_on"),
    )


MONEY = ["fee", "transport", "per_diem", "lodging", "total"]
# this cycle: dispatch, expert, institution, support_date, status, fee, transport, per diem,
# lodging
DECISIONS = [
    ("D01", "E1", "Y13", D(2021, 9, 28), "paid", 10560, 1200, 0, 0),
    ("D02", "E2", "Y13", D(2021, 10, 15), "paid", 5280, 0, 1100, 9800),
    ("D03", "E1", "P1R", D(2021, 10, 19), "paid", 31680, 15000, 1100, 0),
    ("D04", "E3", "P1A", D(2021, 10, 20), "held", 0, 0, 0, 0),
    ("D05", "E2", "P1A", D(2021, 10, 20), "excluded", 0, 0, 0, 0),
]
# earlier cycles: cycle, dispatch, expert, support_date, fee, transport, per diem, lodging
LEDGER = [
    ("2021-03", "D08", "E2", D(2021, 2, 15), 99000, 0, 0, 0),  # previous fiscal year
    ("2021-08", "D06", "E3", D(2021, 7, 15), 7920, 500, 0, 0),
    ("2021-09", "D07", "E1", D(2021, 8, 15), 2640, 0, 0, 0),
]


def settlement() -> Settlement:
    dec = pl.DataFrame(DECISIONS, orient="row", schema=[
        "dispatch_id", "expert_id", "institution_id", "support_date", "status", "fee",
        "transport", "per_diem", "lodging"]).with_columns(
        (pl.col("fee") + pl.col("transport") + pl.col("per_diem") + pl.col("lodging"))
        .alias("total"), pl.lit("").alias("rules")).sort("dispatch_id")
    paid = dec.filter(pl.col("status") == "paid")
    payments = (
        paid.group_by("expert_id")
        .agg(pl.len().cast(pl.Int64).alias("dispatch_count"),
             *[pl.col(c).sum() for c in MONEY[:-1]], pl.col("total").sum().alias("gross"))
        .with_columns(pl.lit(0, dtype=pl.Int64).alias("withholding"),
                      pl.col("gross").alias("net"))
        .sort("expert_id")
    )
    ledger = paid.select(pl.lit(CYCLE).alias("cycle"), "dispatch_id", "expert_id",
                         "support_date", *MONEY)
    empty = pl.DataFrame()
    return Settlement(cycle=CYCLE, cutoff=D(2021, 10, 31), transfer_date=D(2021, 11, 19),
                      dispatches=dec, lines=empty, findings=empty, payments=payments,
                      ledger=ledger)


def previous() -> pl.DataFrame:
    return pl.DataFrame(LEDGER, orient="row", schema=[
        "cycle", "dispatch_id", "expert_id", "support_date", "fee", "transport", "per_diem",
        "lodging"]).with_columns(
        (pl.col("fee") + pl.col("transport") + pl.col("per_diem") + pl.col("lodging"))
        .alias("total"))


def scenario_run(tmp: Path) -> CycleRun:
    rules = kpi_rules(tmp)
    data = SimpleNamespace(tables={"institutions": institutions(), "experts": experts(),
                                   "dispatches": dispatch_table()})
    opts = Options(cycle=CYCLE, data_dir=tmp / "data", out_dir=tmp / "out")
    return CycleRun(options=opts, rules=rules, data=data,  # type: ignore[arg-type]
                    settlement=settlement(), payer=None, previous=previous())


@pytest.fixture()
def run(tmp_path: Path) -> CycleRun:
    return scenario_run(tmp_path)


def test_R_RPT_2_month_is_paid_in_this_cycle_and_cumulative_is_the_fiscal_year(run):
    facts = paid_facts(KpiInputs.from_run(run))
    month = facts.filter(pl.col("in_month"))["dispatch_id"].to_list()
    assert month == ["D01", "D02", "D03"]  # D01 supported in September, paid now
    assert sorted(facts["dispatch_id"].to_list()) == ["D01", "D02", "D03", "D06", "D07"]


def test_held_and_excluded_are_not_facts_and_previous_fiscal_year_is_dropped(run):
    ids = set(paid_facts(KpiInputs.from_run(run))["dispatch_id"].to_list())
    assert not ids & {"D04", "D05", "D08"}


def test_R_TRV_2_travel_is_transport_plus_per_diem_plus_lodging(run):
    facts = paid_facts(KpiInputs.from_run(run)).filter(pl.col("dispatch_id") == "D02")
    assert facts["travel"].to_list() == [1100 + 9800]
    assert facts["total"].to_list() == [5280 + 1100 + 9800]


def test_attributes_come_from_the_tables(run):
    facts = paid_facts(KpiInputs.from_run(run)).filter(pl.col("dispatch_id") == "D07")
    row = facts.row(0, named=True)
    assert row["institution_id"] == "P1A"  # from the dispatches table: the ledger has none
    assert row["bureau"] == "関東経済産業局"  # 神奈川県
    assert row["kind_label"].startswith("⑧")
