"""Reading a data folder: encodings, Excel, Japanese names, structural faults (input-contract)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from haken_batch.errors import StructuralError
from haken_batch.load import load_dataset

FIX = Path(__file__).parent / "fixtures" / "load"
GOOD = FIX / "good"
TABLES = ["experts", "institutions", "dispatches", "reports", "checkins", "travel_claims"]
JA = {"experts": "専門家", "institutions": "派遣可能機関", "dispatches": "派遣案件",
      "reports": "支援実績報告", "checkins": "チェックイン・チェックアウト",
      "travel_claims": "旅費請求明細"}


def copy_good(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name
    shutil.copytree(GOOD, data)
    return data


def write_workbook(folder: Path, *, skip: str | None = None, name: str = "export.xlsx") -> Path:
    """The good fixture as one workbook, cells typed the way Excel stores them."""
    import csv
    import datetime as dt
    import re

    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy/mm/dd"})
    time_fmt = wb.add_format({"num_format": "hh:mm"})
    ts_fmt = wb.add_format({"num_format": "yyyy/mm/dd hh:mm"})
    for table in TABLES:
        if table == skip:
            continue
        ws = wb.add_worksheet(JA[table] if table == "reports" else table)
        rows = list(csv.reader((GOOD / f"{table}.csv").open(encoding="utf-8")))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if r == 0 or cell == "":
                    ws.write_string(r, c, cell) if cell else None
                elif re.fullmatch(r"\d{4}[/-]\d{2}[/-]\d{2}", cell):
                    ws.write_datetime(r, c, dt.datetime.strptime(cell.replace("/", "-"),
                                                                 "%Y-%m-%d"), date_fmt)
                elif re.fullmatch(r"\d{1,2}:\d{2}", cell):
                    h, m = map(int, cell.split(":"))
                    ws.write_datetime(r, c, dt.time(h, m), time_fmt)
                elif re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", cell):
                    ws.write_datetime(r, c, dt.datetime.strptime(cell, "%Y/%m/%d %H:%M"), ts_fmt)
                elif re.fullmatch(r"[1-9]\d{0,5}(\.\d+)?", cell):
                    ws.write_number(r, c, float(cell))
                else:
                    ws.write_string(r, c, cell)
    wb.close()
    return path


@pytest.fixture(scope="module")
def from_csv(rules):
    return load_dataset(GOOD, rules)


def assert_same_tables(a, b) -> None:
    for table in TABLES:
        assert_frame_equal(a.tables[table], b.tables[table])


def test_csv_utf8_bom_and_cp932_give_equal_frames(rules, tmp_path, from_csv) -> None:
    bom = copy_good(tmp_path, "bom")
    sjis = copy_good(tmp_path, "sjis")
    for table in TABLES:
        text = (GOOD / f"{table}.csv").read_text("utf-8")
        (bom / f"{table}.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        (sjis / f"{table}.csv").write_bytes(text.replace("\n", "\r\n").encode("cp932"))
    a, b = load_dataset(bom, rules), load_dataset(sjis, rules)
    assert_same_tables(from_csv, a)
    assert_same_tables(from_csv, b)
    assert {s.encoding for s in a.sources.values()} == {"utf-8-sig"}
    assert {s.encoding for s in b.sources.values()} == {"cp932"}
    assert {s.encoding for s in from_csv.sources.values()} == {"utf-8"}
    assert a.findings.height == b.findings.height == 0


def test_excel_workbook_gives_equal_frames(rules, tmp_path, from_csv) -> None:
    path = write_workbook(tmp_path / "xl")
    ds = load_dataset(tmp_path / "xl", rules)
    assert_same_tables(from_csv, ds)
    assert ds.findings.height == 0
    assert ds.sources["reports"].sheet == "支援実績報告"
    assert ds.sources["experts"].path == path and ds.sources["experts"].encoding == "xlsx"


def test_japanese_file_names_are_accepted(rules, tmp_path, from_csv) -> None:
    data = copy_good(tmp_path)
    for table in TABLES:
        (data / f"{table}.csv").rename(data / f"{JA[table]}.csv")
    assert_same_tables(from_csv, load_dataset(data, rules))


def test_sources_carry_sha256_of_the_file(from_csv) -> None:
    import hashlib

    src = from_csv.sources["experts"]
    assert src.sha256 == hashlib.sha256((GOOD / "experts.csv").read_bytes()).hexdigest()
    assert src.sheet is None


def test_row_is_the_excel_row_number(from_csv) -> None:
    assert from_csv.tables["dispatches"].get_column("_row").to_list() == [2, 3, 4, 5]


def test_design_types(from_csv) -> None:
    t = from_csv.tables
    assert t["reports"].schema["start_time"] == pl.Time
    assert t["reports"].schema["approved_at"] == pl.Datetime("us")
    assert t["checkins"].schema["at"] == pl.Datetime("us")
    assert t["travel_claims"].schema["fare"] == pl.Int64
    assert t["experts"].schema["qualifications"] == pl.List(pl.String)
    assert t["experts"].schema["account_type"] == pl.Int64
    assert t["institutions"].schema["kind"] == pl.Int64
    assert t["dispatches"].schema["applied_on"] == pl.Date
    assert t["experts"].schema["_row"] == pl.Int64


STRUCTURAL = {
    "wrong_encoding": ("experts.csv", "バイト位置 463"),
    "undecodable": ("institutions.csv", "UTF-8 でも CP932 でもありません"),
    "nul_bytes": ("checkins.csv", "NULバイト"),
    "bom_in_middle": ("checkins.csv", "途中にBOM"),
    "missing_column": ("experts.csv", "必須の列「口座番号」"),
    "empty_file": ("reports.csv", "ファイルが空"),
    "two_files_one_table": ("専門家.csv", "ファイルが2つ"),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structural_faults_stop_with_file_and_reason(case, rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    for p in (FIX / "bad" / case).iterdir():
        shutil.copy(p, data / p.name)
    with pytest.raises(StructuralError) as info:
        load_dataset(data, rules)
    where, words = STRUCTURAL[case]
    assert info.value.where == where
    assert words in info.value.ja
    assert info.value.exit_code == 2


def test_missing_table_file_is_structural(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    (data / "checkins.csv").unlink()
    with pytest.raises(StructuralError, match="checkins"):
        load_dataset(data, rules)


def test_sheet_missing_from_workbook_is_structural(rules, tmp_path) -> None:
    write_workbook(tmp_path / "xl", skip="travel_claims")
    with pytest.raises(StructuralError) as info:
        load_dataset(tmp_path / "xl", rules)
    assert info.value.where == "export.xlsx"
    assert "シート「travel_claims」" in info.value.ja and "旅費請求明細" in info.value.ja


def test_unknown_file_is_reported_once_as_warning(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    (data / "memo.csv").write_text("a,b\n1,2\n", "utf-8")
    ds = load_dataset(data, rules)
    assert ds.findings.select("file", "severity", "table").rows() == [
        ("memo.csv", "warning", None)]


def test_header_header_only_file_is_an_empty_table(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    header = (GOOD / "checkins.csv").read_text("utf-8").splitlines()[0]
    (data / "checkins.csv").write_text(header + "\n", "utf-8")
    ds = load_dataset(data, rules)
    assert ds.tables["checkins"].height == 0
    assert ds.tables["checkins"].schema["at"] == pl.Datetime("us")


def test_optional_column_missing_becomes_null(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    import csv
    import io

    rows = list(csv.reader(io.StringIO((GOOD / "experts.csv").read_text("utf-8"))))
    c = rows[0].index("次年度更新意向")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:c] + r[c + 1:] for r in rows])
    (data / "experts.csv").write_text(buf.getvalue(), "utf-8")
    ds = load_dataset(data, rules)
    assert ds.tables["experts"].get_column("renew_next_year").null_count() == 3
    assert ds.findings.height == 0


def test_column_map_rename_is_a_yaml_edit(rules, tmp_path) -> None:
    from haken_batch.rules import load_rules

    rules_copy = tmp_path / "rules"
    shutil.copytree(rules.root, rules_copy)
    data = copy_good(tmp_path)
    text = (data / "experts.csv").read_text("utf-8").replace("口座名義カナ", "口座名義（カナ）")
    (data / "experts.csv").write_text(text, "utf-8")
    with pytest.raises(StructuralError, match="口座名義カナ"):
        load_dataset(data, rules)
    yaml_path = rules_copy / "columns.yaml"
    old = "      口座名義カナ: {name: account_holder_kana"
    new = "      口座名義（カナ）: {name: account_holder_kana"
    yaml_path.write_text(yaml_path.read_text("utf-8").replace(old, new), "utf-8")
    ds = load_dataset(data, load_rules(rules_copy))
    assert ds.findings.height == 0
    assert ds.tables["experts"].get_column("account_holder_kana")[0] == "ﾔﾏﾀﾞ ﾀﾛｳ"


def test_english_headers_are_accepted(rules, tmp_path, from_csv) -> None:
    from haken_batch.load.spec import column_map

    cmap = column_map(rules.columns)
    data = copy_good(tmp_path)
    for table in TABLES:
        text = (data / f"{table}.csv").read_text("utf-8")
        head, rest = text.split("\n", 1)
        labels = {c.label: c.name for c in cmap.tables[table].columns}
        (data / f"{table}.csv").write_text(
            ",".join(labels[h] for h in head.split(",")) + "\n" + rest, "utf-8")
    assert_same_tables(from_csv, load_dataset(data, rules))


def test_blank_lines_are_skipped_and_rows_keep_excel_numbers(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    lines = (GOOD / "dispatches.csv").read_text("utf-8").splitlines()
    text = "\n".join([*lines[:2], "", ",,,", *lines[2:], "", ""]) + "\n"
    (data / "dispatches.csv").write_text(text, "utf-8")
    ds = load_dataset(data, rules)
    # between records they are told (a row cleared in Excel: session 20); at the end, not
    assert ds.findings.select("severity", "row").rows() == [("warning", None)]
    assert "記録の間に空の行が 2 行あります（3、4行目）" in ds.findings["message_ja"][0]
    assert ds.tables["dispatches"].get_column("_row").to_list() == [2, 5, 6, 7]


def test_runaway_cell_is_structural_with_its_row(rules, tmp_path) -> None:
    data = copy_good(tmp_path)
    text = (GOOD / "experts.csv").read_text("utf-8").replace("佐藤 花子", "A" * 70_000)
    (data / "experts.csv").write_text(text, "utf-8")
    with pytest.raises(StructuralError) as info:
        load_dataset(data, rules)
    assert info.value.where == "experts.csv"
    assert "3行目「氏名」のセルが長すぎます" in info.value.ja


def test_runaway_line_is_stopped_by_a_streamed_scan_before_reading(rules, tmp_path,
                                                                  monkeypatch) -> None:
    """A line longer than the scan limit stops the run naming its line, before the file is
    read whole (the 2 GB line of issue 7: never held in memory nor parsed)."""
    from haken_batch.load import read

    data = copy_good(tmp_path)
    good = (GOOD / "experts.csv").read_bytes()
    header, _, rest = good.partition(b"\n")
    (data / "experts.csv").write_bytes(header + b"\n" + rest.replace(b"\n", b"A" * 600 + b"\n", 1)
                                       + b"B" * 300)
    limit = 512  # stands in for 2 x max_cell x columns (8 MiB)
    monkeypatch.setattr(read, "_SCAN_CHUNK", 100)  # many chunks: the run crosses them
    whole: list[Path] = []
    monkeypatch.setattr(read.Path, "read_bytes", lambda self: whole.append(self) or b"")
    with pytest.raises(StructuralError) as info:
        read._check_line_lengths(data / "experts.csv", limit)
    assert "2行目が長すぎます" in info.value.ja and info.value.where == "experts.csv"
    assert whole == []


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_line_scan_passes_lines_up_to_the_limit(tmp_path, monkeypatch, chunk) -> None:
    from haken_batch.load import read

    monkeypatch.setattr(read, "_SCAN_CHUNK", chunk)
    path = tmp_path / "x.csv"
    path.write_bytes(b"a" * 50 + b"\n" + b"b" * 50 + b"\n" + b"c" * 50)
    read._check_line_lengths(path, 50)  # every line exactly at the limit: passes
    path.write_bytes(b"a" * 50 + b"\n" + b"b" * 50 + b"\n" + b"c" * 51)
    with pytest.raises(StructuralError) as info:
        read._check_line_lengths(path, 50)
    assert "3行目" in info.value.ja


@pytest.mark.parametrize("stray", [b"\xa0", b"\xfd", b"\xfe", b"\xff"])
def test_cp932_unassigned_byte_is_an_encoding_error_with_its_offset(stray: bytes) -> None:
    """Python's cp932 read 0xA0 and 0xFD-0xFF as private-use characters instead of failing
    (blind red-team check); a CP932 trail byte of the same value stays fine."""
    from haken_batch.load.read import decode

    head = "ID,名前\n1,山田".encode("cp932")
    with pytest.raises(StructuralError) as err:
        decode(head + stray + b"\n", "experts.csv")
    assert f"バイト位置 {len(head)}、2行目" in err.value.ja
    fine = "ID,名前\n1,ソ表\n".encode("cp932")  # 表 = 0x95 0x5C, ソ = 0x83 0x5C
    assert decode(fine, "experts.csv") == ("ID,名前\n1,ソ表\n", "cp932")
    trail = bytes([0x88, 0xA0]).decode("cp932")  # a kanji whose second byte is 0xA0
    assert decode(f"ID\n{trail}\n".encode("cp932"), "x.csv")[0] == f"ID\n{trail}\n"


def test_R_VAL_1_a_long_csv_row_is_an_error_of_its_row_not_of_the_file(rules, tmp_path) -> None:
    """A record with fields beyond the header stopped the whole month (blind check of
    R-VAL-1): now a value there is an error of its row (its cells may be shifted). A row
    whose extra fields are empty while the others have none is an error too: an unquoted
    1,110 split in two in a row whose last column was empty looks just so, and was paid
    1,111 for 2,220 (Excel round-trip check, session 20)."""
    data = copy_good(tmp_path)
    shutil.copy(FIX / "bad" / "ragged_line" / "checkins.csv", data / "checkins.csv")
    lines = (data / "checkins.csv").read_text("utf-8").splitlines()
    lines[3] += ",,"  # row 4: two empty fields more than the others
    (data / "checkins.csv").write_text("\n".join(lines) + "\n", "utf-8")
    ds = load_dataset(data, rules)
    found = ds.findings.filter(pl.col("file") == "checkins.csv")
    assert found.select("row", "severity", "value").rows() == [(3, "error", None),
                                                               (4, "error", None)]
    assert "ほかの多くの行より長く、余分な列は空" in found["message_ja"][1]
    assert ds.tables["checkins"].height == len(lines) - 1  # no row lost, none added
    assert ds.tables["checkins"]["_row"].to_list() == list(range(2, len(lines) + 1))


def test_R_VAL_1_trailing_commas_on_every_row_are_one_warning(rules, tmp_path) -> None:
    """An export that ends every record with a comma lost nothing: one warning. So also
    with a footer line of one field below, and a split value in one row is that row's
    error only (review, session 20: a whole file of rows was held)."""
    data = copy_good(tmp_path)
    path = data / "checkins.csv"
    lines = path.read_text("utf-8-sig").splitlines()
    path.write_text("\n".join([lines[0], *(f"{line}," for line in lines[1:])]) + "\n",
                    "utf-8")
    ds = load_dataset(data, rules)
    found = ds.findings.filter(pl.col("file") == "checkins.csv")
    assert found.select("row", "severity").rows() == [(None, "warning")]
    assert f"{len(lines) - 1} 行（最初は 2行目）" in found["message_ja"][0]
    # one row two fields longer than the others (a comma inside an unquoted value, shifted
    # into the empty last column and beyond): that row only
    body = [f"{line}," for line in lines[1:]]
    body[1] += ","
    path.write_text("\n".join([lines[0], *body]) + "\n", "utf-8")
    found = load_dataset(data, rules).findings.filter(pl.col("file") == "checkins.csv")
    assert found.select("row", "severity").rows() == [(3, "error"), (None, "warning")]
    assert "ほかの多くの行より長く" in found["message_ja"][0]


def test_R_VAL_1_an_unquoted_amount_split_in_two_holds_its_dispatch(tmp_path) -> None:
    """Excel round-trip check, session 20: 「…,68.0,"1,110",」 edited to 「…,68.0,1,110,」
    in a row whose last column (理由) is empty paid fare 1 and an express fee of 110."""
    import polars as pl

    from haken_batch import cycle
    from sample_runs import SAMPLES, sample_options

    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    path = data / "travel_claims.csv"
    text = path.read_text("utf-8-sig")
    line = next(x for x in text.splitlines() if x.startswith("D21-0000026,1,"))
    assert ',"1,110",' in line and line.endswith(",")
    path.write_text("\ufeff" + text.replace(line, line.replace(',"1,110",', ",1,110,")),
                    "utf-8")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, data=data))
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    row = d.filter(pl.col("派遣ID") == "D21-0000026").row(0, named=True)
    assert row["判定"] == "held" and "R-VAL-1" in row["根拠ルール"], row


XLSX_SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "fy2021-xlsx"
CORR_HEADER = "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"


def test_corrections_in_both_the_workbook_and_a_csv_stop_the_run(rules, tmp_path) -> None:
    """A corrections.csv beside a workbook that has its own 事務局修正 sheet replaced the
    sheet without a word: its six corrections were not applied and the dispatches were paid
    as exported (blind clerk check, session 18). Two non-empty sources have no order between
    them: the run stops, naming both; an empty one gives way to the other."""
    data = tmp_path / "data"
    shutil.copytree(XLSX_SAMPLES, data)
    from_sheet = load_dataset(data, rules).corrections.height
    assert from_sheet == 6
    (data / "corrections.csv").write_text(
        CORR_HEADER + "reports,D21-P033,誓約書提出,有,x,田中,2021/11/5\n", encoding="utf-8")
    with pytest.raises(StructuralError) as stop:
        load_dataset(data, rules)
    said = stop.value.message("ja")
    assert "事務局修正が2か所にあります" in said and "corrections.csv" in said
    assert "haken_fy2021.xlsx" in said
    (data / "corrections.csv").write_text(CORR_HEADER, encoding="utf-8")
    assert load_dataset(data, rules).corrections.height == from_sheet
    # a file cleared in Excel: its header, then a blank line and lines of commas (review)
    (data / "corrections.csv").write_text(CORR_HEADER + "\r\n,,,,,,\r\n,,,,,,\r\n",
                                          encoding="utf-8")
    assert load_dataset(data, rules).corrections.height == from_sheet


def test_an_unclosed_quote_names_its_line(rules, tmp_path) -> None:
    """'CSV として読めません（引用符の閉じ忘れなど）' named no line in a file of 454 rows
    (blind clerk check, session 18): the line where the quote opens is named."""
    data = copy_good(tmp_path)
    path = data / "reports.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",", ',"', 1)  # line 3: a quote opened, never closed
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(StructuralError) as info:
        load_dataset(data, rules)
    assert info.value.where == "reports.csv"
    assert "3行目で始まる引用符" in info.value.ja


def test_unclosed_quote_line_is_the_last_one_left_open() -> None:
    from haken_batch.load.read import _unclosed_quote_line

    assert _unclosed_quote_line('a,b\n"x,y"\nc,"d\n') == 3
    assert _unclosed_quote_line('a,b\n"x\ny",z\n') is None  # a value over two lines closes
    assert _unclosed_quote_line('a,b\n"x\ny,z\n') == 2


def test_a_sheet_with_blank_rows_above_its_header_keeps_excel_row_numbers(rules,
                                                                          tmp_path) -> None:
    """The sheet reader skips blank rows above a sheet's header, and every row below was
    numbered as if the header were row 1: explain named 「2行目」 for Excel row 3 (review,
    session 18). Rows keep the numbers Excel shows."""
    from openpyxl import load_workbook

    data = tmp_path / "data"
    shutil.copytree(XLSX_SAMPLES, data)
    book = data / "haken_fy2021.xlsx"
    before = load_dataset(data, rules)
    wb = load_workbook(book)
    wb["事務局修正"].insert_rows(1, amount=2)  # the header moves to row 3
    reports = wb["支援実績報告"]
    reports.insert_rows(1)  # the header moves to row 2
    first = [c.value for c in reports[3]]  # the first report, now on Excel row 3
    wb.save(book)
    after = load_dataset(data, rules)
    rows = before.corrections.sort("seq").get_column("row").to_list()
    assert after.corrections.sort("seq").get_column("row").to_list() == [r + 2 for r in rows]
    table = after.tables["reports"]
    assert table.filter(pl.col("dispatch_id") == first[0]).get_column("_row").to_list() == [3]
    assert after.tables["reports"].height == before.tables["reports"].height
    # a finding on a row of a moved sheet names the row Excel shows, one lower than before
    shift = {"支援実績報告": 1, "事務局修正": 2}
    old = before.findings.select("sheet", "row", "column", "message_ja").rows()
    new = after.findings.select("sheet", "row", "column", "message_ja").rows()
    assert sorted(new) == sorted((sh, r + shift.get(sh, 0) if r is not None else r, c, m)
                                 for sh, r, c, m in old)


def test_one_table_saved_as_a_workbook_is_told_to_be_saved_as_csv(rules, tmp_path) -> None:
    """experts.csv opened in Excel and saved as experts.xlsx: the refusal said only that
    CSVs and a workbook were both there (Excel round-trip check, session 20)."""
    import polars as pl

    data = copy_good(tmp_path)
    frame = pl.read_csv(data / "experts.csv", infer_schema=False)
    (data / "experts.csv").unlink()
    # as Excel saves it: the sheet is named after the CSV it opened
    frame.write_excel(data / "experts.xlsx", worksheet="experts")
    with pytest.raises(StructuralError) as refused:
        load_dataset(data, rules)
    assert ("表「専門家」が CSV ではなく Excelブック（experts.xlsx）にあります" in
            refused.value.ja)
    assert "「CSV UTF-8」として保存し直してください" in refused.value.ja
    # a workbook of another name and sheet: the missing CSV is named, with the same hint
    (data / "experts.xlsx").unlink()
    frame.write_excel(data / "experts.xlsx")  # sheet "Sheet1"
    with pytest.raises(StructuralError) as refused:
        load_dataset(data, rules)
    assert "表「専門家」の CSV がありません" in refused.value.ja
    assert "experts.xlsx がこの表なら、Excel で「CSV UTF-8」として保存し直してください" in (
        refused.value.ja)
