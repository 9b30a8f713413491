"""My Number refusal (issue 7, R-DATA-2): settle reads the loader's structured signal
(``Dataset.my_number_columns``), never the wording of the finding; the finding stays."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from corpus.cases import MY_NUMBER, by_id, make
from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.errors import StructuralError
from haken_batch.load import Dataset, load_dataset
from haken_batch.load import headers as load_headers
from haken_batch.rules import load_rules

PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load_rules()


@pytest.mark.parametrize(("case_id", "column"), [("my-number-by-header", "マイナンバー"),
                                                 ("my-number-by-values", "備考")])
def test_loader_names_the_my_number_column_and_still_reports_it(
    case_id: str, column: str, tmp_path: Path, rules  # type: ignore[no-untyped-def]
) -> None:
    data = load_dataset(make(by_id(case_id), tmp_path / "data"), rules)
    assert data.my_number_columns == (("experts.csv", column, column),)
    found = data.findings.filter(pl.col("column") == column)
    assert found.height == 1
    row = found.row(0, named=True)
    assert row["file"] == "experts.csv" and row["rule_id"] == "R-VAL-1"
    assert row["severity"] == "error" and row["value"] == "＊＊＊＊"
    assert row["message_ja"] == load_headers.MY_NUMBER_FINDING_JA
    assert MY_NUMBER not in str(data.findings.to_dicts())


def test_clean_export_has_no_my_number_columns(tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    data = load_dataset(make(by_id("fullwidth-parens-in-header"), tmp_path / "data"), rules)
    assert data.my_number_columns == ()


def _dataset(findings: pl.DataFrame, columns: tuple[tuple[str, str, str], ...]) -> Dataset:
    return Dataset(tables={}, findings=findings, corrections=pl.DataFrame(), sources={},
                   my_number_columns=columns)


def test_refusal_reads_the_signal_not_the_message_text() -> None:
    worded = pl.DataFrame({"file": ["experts.csv"], "column": ["備考"],
                           "message_ja": [load_headers.MY_NUMBER_FINDING_JA]})
    cycle._refuse_my_number(_dataset(worded, ()))  # the text alone refuses nothing
    with pytest.raises(StructuralError) as err:
        cycle._refuse_my_number(_dataset(worded.clear(), (("experts.csv", "備考", "備考"),)))
    assert "experts.csv「備考」" in err.value.ja and "My Number" in err.value.en


def test_settle_refuses_whatever_the_finding_says(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the finding is reworded (say, a clearer message some day): the refusal must not care
    real = load_headers.one_issue

    def reworded(**kw: object) -> pl.DataFrame:
        return real(**{**kw, "ja": f"（文言変更）{kw['ja']}"})  # type: ignore[arg-type]

    monkeypatch.setattr(load_headers, "one_issue", reworded)
    data = make(by_id("my-number-by-header"), tmp_path / "data")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                      str(out), "--payer", str(PAYER), "--no-documents"])
    assert result.exit_code == 2, result.output
    assert "マイナンバー" in result.output and "experts.csv" in result.output
    assert MY_NUMBER not in result.output and "Traceback" not in result.output
    assert not out.exists()  # nothing written, not even the folder


def test_my_number_check_digit() -> None:
    from haken_batch.privacy import looks_like_my_number

    assert looks_like_my_number(MY_NUMBER)
    assert not looks_like_my_number("123456789012")
    assert [d for d in "0123456789" if looks_like_my_number("12345678901" + d)] == ["8"]


CORRECTION_HEAD = "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"


@pytest.mark.parametrize(("line", "refused"), [
    (f"experts,E-001,マイナンバー,{MY_NUMBER},取得,事務局,2021/10/05 10:00\n", True),
    (f"experts,E-001,住所,東京都,本人連絡（番号{MY_NUMBER}）,事務局,2021/10/05 10:00\n", True),
    ("experts,E-001,住所,東京都,本人連絡（受付123456789012）,事務局,2021/10/05 10:00\n", False),
    (f"experts,E-001,住所,東京都,法人番号{MY_NUMBER}3,事務局,2021/10/05 10:00\n", False),
    ("experts,E-001,住所,東京都,連絡 1234-5678-9018,事務局,2021/10/05 10:00\n", True),
    (f"experts,E-001,{MY_NUMBER},東京都,連絡,事務局,2021/10/05 10:00\n", True),
    (f"experts,E-001,住所,東京都,連絡,事務局 {MY_NUMBER},2021/10/05 10:00\n", True),
])
def test_a_my_number_in_a_correction_is_refused_like_a_column(
    line: str, refused: bool, tmp_path: Path, rules  # type: ignore[no-untyped-def]
) -> None:
    """項目 マイナンバー, or one in a reason, reached the archive's corrections.csv (blind
    red-team check). 12 digits with a wrong check digit, or 13 digits, are not one."""
    data = make(by_id("fullwidth-parens-in-header"), tmp_path / "data")
    (data / "corrections.csv").write_text(CORRECTION_HEAD + line, encoding="utf-8")
    found = load_dataset(data, rules).my_number_columns
    assert found == ((("corrections.csv", "2行目", "row 2"),) if refused else ())
    assert MY_NUMBER not in str(found)


@pytest.mark.parametrize(("cell", "refused"), [
    (f"番号{MY_NUMBER}", True), ("番号123456789012", False), (f"ID:{MY_NUMBER}", True),
    (f"{MY_NUMBER}@example.jp", True),
    # a Salesforce record id, 15 or 18 characters: its 12 digits are not a number written
    # by hand (a0B000000000000 passes the check digit and refused a month: blind check)
    ("a0B000000000000", False), ("ZZZ000000000000", False), (f"a0B{MY_NUMBER}AAA", False),
    (f"ａ０Ｂ{MY_NUMBER}", False)])
def test_a_my_number_written_into_an_extra_column_is_refused(
    cell: str, refused: bool, tmp_path: Path, rules  # type: ignore[no-untyped-def]
) -> None:
    import csv

    data = make(by_id("fullwidth-parens-in-header"), tmp_path / "data")
    path = data / "experts.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    rows[0].append("備考")
    for r in rows[1:]:
        r.append("")
    rows[1][-1] = cell
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    found = load_dataset(data, rules).my_number_columns
    assert found == ((("experts.csv", "備考", "備考"),) if refused else ())



@pytest.mark.parametrize(("table", "label"), [
    ("travel_claims", "理由"), ("reports", "同行なし理由"), ("dispatches", "企業名"),
    ("institutions", "メールアドレス")])
def test_a_my_number_typed_into_a_contract_cell_is_refused(
    table: str, label: str, tmp_path: Path, rules  # type: ignore[no-untyped-def]
) -> None:
    """A My Number in 理由, 同行なし理由, 企業名 or an e-mail cell settled and went into the
    archive, the KPI company list and the statements (blind red-team check, round 2)."""
    import csv

    data = make(by_id("fullwidth-parens-in-header"), tmp_path / "data")
    path = data / f"{table}.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    rows[1][rows[0].index(label)] = "番号 1234-5678-9018"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    found = load_dataset(data, rules)
    # the row is named: one cell among thousands is found by its row, its value is masked
    assert found.my_number_columns == ((f"{table}.csv", f"{label}（2行目）", f"{label} (row 2)"),)
    assert "1234-5678-9018" not in str(found.findings.to_dicts())
    said = found.findings.filter(found.findings["value"] == "＊＊＊＊")
    assert any("この列のセル（2行目）" in m for m in said["message_ja"].to_list())


def test_my_numbers_in_several_cells_name_their_rows(tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    import csv

    from haken_batch.load.headers import _rows_named

    data = make(by_id("fullwidth-parens-in-header"), tmp_path / "data")
    path = data / "travel_claims.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    at = rows[0].index("理由")
    for i in (2, 4):  # file lines 3 and 5: rows 3 and 5 as Excel shows them
        rows[i][at] = f"予約 {MY_NUMBER}"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    found = load_dataset(data, rules)
    assert found.my_number_columns == (("travel_claims.csv", "理由（3・5行目）",
                                        "理由 (rows 3, 5)"),)
    assert _rows_named([2, 3, 4, 5, 6, 7, 9]) == ("2・3・4・5・6行目ほか 2 件",
                                                  "rows 2, 3, 4, 5, 6 and 2 more")
    assert _rows_named([7]) == ("7行目", "row 7")


@pytest.mark.parametrize("text", [
    # realistic text that must not refuse a month (review, session 18: a list of years
    # passed the check digit and the month was refused)
    "2020, 2021, 2022年度も同じ経路で利用", "2020/2021/2022", "2020・2021・2022",
    "2015・2016・2017", "2020\n2021\n2022", "2020 2021 2022",
    "35.681236", "139.767125", "2021-10-05T14:20:47", "2021/10/05 12:00",
    "03-1234-5678", "090-1234-5678", "0120-123-456", "1,234,567", "100-0001",
    "1234.56789012", "4757923980398",
])
def test_realistic_text_is_not_a_my_number(text: str) -> None:
    import polars as pl

    from haken_batch.load.my_number import written_in

    assert not written_in(pl.Series([text]))


def test_a_my_number_in_a_workbook_names_its_sheet_and_sheet_row(
        tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    """In a workbook the refusal named the file and row but not the sheet (review, session
    19); its English said 行目. The row is the sheet's, header below two blank rows."""
    import csv

    from openpyxl import Workbook

    from haken_batch.cycle import _refuse_my_number
    from haken_batch.errors import StructuralError

    data = make(by_id("fullwidth-parens-in-header"), tmp_path / "data")
    book = Workbook()
    book.remove(book.active)
    for path in sorted(data.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        if path.stem == "travel_claims":
            sheet.append([])  # two blank rows above the header: it is the sheet's row 3
            sheet.append([])
            rows[2][rows[0].index("理由")] = f"予約 {MY_NUMBER}"  # sheet row 5
        for row in rows:
            sheet.append(row)
        path.unlink()
    book.save(data / "exports.xlsx")
    found = load_dataset(data, rules)
    assert found.my_number_columns == (("exports.xlsx［travel_claims］", "理由（5行目）",
                                        "理由 (row 5)"),)
    with pytest.raises(StructuralError) as refused:
        _refuse_my_number(found)
    assert "exports.xlsx［travel_claims］「理由（5行目）」" in refused.value.message("ja")
    assert "exports.xlsx［travel_claims］ 理由 (row 5)" in refused.value.message("en")
    assert MY_NUMBER not in refused.value.message("ja") + refused.value.message("en")


def test_a_my_number_on_a_sheet_that_is_no_table_refuses_the_run(tmp_path: Path) -> None:
    """The workbook is archived whole: a sheet マイナンバー beside the tables was ignored
    with a warning and its number went into archive/inputs (hostile check, session 22)."""
    from openpyxl import load_workbook

    samples = Path(__file__).resolve().parents[1] / "samples" / "fy2021-xlsx"
    data = tmp_path / "data"
    data.mkdir()
    book = load_workbook(next(samples.glob("*.xlsx")))
    numbers = book.create_sheet("控え")
    numbers.append(["メモ"])
    numbers.append(["専門家ID", "番号"])  # the header is not the first row, nor named so
    for i in range(3):
        numbers.append([f"E00000{i}", "123456789018"])
    book.create_sheet("空のシート")
    book.save(data / "exports.xlsx")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                      str(out), "--payer", str(PAYER), "--no-documents"])
    assert result.exit_code == 2, result.output
    assert "マイナンバー" in result.output and "exports.xlsx［控え］" in result.output
    assert "123456789018" not in result.output
    assert not (out / "2021-10").exists()
    checked = CliRunner().invoke(app, ["validate", "--data", str(data), "--out",
                                       str(tmp_path / "f.csv")])
    assert checked.exit_code == 1 and "123456789018" not in checked.output
    assert "123456789018" not in (tmp_path / "f.csv").read_text("utf-8-sig")


def test_a_my_number_is_masked_in_every_finding_on_its_cell(tmp_path: Path, rules  # type: ignore[no-untyped-def]
                                                            ) -> None:
    """The My Number finding masked its value, but a range, date or id finding on the same
    cell printed it (従業員数 / 申請日 / 企業ID = 123456789018: hostile check, session 22)."""
    import shutil

    from corpus.cases import edit

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "corpus" / "base", data)
    edit(data, "dispatches", 2, "従業員数", MY_NUMBER)
    edit(data, "dispatches", 2, "申請日", MY_NUMBER)
    edit(data, "dispatches", 3, "企業ID", "１２３４－５６７８－９０１８")
    found = load_dataset(data, rules).findings
    assert found.filter(pl.col("column").is_in(["従業員数", "申請日", "企業ID"])).height >= 6
    text = str(found.to_dicts())
    assert MY_NUMBER not in text and "１２３４" not in text
    result = CliRunner().invoke(app, ["validate", "--data", str(data), "--out",
                                      str(tmp_path / "f.csv")])
    assert MY_NUMBER not in result.output and "１２３４" not in result.output
    kept = found.filter(pl.col("column") == "従業員数")["value"].to_list()
    assert set(kept) == {"＊＊＊＊"}
    # a 12-digit value without the check digit is shown as it is (not a My Number)
    edit(data, "dispatches", 2, "従業員数", "123456789012")
    assert "123456789012" in str(load_dataset(data, rules).findings.to_dicts())
