"""`haken close` (R-DATA-2): the closing record, its chain, immutability, and verify."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import closing
from haken_batch.cli.app import app
from haken_batch.closing import is_closed
from haken_batch.errors import ConfigError, CycleError, VerifyError
from haken_batch.manifest import sha256_file
from haken_batch.verify import verify_path
from test_archive_fixture import ENGINE, options, settled

DAY = dt.date(2021, 11, 19)
NOV_CLOSED = dt.date(2021, 12, 17)  # after 2021-11's cut-off


def close_cycle(out: Path, cycle: str, **kw: object) -> closing.Closing:
    """close with the fixture's engine for its re-run (the same tool is installed)."""
    return closing.close_cycle(out, cycle, engine=ENGINE, **kw)  # type: ignore[arg-type]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return settled(tmp_path)


def test_R_DATA_2_close_writes_a_sealed_record_naming_the_manifest(out: Path) -> None:
    record = close_cycle(out, "2021-10", closed_on=DAY, closed_by="事務局 山田").record
    path = out / "2021-10" / "CLOSED.json"
    assert json.loads(path.read_text()) == {**record, "seal": json.loads(path.read_text())["seal"]}
    assert record["manifest_sha256"] == sha256_file(out / "2021-10" / "manifest.json")
    assert record["closed_on"] == "2021-11-19" and record["previous_closed"] is None
    assert is_closed(out, "2021-10")
    report = verify_path(out, engine=ENGINE)
    assert report.ok, report.to_json()
    assert report.cycles[0].closed and not report.cycles[1].closed
    assert (out / "2021-10" / "dispatches.csv").stat().st_mode & 0o777 == 0o400  # read-only


def test_R_DATA_2_closed_cycle_is_never_settled_again(out: Path) -> None:
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    before = sha256_file(out / "2021-10" / "manifest.json")
    with pytest.raises(CycleError):
        ENGINE.settle_cycle(options(out.parent, "2021-10"))
    assert sha256_file(out / "2021-10" / "manifest.json") == before


def test_R_DATA_2_next_manifest_names_the_closing_and_closings_chain(tmp_path: Path) -> None:
    out = settled(tmp_path, ("2021-10",))
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    ENGINE.settle_cycle(options(tmp_path, "2021-11"))
    manifest = json.loads((out / "2021-11" / "manifest.json").read_text())
    assert manifest["previous"]["closed_sha256"] == sha256_file(out / "2021-10" / "CLOSED.json")
    second = close_cycle(out, "2021-11", closed_on=dt.date(2021, 12, 17), closed_by="B").record
    assert second["previous_closed"] == {"cycle": "2021-10",
                                         "sha256": sha256_file(out / "2021-10" / "CLOSED.json")}
    assert verify_path(out, engine=ENGINE).ok
    # The closing record named by the next manifest cannot vanish unnoticed.
    (out / "2021-10" / "CLOSED.json").unlink()
    report = verify_path(out, rerun=False)
    assert any(p.path == "../2021-10/CLOSED.json" for p in report.cycles[1].problems)


def test_R_DATA_2_edited_closing_record_is_named(out: Path) -> None:
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    path = out / "2021-10" / "CLOSED.json"
    os.chmod(path, 0o600)
    path.write_text(path.read_text().replace('"A"', '"B"'))
    report = verify_path(out / "2021-10", rerun=False)
    assert any(p.path == "CLOSED.json" and p.kind == "seal" for p in report.cycles[0].problems)


def test_close_refuses_out_of_order_twice_and_tampered(out: Path) -> None:
    with pytest.raises(CycleError, match="2021-10"):
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="A")
    with pytest.raises(CycleError):
        close_cycle(out, "2021-12", closed_on=DAY, closed_by="A")
    with pytest.raises(ConfigError):
        close_cycle(out, "2021-10", closed_on=DAY, closed_by="  ")
    (out / "2021-10" / "lines.csv").write_text("edited\n")
    with pytest.raises(VerifyError, match=r"lines\.csv"):
        close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    assert not is_closed(out, "2021-10")
    # more than one problem: the first, how many more and the command that lists them (the
    # first alone read as the only one: lifecycle check, session 21)
    (out / "2021-10" / "payments.csv").write_text("edited\n")
    with pytest.raises(VerifyError) as two:
        close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    # two files changed, and the re-run differs from both
    assert f"ほか 3 件。一覧は haken verify {out / '2021-10'} で確認できます" in two.value.ja


def test_R_DATA_2_closing_twice_keeps_the_first_record(out: Path) -> None:
    """A repeated close (a script run twice) is not an error: the first record stands,
    unchanged, and the second close says when and by whom it was closed."""
    first = close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    path = out / "2021-10" / "CLOSED.json"
    before = path.read_bytes()
    again = close_cycle(out, "2021-10", closed_on=dt.date(2021, 12, 1), closed_by="B")
    assert again.already and not first.already
    assert again.record["closed_by"] == "A" and again.record["closed_on"] == "2021-11-19"
    assert path.read_bytes() == before


def test_R_DATA_2_closing_again_after_the_manifest_changed_is_a_mismatch(out: Path) -> None:
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")
    manifest = out / "2021-10" / "manifest.json"
    manifest.chmod(0o600)
    manifest.write_bytes(manifest.read_bytes().replace(b'"2021-10"', b'"2021-1O"', 1))
    with pytest.raises(VerifyError, match="manifest"):
        close_cycle(out, "2021-10", closed_on=DAY, closed_by="A")


def test_close_cli(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "haken_batch.cycle", ENGINE)
    runner = CliRunner()
    res = runner.invoke(app, ["close", "2021-10", "--out", str(out), "--by", "事務局",
                              "--date", "2021-11-19"])
    assert res.exit_code == 0, res.output
    assert "2021-10 を確定しました" in res.output
    again = runner.invoke(app, ["close", "2021-10", "--out", str(out), "--by", "[bold]x"])
    assert again.exit_code == 0 and "既に確定済み" in again.output
    assert "2021-11-19、事務局" in again.output
    bad = runner.invoke(app, ["close", "2021-11", "--out", str(out), "--by", "x",
                              "--date", "2021-11-31"])
    assert bad.exit_code == 2
    # a close records what happened: a day to come is a typo (lifecycle check, session 21)
    future = runner.invoke(app, ["close", "2021-11", "--out", str(out), "--by", "x",
                                 "--date", "2999-01-01"])
    assert future.exit_code == 2 and "今日" in future.output
    # closing a closed cycle again stays a no-op, whatever the date (a script repeats it)
    repeated = runner.invoke(app, ["close", "2021-10", "--out", str(out), "--by", "x",
                                   "--date", "2999-01-01"])
    assert repeated.exit_code == 0 and "既に確定済み" in repeated.output
    assert not (out / "2021-11" / "CLOSED.json").exists()
    assert runner.invoke(app, ["verify", str(out)]).exit_code == 0
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize("by", ['=HYPERLINK("http://x")', "+A1", "@SUM(A1)", "\x1b[2J\x1b[31mX",
                                "佐藤\n鈴木", "x" * 61, "  ", "佐藤\u202e"])
def test_close_and_discard_refuse_a_name_that_is_not_one_line_of_text(
        out: Path, by: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """--by went as it was into CLOSED.json and .haken-history.csv: a formula for Excel,
    escape codes replayed by every later close, line breaks (hostile check, session 22)."""
    monkeypatch.setitem(sys.modules, "haken_batch.cycle", ENGINE)
    runner = CliRunner()
    history = out / ".haken-history.csv"
    before = history.read_bytes() if history.exists() else b""
    for cmd in (["close", "2021-10", "--date", "2021-11-19"], ["discard", "2021-11"]):
        res = runner.invoke(app, [*cmd, "--out", str(out), "--by", by])
        assert res.exit_code == 2, res.output
        assert "--by" in res.output and "\x1b" not in res.output
    assert not (out / "2021-10" / "CLOSED.json").exists()
    assert (history.read_bytes() if history.exists() else b"") == before
    ok = runner.invoke(app, ["close", "2021-10", "--out", str(out), "--by", "事務局 佐藤（経理）",
                             "--date", "2021-11-19"])
    assert ok.exit_code == 0, ok.output


def test_close_without_a_date_records_the_date_in_japan_whatever_the_machine_zone(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kiritimati and New York gave two dates for the same moment (blind red-team check,
    round 3); the program's calendar is Japan's. Pago Pago (UTC-11) is 20 hours behind
    Tokyo, so on 20 hours of the day a machine-zone date would fail here."""
    import time
    from zoneinfo import ZoneInfo

    def japan() -> str:
        return dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()

    monkeypatch.setitem(sys.modules, "haken_batch.cycle", ENGINE)
    monkeypatch.setenv("TZ", "Pacific/Pago_Pago")
    time.tzset()
    try:
        before = japan()
        res = CliRunner().invoke(app, ["close", "2021-10", "--out", str(out), "--by", "事務局"])
        after = japan()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert res.exit_code == 0, res.output
    record = json.loads((out / "2021-10" / "CLOSED.json").read_text())
    assert record["closed_on"] in (before, after)


def _forge(out: Path, cycle: str, name: str, old: bytes, new: bytes) -> None:
    """A forger who knows the seal: the file changed and its manifest entry resealed."""
    from haken_batch.manifest import sealed

    path = out / cycle / name
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    manifest_path = out / cycle / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.pop("seal", None)
    for entry in manifest["outputs"]:
        if entry["path"] == name:
            entry["sha256"], entry["size"] = sha256_file(path), path.stat().st_size
    manifest_path.write_bytes(sealed(manifest))


def _another_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    from haken_batch import manifest

    monkeypatch.setattr(manifest, "code_digest", lambda: "f" * 64)


def test_close_under_another_tool_still_reruns_the_money(out: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """close skipped the re-run whenever the code had changed since the cycle was settled,
    and closed a resealed forgery of payments.csv (auditor check, session 18): the re-run
    runs always; under another tool the money outputs must still agree."""
    _another_tool(monkeypatch)
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    _forge(out, "2021-11", "payments.csv", b"\n", b"\r\n")
    with pytest.raises(VerifyError) as refused:
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x")
    said = refused.value.message("ja")
    assert "payments.csv" in said and "違うツール" in said
    assert not is_closed(out, "2021-11")


def test_close_under_another_tool_needs_the_clerks_word_for_other_outputs(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version may word a file differently. The tool named in the manifest can be
    forged with it, so an output that differs stops the close unless the clerk says
    --accept-other-tool; then a difference outside the money is told and recorded in
    CLOSED.json (review, session 18)."""
    _another_tool(monkeypatch)
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    _forge(out, "2021-11", "findings.csv", b"\n", b"\r\n")
    with pytest.raises(VerifyError) as refused:
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x")
    assert "--accept-other-tool" in refused.value.message("ja")
    assert not is_closed(out, "2021-11")
    done = close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x", accept_other_tool=True)
    assert is_closed(out, "2021-11")
    assert done.record["unconfirmed_outputs"] == ["findings.csv"]
    assert len(done.notes) == 1 and "findings.csv" in done.notes[0][0]
    assert "金額の出力は一致" in done.notes[0][0]
    assert json.loads((out / "2021-11" / "CLOSED.json").read_text())[
        "unconfirmed_outputs"] == ["findings.csv"]


def test_close_under_another_tool_accepts_reworded_notes_of_lines_csv(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cycle settled before yen in notes were written 5,280 could not be closed by the
    new version even with --accept-other-tool: lines.csv is a money output and its 備考
    differed (review, session 19). Its notes may now differ; its yen may not."""
    _another_tool(monkeypatch)
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    # as an earlier version worded a note (this fixture's engine writes none)
    _forge(out, "2021-11", "lines.csv", b',R-FEE-2,""\n', ",R-FEE-2,5280円/時\n".encode())
    with pytest.raises(VerifyError):  # without the clerk's word, as for any other output
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x")
    done = close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x", accept_other_tool=True)
    assert done.record["unconfirmed_outputs"] == ["lines.csv"]


def test_close_under_another_tool_refuses_a_yen_of_lines_csv(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _another_tool(monkeypatch)
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    text = (out / "2021-11" / "lines.csv").read_text("utf-8-sig")
    row = next(r for r in text.splitlines()[1:] if ",R-FEE-2," in r)
    cells = row.split(",")
    paid = cells[4]
    cells[4] = str(int(paid) + 1)
    _forge(out, "2021-11", "lines.csv", row.encode(), ",".join(cells).encode())
    with pytest.raises(VerifyError, match=r"lines\.csv"):
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x", accept_other_tool=True)
    assert not is_closed(out, "2021-11")


def test_close_never_closes_a_cycle_it_cannot_rerun(out: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A forger who also names another tool in the manifest and breaks the archived payer
    made the re-run fail, and the close went through with a note (review, session 18)."""
    from haken_batch.errors import ConfigError

    class Broken:
        @staticmethod
        def prepare(options: object) -> None:
            raise ConfigError("振込依頼人の設定が読めません", "the payer config cannot be read")

    _another_tool(monkeypatch)
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    with pytest.raises(VerifyError) as refused:
        closing.close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x", engine=Broken,
                            accept_other_tool=True)
    assert "確定できません: 再計算できませんでした" in refused.value.message("ja")
    assert not is_closed(out, "2021-11")



def test_close_with_the_same_tool_refuses_any_output_that_differs(out: Path) -> None:
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="x")
    _forge(out, "2021-11", "findings.csv", b"\n", b"\r\n")
    with pytest.raises(VerifyError, match=r"findings\.csv"):
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="x")


def test_the_refusal_names_the_commit_that_settled() -> None:
    """「haken-batch 0.1.0」 named no code: every commit has that version (review, s20)."""
    from haken_batch.closing import _settled_by

    assert _settled_by({"haken_batch": "0.1.0", "source_commit": "a" * 40}) == (
        "0.1.0, commit aaaaaaaaaaaa")
    assert _settled_by({"haken_batch": "0.1.0"}) == "0.1.0"
    assert _settled_by({}) == "?"


def test_a_close_is_dated_after_its_month_and_after_the_close_before_it(out: Path) -> None:
    """--date 2021-01-01 on 2022-03 was sealed into CLOSED.json (lifecycle check, session
    21): a close dated before the cycle's cut-off, or before the previous cycle's close, is
    refused before the re-run and writes nothing."""
    with pytest.raises(CycleError, match="before cycle 2021-10's cut-off 2021-10-31") as early:
        close_cycle(out, "2021-10", closed_on=dt.date(2021, 10, 20), closed_by="A")
    assert "締日 2021-10-31 より前" in early.value.ja and early.value.where == "--date"
    assert not (out / "2021-10" / "CLOSED.json").exists()
    close_cycle(out, "2021-10", closed_on=dt.date(2021, 12, 20), closed_by="A")
    with pytest.raises(CycleError, match=r"previous cycle 2021-10 \(2021-12-20"):
        close_cycle(out, "2021-11", closed_on=dt.date(2021, 12, 1), closed_by="B")
    assert not (out / "2021-11" / "CLOSED.json").exists()
    # the same day as the close before it is allowed
    close_cycle(out, "2021-11", closed_on=dt.date(2021, 12, 20), closed_by="B")
