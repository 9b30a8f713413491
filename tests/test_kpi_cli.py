"""`haken kpi` / `haken statement` regenerate from a settled cycle folder (CliRunner)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "tests" / "corpus" / "base"
runner = CliRunner()

DISPATCHES_JA = "派遣ID,専門家ID,申請機関ID,支援日,判定,謝金,交通費,日当,宿泊費,合計,根拠ルール"
DISPATCHES_EN = ("dispatch_id,expert_id,institution_id,support_date,status,fee,transport,"
                 "per_diem,lodging,total,rules")
ROWS = ["D0001,E001,Y13,2021-10-05,paid,10560,1200,0,0,11760,",
        "D0003,E001,Y13,2021-10-20,excluded,0,0,0,0,0,R-EXC-3"]
FINDINGS_JA = "派遣ID,明細番号,ルールID,区分,内容"
FINDINGS_EN = "dispatch_id,line_no,rule_id,severity,message"
# a flag of the paid D0001 (listed, its formula-like text written neutralised), a reduction
# (not a flag) and a flag of the excluded D0003 (neither listed)
FINDINGS = ["D0001,,R-CHK-4,flag,'=同行なし、理由の記載なし",
            "D0001,1,R-TRV-4,reduce,往復割引運賃と実費の安い方",
            "D0003,,R-CHK-4,flag,機関の同行なし、理由の記載なし"]
LEDGER = ("サイクル,派遣ID,専門家ID,支援日,開始時刻,謝金,交通費,日当,宿泊費,合計,"
          "対面支援時間(分),全行程距離(km)\n"
          "2021-09,D0002,E002,2021-09-28,10:00:00,7920,3000,1100,0,12020,90,120.0\n")


def settled_out(tmp: Path, header: str = DISPATCHES_JA) -> Path:
    out = tmp / "out"
    (out / "2021-10").mkdir(parents=True)
    (out / "2021-09").mkdir()
    text = "\ufeff" + "\n".join([header, *ROWS]) + "\n"
    (out / "2021-10" / "dispatches.csv").write_text(text, encoding="utf-8")
    findings = FINDINGS_EN if header == DISPATCHES_EN else FINDINGS_JA
    (out / "2021-10" / "findings.csv").write_text(
        "\ufeff" + "\n".join([findings, *FINDINGS]) + "\n", encoding="utf-8")
    (out / "2021-09" / "ledger.csv").write_text("\ufeff" + LEDGER, encoding="utf-8")
    return out


def headline(path: Path) -> dict[str, list]:
    ws = openpyxl.load_workbook(path)["概要"]
    return {r[0]: list(r) for r in ws.iter_rows(values_only=True) if r and r[0]}


@pytest.mark.parametrize("header", [DISPATCHES_JA, DISPATCHES_EN], ids=["ja", "en"])
def test_haken_kpi_rewrites_the_workbook_from_the_cycle_folder(tmp_path: Path, header: str):
    out = settled_out(tmp_path, header)
    result = runner.invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(BASE)])
    assert result.exit_code == 0, result.output
    path = out / "2021-10" / "kpi_2021-10.xlsx"
    assert str(path) in result.output
    h = headline(path)
    assert h["派遣件数（支払済）"][2:4] == [1, 2]
    assert h["支払額合計"][2:4] == [11760, 11760 + 12020]
    assert h["保留"][1] == 0 and h["対象外"][1] == 1
    # R-CHK-4: the paid dispatch's flag, read from findings.csv in either header language
    assert h["要確認フラグ（当月支払分）"][2:4] == [1, None]
    flags = [r for r in openpyxl.load_workbook(path)["要確認フラグ"].iter_rows(values_only=True)
             if r[0] and str(r[0]).startswith("D")]
    assert [(r[0], r[1], r[3], r[5], r[6], r[7]) for r in flags] == [
        ("D0001", None, "Y13", "E001", "R-CHK-4", "=同行なし、理由の記載なし")]


def test_haken_kpi_second_run_reports_unchanged(tmp_path: Path):
    out = settled_out(tmp_path)
    args = ["kpi", "2021-10", "--out", str(out), "--data", str(BASE)]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "変更なし" in again.output


def test_haken_statement_writes_one_institution(tmp_path: Path):
    out = settled_out(tmp_path)
    result = runner.invoke(app, ["statement", "2021-10", "--institution", "P27A", "--out",
                                 str(out), "--data", str(BASE), "--to", str(tmp_path / "st")])
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "st" / "statements").iterdir())
    assert [p.name for p in files] == ["statement_P27A_2021-10.xlsx"]
    ws = openpyxl.load_workbook(files[0])["概要"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "P27A")
    assert row[5] == 0 and row[11] == 1 and row[14] == 12020  # D0002 paid in 2021-09


def test_haken_statement_of_a_platform_says_whose_statement_holds_it(tmp_path: Path):
    """PF27 wrote statement_P27A_… without a word (blind clerk check, R-RPT-1: a platform's
    figures are in its representative's statement)."""
    out = settled_out(tmp_path)
    result = runner.invoke(app, ["statement", "2021-10", "--institution", "PF27", "--out",
                                 str(out), "--data", str(BASE), "--to", str(tmp_path / "st")])
    assert result.exit_code == 0, result.output
    assert "statement_P27A_2021-10.xlsx" in result.output
    assert "PF27 はプラットフォームです" in " ".join(result.output.split())
    own = runner.invoke(app, ["statement", "2021-10", "--institution", "P27A", "--out",
                              str(out), "--data", str(BASE), "--to", str(tmp_path / "st2")])
    assert "プラットフォームです" not in own.output


def test_haken_statement_unknown_institution_is_a_clear_error(tmp_path: Path):
    out = settled_out(tmp_path)
    result = runner.invoke(app, ["statement", "2021-10", "--institution", "NOPE", "--out",
                                 str(out), "--data", str(BASE)])
    assert result.exit_code == 2
    assert "機関ID「NOPE」" in result.output


def test_haken_kpi_without_archive_needs_data(tmp_path: Path):
    out = settled_out(tmp_path)
    result = runner.invoke(app, ["kpi", "2021-10", "--out", str(out)])
    assert result.exit_code == 2 and "--data" in result.output


def test_haken_kpi_unsettled_cycle_is_a_clear_error(tmp_path: Path):
    out = settled_out(tmp_path)
    result = runner.invoke(app, ["kpi", "2021-11", "--out", str(out), "--data", str(BASE)])
    assert result.exit_code == 2 and "2021-11" in result.output


def test_haken_kpi_never_rewrites_a_closed_cycle(tmp_path: Path):
    out = settled_out(tmp_path)
    args = ["kpi", "2021-10", "--out", str(out), "--data", str(BASE)]
    assert runner.invoke(app, args).exit_code == 0
    path = out / "2021-10" / "kpi_2021-10.xlsx"
    before = path.read_bytes()
    (out / "2021-10" / "CLOSED.json").write_text("{}")
    assert runner.invoke(app, args).exit_code == 0  # identical bytes: allowed, nothing written
    (out / "2021-10" / "dispatches.csv").write_text(
        "\n".join([DISPATCHES_JA, ROWS[0].replace("11760", "11761").replace(",1200,", ",1201,")]),
        encoding="utf-8")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "--to" in refused.output
    assert path.read_bytes() == before
