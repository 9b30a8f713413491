"""要確認フラグ in the KPI workbook (rules.md "Decisions": flags never block payment and are
listed for the agency report; R-CHK-4: an implausible accompaniment reason is reported).

The sheet lists the flag findings of the month's paid dispatches. The expectations are read
here from the cycle's own findings.csv / dispatches.csv with the csv module (or from the
hand-made scenario's frames), not through the code under test; the bundled samples settle
with documents, and ``haken kpi`` regenerates the same bytes from the settled folder.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.emit import kpi
from haken_batch.kpi import KpiInputs
from haken_batch.run import CycleRun
from sample_runs import SAMPLES, sample_options
from test_kpi_scenario import EVIL, scenario_run

SHEET = "要確認フラグ"
HEADERS = ("派遣ID", "明細番号", "支援日", "申請機関ID", "機関名", "専門家ID", "ルール", "内容")
COUNT = "要確認フラグ（当月支払分）"
CYCLE = "2021-10"


def sheet_rows(book: openpyxl.Workbook) -> list[tuple]:
    """The table's data rows (below its header row), dates as ISO text."""
    ws = book[SHEET]
    found = [r for r in ws.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(found) if tuple(r[:8]) == HEADERS)
    return [tuple(c.date().isoformat() if hasattr(c, "date") else c for c in r[:8])
            for r in found[header + 1:] if any(v is not None for v in r)]


def headline_count(book: openpyxl.Workbook) -> list:
    row = next(r for r in book["概要"].iter_rows(values_only=True) if r and r[0] == COUNT)
    return list(row[1:4])


# --------------------------------------------------------------- hand-made cycle (2021-10)
# D01 D02 D03 paid, D04 held, D05 excluded (test_kpi_scenario.DECISIONS)
FINDINGS = [
    ("D01", None, "R-CHK-4", "flag", "機関の同行なし、理由の記載なし"),
    ("D02", 3, "R-TRV-10", "flag", "複数泊（この明細 2泊）: 前泊・後泊の必要性を確認"),
    ("D02", 4, "R-TRV-10", "flag", "複数泊（この明細 2泊）: 前泊・後泊の必要性を確認"),
    ("D02", None, "R-CHK-4", "flag", EVIL),  # a formula-like text stays text
    ("D03", 1, "R-TRV-4", "reduce", "往復割引運賃と実費の安い方"),  # not a flag
    ("D04", None, "R-CHK-4", "flag", "機関の同行の有無が記録されていない"),  # held
    ("D04", None, "R-CHK-1", "hold", "差が許容範囲を超える"),
    ("D05", None, "R-CHK-4", "flag", "機関の同行なし、理由の記載なし"),  # excluded
]


def with_findings(run: CycleRun, rows: list[tuple]) -> CycleRun:
    frame = pl.DataFrame(rows, orient="row", schema={
        "dispatch_id": pl.String, "line_no": pl.Int64, "rule_id": pl.String,
        "severity": pl.String, "message": pl.String})
    return replace(run, settlement=replace(run.settlement, findings=frame))


@pytest.fixture()
def flagged(tmp_path: Path) -> CycleRun:
    return with_findings(scenario_run(tmp_path), FINDINGS)


@pytest.fixture()
def book(flagged: CycleRun) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(kpi.build(KpiInputs.from_run(flagged))))


def test_R_CHK_4_flags_of_the_months_paid_dispatches_are_listed(book) -> None:
    # by dispatch id, line (blank first), rule id, message; one row per finding: D02's two
    # lodging lines flagged alike are told apart by their 明細番号
    assert sheet_rows(book) == [
        ("D01", None, "2021-09-28", "Y13", "東京都よろず支援拠点", "E1", "R-CHK-4",
         "機関の同行なし、理由の記載なし"),
        ("D02", None, "2021-10-15", "Y13", "東京都よろず支援拠点", "E2", "R-CHK-4", EVIL),
        ("D02", 3, "2021-10-15", "Y13", "東京都よろず支援拠点", "E2", "R-TRV-10",
         "複数泊（この明細 2泊）: 前泊・後泊の必要性を確認"),
        ("D02", 4, "2021-10-15", "Y13", "東京都よろず支援拠点", "E2", "R-TRV-10",
         "複数泊（この明細 2泊）: 前泊・後泊の必要性を確認"),
    ]


def test_R_CHK_4_a_held_or_excluded_dispatchs_flag_is_not_listed(book) -> None:
    ids = {r[0] for r in sheet_rows(book)}
    assert not ids & {"D04", "D05"}  # held / excluded: listed in the cycle that pays them
    assert "D03" not in ids  # a reduction is not a flag


def test_R_CHK_4_summary_count_equals_the_rows_and_has_no_cumulative(book) -> None:
    assert headline_count(book) == ["件", 4, None]
    assert book.sheetnames[-1] == SHEET and SHEET in kpi.SHEET_NAMES
    notes = " ".join(str(c.value) for row in book["定義"].iter_rows() for c in row if c.value)
    assert "要確認フラグ" in notes and "R-CHK-4" in notes and "累計はありません" in notes


def test_the_flag_list_names_no_expert_and_no_bank_data(book) -> None:
    cells = {str(c) for row in book[SHEET].iter_rows(values_only=True) for c in row if c}
    assert not cells & {"山田 太郎", "佐藤 花子", "株式会社コンサル"}
    assert not any(w in c for c in cells for w in ("口座", "銀行", "支店"))


def test_a_month_without_flags_shows_the_headers_only(tmp_path: Path) -> None:
    quiet = with_findings(scenario_run(tmp_path), [r for r in FINDINGS if r[0] >= "D03"])
    book = openpyxl.load_workbook(io.BytesIO(kpi.build(KpiInputs.from_run(quiet))))
    assert sheet_rows(book) == []
    assert headline_count(book) == ["件", 0, None]


# ------------------------------------------------------------ the bundled samples, settled
def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def expected_from_the_folder(folder: Path, en: bool) -> list[tuple]:
    """The flag findings of the paid dispatches, from the cycle's CSVs and the institutions
    table of the data (column names as written: English with ``--headers en``)."""
    k = (dict(id="dispatch_id", expert="expert_id", inst="institution_id", date="support_date",
              status="status", rule="rule_id", severity="severity", message="message",
              line="line_no")
         if en else
         dict(id="派遣ID", expert="専門家ID", inst="申請機関ID", date="支援日", status="判定",
              rule="ルールID", severity="区分", message="内容", line="明細番号"))
    paid = {d[k["id"]]: d for d in read_csv(folder / "dispatches.csv")
            if d[k["status"]] == "paid"}
    names = {i["機関ID"]: i["機関名"] for i in read_csv(SAMPLES / "institutions.csv")}
    rows = []
    for f in read_csv(folder / "findings.csv"):
        d = paid.get(f[k["id"]])
        if f[k["severity"]] == "flag" and d is not None:
            line = int(f[k["line"]]) if f[k["line"]] else None
            rows.append((d[k["id"]], line, d[k["date"]], d[k["inst"]], names[d[k["inst"]]],
                         d[k["expert"]], f[k["rule"]], f[k["message"]]))
    return sorted(rows, key=lambda r: (r[0], -1 if r[1] is None else r[1], r[6], r[7]))


@pytest.fixture(scope="module", params=["ja", "en"])
def settled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(f"flags-{request.param}") / "out"
    cycle.settle_cycle(sample_options(out, CYCLE, documents=True, headers=request.param))
    return out, request.param == "en"


def test_R_CHK_4_settle_lists_exactly_the_flags_of_findings_csv(settled) -> None:
    out, en = settled
    folder = out / CYCLE
    book = openpyxl.load_workbook(folder / f"kpi_{CYCLE}.xlsx")
    expected = expected_from_the_folder(folder, en)
    assert expected, "the samples pay flagged dispatches (R-CHK-4, R-TRV-10, R-LIM-1)"
    assert {r[6] for r in expected} >= {"R-CHK-4"}
    assert sheet_rows(book) == expected
    assert headline_count(book)[1] == len(expected)
    # the terminal's count is every flag; the list only those of paid dispatches
    flags = [f for f in read_csv(folder / "findings.csv")
             if f["severity" if en else "区分"] == "flag"]
    assert len(flags) >= len(expected)


def test_regeneration_gives_the_bytes_settle_wrote(settled, tmp_path: Path) -> None:
    out, _ = settled
    written = (out / CYCLE / f"kpi_{CYCLE}.xlsx").read_bytes()
    to = tmp_path / "again"
    res = CliRunner().invoke(app, ["kpi", CYCLE, "--out", str(out), "--to", str(to)])
    assert res.exit_code == 0, res.output
    assert (to / f"kpi_{CYCLE}.xlsx").read_bytes() == written
    # and into the archived folder itself: allowed because identical, nothing rewritten
    res = CliRunner().invoke(app, ["kpi", CYCLE, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / CYCLE / f"kpi_{CYCLE}.xlsx").read_bytes() == written
