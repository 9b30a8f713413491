"""The bad-input corpus: malformed exports built from a small valid base, each with its outcome.

Each case is a function that turns a copy of ``tests/corpus/base/`` (a minimal valid data
set for cycle 2021-10, Japanese labels of input-contract.md) into one broken export, plus
what ``haken validate`` must answer: the exit code (0 clean, 1 findings, 2 structural), the
Japanese fragments of the message (file, row, column, value), the findings (subset match on
file/row/column/value/rule_id/severity) and strings that must never be shown (personal data,
My Numbers, terminal escapes). Huge inputs are generated lazily in the temp folder, never
committed. ``python tests/corpus/cases.py OUTDIR`` writes every case for inspection.

Excel rows of the base (header = row 1): experts E001=2 E002=3; dispatches/reports
D0001=2 D0002=3 D0003=4; checkins D0001 in/out=2/3, D0002=4/5, D0003=6/7; travel_claims
D0001=2,3 D0002=4,5 D0003=6,7.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent / "base"
TABLES = ("experts", "institutions", "dispatches", "reports", "checkins", "travel_claims")
MY_NUMBER = "123456789018"  # valid check digit (the published example)
MY_NUMBER_2 = "987654321000"


@dataclass(frozen=True)
class Case:
    id: str
    what: str  # the malformation, in a few words
    build: Callable[[Path], None]
    exit: int  # haken validate's exit code
    says: tuple[str, ...] = ()  # fragments that must appear in validate's output
    findings: tuple[dict[str, object], ...] = ()  # each must match one finding (subset)
    never: tuple[str, ...] = ()  # must not appear in any output (terminal, files)
    held: tuple[str, ...] = ()  # dispatches settle must not pay (held, excluded, not ready)
    slow: bool = False
    gap: str | None = None  # the loader does not do this yet (reported): the test is xfail
    settle_gap: str | None = None  # settle/archive does not do this yet (reported): xfail
    settle_exit: int | None = None  # haken settle's exit code where it differs from validate's
    settle_says: tuple[str, ...] = ()  # fragments of settle's message (with settle_exit=2)
    exact: bool = False  # ``findings`` are all the findings (none when empty)


CASES: list[Case] = []


Build = Callable[[Path], None]


def case(id: str, what: str, exit: int, **kw: object) -> Callable[[Build], Build]:
    def register(fn: Build) -> Build:
        CASES.append(Case(id=id, what=what, build=fn, exit=exit, **kw))  # type: ignore[arg-type]
        return fn
    return register


def make(case_: Case, folder: Path) -> Path:
    """Build the case's data folder at ``folder`` (a fresh copy of the base, then broken)."""
    shutil.copytree(BASE, folder)
    case_.build(folder)
    return folder


# -- small editing helpers ------------------------------------------------------------------

def rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(folder: Path, table: str, data: list[list[str]], *, encoding: str = "utf-8",
               newline: str = "\n") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(data)
    (folder / f"{table}.csv").write_bytes(buf.getvalue().encode(encoding))


def edit(folder: Path, table: str, row: int, label: str, value: str) -> None:
    """Set the cell of Excel row ``row`` (2 = first data row) under header ``label``."""
    data = rows(folder, table)
    data[row - 1][data[0].index(label)] = value
    write_rows(folder, table, data)


def drop_column(folder: Path, table: str, label: str) -> None:
    data = rows(folder, table)
    i = data[0].index(label)
    write_rows(folder, table, [r[:i] + r[i + 1:] for r in data])


def add_column(folder: Path, table: str, label: str, values: list[str]) -> None:
    data = rows(folder, table)
    out = [[*data[0], label]] + [[*r, values[n % len(values)]] for n, r in enumerate(data[1:])]
    write_rows(folder, table, out)


def append_copy(folder: Path, table: str, row: int, **changes: str) -> None:
    """Append a copy of Excel row ``row`` with some cells changed (by header label)."""
    data = rows(folder, table)
    new = list(data[row - 1])
    for label, value in changes.items():
        new[data[0].index(label)] = value
    write_rows(folder, table, [*data, new])


@contextmanager
def edited_workbook(folder: Path) -> Iterator[Any]:
    """The case's workbook (``workbook(folder)``) opened with openpyxl, saved on exit."""
    from openpyxl import load_workbook

    path = workbook(folder)
    book = load_workbook(path)
    yield book
    book.save(path)


def recode(folder: Path, table: str, encoding: str) -> None:
    path = folder / f"{table}.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


def workbook(folder: Path, *, hide: tuple[str, ...] = (), extra_hidden: bool = False,
             merge_status: bool = False, skip: tuple[str, ...] = ()) -> Path:
    """Replace the CSVs by one workbook (a sheet per table), with optional oddities."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in TABLES:
        data = rows(folder, table)
        (folder / f"{table}.csv").unlink()
        if table in skip:
            continue
        sheet = book.create_sheet(table)
        for r in data:
            sheet.append(r)
        if table in hide:
            sheet.sheet_state = "hidden"
        if merge_status and table == "dispatches":
            col = data[0].index("状態") + 1
            letter = sheet.cell(row=2, column=col).column_letter
            sheet.merge_cells(f"{letter}2:{letter}3")  # the clerk merged two 実施済 cells
    if extra_hidden:
        old = book.create_sheet("旧データ")
        old.append(["派遣ID", "支援日"])
        old.append(["D0001", "2020-10-05"])
        old.sheet_state = "hidden"
    path = folder / "exports.xlsx"
    book.save(path)
    return path


# -- truncated files ------------------------------------------------------------------------

@case("truncated-mid-utf8", "file cut inside a multi-byte character", 2,
      says=("reports.csv", "UTF-8 として読めない", "バイト位置"))
def _(d: Path) -> None:
    path = d / "reports.csv"
    data = path.read_bytes()
    cut = data.rindex("世田谷".encode()) + 4  # inside 田
    path.write_bytes(data[:cut])


@case("truncated-mid-row", "last record cut after its start time", 1,
      findings=({"file": "reports.csv", "row": 4, "column": "終了時刻"},), held=("D0003",))
def _(d: Path) -> None:
    path = d / "reports.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("D0003,2021-10-20,09:00,") + len("D0003,2021-10-20,09:00")],
                    encoding="utf-8")


@case("truncated-open-quote", "file cut inside a quoted cell", 2, says=("reports.csv",))
def _(d: Path) -> None:
    path = d / "reports.csv"
    text = path.read_text(encoding="utf-8")
    cut = "D0003,2021-10-20,09:00,11:30,150,"
    head = text[: text.index(cut) + len(cut)]
    path.write_text(head + '"東京都世田谷区', encoding="utf-8")


@case("empty-file", "experts.csv of 0 bytes", 2, says=("experts.csv", "空"))
def _(d: Path) -> None:
    (d / "experts.csv").write_bytes(b"")


@case("blank-lines-only", "experts.csv with only blank lines", 2, says=("experts.csv", "空"))
def _(d: Path) -> None:
    (d / "experts.csv").write_bytes(b"\r\n\n \n")


# -- encodings ------------------------------------------------------------------------------

@case("cp932-everywhere", "every file in CP932 (accepted)", 0)
def _(d: Path) -> None:
    for t in TABLES:
        recode(d, t, "cp932")


@case("utf8-bom-and-crlf", "UTF-8 with BOM and CRLF line ends (accepted)", 0)
def _(d: Path) -> None:
    for t in TABLES:
        write_rows(d, t, rows(d, t), encoding="utf-8-sig", newline="\r\n")


@case("cr-only-line-ends", "experts.csv with classic Mac OS line ends, CR only (accepted)", 0)
def _(d: Path) -> None:
    write_rows(d, "experts", rows(d, "experts"), newline="\r")


@case("lone-cr-after-header", "the header ends in a lone CR, the rows in LF", 2,
      says=("experts.csv", "1行目", "CR"))
def _(d: Path) -> None:
    path = d / "experts.csv"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"\n", b"\r", 1))


@case("lone-cr-in-a-row", "one row ends in a lone CR, the others in LF", 2,
      says=("experts.csv", "2行目", "CR"))
def _(d: Path) -> None:
    path = d / "experts.csv"
    data = path.read_bytes()
    second = data.index(b"\n", data.index(b"\n") + 1)
    path.write_bytes(data[:second] + b"\r" + data[second + 1:])


@case("line-separator-after-header", "the header ends in U+2028, not a line feed", 2,
      says=("experts.csv", "見出し行", "U+2028"), never=("3141592", "山田"))
def _(d: Path) -> None:
    path = d / "experts.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n", "\u2028", 1), encoding="utf-8")


@case("mixed-encodings-in-one-file", "a UTF-8 file with one row saved as CP932", 2,
      says=("experts.csv", "バイト位置", "3行目"))
def _(d: Path) -> None:
    lines = (d / "experts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    data = lines[0].encode() + lines[1].encode() + lines[2].encode("cp932")
    (d / "experts.csv").write_bytes(data)


@case("euc-jp-file", "experts.csv in EUC-JP (neither UTF-8 nor CP932)", 2, says=("experts.csv",))
def _(d: Path) -> None:
    recode(d, "experts", "euc_jp")


@case("utf16-file", "experts.csv in UTF-16 (NUL bytes)", 2, says=("experts.csv", "NUL"))
def _(d: Path) -> None:
    recode(d, "experts", "utf-16")


@case("bom-in-the-middle", "two exports concatenated: a second BOM mid-file", 2,
      says=("reports.csv", "BOM"))
def _(d: Path) -> None:
    path = d / "reports.csv"
    data = path.read_bytes()
    body = data.split(b"\n", 1)[1]
    path.write_bytes(data + b"\xef\xbb\xbf" + body)


@case("nul-byte-in-cell", "a NUL byte inside a name", 2, says=("experts.csv", "NUL", "バイト位置"))
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", "山田\x00太郎")


@case("binary-as-csv", "a workbook renamed to experts.csv", 2, says=("experts.csv",))
def _(d: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    (d / "experts.csv").write_bytes(buf.getvalue())


# -- columns and tables ---------------------------------------------------------------------

@case("missing-required-column", "reports without 終了時刻", 2, says=("reports.csv", "終了時刻"))
def _(d: Path) -> None:
    drop_column(d, "reports", "終了時刻")


@case("renamed-column", "開始時刻 exported as 開始時間", 2, says=("reports.csv", "開始時刻"))
def _(d: Path) -> None:
    data = rows(d, "reports")
    data[0][data[0].index("開始時刻")] = "開始時間"
    write_rows(d, "reports", data)


@case("fullwidth-parens-in-header", "対面支援時間（分） with full-width brackets (accepted)", 0)
def _(d: Path) -> None:
    data = rows(d, "reports")
    data[0] = [h.replace("(", "（").replace(")", "）") for h in data[0]]
    write_rows(d, "reports", data)


@case("missing-table", "no travel_claims file", 2, says=("旅費請求明細", "travel_claims.csv"))
def _(d: Path) -> None:
    (d / "travel_claims.csv").unlink()


@case("two-files-one-table", "travel_claims.csv and 旅費請求明細.csv both present", 2,
      says=("旅費請求明細.csv", "travel_claims.csv"))
def _(d: Path) -> None:
    shutil.copy(d / "travel_claims.csv", d / "旅費請求明細.csv")


@case("duplicate-header", "two 氏名 columns", 2, says=("experts.csv", "氏名", "2回"))
def _(d: Path) -> None:
    add_column(d, "experts", "氏名", ["別人"])


@case("extra-column", "an extra 備考 column (ignored, reported)", 0,
      findings=({"file": "dispatches.csv", "column": "備考", "severity": "warning"},))
def _(d: Path) -> None:
    add_column(d, "dispatches", "備考", ["特になし"])


@case("trailing-commas", "every line of experts.csv ends in 20,000 commas (accepted, silent)", 0,
      exact=True)
def _(d: Path) -> None:
    path = d / "experts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(line + "," * 20_000 + "\n" for line in lines), encoding="utf-8")


SALESFORCE_FOOTER = ['"Copyright (c) 2000-2021 salesforce.com, inc. All rights reserved."',
                     '"Confidential Information - Do Not Distribute"', "",
                     '"Generated By:  山田 太郎  2021/11/01 9:00"', '"中小企業庁"']


@case("salesforce-report-footer", "dispatches.csv ends with a Salesforce report's footer "
      "(a blank line, then copyright, Generated By …): skipped, one warning", 0,
      findings=({"file": "dispatches.csv", "rule_id": "R-VAL-1", "severity": "warning"},),
      exact=True, says=("末尾の 4 行（6〜10行目）", "フッター"),
      never=("山田 太郎", "Do Not Distribute"))
def _(d: Path) -> None:
    path = d / "dispatches.csv"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_bytes((text.replace("\n", "\r\n") + "\r\n\r\n"
                      + "\r\n".join(SALESFORCE_FOOTER) + "\r\n").encode("cp932"))


@case("one-field-rows-at-the-end", "lines of one field right after the data, no blank line "
      "before them: data rows with empty cells, not a footer", 1,
      findings=({"file": "dispatches.csv", "severity": "error"},))
def _(d: Path) -> None:
    path = d / "dispatches.csv"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n"
                    + "\n".join(SALESFORCE_FOOTER[:2]) + "\n", encoding="utf-8")


@case("blank-unnamed-column-with-a-value", "a value under a blank header, after empty ones", 0,
      findings=({"file": "experts.csv", "column": "(33列目)", "severity": "warning"},),
      exact=True)
def _(d: Path) -> None:
    data = rows(d, "experts")
    width = len(data[0])
    out = [[*data[0], "", "", "", ""]] + [[*r, "", "", "", ""] for r in data[1:]]
    out[1][width + 3] = "メモ"  # the 4th unnamed column, column 29 + 4 = 33
    write_rows(d, "experts", out)


@case("my-number-by-header", "experts with a マイナンバー column", 1,
      findings=({"file": "experts.csv", "column": "マイナンバー"},), never=(MY_NUMBER, MY_NUMBER_2),
      # settle refuses: the archive keeps exports byte for byte, and no My Number is stored
      settle_exit=2, settle_says=("マイナンバー", "experts.csv"))
def _(d: Path) -> None:
    add_column(d, "experts", "マイナンバー", [MY_NUMBER, MY_NUMBER_2])


@case("my-number-by-values", "My Numbers in a column called 備考", 1,
      findings=({"file": "experts.csv", "column": "備考"},), never=(MY_NUMBER, "1234-5678-9018"),
      settle_exit=2, settle_says=("マイナンバー", "備考"))
def _(d: Path) -> None:
    add_column(d, "experts", "備考", ["1234-5678-9018", MY_NUMBER])


# -- keys and references --------------------------------------------------------------------

@case("duplicate-dispatch-id", "D0002 twice in dispatches", 1,
      findings=({"file": "dispatches.csv", "row": 5, "column": "派遣ID", "value": "D0002"},),
      held=("D0002",))
def _(d: Path) -> None:
    append_copy(d, "dispatches", 3)


@case("duplicate-checkin", "a second チェックイン for D0001", 1,
      findings=({"file": "checkins.csv", "row": 8},), held=("D0001",))
def _(d: Path) -> None:
    append_copy(d, "checkins", 2, 日時="2021-10-05 09:59")


@case("duplicate-expert-id", "E001 twice in experts", 1,
      findings=({"file": "experts.csv", "row": 4, "column": "専門家ID", "value": "E001"},))
def _(d: Path) -> None:
    append_copy(d, "experts", 2, 氏名="山田 次郎")


@case("unknown-expert", "D0002 names expert E999 who does not exist", 1,
      findings=({"file": "dispatches.csv", "row": 3, "column": "専門家ID", "value": "E999"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "dispatches", 3, "専門家ID", "E999")


@case("platform-without-representative", "PF27's only constituent not marked 代表機関", 0,
      findings=({"file": "institutions.csv", "row": 3, "column": "代表機関", "value": "無",
                 "severity": "warning"},), exact=True)
def _(d: Path) -> None:
    edit(d, "institutions", 3, "代表機関", "無")


@case("platform-with-two-representatives", "a second PF27 constituent also marked 代表機関", 0,
      findings=({"file": "institutions.csv", "row": 3, "column": "代表機関", "value": "有"},
                {"file": "institutions.csv", "row": 4, "column": "代表機関", "value": "有"}),
      exact=True)
def _(d: Path) -> None:
    append_copy(d, "institutions", 3, 機関ID="P27B", 機関名="堺商工会議所")


@case("approved-report-cancelled-dispatch", "D0001's report approved, the dispatch キャンセル", 0,
      findings=({"file": "dispatches.csv", "row": 2, "column": "状態", "value": "キャンセル",
                 "severity": "warning"},), held=("D0001",), exact=True)
def _(d: Path) -> None:
    edit(d, "dispatches", 2, "状態", "キャンセル")


@case("approved-report-pending-dispatch", "D0001's report approved, the dispatch still 申請中", 0,
      findings=({"file": "dispatches.csv", "row": 2, "column": "状態", "value": "申請中",
                 "severity": "warning"},), exact=True)
def _(d: Path) -> None:
    edit(d, "dispatches", 2, "状態", "申請中")


@case("unknown-member-institution", "所属機関ID and 給与等支払機関ID naming no institution", 0,
      findings=({"file": "experts.csv", "row": 2, "column": "所属機関ID", "value": "Y31",
                 "severity": "warning"},
                {"file": "experts.csv", "row": 3, "column": "給与等支払機関ID", "value": "P72A",
                 "severity": "warning"}), exact=True)
def _(d: Path) -> None:
    edit(d, "experts", 2, "所属機関ID", "P27A;Y31")
    edit(d, "experts", 3, "給与等支払機関ID", "P72A")


@case("corrections-unknown-key", "a correction naming a dispatch that does not exist", 1,
      findings=({"file": "corrections.csv"},))
def _(d: Path) -> None:
    (d / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "reports,D9999,終了時刻,12:00,機関からの訂正,事務局A,2021-10-26 10:00\n",
        encoding="utf-8")


# -- dates and times ------------------------------------------------------------------------

@case("impossible-date", "支援日 2021-02-30", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "支援日", "value": "2021-02-30"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "支援日", "2021-02-30")


@case("impossible-time", "終了時刻 25:00", 1,
      findings=({"file": "reports.csv", "row": 3, "column": "終了時刻", "value": "25:00"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "reports", 3, "終了時刻", "25:00")


@case("end-before-start", "終了時刻 before 開始時刻 (shown as written: 09:00, not 09:00:00)", 1,
      findings=({"file": "reports.csv", "row": 4, "column": "終了時刻", "value": "09:00"},),
      held=("D0003",), says=("値「09:00」",))
def _(d: Path) -> None:
    edit(d, "reports", 4, "開始時刻", "11:30")
    edit(d, "reports", 4, "終了時刻", "09:00")


@case("face-to-face-longer-than-span", "180 face-to-face minutes in a 2-hour visit", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "対面支援時間(分)", "value": "180"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "対面支援時間(分)", "180")


@case("implausible-year", "支援日 2201-10-12 (a typo)", 1,
      findings=({"file": "reports.csv", "row": 3, "column": "支援日", "value": "2201-10-12"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "reports", 3, "支援日", "2201-10-12")


@case("implausible-approval-time", "機関承認日時 2201/10/14 16:30 (a typo), shown as a "
      "timestamp without seconds or .000000", 1,
      findings=({"file": "reports.csv", "row": 3, "column": "機関承認日時",
                 "value": "2201-10-14 16:30"},), held=("D0002",))
def _(d: Path) -> None:
    edit(d, "reports", 3, "機関承認日時", "2201/10/14 16:30")


@case("garbage-timestamp", "機関承認日時 written as words", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "機関承認日時",
                 "value": "昨日の夕方"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "機関承認日時", "昨日の夕方")


_YEAR_10000 = "9999-12-31T23:59:00-12:00"  # year 10000 in JST: beyond Python's datetime


@case("timestamp-offset-into-year-10000", "機関承認日時 whose offset carries it into year 10000",
      1, findings=({"file": "reports.csv", "row": 2, "column": "機関承認日時",
                    "value": _YEAR_10000, "rule_id": "R-VAL-1"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "機関承認日時", _YEAR_10000)


@case("checkin-offset-into-year-10000", "a check-in 日時 carried into year 10000", 1,
      findings=({"file": "checkins.csv", "row": 2, "column": "日時", "value": _YEAR_10000},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "checkins", 2, "日時", _YEAR_10000)


@case("correction-dated-year-10000", "a correction's 修正日時 carried into year 10000 (refused, "
      "so the report it aimed at is held)", 1,
      findings=({"file": "corrections.csv", "row": 2, "column": "修正日時",
                 "value": _YEAR_10000},),
      held=("D0001",))
def _(d: Path) -> None:
    (d / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        f"reports,D0001,終了時刻,12:00,確認,事務局A,{_YEAR_10000}\n", encoding="utf-8")


@case("correction-moves-a-claim-line", "a correction changing a claim line's 派遣ID (a key "
      "column: refused, both dispatches it names stay as exported)", 1,
      findings=({"file": "corrections.csv", "row": 2, "column": "項目", "value": "派遣ID"},),
      held=("D0001",))
def _(d: Path) -> None:
    (d / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "travel_claims,D0001;1,派遣ID,D0002,明細の付け替え,事務局A,2021/10/20 10:00\n",
        encoding="utf-8")


@case("correction-without-author", "a correction of a report's minutes without 修正者: refused, "
      "and the report is held instead of paid on the uncorrected minutes", 1,
      findings=({"file": "corrections.csv", "row": 2, "column": "修正者"},),
      held=("D0002",))
def _(d: Path) -> None:
    (d / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "reports,D0002,対面支援時間(分),90,機関に確認,,2021/10/20 10:00\n", encoding="utf-8")


@case("slash-dates-and-seconds", "2021/10/05 dates and 13:30:00 times (accepted)", 0)
def _(d: Path) -> None:
    edit(d, "reports", 2, "支援日", "2021/10/05")
    edit(d, "reports", 2, "開始時刻", "10:00:00")
    edit(d, "checkins", 2, "日時", "2021-10-05T09:58:00+09:00")


# -- numbers --------------------------------------------------------------------------------

@case("negative-fare", "運賃 -330", 1,
      findings=({"file": "travel_claims.csv", "row": 2, "column": "運賃", "value": "-330"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "運賃", "-330")


@case("absurd-fare", "運賃 of 23 digits (beyond Int64)", 1,
      findings=({"file": "travel_claims.csv", "row": 4, "column": "運賃"},), held=("D0002",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 4, "運賃", "99999999999999999999999")


@case("implausible-taxi", "a taxi line of 10,000,000 yen (plausible up to 1,000,000 a line)", 1,
      findings=({"file": "travel_claims.csv", "row": 2, "column": "運賃", "value": "10000000",
                 "rule_id": "R-VAL-1", "severity": "error"},), held=("D0001",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "運賃", "10000000")


@case("text-in-yen", "運賃 abc", 1,
      findings=({"file": "travel_claims.csv", "row": 6, "column": "運賃", "value": "abc"},),
      held=("D0003",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 6, "運賃", "abc")


@case("nan-and-inf", "全行程距離 NaN and inf", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "全行程距離(km)"},
                {"file": "reports.csv", "row": 3, "column": "全行程距離(km)"}),
      held=("D0001", "D0002"))
def _(d: Path) -> None:
    edit(d, "reports", 2, "全行程距離(km)", "NaN")
    edit(d, "reports", 3, "全行程距離(km)", "inf")


@case("latitude-of-400-digits", "支援場所緯度 of 400 digits (inf as a float)", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "支援場所緯度", "rule_id": "R-VAL-1"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "支援場所緯度", "9" * 400)


@case("checkin-longitude-of-400-digits", "a check-in 経度 of 400 digits", 1,
      findings=({"file": "checkins.csv", "row": 4, "column": "経度", "rule_id": "R-VAL-1"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "checkins", 4, "経度", "9" * 400)


@case("absurd-car-distance", "a private-car leg of 10^13 km (beyond Int64 in millimetres)", 1,
      findings=({"file": "travel_claims.csv", "row": 2, "column": "走行距離(km)"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "区分", "私有車")
    edit(d, "travel_claims", 2, "運賃", "")
    edit(d, "travel_claims", 2, "走行距離(km)", "10000000000000")


@case("rail-leg-without-fare", "a rail leg whose 運賃 is blank (held, not paid as 0 yen)", 1,
      findings=({"file": "travel_claims.csv", "row": 2, "column": "運賃", "rule_id": "R-VAL-1"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "運賃", "")


@case("taxi-without-amount", "a taxi line with a receipt and a reason but no 金額", 1,
      findings=({"file": "travel_claims.csv", "row": 7, "column": "金額", "rule_id": "R-VAL-1"},),
      held=("D0003",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 7, "区分", "タクシー")
    edit(d, "travel_claims", 7, "運賃", "")
    edit(d, "travel_claims", 7, "領収書", "有")
    edit(d, "travel_claims", 7, "理由", "バス運休")


@case("report-without-trip-km", "a report whose 全行程距離(km) is blank (R-TRV-9 undecidable)",
      1, findings=({"file": "reports.csv", "row": 2, "column": "全行程距離(km)",
                    "rule_id": "R-VAL-1"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "全行程距離(km)", "")


@case("absurd-negative-rail-distance", "a rail leg with 走行距離(km) of -10^13", 1,
      findings=({"file": "travel_claims.csv", "row": 4, "column": "走行距離(km)"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 4, "走行距離(km)", "-10000000000000")


@case("coordinates-outside-japan", "支援場所緯度 51.5 (London)", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "支援場所緯度", "value": "51.5"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "支援場所緯度", "51.5")


@case("fullwidth-and-separators", "３３０ and 1,200 in number columns (accepted)", 0)
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "運賃", "３３０")
    edit(d, "dispatches", 2, "従業員数", "1,200")
    edit(d, "reports", 2, "対面支援時間(分)", "１２０")


@case("halfwidth-kana-name", "氏名カナ in half-width katakana (accepted)", 0)
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名カナ", "ﾔﾏﾀﾞ ﾀﾛｳ")


@case("fullwidth-id", "派遣ID Ｄ０００１ in full-width in reports (ids are not folded)", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "派遣ID", "value": "Ｄ０００１"},))
def _(d: Path) -> None:
    edit(d, "reports", 2, "派遣ID", "Ｄ０００１")


@case("fullwidth-id-on-claim-line", "a claim line of D0001 with 派遣ID Ｄ０００１: its dispatch is "
      "held, not paid without the line", 1,
      findings=({"file": "travel_claims.csv", "row": 2, "column": "派遣ID",
                  "value": "Ｄ０００１"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 2, "派遣ID", "Ｄ０００１")


@case("account-number-8-digits", "口座番号 of 8 digits", 1,
      findings=({"file": "experts.csv", "row": 3, "column": "口座番号", "rule_id": "R-VAL-2"},),
      never=("87654329",), held=("D0002",))
def _(d: Path) -> None:
    edit(d, "experts", 3, "口座番号", "87654329")


@case("bank-code-with-letter", "金融機関コード 00A9", 1,
      findings=({"file": "experts.csv", "row": 3, "column": "金融機関コード",
                 "rule_id": "R-VAL-2"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "experts", 3, "金融機関コード", "00A9")


@case("quoted-newline-keeps-row-numbers", "an address over two lines, then an error", 1,
      findings=({"file": "experts.csv", "row": 3, "column": "支店コード", "value": "1X1"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "experts", 2, "住所", "東京都千代田区\n千代田1-1")
    edit(d, "experts", 3, "支店コード", "1X1")


@case("long-row-with-a-value", "a reports row with one field more than the header, filled "
      "(an unquoted comma in an address): an error of that row only", 1,
      says=("reports.csv", "3", "見出し行（15列）より列が多い行"),
      findings=({"file": "reports.csv", "row": 3, "rule_id": "R-VAL-1", "severity": "error",
                 "value": None},),
      held=("D0002",), never=("ビル5F",))
def _(d: Path) -> None:
    data = rows(d, "reports")
    data[2] = [*data[2], "ビル5F"]
    write_rows(d, "reports", data)


@case("long-rows-uneven-empty", "a reports row ending in an empty extra field the other "
      "rows lack: an unquoted 1,110 split in a row whose last column was empty looks so "
      "(paid 1,111 for 2,220, session 20): an error of that row, held", 1,
      says=("reports.csv", "2", "ほかの多くの行より長く"),
      findings=({"file": "reports.csv", "row": 2, "rule_id": "R-VAL-1", "severity": "error"},),
      held=("D0001",))
def _(d: Path) -> None:
    data = rows(d, "reports")
    data[1] = [*data[1], " "]
    write_rows(d, "reports", data)


@case("long-rows-trailing-comma", "every reports row ending in an empty extra field (an "
      "export's trailing comma): one warning, nothing lost or held", 0,
      says=("3 行（最初は 2行目）",),
      findings=({"file": "reports.csv", "rule_id": "R-VAL-1", "severity": "warning"},))
def _(d: Path) -> None:
    data = rows(d, "reports")
    data[1:] = [[*r, ""] for r in data[1:]]
    write_rows(d, "reports", data)


@case("fullwidth-id-in-reports", "a report's 派遣ID typed in full width (Ｄ０００２): its "
      "dispatch dropped out as not reported, and the error named no row to look at (Excel "
      "round-trip check, session 20)", 1,
      says=("reports.csv", "3", "半角の「D0002」なら行があります"),
      findings=({"file": "reports.csv", "row": 3, "column": "派遣ID", "rule_id": "R-VAL-1",
                 "severity": "error"},))
def _(d: Path) -> None:
    edit(d, "reports", 3, "派遣ID", "Ｄ０００２")


@case("excel-error-text-in-a-name", "企業名 「#NAME?」: a CSV saved from Excel after it read "
      "+Style as a formula; taken as the company's name (Excel round-trip check, session "
      "20)", 1,
      says=("dispatches.csv", "2", "Excel のエラー値です"),
      findings=({"file": "dispatches.csv", "row": 2, "column": "企業名", "value": "#NAME?",
                 "rule_id": "R-VAL-1", "severity": "error"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "dispatches", 2, "企業名", "#NAME?")


@case("account-number-in-exponent-form", "口座番号 1.8448E+12: a 13-digit ゆうちょ 記号番号 "
      "saved as Excel showed it; told 「7桁の数字」, not that Excel lost its digits (Excel "
      "round-trip check, session 20)", 1,
      says=("experts.csv", "2", "Excel の指数表示"),
      findings=({"file": "experts.csv", "row": 2, "column": "口座番号", "rule_id": "R-VAL-2",
                 "severity": "error"},),
      held=("D0001",), never=("1.8448E+12",))
def _(d: Path) -> None:
    edit(d, "experts", 2, "口座番号", "1.8448E+12")


@case("row-cleared-between-records", "a travel line's cells cleared in Excel (the row left "
      "as commas between two records): its claim was dropped without a word (Excel "
      "round-trip check, session 20): one warning naming the row; blank rows at the end say "
      "nothing", 0,
      says=("travel_claims.csv", "記録の間に空の行が 1 行あります（3行目）",),
      findings=({"file": "travel_claims.csv", "rule_id": "R-VAL-1", "severity": "warning"},))
def _(d: Path) -> None:
    data = rows(d, "travel_claims")
    data[2] = [""] * len(data[0])
    write_rows(d, "travel_claims", [*data, [""] * len(data[0]), [""] * len(data[0])])


# -- codes and booleans ---------------------------------------------------------------------

@case("unknown-prefecture", "都道府県 東京県", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "都道府県", "value": "東京県"},))
def _(d: Path) -> None:
    edit(d, "experts", 2, "都道府県", "東京県")


@case("boolean-garbage", "誓約書提出 たぶん", 1,
      findings=({"file": "reports.csv", "row": 2, "column": "誓約書提出", "value": "たぶん"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "reports", 2, "誓約書提出", "たぶん")


@case("unknown-travel-mode", "区分 ヘリコプター", 1,
      findings=({"file": "travel_claims.csv", "row": 7, "column": "区分",
                 "value": "ヘリコプター"},),
      held=("D0003",))
def _(d: Path) -> None:
    edit(d, "travel_claims", 7, "区分", "ヘリコプター")


# -- hostile text ---------------------------------------------------------------------------

@case("formula-in-name", "=HYPERLINK(...) as an expert's name", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "氏名"},))
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", '=HYPERLINK("http://evil.example/","山田")')


@case("formula-plus-minus-at", "+, - and @ starting company names", 1,
      findings=({"file": "dispatches.csv", "row": 2, "column": "企業名"},
                {"file": "dispatches.csv", "row": 3, "column": "企業名"},
                {"file": "dispatches.csv", "row": 4, "column": "企業名"}))
def _(d: Path) -> None:
    edit(d, "dispatches", 2, "企業名", "+81-3-1111-1111")
    edit(d, "dispatches", 3, "企業名", "-2+3+cmd|' /C calc'!A0")
    edit(d, "dispatches", 4, "企業名", "@SUM(1+1)*cmd|' /C calc'!A0")


@case("id-traversal", "expert id ../../x", 1,
      findings=({"file": "dispatches.csv", "row": 2, "column": "専門家ID", "value": "../../x"},),
      held=("D0001",))
def _(d: Path) -> None:
    edit(d, "dispatches", 2, "専門家ID", "../../x")


@case("id-reserved-name", "expert id CON (a Windows device name)", 1,
      findings=({"file": "experts.csv", "row": 3, "column": "専門家ID", "value": "CON"},),
      held=("D0002",))
def _(d: Path) -> None:
    edit(d, "experts", 3, "専門家ID", "CON")
    edit(d, "dispatches", 3, "専門家ID", "CON")


@case("holder-kana-outside-shift-jis-but-convertible", "口座名義カナ with a Mac's dash U+2014, "
      "ゔ and a no-break space: the Zengin conversion maps them, nothing is held", 0,
      exact=True)
def _(d: Path) -> None:
    edit(d, "experts", 2, "口座名義カナ", "ヨ\u2014コ\u00a0ゔぃおら")


@case("emoji-in-holder-kana", "口座名義カナ with an emoji (not writable in Zengin)", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "口座名義カナ", "rule_id": "R-VAL-2"},),
      held=("D0001", "D0003"))
def _(d: Path) -> None:
    edit(d, "experts", 2, "口座名義カナ", "ﾔﾏﾀﾞ ﾀﾛｳ😀")


@case("outside-shift-jis-in-names", "𠮷 and an emoji in names (not printable on notices)", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "氏名"},
                {"file": "dispatches.csv", "row": 2, "column": "企業名"}))
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", "𠮷田 太郎😀")
    edit(d, "dispatches", 2, "企業名", "株式会社𩸽水産")


@case("mac-dash-in-names", "a Mac's dash U+2014 (JIS 0x815C) in a name and a company name: "
      "a Shift_JIS character (accepted)", 0, exact=True)
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", "山田\u2014太郎")
    edit(d, "dispatches", 2, "企業名", "株式会社A\u2014B")


@case("nfd-decomposed-names", "every file saved on macOS in NFD (ガ as カ + U+3099; accepted)", 0)
def _(d: Path) -> None:
    import unicodedata

    for t in TABLES:
        path = d / f"{t}.csv"
        path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                        encoding="utf-8")


@case("gaiji-in-name", "a user-defined character (CP932 0xF040, U+E000) in a name", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "氏名", "rule_id": "R-VAL-1"},),
      held=("D0001", "D0003"))
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", "山田 太\ue000")


@case("sigma-in-name", "∑ (CP932 0x8794, not in the notice font) in a name", 1,
      findings=({"file": "experts.csv", "row": 3, "column": "氏名"},), held=("D0002",))
def _(d: Path) -> None:
    edit(d, "experts", 3, "氏名", "佐藤∑花子")


@case("terminal-escape-in-name", "ANSI escape sequences in a name", 1,
      findings=({"file": "experts.csv", "row": 2, "column": "氏名"},), never=("\x1b",))
def _(d: Path) -> None:
    edit(d, "experts", 2, "氏名", "\x1b[2J\x1b[31m山田 太郎\x1b[0m")


# -- Excel ----------------------------------------------------------------------------------

@case("xlsx-workbook", "all tables as sheets of one workbook (accepted)", 0)
def _(d: Path) -> None:
    workbook(d)


@case("xlsx-hidden-extra-sheet", "a hidden sheet 旧データ beside the tables", 0)
def _(d: Path) -> None:
    workbook(d, extra_hidden=True)


@case("xlsx-hidden-table-sheet", "the 支援実績報告 sheet is hidden", 0)
def _(d: Path) -> None:
    workbook(d, hide=("reports",))


@case("xlsx-merged-cells", "状態 merged over two dispatch rows", 1,
      findings=({"file": "exports.xlsx", "row": 3, "column": "状態"},), held=("D0002",))
def _(d: Path) -> None:
    workbook(d, merge_status=True)


@case("xlsx-error-cell", "運賃 holds #DIV/0! (read as blank, it would pay 0 yen)", 1,
      findings=({"file": "exports.xlsx", "row": 2, "column": "運賃", "value": "#DIV/0!",
                 "rule_id": "R-VAL-1", "severity": "error"},
                {"file": "exports.xlsx", "row": 4, "column": "運賃", "value": "#N/A"}),
      held=("D0001", "D0002"))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["travel_claims"]
        col = [c.value for c in sheet[1]].index("運賃") + 1
        sheet.cell(row=2, column=col).value = "#DIV/0!"  # openpyxl stores it as an error cell
        sheet.cell(row=4, column=col).value = "#N/A"


@case("xlsx-many-error-cells", "運賃 #N/A on ten claim lines: the sheet needs fixing whole", 2,
      says=("exports.xlsx", "travel_claims", "2行目", "運賃", "#N/A", "以上"))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["travel_claims"]
        col = [c.value for c in sheet[1]].index("運賃") + 1
        for row in range(2, 12):
            sheet.cell(row=row, column=col).value = "#N/A"


@case("xlsx-error-cell-in-extra-column", "#N/A in a VLOOKUP column the contract does not name",
      0, findings=({"file": "exports.xlsx", "column": "備考(VLOOKUP)", "severity": "warning"},),
      exact=True)
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["experts"]
        col = sheet.max_column + 1
        sheet.cell(row=1, column=col).value = "備考(VLOOKUP)"
        sheet.cell(row=2, column=col).value = "#N/A"


@case("xlsx-many-errors-in-extra-column", "#N/A in twelve VLOOKUP columns outside the contract",
      0, findings=({"file": "exports.xlsx", "column": "メモ1", "severity": "warning"},
                   {"file": "exports.xlsx", "column": "メモ12", "severity": "warning"}))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["experts"]
        first = sheet.max_column + 1
        for n in range(12):  # 24 error cells: more than the search looks for, none in the contract
            sheet.cell(row=1, column=first + n).value = f"メモ{n + 1}"
            for row in (2, 3):
                sheet.cell(row=row, column=first + n).value = "#N/A"


@case("xlsx-merged-header", "運賃 and 特急料金 headers merged into one cell", 2,
      says=("exports.xlsx", "travel_claims", "見出し行", "結合"))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["travel_claims"]
        col = [c.value for c in sheet[1]].index("運賃") + 1
        first = sheet.cell(row=1, column=col).coordinate
        second = sheet.cell(row=1, column=col + 1).coordinate
        sheet[second] = None
        sheet.merge_cells(f"{first}:{second}")  # the express fee column lost its header


@case("xlsx-formula-without-result", "運賃 =17940*2 saved without its result (scripts do)", 1,
      findings=({"file": "exports.xlsx", "row": 2, "column": "運賃", "rule_id": "R-VAL-1",
                 "severity": "error"},),
      says=("数式の計算結果が保存されていません",), held=("D0001",))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["travel_claims"]
        col = [c.value for c in sheet[1]].index("運賃") + 1
        sheet.cell(row=2, column=col).value = "=17940*2"  # openpyxl saves no cached value


@case("xlsx-merged-dispatch-id", "派遣ID merged over D0001's two claim lines", 1,
      findings=({"file": "exports.xlsx", "row": 3, "column": "派遣ID", "rule_id": "R-VAL-1",
                 "severity": "error", "key": "D0001;2"},),
      held=("D0001",))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        sheet = book["travel_claims"]
        sheet["A3"] = None
        sheet.merge_cells("A2:A3")  # the clerk tidied the sheet; the lower line kept its claim


@case("xlsx-title-row", "a title line above the headers of travel_claims", 2,
      says=("exports.xlsx", "travel_claims", "見出しが 2行目にあるようです", "1行目"))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        book["travel_claims"].insert_rows(1)
        book["travel_claims"]["A1"] = "旅費請求明細（2021年10月分）"


@case("xlsx-hidden-old-copy", "a hidden old experts sheet beside the 専門家 one", 2,
      says=("exports.xlsx", "「experts」と「専門家」", "非表示"))
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        copy = book.copy_worksheet(book["experts"])
        copy.title = "専門家"
        book["experts"].sheet_state = "hidden"


@case("xlsx-stray-cell-far-right", "a stray value in cell XFD2 (16,384 columns wide)", 0,
      findings=({"file": "exports.xlsx", "column": "(16384列目)", "severity": "warning"},),
      exact=True)
def _(d: Path) -> None:
    with edited_workbook(d) as book:
        book["experts"]["XFD2"] = "x"


@case("xlsx-missing-sheet", "workbook without the checkins sheet", 2,
      says=("exports.xlsx", "checkins"))
def _(d: Path) -> None:
    workbook(d, skip=("checkins",))


@case("xlsx-beside-a-table-csv", "a workbook and, beside it, an old experts.csv", 2,
      says=("experts.csv", "exports.xlsx", "どちらか一方"))
def _(d: Path) -> None:
    data = rows(d, "experts")
    workbook(d)
    write_rows(d, "experts", data)


@case("xlsx-corrupt", "a workbook cut in half", 2, says=("exports.xlsx", "開けません"))
def _(d: Path) -> None:
    path = workbook(d)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# -- huge lines -----------------------------------------------------------------------------

def long_line(d: Path, size: int) -> None:
    """A name cell of ``size`` bytes, streamed to disk (never held in memory)."""
    data = rows(d, "experts")
    header = ",".join(data[0]) + "\n"
    row = data[1]
    i = data[0].index("氏名")
    before = ",".join(row[:i]) + ","
    after = "," + ",".join(row[i + 1:]) + "\n"
    chunk = b"A" * (1 << 20)
    with (d / "experts.csv").open("wb") as fh:
        fh.write(header.encode() + before.encode())
        left = size
        while left > 0:
            fh.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        fh.write(after.encode() + ",".join(data[2]).encode() + b"\n")


@case("long-line-8mb", "an 8 MB name cell (stand-in for the 2 GB line)", 2,
      says=("experts.csv", "2行目"))
def _(d: Path) -> None:
    long_line(d, 8 << 20)


@case("long-line-2gb", "a 2 GB line", 2, says=("experts.csv", "2行目"), slow=True)
def _(d: Path) -> None:
    long_line(d, 2 << 30)


# -- folders --------------------------------------------------------------------------------

@case("data-folder-missing", "--data names a folder that does not exist", 2,
      says=("データフォルダ",))
def _(d: Path) -> None:
    shutil.rmtree(d)


def by_id(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


if __name__ == "__main__":  # write every case for a look: python tests/corpus/cases.py DIR
    target = Path(sys.argv[1])
    for c in CASES:
        if not c.slow:
            make(c, target / c.id)
    print(f"{sum(not c.slow for c in CASES)} cases written to {target}")
