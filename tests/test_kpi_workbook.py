"""The KPI workbook read back with openpyxl: sheets, cells, charts, reconciliation, bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from haken_batch.emit import kpi
from haken_batch.kpi import KpiInputs
from haken_batch.run import CycleRun
from haken_batch.textsafe import looks_like_formula
from test_kpi_scenario import EVIL, scenario_run


@pytest.fixture()
def run(tmp_path: Path) -> CycleRun:
    return scenario_run(tmp_path)


@pytest.fixture()
def wb(run: CycleRun, tmp_path: Path):
    folder = tmp_path / "cycle"
    folder.mkdir()
    kpi.emit(run, folder)
    return openpyxl.load_workbook(folder / "kpi_2021-10.xlsx")


def rows(ws) -> dict[str, list]:
    """Rows keyed by their first cell (data rows have unique first cells in these sheets)."""
    out: dict[str, list] = {}
    for r in ws.iter_rows(values_only=True):
        if r and r[0] is not None:
            out.setdefault(str(r[0]), list(r))
    return out


def test_R_RPT_2_sheet_names_and_order(wb):
    assert wb.sheetnames == list(kpi.SHEET_NAMES)


def test_R_RPT_2_headline_month_and_cumulative(wb):
    r = rows(wb["概要"])
    assert r["派遣件数（支払済）"][2:4] == [3, 5]
    assert r["支援企業数（実数）"][2:4] == [3, 4]  # C1 C2 C3 / + C5 (C2 twice)
    assert r["謝金"][2:4] == [10560 + 5280 + 31680, 10560 + 5280 + 31680 + 7920 + 2640]
    assert r["旅費（交通費＋日当＋宿泊費）"][2] == 1200 + 1100 + 9800 + 15000 + 1100
    assert r["支払額合計"][3] == r["謝金"][3] + r["旅費（交通費＋日当＋宿泊費）"][3]
    # held / excluded of this cycle are shown for information only
    assert r["保留"][1] == 1 and r["対象外"][1] == 1 and r["支払"][1] == 3


def test_R_RPT_2_per_yorozu_keeps_zero_rows_and_totals(wb):
    r = rows(wb["よろず支援拠点別"])
    assert r["Y13"][3:11] == [2, 15840, 12100, 27940, 2, 15840, 12100, 27940]
    assert r["Y27"][3:11] == [0, 0, 0, 0, 1, 7920, 500, 8420]
    assert r["合計"][3] == 2 and r["合計"][7] == 3


def test_R_RPT_2_per_platform_with_constituents(wb):
    ws = wb["プラットフォーム別"]
    data = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0] == "PF1"]
    roles = [(r[2], r[3]) for r in data]
    assert roles == [("プラットフォーム計", None), ("代表機関", "P1R"), ("構成機関", "P1A"),
                     ("構成機関", "P1B")]
    total, rep, member_a, member_b = data
    assert total[6] == 1 and total[10] == 2  # D03 this month; + D07 (paid 2021-09)
    assert rep[6:10] == (1, 31680, 16100, 47780)
    assert member_a[6] == 0 and member_a[10] == 1  # D04 held, D05 excluded: not counted
    assert member_b[10] == 0


def test_R_RPT_2_breakdowns_by_issue_industry_kind_bureau(wb):
    issue = rows(wb["経営課題別"])
    assert issue["IT活用"][1:3] == [1, 2] and issue["法務"][1:3] == [0, 1]
    assert issue["合計"][1:3] == [3, 5]
    assert list(issue)[2:4] == ["経営課題", "経営改善"]  # header, then the code list order
    assert rows(wb["業種別"])["E 製造業"][1:3] == [2, 2]
    kind = rows(wb["機関種別"])
    assert kind["よろず支援拠点"][1:3] == [2, 3]
    assert kind["② 商工会議所"][1:3] == [1, 1]
    bureau = rows(wb["経済産業局別"])
    assert bureau["関東経済産業局"][1:3] == [2, 3]  # 東京都, 神奈川県 ×2
    assert bureau["北海道経済産業局"][1:3] == [1, 1]
    assert bureau["近畿経済産業局"][1:3] == [0, 1]
    assert rows(wb["都道府県別"])["神奈川県"][1:3] == [1, 2]


def test_R_RPT_2_two_qualifications_count_once_each(wb):
    q = rows(wb["保有資格別"])
    assert q["中小企業診断士"][1:3] == [2, 3]
    assert q["税理士"][1:3] == [2, 3]
    assert q["資格なし"][1:3] == [1, 1]
    assert q["ITコーディネータ"][1:3] == [0, 1]
    assert q["合計"][2] > 5  # exceeds the dispatch count, as the sheet says
    assert any("資格ごとに1件" in str(c.value) for c in wb["保有資格別"]["A"])


def test_R_RPT_2_company_classes_dispatches_and_distinct_companies(wb):
    c = rows(wb["企業区分別"])
    assert c["小規模事業者"][1:5] == [1, 1, 1, 1]
    assert c["中小企業"][1:5] == [1, 1, 3, 2]  # D02, D06, D07 / C2 C5
    assert c["創業予定者"][1:5] == [1, 1, 1, 1]
    assert c["合計"][1] == 3 and c["合計"][2] is None  # distinct companies do not add up


def test_R_RPT_2_supported_company_list_is_the_month(wb):
    r = rows(wb["支援企業一覧"])
    assert [k for k in r if k.startswith("C")] == ["C1", "C2", "C3"]
    assert r["C1"][1:4] == ["有限会社いろは", "東京都中央1-2-3", "03-1234-5678"]
    assert r["C1"][5] == "E 製造業" and r["C1"][6] == 12 and r["C1"][7] == "小規模事業者"


def test_R_RPT_2_supported_company_list_cumulative(wb):
    """The year's companies with the month's and the year's counts: every month company is
    in it with the same count, and the counts add up to the headline's dispatches."""
    month = rows(wb["支援企業一覧"])
    year = rows(wb["支援企業一覧（累計）"])
    headline = rows(wb["概要"])["派遣件数（支払済）"]
    companies = {k: v for k, v in year.items() if k.startswith("C")}
    assert {k for k in month if k.startswith("C")} <= set(companies)
    assert {k for k in month if k.startswith("C")} == {k for k, v in companies.items() if v[8]}
    assert all(v[8] == month[k][8] for k, v in companies.items() if v[8])
    assert sum(v[8] for v in companies.values()) == headline[2]
    assert sum(v[9] for v in companies.values()) == headline[3]
    assert "C5" in companies and companies["C5"][8] == 0  # supported in an earlier cycle only
    assert len(companies) == rows(wb["概要"])["支援企業数（実数）"][3]


def test_formula_text_is_neutralised_and_no_cell_is_a_formula(wb):
    """Formula-looking text is a text cell with Excel's quote prefix (shown as written, kept
    as text when edited), not a value with a stray leading quote."""
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("'"), cell.value
                    if looks_like_formula(cell.value):
                        assert cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                        seen.append(cell.value)
    assert EVIL in seen and "-悪い名前" in seen


def test_R_PAY_7_per_expert_reconciles_with_payments(wb, run):
    r = rows(wb["専門家別"])
    pay = run.settlement.payments
    for p in pay.iter_rows(named=True):
        travel = p["transport"] + p["per_diem"] + p["lodging"]
        assert r[p["expert_id"]][4:8] == [p["dispatch_count"], p["fee"], travel, p["gross"]]
    assert r["合計"][7] == pay["gross"].sum()
    assert r["E1"][1] == "山田 太郎" and r["E1"][3] == "中小企業診断士・税理士"


def test_every_institution_total_equals_the_settlement_and_ledger(wb, run):
    r = rows(wb["機関別"])
    paid = run.settlement.dispatches.filter(pl.col("status") == "paid")
    prev = run.previous.filter(pl.col("cycle") >= "2021-04")
    assert r["合計"][6] == paid.height
    assert r["合計"][9] == paid["total"].sum()
    assert r["合計"][10] == paid.height + prev.height
    assert r["合計"][13] == paid["total"].sum() + prev["total"].sum()
    assert r["../x"][1] == "-悪い名前"


def _ref(formula: str) -> tuple[str, str, int, str, int]:
    m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", formula)
    assert m, formula
    return m[1], m[2], int(m[3]), m[4], int(m[5])


def test_charts_refer_to_their_data_sheet_named_like_the_chart(wb):
    charts = wb["概要"]._charts
    assert len(charts) == len(kpi.CHART_SHEETS)
    for chart, sheet in zip(charts, kpi.CHART_SHEETS, strict=True):
        title = "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))
        assert title == sheet
        ws = wb[sheet]
        assert [s.tx.v for s in chart.series] == ["当月", "累計"]
        for series, period in zip(chart.series, ("当月", "累計"), strict=True):
            name, c1, first, c2, last = _ref(series.val.numRef.f)
            assert (name, c1) == (sheet, c2)
            cat = _ref(series.cat.strRef.f)
            assert cat == (sheet, "A", first, "A", last)
            header = ws[f"{c1}{first - 1}"].value  # header just above the range
            assert header == f"{period}\n派遣件数", header
            assert ws.cell(last + 1, 1).value == "合計"  # the total row is left out
            labels = [ws.cell(r, 1).value for r in range(first, last + 1)]
            assert "合計" not in labels and len(labels) == len(set(labels))


def test_presentation_frozen_headers_print_setup_formats(wb):
    for name in kpi.SHEET_NAMES:
        ws = wb[name]
        assert ws.page_setup.paperSize == 9, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        # fitToWidth 1 is the OOXML default (omitted); fitToHeight 0 = as many pages as needed
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, name
        if name not in ("概要", "定義"):
            assert ws.freeze_panes is not None, name  # header rows stay in view
            assert ws.print_title_rows, name  # and are repeated on every printed page
    ws = wb["よろず支援拠点別"]
    assert ws.freeze_panes == "C6"
    assert ws.cell(6, 5).number_format == "#,##0"
    assert ws.column_dimensions["B"].width >= 20


def test_same_inputs_give_identical_bytes(run, tmp_path: Path):
    inp = KpiInputs.from_run(run)
    assert kpi.build(inp) == kpi.build(KpiInputs.from_run(run))
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    kpi.emit(run, a)
    kpi.emit(scenario_run(tmp_path / "again"), b)
    assert (a / "kpi_2021-10.xlsx").read_bytes() == (b / "kpi_2021-10.xlsx").read_bytes()


def test_created_stamp_comes_from_the_cycle_not_the_clock(run):
    book = openpyxl.load_workbook(io.BytesIO(kpi.build(KpiInputs.from_run(run))))
    assert book.properties.created == dt.datetime(2021, 10, 31, 0, 0)


def test_empty_cycle_still_writes_a_workbook(run, tmp_path: Path):
    s = run.settlement
    empty = s.dispatches.clear()
    from dataclasses import replace

    quiet = replace(run, settlement=replace(s, dispatches=empty), previous=run.previous.clear())
    book = openpyxl.load_workbook(io.BytesIO(kpi.build(KpiInputs.from_run(quiet))))
    assert rows(book["概要"])["派遣件数（支払済）"][2:4] == [0, 0]
    assert len(book["概要"]._charts) == len(kpi.CHART_SHEETS)
