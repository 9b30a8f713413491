"""A disk or permission problem reads in Japanese, names the place the clerk gave (not an
internal scratch file) and says what to do (blind clerk check: 'エラー : No space left on
device (os error 28)', 'afile/.haken.lock: Not a directory')."""

from __future__ import annotations

import errno
from pathlib import Path

from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.cli.common import os_error_message

REPO = Path(__file__).resolve().parents[1]


def test_a_read_only_place_names_the_folder_given() -> None:
    exc = OSError(errno.EROFS, "Read-only file system", "/mnt/ro/out/.haken.lock")
    said = os_error_message(exc)
    assert said.startswith("/mnt/ro/out: 読み取り専用の場所です。書き込める場所を指定してください")
    assert ".haken.lock" not in said


def test_a_full_disk_from_polars_is_recognised_by_its_os_error_number() -> None:
    said = os_error_message(OSError("No space left on device (os error 28)"))
    assert said.startswith("ディスクの空きがありません。空きを作ってから")


def test_a_full_disk_during_a_copy_names_the_file_written_not_the_one_read() -> None:
    """shutil's copy names its source first (environment red team, session 15: a full OUT
    was reported as a bank-code data file in site-packages)."""
    exc = OSError(errno.ENOSPC, "No space left on device",
                  "/venv/site-packages/zengin_code/branches/0123.json",
                  None, "/mnt/out/.tmp-2021-10-1/archive/bankmaster/branches/0123.json")
    said = os_error_message(exc)
    assert said.startswith("/mnt/out/.tmp-2021-10-1/archive/bankmaster/branches/0123.json: "
                           "ディスクの空きがありません")
    assert "site-packages" not in said


def test_english_keeps_the_system_words_and_says_what_to_do() -> None:
    exc = OSError(errno.EACCES, "Permission denied", "/srv/out/payments.csv")
    assert os_error_message(exc, "en") == ("/srv/out/payments.csv: Permission denied; give a "
                                           "place you may read and write")
    full = OSError("No space left on device (os error 28)")  # polars words it so
    assert os_error_message(full, "en").endswith("; free some space and run it again")
    odd = OSError(errno.ELOOP, "Too many levels of symbolic links", "/srv/out")
    assert os_error_message(odd, "en").endswith("; check the place and its permissions")


def test_settle_into_a_file_says_it_is_no_folder(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(REPO / "samples" / "fy2021"),
                                   "--out", str(afile), "--payer",
                                   str(REPO / "samples" / "payer.demo.yaml"), "-q"])
    assert res.exit_code == 2, res.output
    assert "フォルダではありません" in res.output and ".haken.lock" not in res.output


def test_a_cycle_outside_the_program_says_so(tmp_path: Path) -> None:
    """2020-10 read as a missing YAML parameter, 2030-10 as a transfer date to change
    (blind clerk check)."""
    common = ["--data", str(REPO / "samples" / "fy2021"), "--out", str(tmp_path / "out"),
              "--payer", str(REPO / "samples" / "payer.demo.yaml"), "-q"]
    before = CliRunner().invoke(app, ["settle", "2020-10", *common])
    assert before.exit_code == 2 and "ルール（締日・単価など）がありません" in before.output
    after = CliRunner().invoke(app, ["settle", "2030-10", *common])
    assert after.exit_code == 2 and "支払完了期限 2022-03-31（R-PER-2）より後の月" in after.output
    # the month after the deadline: an approval then is never paid, said where it is listed
    # (it read as a typo hint only: lifecycle check, session 21)
    april = CliRunner().invoke(app, ["settle", "2022-04", *common])
    assert april.exit_code == 2 and "期限の後に承認された報告は支払えません" in " ".join(
        april.output.split())
    assert not (tmp_path / "out").exists()


def test_csvs_and_a_workbook_of_the_tables_side_by_side_stop(tmp_path: Path) -> None:
    """A newer workbook dropped beside last month's CSVs was ignored and the CSVs paid
    (blind clerk check): which one is this month's cannot be guessed."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(REPO / "samples" / "fy2021", data)
    for book in (REPO / "samples" / "fy2021-xlsx").glob("*.xlsx"):
        shutil.copy(book, data / book.name)
    res = CliRunner().invoke(app, ["validate", "--data", str(data),
                                   "--out", str(tmp_path / "findings.csv")])
    assert res.exit_code == 2 and "どちらか一方だけ" in res.output


def _with_header(tmp_path: Path, old: str, new: str) -> Path:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(REPO / "samples" / "fy2021", data)
    path = data / "reports.csv"
    text = path.read_text(encoding="utf-8-sig")
    head, rest = text.split("\n", 1)
    path.write_text(head.replace(old, new) + "\n" + rest, encoding="utf-8")
    return data


def test_a_renamed_header_is_named_with_the_one_line_fix(tmp_path: Path) -> None:
    """'required column missing' did not say which header was there instead, nor where the
    one-line fix goes (blind clerk check)."""
    data = _with_header(tmp_path, "全行程距離(km)", "全行程距離（往復km）")
    res = CliRunner().invoke(app, ["validate", "--data", str(data),
                                   "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 2
    assert "全行程距離（往復km）" in res.output and "rules/columns.yaml" in res.output


def test_a_tab_separated_file_is_named_as_such(tmp_path: Path) -> None:
    data = _with_header(tmp_path, "", "")
    path = data / "reports.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", "\t"), encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", "--data", str(data),
                                   "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 2 and "カンマ区切り" in res.output


def test_data_naming_one_export_asks_for_its_folder(tmp_path: Path) -> None:
    """'--data data/experts.csv' read as 'no such folder' although the path exists."""
    res = CliRunner().invoke(app, ["validate", "--data",
                                   str(REPO / "samples" / "fy2021" / "experts.csv"),
                                   "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 2 and "はファイルです" in res.output and "fy2021" in res.output


def test_a_folder_to_make_where_a_file_is_says_so(tmp_path: Path) -> None:
    """kpi --to FILE read 「読み書きできません（File exists）」 and explain --out FILE
    「出力フォルダ … がありません」 (hostile check, session 22)."""
    said = os_error_message(OSError(errno.EEXIST, "File exists", "/tmp/afile"))
    assert said.startswith("/tmp/afile: 同じ名前のファイルがあり、フォルダを作れません")
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = CliRunner().invoke(app, ["explain", "D-1", "--out", str(afile)])
    assert result.exit_code == 2 and "はファイルです" in result.output


def test_a_path_too_long_says_so() -> None:
    said = os_error_message(OSError(errno.ENAMETOOLONG, "File name too long", "/tmp/x"))
    assert said.startswith("/tmp/x: 場所（パス）の名前が長すぎます")
