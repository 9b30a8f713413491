"""Excel error cells, formulas without a result and merged ranges are found wherever they
fall in the sheet's XML (chunk boundaries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from haken_batch.load import xlsx_errors
from haken_batch.load.xlsx_errors import sheet_marks


def _book(tmp_path: Path) -> bytes:
    book = Workbook()
    first = book.active
    first.title = "experts"
    first.append(["専門家ID", "氏名"])
    claims = book.create_sheet("travel_claims")
    claims.append(["派遣ID", "運賃"])
    for n in range(1, 400):
        claims.append([f"D{n:04d}", 330])
    claims["B150"] = "#DIV/0!"
    claims["B399"] = "#N/A"
    claims["AB7"] = "#REF!"
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path.read_bytes()


@pytest.mark.parametrize("chunk", [7, 100, 1 << 20])
def test_every_error_cell_is_found_once_whatever_the_chunk(tmp_path: Path, chunk: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_errors, "_CHUNK", chunk)
    found = sheet_marks(_book(tmp_path), "travel_claims").errors
    assert [(c.sheet, c.ref, c.row, c.column, c.value) for c in found] == [
        ("travel_claims", "AB7", 7, 27, "#REF!"),
        ("travel_claims", "B150", 150, 1, "#DIV/0!"),
        ("travel_claims", "B399", 399, 1, "#N/A"),
    ]


def test_a_book_without_error_cells_has_none(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["#DIV/0! written as text", 't="e"'])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    assert sheet_marks(path.read_bytes(), book.active.title).errors == ()


def test_errors_elsewhere_in_the_book_never_hide_a_table_sheets(tmp_path: Path) -> None:
    book = Workbook()
    old = book.active
    old.title = "旧データ"  # not a table, first in the book, full of errors
    for _ in range(29):
        old.append(["#N/A"])
    claims = book.create_sheet("travel_claims")
    claims.append(["派遣ID", "運賃"])
    claims.append(["D0001", "#DIV/0!"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    found = sheet_marks(path.read_bytes(), "travel_claims").errors
    assert [(c.sheet, c.ref, c.value) for c in found] == [("travel_claims", "B2", "#DIV/0!")]
    old_errors = sheet_marks(path.read_bytes(), "旧データ").errors
    assert len(old_errors) + len(found) == 10 + 1  # capped per sheet, not per book


@pytest.mark.parametrize("chunk", [7, 100, 1 << 20])
def test_formulas_without_a_result_and_merged_ranges_are_found(
        tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_errors, "_CHUNK", chunk)
    book = Workbook()
    claims = book.active
    claims.title = "travel_claims"
    claims.append(["派遣ID", "運賃"])
    for n in range(1, 300):
        claims.append([f"D{n:04d}", 330])
    claims["B120"] = "=17940*2"  # openpyxl writes the formula with no cached value
    claims.merge_cells("A200:A203")
    claims.merge_cells("A250:B251")
    path = tmp_path / "book.xlsx"
    book.save(path)
    marks = sheet_marks(path.read_bytes(), "travel_claims")
    assert [(c.ref, c.kind, c.value) for c in marks.errors] == [("B120", "no_value", "")]
    assert [(m.ref, m.first_row, m.last_row, m.first_column, m.last_column)
            for m in marks.merged] == [("A200:A203", 200, 203, 0, 0),
                                       ("A250:B251", 250, 251, 0, 1)]


def test_error_cells_outside_the_given_columns_are_not_counted(tmp_path: Path) -> None:
    """Twelve #N/A in an extra column stopped the run although the column is ignored (red
    team, round 2); one in a contract column after them must still be found."""
    book = Workbook()
    sheet = book.active
    sheet.title = "travel_claims"
    sheet.append(["派遣ID", "運賃", "メモ"])
    for n in range(1, 20):
        sheet.append([f"D{n:04d}", 330, "#N/A" if n <= 12 else "ok"])
    sheet["B18"] = "#DIV/0!"
    path = tmp_path / "book.xlsx"
    book.save(path)
    marks = sheet_marks(path.read_bytes(), "travel_claims", columns={0, 1})
    assert [(c.ref, c.value) for c in marks.errors] == [("B18", "#DIV/0!")]
