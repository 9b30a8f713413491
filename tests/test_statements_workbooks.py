"""Statements (R-RPT-1) read back with openpyxl: who sees what, applications, yen, files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from haken_batch.emit import statements
from haken_batch.errors import HakenError
from haken_batch.kpi import KpiInputs
from haken_batch.run import CycleRun
from test_kpi_scenario import scenario_run


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> tuple[CycleRun, Path]:
    tmp = tmp_path_factory.mktemp("st")
    run = scenario_run(tmp)
    folder = tmp / "cycle"
    folder.mkdir()
    statements.emit(run, folder)
    return run, folder / "statements"


def book(folder: Path, owner: str):
    return openpyxl.load_workbook(folder / statements.file_name(owner, "2021-10"))


def summary_rows(wb) -> dict[str, tuple]:
    ws = wb["概要"]
    return {str(r[0]): r for r in ws.iter_rows(min_row=6, values_only=True)
            if r[0] is not None and r[2] is not None}


def detail_ids(wb, sheet: str) -> list[str]:
    ws = wb[sheet]
    col = [c.value for c in ws[5]].index("派遣ID") + 1
    return [ws.cell(r, col).value for r in range(6, ws.max_row + 1)
            if str(ws.cell(r, col).value or "").startswith("D")]


def test_R_RPT_1_one_statement_per_institution_with_safe_names(out):
    _, folder = out
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(statements.file_name(i, "2021-10")
                           for i in ["Y13", "Y27", "P1R", "P1A", "P1B", "../x"])
    assert "statement_.._x_2021-10.xlsx" not in names
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_R_RPT_1_yorozu_sees_its_applications_amount_and_dispatches(out):
    _, folder = out
    wb = book(folder, "Y13")
    r = summary_rows(wb)
    assert list(r) == ["Y13"]  # only itself, no total row
    # month: applications D02 D10 (D01 applied in September); cumulative + D01 (D08 = FY2020)
    assert r["Y13"][3:9] == (2, 0, 2, 15840, 12100, 27940)
    assert r["Y13"][9:15] == (3, 0, 2, 15840, 12100, 27940)
    assert detail_ids(wb, "当月明細") == ["D01", "D02"]
    assert detail_ids(wb, "累計明細") == ["D01", "D02"]


def test_R_RPT_1_platform_representative_sees_each_constituent_and_total(out):
    _, folder = out
    r = summary_rows(book(folder, "P1R"))
    assert list(r) == ["P1R", "P1A", "P1B", "合計"]
    assert r["P1R"][2] == "代表機関" and r["P1A"][2] == "構成機関"
    assert r["P1B"][3:5] == (0, 1)  # D09 cancelled: not an application, shown apart
    assert r["P1A"][3] == 2 and r["P1A"][5] == 0  # D04 held, D05 excluded: applied, not paid
    assert r["P1A"][11] == 1 and r["P1A"][14] == 2640  # D07 paid in 2021-09
    assert r["合計"][3:15] == tuple(sum(r[k][i] for k in ("P1R", "P1A", "P1B"))
                                    for i in range(3, 15))
    wb = book(folder, "P1R")
    assert detail_ids(wb, "累計明細") == ["D03", "D07"]


def test_R_RPT_1_constituent_sees_only_its_own(out):
    _, folder = out
    wb = book(folder, "P1A")
    assert list(summary_rows(wb)) == ["P1A"]
    assert detail_ids(wb, "当月明細") == []
    assert detail_ids(wb, "累計明細") == ["D07"]


def test_statement_yen_reconcile_with_the_settlement(out):
    run, folder = out
    paid = run.settlement.dispatches.filter(pl.col("status") == "paid")
    month_total = 0
    for path in folder.iterdir():
        wb = openpyxl.load_workbook(path)
        rows = summary_rows(wb)
        own = next(iter(rows))
        month_total += rows[own][8]
    assert month_total == paid["total"].sum()


def test_details_have_dates_yen_formats_and_totals(out):
    _, folder = out
    ws = book(folder, "Y13")["当月明細"]
    assert isinstance(ws["B6"].value, dt.datetime) and ws["B6"].number_format == "yyyy/mm/dd"
    header = [c.value for c in ws[5]]
    fee = header.index("謝金（円）") + 1
    assert ws.cell(6, fee).number_format == "#,##0"
    assert ws.cell(8, 1).value == "合計（2件）" and ws.cell(8, header.index("合計（円）") + 1) \
        .value == 11760 + 16180
    assert ws.freeze_panes == "B6"


def test_statement_for_one_institution_or_its_platform(tmp_path: Path):
    inp = KpiInputs.from_run(scenario_run(tmp_path))
    paths = statements.write(inp, tmp_path / "one", institution="PF1")
    assert [p.name for p in paths] == [statements.file_name("P1R", "2021-10")]
    with pytest.raises(HakenError, match="NOPE"):
        statements.write(inp, tmp_path / "none", institution="NOPE")


def test_statements_are_byte_repeatable(tmp_path: Path):
    a = statements.write(KpiInputs.from_run(scenario_run(tmp_path / "a")), tmp_path / "a")
    b = statements.write(KpiInputs.from_run(scenario_run(tmp_path / "b")), tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]



def test_platform_without_representative_is_filed_under_the_platform_id(tmp_path: Path):
    from dataclasses import replace

    run = scenario_run(tmp_path)
    tables = dict(run.data.tables)
    tables["institutions"] = tables["institutions"].with_columns(
        is_representative=pl.lit(False))
    run = replace(run, data=type(run.data)(tables=tables))
    paths = statements.write(KpiInputs.from_run(run), tmp_path / "o", institution="PF1")
    assert [p.name for p in paths] == [statements.file_name("PF1", "2021-10")]
    rows = summary_rows(openpyxl.load_workbook(paths[0]))
    assert list(rows) == ["P1A", "P1B", "P1R", "合計"]


def test_worker_processes_give_the_same_bytes(tmp_path: Path, monkeypatch):
    inp = KpiInputs.from_run(scenario_run(tmp_path))
    one = statements.write(inp, tmp_path / "one", workers=1)

    def not_here(*_a, **_k):
        raise AssertionError("built in the parent: the workers did not run")

    monkeypatch.setattr(statements, "build_chunk", not_here)
    two = statements.write(inp, tmp_path / "two", workers=2)
    assert [p.name for p in one] == [p.name for p in two]
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_a_worker_that_cannot_start_falls_back_to_building_here(tmp_path: Path, monkeypatch):
    inp = KpiInputs.from_run(scenario_run(tmp_path))
    one = statements.write(inp, tmp_path / "one", workers=1)
    monkeypatch.setattr(statements.sys, "executable", str(tmp_path / "no-python"))
    two = statements.write(inp, tmp_path / "two", workers=2)
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_split_keeps_order_and_balances_rows():
    from haken_batch.emit.statements import _split

    frame = pl.DataFrame({"x": [1]})
    jobs = [(str(i), None, frame, frame, pl.DataFrame({"x": list(range(n))}))
            for i, n in enumerate([10, 10, 10, 10, 100, 1])]
    chunks = _split(jobs, 2)  # type: ignore[arg-type]
    assert [j[0] for c in chunks for j in c] == [str(i) for i in range(6)]
    assert len(chunks) == 2


def _apps(month: int, year: int = 2021) -> tuple[int, int]:
    """(month, cumulative) applications of a small table for the cycle ``year-month``."""
    from haken_batch.kpi.statements import applications

    D = dt.date
    table = pl.DataFrame({
        "dispatch_id": ["A1", "A2", "A3", "A4", "A5"],
        "institution_id": ["Y13"] * 5,
        # A1 applied in March for April: FY2021's; A2 an FY2020 case; A3 applied in April;
        # A4 applied in May; A5 applied in March 2022 for an FY2022 dispatch
        "applied_on": [D(2021, 3, 25), D(2021, 2, 1), D(2021, 4, 2), D(2021, 5, 6),
                       D(2022, 3, 20)],
        "scheduled_on": [D(2021, 4, 5), D(2021, 2, 20), D(2021, 4, 20), D(2021, 5, 20),
                         D(2022, 4, 8)],
        "status": ["実施済"] * 5,
    })
    start = D(year, month, 1)
    end = (D(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    inp = KpiInputs(cycle=f"{year}-{month:02d}", fy_start=D(2021, 4, 1), month_start=start,
                    month_end=end, cutoff=end, transfer_date=end, decisions=pl.DataFrame(),
                    findings=pl.DataFrame(),
                    previous=pl.DataFrame(), experts=pl.DataFrame(),
                    institutions=pl.DataFrame(), dispatch_table=table, codes=None)  # type: ignore[arg-type]
    row = applications(inp).row(0, named=True)
    return (row["month_apps"], row["cum_apps"])


def test_R_RPT_1_an_application_before_the_year_counts_in_its_first_month() -> None:
    """A case is the fiscal year's by its 派遣予定日: applied in March for April, it is one of
    the year's applications, in April; the cumulative is the sum of the months, and a case
    of the previous or the next year is in neither."""
    assert _apps(4) == (2, 2)  # A1 (early) + A3
    assert _apps(5) == (1, 3)  # A4
    assert _apps(3, 2022) == (0, 3)  # A5 is FY2022's
    assert sum(_apps(m)[0] for m in range(4, 13)) + sum(_apps(m, 2022)[0]
                                                         for m in range(1, 4)) == 3
