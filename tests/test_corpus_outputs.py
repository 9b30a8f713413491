"""Hostile cells in, safe files out: no formula-looking text cell in any CSV or workbook.

The exports carry formulas (``=``, ``+``, ``-``, ``@``, tab, CR) in every free-text field a
document may repeat (names, company, address, phone, place, station). After `haken settle`
with documents on, every text cell of every CSV and workbook in the cycle folder that starts
with a trigger must carry the guard (textsafe.neutralize), and no workbook cell is a formula.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.cases import edit
from haken_batch.cli.app import app
from haken_batch.textsafe import looks_like_formula

BASE = Path(__file__).resolve().parent / "corpus" / "base"
PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"
PAYLOADS = {
    ("experts", 2, "氏名"): '=HYPERLINK("http://evil.example/","山田")',
    ("experts", 3, "住所"): "+cmd|' /C calc'!A0",
    ("dispatches", 2, "企業名"): "=1+1",
    ("dispatches", 3, "企業名"): "@SUM(1+1)",
    ("dispatches", 4, "企業名"): "-2+3",
    ("dispatches", 2, "企業住所"): "\t=evil()",
    ("dispatches", 3, "企業電話番号"): "+81-3-1111-1111",
    ("institutions", 2, "機関名"): "=cmd|' /C calc'!A0",
    ("reports", 2, "支援場所住所"): "@evil",
    ("travel_claims", 2, "出発地"): "=A1",
    ("travel_claims", 4, "到着地"): "-A1",
}


def _bad(value: str) -> bool:
    """A text cell a spreadsheet would run: starts with a trigger and carries no guard."""
    return looks_like_formula(value)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    work = tmp_path_factory.mktemp("formulas")
    data = work / "data"
    shutil.copytree(BASE, data)
    for (table, row, label), payload in PAYLOADS.items():
        edit(data, table, row, label, payload)
    out = work / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out", str(out),
                                      "--payer", str(PAYER)])
    assert result.exit_code == 0, result.output
    return out / "2021-10"


def _outputs(folder: Path, suffix: str) -> list[Path]:
    return [p for p in sorted(folder.rglob(f"*{suffix}"))
            if "archive" not in p.relative_to(folder).parts]


def test_csv_outputs_carry_no_live_formula(settled: Path) -> None:
    files = _outputs(settled, ".csv")
    assert files
    for path in files:
        for n, row in enumerate(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))):
            for cell in row:
                if _bad(cell):
                    try:
                        float(cell)  # a negative number is a number, not a formula
                    except ValueError:
                        pytest.fail(f"{path.name} line {n + 1}: live formula {cell!r}")


def test_workbooks_carry_no_formula_and_no_live_text(settled: Path) -> None:
    from openpyxl import load_workbook

    books = _outputs(settled, ".xlsx")
    assert books, "documents on: the KPI workbook and statements exist"
    seen_payload = False
    for path in books:
        book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        pytest.fail(f"{path.name}[{sheet.title}]{cell.coordinate}: a formula")
                    if isinstance(cell.value, str):
                        seen_payload |= any(p.lstrip("\t=+-@") in cell.value
                                            for p in PAYLOADS.values() if len(p) > 5)
                        # formula-looking text carries Excel's quote prefix: text for good
                        assert not _bad(cell.value) or cell.quotePrefix, \
                            f"{path.name}[{sheet.title}]{cell.coordinate}: {cell.value!r}"
    assert seen_payload, "the hostile company names should appear (neutralised) somewhere"
