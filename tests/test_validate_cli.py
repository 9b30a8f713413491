"""`haken validate`: exit codes, findings.csv, JSON, messages without traceback (issue 2)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app

FIX = Path(__file__).parent / "fixtures" / "load"
runner = CliRunner()


def compose(tmp_path: Path, case: str | None) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIX / "good", data)
    if case:
        for p in (FIX / "bad" / case).iterdir():
            shutil.copy(p, data / p.name)
    return data


def invoke(*args: str):
    return runner.invoke(app, ["validate", *args])


def test_clean_data_exits_0_and_writes_header_only_csv(tmp_path) -> None:
    out = tmp_path / "findings.csv"
    result = invoke("--data", str(compose(tmp_path, None)), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "指摘はありません" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "ファイル,シート,行,列,値,表,キー,ルールID,重要度,内容,内容（英語）"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# The bad-input list: each gives a clear message, the right exit code, no traceback.
BAD_INPUT = {
    "wrong_encoding": (2, ["experts.csv", "バイト位置"]),
    "missing_column": (2, ["experts.csv", "口座番号"]),
    "duplicate_key": (1, ["dispatches.csv:2", "派遣ID", "D-1", "重複"]),
    "impossible_date": (1, ["reports.csv:2", "支援日", "2021-02-30"]),
    "impossible_time": (1, ["reports.csv:2", "終了時刻", "25:00"]),
    "text_in_yen": (1, ["travel_claims.csv:2", "運賃", "abc"]),
    "formula_in_name": (1, ["experts.csv:2", "氏名", "数式"]),
    "unsafe_id_path": (1, ["dispatches.csv:5", "派遣ID", "../../x"]),
    "empty_file": (2, ["reports.csv", "空"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_message_exit_code_no_traceback(case, tmp_path) -> None:
    code, words = BAD_INPUT[case]
    out = tmp_path / "findings.csv"
    result = invoke("--data", str(compose(tmp_path, case)), "--out", str(out))
    text = result.output
    assert result.exit_code == code, text
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    flat = " ".join(text.split())
    for word in words:
        assert word in flat, (word, text)
    assert out.exists() == (code == 1)  # a structural fault leaves nothing behind


def test_sheet_missing_from_workbook_exits_2(tmp_path) -> None:
    from test_load_read import write_workbook

    write_workbook(tmp_path / "xl", skip="checkins")
    result = invoke("--data", str(tmp_path / "xl"), "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 2
    assert "export.xlsx" in result.output and "checkins" in result.output
    assert "Traceback" not in result.output


def test_missing_data_folder_exits_2(tmp_path) -> None:
    result = invoke("--data", str(tmp_path / "nope"), "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 2
    assert "データフォルダ" in result.output


def test_findings_csv_neutralises_formulas_and_masks_accounts(tmp_path) -> None:
    out = tmp_path / "findings.csv"
    data = compose(tmp_path, "formula_in_name")
    result = invoke("--data", str(data), "--out", str(out))
    assert result.exit_code == 1
    text = out.read_text("utf-8-sig")
    assert "'=HYPERLINK(" in text  # shown, but Excel will not run it
    assert ",=HYPERLINK" not in text
    # the terminal never shows the personal value
    assert "HYPERLINK" not in result.output


def test_terminal_never_shows_account_number(tmp_path) -> None:
    data = compose(tmp_path, "account_number_format")
    result = invoke("--data", str(data), "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 1
    assert "12345678" not in result.output
    assert "12345678" not in (tmp_path / "f.csv").read_text("utf-8-sig")


def test_the_listing_names_the_file_written(tmp_path) -> None:
    """--out xl_findings.csv printed 「全件は findings.csv」 (docs review, session 20)."""
    out = tmp_path / "xl_findings.csv"
    result = runner.invoke(app, ["validate", "--data", str(compose(tmp_path, "duplicate_key")),
                                 "--out", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert f"全件は {out}）" in result.output and "全件は findings.csv" not in result.output


def test_json_format(tmp_path) -> None:
    result = invoke("--data", str(compose(tmp_path, "duplicate_key")), "--out",
                    str(tmp_path / "f.csv"), "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["exit_code"] == 1
    assert payload["summary"]["errors"] == 2
    assert payload["summary"]["rows"]["dispatches"] == 5
    assert [f["row"] for f in payload["findings"]] == [2, 6]
    assert payload["findings"][0]["rule_id"] == "R-VAL-1"


def test_english_messages_and_headers(tmp_path) -> None:
    out = tmp_path / "f.csv"
    result = invoke("--data", str(compose(tmp_path, "impossible_time")), "--out", str(out),
                    "--lang", "en")
    assert result.exit_code == 1
    assert "not an existing time" in " ".join(result.output.split())
    assert out.read_text("utf-8-sig").startswith("file,sheet,row,column,value,table,key,")


def test_warnings_only_exit_0(tmp_path) -> None:
    result = invoke("--data", str(compose(tmp_path, "extra_column")), "--out",
                    str(tmp_path / "f.csv"))
    assert result.exit_code == 0
    assert "備考" in result.output


def test_validate_has_help() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "--data" in result.output and "--format" in result.output


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from haken_batch.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['validate', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('polars', 'pandera', 'openpyxl', 'jinja2', 'fastexcel')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)
    assert done.stdout.strip() == ""


def test_missing_output_folder_exits_2_before_reading(tmp_path) -> None:
    result = invoke("--data", str(compose(tmp_path, None)), "--out",
                    str(tmp_path / "nope" / "f.csv"))
    assert result.exit_code == 2
    assert "出力先フォルダ" in result.output


def test_a_structural_fault_says_an_earlier_findings_file_is_stale(tmp_path: Path) -> None:
    data = compose(tmp_path, None)
    report = tmp_path / "findings.csv"
    assert runner.invoke(app, ["validate", "--data", str(data), "--out", str(report)]
                         ).exit_code == 0
    before = report.read_bytes()
    (data / "experts.csv").write_bytes(b"")  # now the run stops before any finding
    ja = runner.invoke(app, ["validate", "--data", str(data), "--out", str(report)])
    assert ja.exit_code == 2
    assert ja.output.startswith("エラー ")
    assert "findings.csv は前回の検証結果のままです" in ja.output
    en = runner.invoke(app, ["validate", "--data", str(data), "--out", str(report),
                             "--lang", "en"])
    assert en.exit_code == 2
    assert en.output.startswith("error ") and "still holds an earlier run's findings" in en.output
    assert report.read_bytes() == before  # told, not touched
    fresh = runner.invoke(app, ["validate", "--data", str(data), "--out",
                                str(tmp_path / "new.csv")])
    assert fresh.exit_code == 2 and "前回" not in fresh.output


def test_summary_names_tables_as_the_clerk_knows_them(tmp_path) -> None:
    """The per-table counts named 'experts', 'travel_claims' (blind clerk check): now the
    exports' Japanese name and the file; English keeps the tool's name beside the file."""
    data = compose(tmp_path, None)
    ja = runner.invoke(app, ["validate", "--data", str(data), "--out", str(tmp_path / "f.csv")],
                       terminal_width=120, env={"COLUMNS": "120"})
    assert ja.exit_code == 0, ja.output
    files = {p.stem: p.name for p in data.glob("*.csv")}
    assert f"専門家（{files['experts']}）" in ja.stdout
    assert f"旅費請求明細（{files['travel_claims']}）" in ja.stdout
    en = runner.invoke(app, ["validate", "--data", str(data), "--out", str(tmp_path / "f.csv"),
                             "--lang", "en"], terminal_width=120, env={"COLUMNS": "120"})
    assert f"travel_claims ({files['travel_claims']})" in en.stdout
    facts = json.loads(runner.invoke(app, ["validate", "--data", str(data), "--out",
                                           str(tmp_path / "f.csv"), "--format", "json"]).stdout)
    assert facts["summary"]["names_ja"]["checkins"] == "チェックイン・チェックアウト"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_markup_and_bidi_controls_in_a_cell_are_shown_as_text(tmp_path, lang) -> None:
    """'[/bold]' in a fare cell crashed rich's markup parser with a traceback, and a
    right-to-left override reordered what the clerk read (blind red-team check)."""
    data = compose(tmp_path, None)
    path = data / "travel_claims.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("新宿,品川,12.5,200,", "新宿,品川,12.5,[/bold],")
                    .replace("京都,大阪,43,", "京都\u202e,大阪,43,"), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--data", str(data), "--out",
                                 str(tmp_path / "f.csv"), "--lang", lang],
                           terminal_width=200, env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    assert "[/bold]" in result.stdout and "Traceback" not in result.output
    assert "\u202e" not in result.stdout


def test_R_VAL_2_a_signed_or_spaced_account_number_is_a_finding(tmp_path) -> None:
    """'-1' was paid to account 0000001 and '876 5432' to 8765432 (blind red-team check)."""
    import csv

    data = compose(tmp_path, None)
    path = data / "experts.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    col = rows[0].index("口座番号")
    rows[1][col], rows[2][col] = "-1", "876 5432"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    result = invoke("--data", str(data), "--out", str(tmp_path / "f.csv"), "--format", "json")
    assert result.exit_code == 1, result.output
    found = [(f["row"], f["column"], f["rule_id"]) for f in json.loads(result.stdout)["findings"]]
    assert (2, "口座番号", "R-VAL-2") in found and (3, "口座番号", "R-VAL-2") in found


def test_corrections_are_counted_as_rows_and_cells(tmp_path) -> None:
    """validate said 「25 セル」 and settle 「適用 24 件」 for one file, read as a lost
    correction (blind clerk check, session 18): both counts are said, rows as settle says."""
    data = compose(tmp_path, "duplicate_key")  # D-1 twice: one correction, two cells
    (data / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "dispatches,D-1,従業員数,10,確認,事務局 佐藤,2021/10/20 10:00\n", encoding="utf-8")
    res = invoke("--data", str(data), "--out", str(tmp_path / "f.csv"))
    assert "事務局修正の適用: 1 件（2 セル）" in res.stdout
    as_json = json.loads(invoke("--data", str(data), "--out", str(tmp_path / "g.csv"),
                                "--format", "json").stdout)
    facts = as_json["summary"]
    assert (facts["corrections_rows"], facts["corrections"]) == (1, 2)


def test_out_never_replaces_an_export_a_cycle_file_a_folder_or_a_device(tmp_path) -> None:
    """validate --out renamed its list over whatever it named: an export of --data, a closed
    cycle's ledger, .haken-history.csv, /dev/null; --out . was a traceback and --out DIR
    left a hidden copy of the findings (hostile check, session 22)."""
    data = compose(tmp_path, None)
    cycle_dir = tmp_path / "OUT" / "2021-10"
    cycle_dir.mkdir(parents=True)
    (cycle_dir / "manifest.json").write_text("{}")
    (cycle_dir / "ledger.csv").write_text("ledger")
    (tmp_path / "OUT" / ".haken-history.csv").write_text("history")
    (tmp_path / "notes.txt").write_text("mine")
    export = data / "experts.csv"
    before = export.read_bytes()
    targets = [export, cycle_dir / "ledger.csv", tmp_path / "OUT" / ".haken-history.csv",
               cycle_dir / "new.csv", tmp_path / "notes.txt", tmp_path, Path("/dev/null")]
    for target in targets:
        result = invoke("--data", str(data), "--out", str(target))
        assert result.exit_code == 2, (target, result.output)
        assert "--out" in result.output and "Traceback" not in result.output
    for empty in ("", ".", "/"):
        result = invoke("--data", str(data), "--out", empty)
        assert result.exit_code == 2 and "ファイル名を指定してください" in result.output
    assert export.read_bytes() == before
    assert (cycle_dir / "ledger.csv").read_text() == "ledger"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert Path("/dev/null").is_char_device()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    again = tmp_path / "findings.csv"  # a CSV of its own is replaced, as before
    assert invoke("--data", str(data), "--out", str(again)).exit_code == 0
    assert invoke("--data", str(data), "--out", str(again)).exit_code == 0


def test_a_failed_atomic_write_leaves_no_temporary(tmp_path) -> None:
    from haken_batch.outdir import write_atomic

    target = tmp_path / "busy"
    (target / "inside").mkdir(parents=True)  # a rename over a non-empty folder fails
    with pytest.raises(OSError):
        write_atomic(target, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_a_missing_table_says_what_is_there_instead(tmp_path) -> None:
    """A broken link, a folder or a FIFO named experts.csv, and a .xlsm workbook, all read
    「experts.csv がありません」 (hostile check, session 22)."""
    for make, said in ((lambda p: p.symlink_to(tmp_path / "nowhere"), "ファイルではありません"),
                       (lambda p: p.mkdir(), "ファイルではありません"),
                       (lambda p: os.mkfifo(p), "ファイルではありません")):
        data = compose(tmp_path / f"c{len(list(tmp_path.iterdir()))}", None)
        (data / "experts.csv").unlink()
        make(data / "experts.csv")
        result = invoke("--data", str(data), "--out", str(tmp_path / "f.csv"))
        assert result.exit_code == 2 and said in result.output, result.output
    book = tmp_path / "book"
    book.mkdir()
    (book / "exports.xlsm").write_bytes(b"PK")
    result = invoke("--data", str(book), "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 2 and "exports.xlsm は読みません" in result.output


def test_an_escape_sequence_in_a_path_is_shown_not_sent_to_the_terminal(tmp_path) -> None:
    """A --data folder named with ESC printed the sequence raw in the error (hostile check,
    session 22)."""
    result = invoke("--data", str(tmp_path / "x\x1b[2Jy"), "--out", str(tmp_path / "f.csv"))
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "x\\x1b[2Jy" in result.output


def test_a_manifest_json_of_another_project_above_is_no_output_folder(tmp_path) -> None:
    """Only a cycle folder (YYYY-MM) with a manifest, or OUT's record, marks an output
    folder: a web project's manifest.json above --out must not refuse it."""
    from haken_batch.outdir import in_output_folder

    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "reports").mkdir()
    data = compose(tmp_path / "work", None)
    target = tmp_path / "reports" / "findings.csv"
    assert not in_output_folder(target.parent)
    assert invoke("--data", str(data), "--out", str(target)).exit_code == 0
    old_out = tmp_path / "old-out"  # an OUT from before .haken-history.csv
    (old_out / "2021-10").mkdir(parents=True)
    (old_out / "2021-10" / "manifest.json").write_text("{}")
    assert in_output_folder(old_out) and in_output_folder(old_out / "2021-10" / "archive")
    assert in_output_folder(old_out / "notes")
