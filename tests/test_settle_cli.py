"""`haken settle` through the Typer app (in-process): exit codes, JSON, quiet, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app

REPO = Path(__file__).resolve().parents[1]
PAYER = str(REPO / "samples" / "payer.demo.yaml")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from haken_batch.samplegen import generate, write_tables

    folder = tmp_path_factory.mktemp("data")
    write_tables(generate(120, 5), folder)
    return folder


def test_settle_json_is_machine_readable_and_exit_0(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data_dir), "--out",
                                      str(out), "--payer", PAYER, "--no-documents",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["cycle"] == "2021-10"
    assert set(summary["counts"]) == {"paid", "held", "excluded"}
    assert summary["yen"]["net"] == summary["yen"]["gross"] - summary["yen"]["withholding"]
    assert (out / "2021-10" / "payments.csv").is_file()
    # flags: all of them, and those on dispatches paid now (a held one's come back each cycle)
    import polars as pl

    findings = pl.read_csv(out / "2021-10" / "findings.csv", infer_schema=False)
    flagged = findings.filter(pl.col("区分") == "flag")
    paid = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False).filter(
        pl.col("判定") == "paid")
    assert summary["flags"] == flagged.height > 0
    assert summary["flags_paid"] == flagged.join(paid, on="派遣ID", how="semi").height


def test_settle_text_summary_and_quiet(data_dir: Path, tmp_path: Path) -> None:
    args = ["settle", "2021-10", "--data", str(data_dir), "--out", str(tmp_path / "o"),
            "--payer", PAYER, "--no-documents"]
    result = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Cycle 2021-10 settled" in result.stdout and "paid" in result.stdout
    quiet = CliRunner().invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_quiet_still_tells_the_notes_on_stderr(data_dir: Path, tmp_path: Path) -> None:
    """-q drops the summary, not what the clerk must look at: cron mails a quiet run's
    output, and a first cycle in mid-year (it paid every approval since April) went
    unsaid."""
    args = ["settle", "2021-10", "--data", str(data_dir), "--out", str(tmp_path / "o"),
            "--payer", PAYER, "--no-documents", "--quiet"]
    quiet = CliRunner().invoke(app, args)
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert "お知らせ" in quiet.stderr and "年度初め（2021-04）" in quiet.stderr
    assert "支払総額" not in quiet.stderr  # still no summary


def test_quiet_tells_refused_corrections(data_dir: Path, tmp_path: Path) -> None:
    """A refused correction holds the dispatch it aimed at, and -q said nothing of it: the
    clerk's fix had not taken and cron's mail was silent (blind clerk check, session 18)."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    (data / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "reports,D-NONE,終了時刻,15:00,機関に確認,事務局 佐藤,2021/10/20 10:00\n",
        encoding="utf-8")
    args = ["settle", "2021-10", "--data", str(data), "--out", str(tmp_path / "o"),
            "--payer", PAYER, "--no-documents", "--quiet"]
    quiet = CliRunner().invoke(app, args)
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert "事務局修正 1 件を適用できませんでした（corrections_rejected.csv）" in quiet.stderr
    english = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert "1 corrections refused (corrections_rejected.csv)" in english.stderr


def test_settle_bad_cycle_and_bad_date_are_clear_errors(data_dir: Path, tmp_path: Path) -> None:
    base = ["--data", str(data_dir), "--out", str(tmp_path / "o"), "--payer", PAYER]
    bad = CliRunner().invoke(app, ["settle", "2021-13", *base])
    assert bad.exit_code == 2 and "2021-13" in bad.output and "Traceback" not in bad.output
    date = CliRunner().invoke(app, ["settle", "2021-10", *base, "--cutoff", "2021-02-30"])
    assert date.exit_code == 2 and "2021-02-30" in date.output
    # a cut-off before the cycle's month paid nothing new and was said to have paid every
    # approval since April (lifecycle check, session 21)
    early = CliRunner().invoke(app, ["settle", "2021-05", *base, "--cutoff", "2021-04-15"])
    assert early.exit_code == 2, early.output
    assert "承認の締日 2021-04-15 はサイクル 2021-05 の月とその翌月の外です" in " ".join(
        early.output.split())
    # months later paid the next cycles' approvals now (review); the month after is open
    late = CliRunner().invoke(app, ["settle", "2021-05", *base, "--cutoff", "2021-07-31",
                                    "--transfer-date", "2021-08-02"])
    assert late.exit_code == 2 and "2021-07-31" in late.output
    assert not (tmp_path / "o" / "2021-05").exists()
    fifth = CliRunner().invoke(app, ["settle", "2021-05", *base, "--cutoff", "2021-06-05",
                                     "--transfer-date", "2021-06-18", "--no-documents", "-q"])
    assert fifth.exit_code == 0, fifth.output


def test_settle_refuses_an_earlier_cycle_with_exit_2(data_dir: Path, tmp_path: Path) -> None:
    base = ["--data", str(data_dir), "--out", str(tmp_path / "o"), "--payer", PAYER,
            "--no-documents", "-q"]
    assert CliRunner().invoke(app, ["settle", "2021-11", *base]).exit_code == 0
    again = CliRunner().invoke(app, ["settle", "2021-10", *base])
    assert again.exit_code == 2
    assert "2021-11" in again.output


def test_R_DAY_1_a_transfer_date_given_on_a_closed_day_is_moved_back_and_said(
        data_dir: Path, tmp_path: Path) -> None:
    """Saturday 2021-11-20 becomes Friday 2021-11-19, and the summary says so (ja and en)."""
    base = ["settle", "2021-10", "--data", str(data_dir), "--payer", PAYER, "--no-documents"]
    moved = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "a"), "--transfer-date",
                                     "2021-11-20", "--format", "json"])
    assert moved.exit_code == 0, moved.output
    summary = json.loads(moved.stdout)
    assert summary["transfer_date"] == "2021-11-19"
    notes = [n for n in summary["notes"] if "has no cycle before" not in n["en"]]
    assert [n["en"] for n in notes] == [
        "the transfer date given, 2021-11-20, is not a bank business day: moved back to "
        "2021-11-19 (R-DAY-1)"]
    assert "2021-11-20" in notes[0]["ja"]
    text = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "b"), "--transfer-date",
                                    "2021-11-20"])
    assert "前の営業日 2021-11-19 にしました" in text.stdout
    kept = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "c"), "--transfer-date",
                                    "2021-11-19", "--format", "json"])
    assert not [n for n in json.loads(kept.stdout)["notes"] if "R-DAY-1" in n["en"]]


def test_a_transfer_date_before_the_cut_off_is_refused_and_nothing_is_written(
        data_dir: Path, tmp_path: Path) -> None:
    """Reports approved up to 2021-10-31 cannot be paid on 2021-10-01 (a mistyped date);
    2021-10-31 itself, the cut-off day, is accepted."""
    base = ["settle", "2021-10", "--data", str(data_dir), "--payer", PAYER, "--no-documents"]
    early = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "a"), "--transfer-date",
                                     "2021-10-01"])
    assert early.exit_code == 2
    assert "振込指定日 2021-10-01 が承認の締日 2021-10-31 より前です" in early.output
    assert "Traceback" not in early.output
    assert not (tmp_path / "a" / "2021-10").exists()
    english = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "b"), "--transfer-date",
                                       "2021-10-01", "--lang", "en"])
    assert "before the approval cut-off 2021-10-31" in english.output
    same_day = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "c"), "--transfer-date",
                                        "2021-10-29", "--cutoff", "2021-10-29"])
    assert same_day.exit_code == 0, same_day.output
    # Sunday 2021-10-31 moves back to Friday 10-29 (R-DAY-1), before the cut-off: the message
    # says which date was given, not only the moved one (independent sweep, session 22)
    sunday = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "d"), "--transfer-date",
                                      "2021-10-31"])
    assert sunday.exit_code == 2
    assert ("振込指定日 2021-10-29（指定の 2021-10-31 は銀行の休業日のため前営業日に繰り上げ）"
            "が承認の締日 2021-10-31 より前です") in sunday.output


def test_R_VAL_1_dispatches_without_an_expert_id_are_held_and_the_run_completes(
        data_dir: Path, tmp_path: Path) -> None:
    """A blank required id holds its dispatch (R-VAL-1); no later step (the R-PAY-6 draw once
    crashed on it) may turn it into a traceback."""
    import shutil

    import polars as pl

    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    path = data / "dispatches.csv"
    frame = pl.read_csv(path, infer_schema=False)
    expert = next(c for c in frame.columns if c in ("専門家ID", "expert_id"))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 5).then(None).otherwise(pl.col(expert)).alias(expert))
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode())
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                      str(tmp_path / "o"), "--payer", PAYER, "--no-documents",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["held"] >= 1
    sample = (tmp_path / "o" / "2021-10" / "audit_sample.csv").read_text(encoding="utf-8-sig")
    assert "None" not in sample


def test_settle_counts_the_inputs_findings_and_points_to_validate(tmp_path: Path) -> None:
    import shutil

    from corpus.cases import BASE, edit

    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    args = ["settle", "2021-10", "--data", str(data), "--payer", PAYER, "--no-documents"]
    clean = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert clean.exit_code == 0 and "入力データの指摘" not in clean.stdout
    edit(data, "reports", 2, "終了時刻", "25:00")  # an error: holds D0001
    edit(data, "institutions", 3, "代表機関", "無")  # a warning: holds nothing
    found = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert found.exit_code == 0, found.output
    assert "入力データの指摘: エラー 1 件 ・ 警告 1 件" in found.stdout
    assert "haken validate" in found.stdout
    as_json = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "c"), "--format", "json"])
    assert json.loads(as_json.stdout)["input_findings"] == {"error": 1, "warning": 1}


def test_reports_awaiting_approval_are_counted(tmp_path: Path) -> None:
    """Reports the institution has not approved are in no output of the cycle: 26 in the
    samples, some from April, at risk of the payment deadline (blind clerk check, session
    18). The summary counts them, as the exports say (support day up to the cut-off, not
    cancelled)."""
    import csv

    samples = REPO / "samples" / "fy2021"
    reports = list(csv.DictReader((samples / "reports.csv").read_text(
        encoding="utf-8-sig").splitlines()))
    dispatches = {r["派遣ID"]: r["状態"] for r in csv.DictReader(
        (samples / "dispatches.csv").read_text(encoding="utf-8-sig").splitlines())}
    args = ["settle", "2021-10", "--data", str(samples), "--out", str(tmp_path / "o"),
            "--payer", PAYER, "--no-documents"]
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    cutoff = summary["cutoff"]
    expected = {r["派遣ID"] for r in reports
                if not r["機関承認日時"].strip()
                and r["支援日"].replace("/", "-") <= cutoff
                and dispatches.get(r["派遣ID"]) != "キャンセル"}
    assert summary["awaiting_approval"] == len(expected) > 0
    text = CliRunner().invoke(app, [*args[:5], str(tmp_path / "p"), *args[6:]])
    assert f"機関の承認待ちの支援実績報告: {len(expected):,} 件" in text.stdout


def test_reports_awaiting_approval_in_the_last_cycle_are_not_promised_later(
        tmp_path: Path) -> None:
    """In the payment deadline's cycle the count said 'settled in a later cycle', while the
    never_payable note of the same run said they can no longer be paid (review, session
    18)."""
    args = ["settle", "2022-03", "--data", str(REPO / "samples" / "fy2021"), "--out",
            str(tmp_path / "o"), "--payer", PAYER, "--no-documents",
            "--transfer-date", "2022-03-31"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if "承認待ち" in x)
    assert "この後は支払えません" in line and "以後のサイクルで精算" not in line
