"""Issue 5 "Done when", with the real engine: settle two consecutive cycles, close the first,
verify passes; one edited byte of an archived input, rule, output or manifest fails and is
named; the archive alone (data folder deleted) reproduces the outputs; explain tells the
story of a capped, a held and a corrected dispatch. Documents are off here (fast); the
same with PDFs and workbooks is the slow variant.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle, explain
from haken_batch.closing import close_cycle
from haken_batch.run import Options
from haken_batch.verify import verify_path

REPO = Path(__file__).resolve().parents[1]
CYCLES = ("2021-10", "2021-11")


def _data(tmp: Path) -> Path:
    """samples/fy2021 when it is there, else a generated set; plus one correction."""
    data = tmp / "data"
    samples = REPO / "samples" / "fy2021"
    if any(samples.glob("dispatches*")) or any(samples.glob("*.xlsx")):
        shutil.copytree(samples, data)
    else:
        from haken_batch.samplegen import generate, write_tables

        write_tables(generate(400, 5), data)
    reports = data / "reports.csv"
    if not (data / "corrections.csv").exists() and reports.exists():
        rows = list(csv.reader(reports.read_text(encoding="utf-8-sig").splitlines()))
        target = next(r for r in rows[1:] if r[14].startswith("2021/10") and int(r[4]) >= 90)
        (data / "corrections.csv").write_text(
            "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
            f"reports,{target[0]},対面支援時間(分),{int(target[4]) - 30},"
            "同行記録と照合し訂正,事務局 検証,2021/10/30 10:00\n", encoding="utf-8")
    return data


def _options(tmp: Path, data: Path, cyc: str, documents: bool) -> Options:
    return Options(cycle=cyc, data_dir=data, out_dir=tmp / "out",
                   payer_file=REPO / "samples" / "payer.demo.yaml", documents=documents)


def _settle_two_and_close(tmp: Path, documents: bool) -> Path:
    data = _data(tmp)
    for cyc in CYCLES:
        cycle.settle_cycle(_options(tmp, data, cyc, documents))
    close_cycle(tmp / "out", CYCLES[0], closed_on=dt.date(2021, 11, 19), closed_by="検証")
    return tmp / "out"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _settle_two_and_close(tmp_path_factory.mktemp("e2e"), documents=False)


def _flip(path: Path, offset: int = -10) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _tampered(out: Path, tmp_path: Path, rel: str) -> Path:
    """A writable copy of OUT (a closed cycle's files are read-only) with one byte of the
    second cycle's ``rel`` flipped."""
    work = tmp_path / "out"
    shutil.copytree(out, work)
    for cyc in CYCLES:
        for p in (work / cyc).rglob("*"):
            if p.is_file():
                p.chmod(0o600)
    _flip(work / CYCLES[1] / rel)
    return work


def test_done_when_verify_passes_with_the_first_cycle_closed(out: Path) -> None:
    report = verify_path(out)
    assert report.ok, report.to_json()
    assert [c.closed for c in report.cycles] == [True, False]
    assert all(c.reran and c.outputs for c in report.cycles)


@pytest.mark.parametrize("rel", ["archive/inputs/dispatches.csv.zst",
                                 "archive/rules/parameters/fee.yaml",
                                 "payments.csv", "ledger.csv", "manifest.json"])
def test_done_when_one_edited_byte_fails_and_names_the_file(out: Path, tmp_path: Path,
                                                           rel: str) -> None:
    work = _tampered(out, tmp_path, rel)
    report = verify_path(work / CYCLES[1], rerun=False)
    assert not report.ok
    assert any(p.path == rel for p in report.cycles[0].problems), report.to_json()


def test_verify_speaks_japanese_to_the_auditor(out: Path, tmp_path: Path) -> None:
    """Every problem and every differing output is said in Japanese too (the detail column
    was English whatever --lang said: a blind audit check)."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    work = _tampered(out, tmp_path, "payments.csv")
    (work / CYCLES[1] / "stray.txt").write_text("x", encoding="utf-8")
    report = verify_path(work / CYCLES[1])
    problems = report.cycles[0].problems
    assert problems and all(p.detail_ja and p.detail_ja != p.detail for p in problems)
    differing = [o for o in report.cycles[0].outputs if o.status == "differs"]
    assert differing and all(o.detail_ja and "行目" in o.detail_ja for o in differing)
    shown = CliRunner().invoke(app, ["verify", str(work / CYCLES[1])])
    assert shown.exit_code == 1
    assert "フォルダにありますが、マニフェストにありません" in shown.output
    assert "but not in the manifest" not in shown.output


def test_done_when_the_archive_alone_reproduces_the_outputs(out: Path, tmp_path: Path) -> None:
    work = tmp_path / "copy"
    shutil.copytree(out, work / "out")  # no data folder, no rules, no payer beside it
    report = verify_path(work / "out")
    assert report.ok, report.to_json()
    assert {o.status for c in report.cycles for o in c.outputs} <= {"identical",
                                                                  "identical_content"}


def _first(out: Path, name: str, pred) -> tuple[str, str] | None:
    for cyc in CYCLES:
        frame = pl.read_csv(out / cyc / name, infer_schema=False)
        for row in frame.rows():
            if pred(row):
                return row[0], cyc
    return None


def test_done_when_explain_tells_a_held_dispatch(out: Path) -> None:
    found = _first(out, "dispatches.csv", lambda r: r[4] == "held")
    assert found is not None
    story = explain.story(out, found[0])
    assert story["decision"]["status"] == "held" or len(story["history"]) > 1
    assert any(c["outcome"] == "hold" for c in story["checks"]) or story["findings"]
    text = explain.render(story)
    assert "保留" in text and found[0] in text


def test_done_when_explain_tells_a_corrected_dispatch(out: Path) -> None:
    trail = pl.read_csv(out / CYCLES[0] / "corrections_applied.csv", infer_schema=False)
    listed = {r[0] for cyc in CYCLES for r in pl.read_csv(
        out / cyc / "dispatches.csv", infer_schema=False).rows()}
    per_dispatch = ("dispatches", "reports", "checkins", "travel_claims")
    keys = [r[2].split(";")[0] for r in trail.rows()
            if r[1] in per_dispatch and r[2].split(";")[0] in listed]
    assert keys, "no applied correction touches a dispatch of the two cycles"
    story = explain.story(out, keys[0])
    assert story["corrections"] and story["corrections"][0]["who"]
    text = explain.render(story)
    assert "事務局修正" in text and "→" in text


def test_done_when_explain_tells_a_capped_dispatch(out: Path) -> None:
    found = _first(out, "findings.csv", lambda r: r[2] == "R-FEE-3")
    if found is None:
        pytest.skip("no dispatch of this data set reaches the daily cap (R-FEE-3)")
    story = explain.story(out, found[0], cycle=found[1])
    assert len(story["day"]["dispatches"]) >= 2
    assert story["day"]["daily_cap"] is not None
    assert "日額上限" in explain.render(story)


@pytest.mark.slow
def test_done_when_with_documents(tmp_path: Path) -> None:
    out = _settle_two_and_close(tmp_path, documents=True)
    report = verify_path(out)
    assert report.ok, report.to_json()


@pytest.mark.slow
def test_R_TAX_4_a_month_total_printed_from_another_cycle_is_reproduced(tmp_path: Path) -> None:
    """The later of two cycles paying in one month prints the month's tax total, read from
    the other cycle's manifest: verify's re-run (which has no other cycle) prints it from
    the archived follow-ups and gets the same page."""
    data = _data(tmp_path)
    cycle.settle_cycle(_options(tmp_path, data, "2021-10", True))
    cycle.settle_cycle(dataclasses.replace(_options(tmp_path, data, "2021-11", True),
                                           transfer_date=dt.date(2021, 11, 30)))
    report = verify_path(tmp_path / "out")
    assert report.ok, report.to_json()
    [later] = [c for c in report.cycles if c.cycle == "2021-11"]
    assert [o.status for o in later.outputs if o.path == "withholding_summary.pdf"] == ["identical"]


def test_a_cycle_whose_manifest_was_deleted_fails_verification(out: Path, tmp_path: Path):
    """Pointed at the cycle itself, a deleted manifest is a failed check (exit 1), not 'this
    is no archive' (exit 2): the folder still holds the cycle's outputs (blind audit check)."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    work = tmp_path / "out"
    shutil.copytree(out, work)
    (work / CYCLES[1] / "manifest.json").unlink()
    report = verify_path(work / CYCLES[1])
    assert not report.ok and report.cycles[0].problems[0].path == "manifest.json"
    assert CliRunner().invoke(app, ["verify", str(work / CYCLES[1])]).exit_code == 1


def test_a_quiet_failed_verify_still_says_so(out: Path, tmp_path: Path) -> None:
    """cron mails what a job prints: `verify -q` failed in silence (blind clerk check)."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(out / CYCLES[1]), "-q", "--no-rerun"])
    assert ok.exit_code == 0 and ok.output == ""
    shown = runner.invoke(app, ["verify", str(out / CYCLES[1]), "--no-rerun"])
    assert "再計算なし" in shown.output and "再計算一致" not in shown.output
    work = _tampered(out, tmp_path, "payments.csv")
    failed = runner.invoke(app, ["verify", str(work / CYCLES[1]), "-q", "--no-rerun"])
    assert failed.exit_code == 1
    assert f"検証失敗 {CYCLES[1]}: 改変 1" in failed.output
