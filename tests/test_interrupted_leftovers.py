"""What a run killed half-way leaves must not block the next one nor linger with personal
data (blind red-team check): close's temporary record, kpi's temporary workbook and the
private scratch folders of verify, explain and kpi."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import closing, cycle, scratch
from haken_batch.cli.app import app
from haken_batch.verify import verify_cycle
from sample_runs import SAMPLES, sample_options

DAY = dt.date(2021, 11, 25)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("settled") / "out"
    cycle.settle_cycle(sample_options(out))
    return out


@pytest.fixture
def out(settled: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(settled, copy)
    return copy


def test_close_killed_while_writing_its_record_can_be_run_again(out: Path) -> None:
    folder = out / "2021-10"
    (folder / ".CLOSED.json.tmp-999999").write_bytes(b'{"format"')
    assert verify_cycle(folder, rerun=False).problems  # the leftover reads as an extra file
    closing.close_cycle(out, "2021-10", closed_on=DAY, closed_by="事務局")
    assert not list(folder.glob(".CLOSED.json.tmp-*"))
    assert closing.is_closed(out, "2021-10")
    assert not verify_cycle(folder, rerun=False).problems


def test_close_killed_after_its_record_is_finished_by_the_next_close(out: Path) -> None:
    folder = out / "2021-10"
    closing.close_cycle(out, "2021-10", closed_on=DAY, closed_by="事務局")
    ledger = folder / "ledger.csv"
    ledger.chmod(0o600)  # killed before every file was made read-only
    res = CliRunner().invoke(app, ["close", "2021-10", "--out", str(out), "--by", "事務局"])
    assert res.exit_code == 0 and "既に確定済み" in res.output, res.output
    assert "残る 1 ファイルを読み取り専用にして完了しました" in " ".join(res.output.split())
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o400


def test_kpi_never_rewrites_an_archived_cycle_folder(out: Path, tmp_path: Path) -> None:
    """--data with other attributes wrote a different workbook over the archived one and
    verify then said 改変 (blind red-team check); now it asks for --to."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    path = data / "dispatches.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("中小企業,", "小規模事業者,"),
                    encoding="utf-8-sig")
    folder = out / "2021-10"
    (folder / ".kpi_2021-10.xlsx.tmp").write_bytes(b"PK")  # an earlier kpi killed mid-write
    before = (folder / "kpi_2021-10.xlsx").read_bytes() if (
        folder / "kpi_2021-10.xlsx").exists() else None
    res = CliRunner().invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(data)])
    assert res.exit_code == 2 and "--to" in res.output, res.output
    after = (folder / "kpi_2021-10.xlsx").read_bytes() if (
        folder / "kpi_2021-10.xlsx").exists() else None
    assert after == before
    assert not verify_cycle(folder, rerun=False).problems  # the leftover was swept too
    to = tmp_path / "elsewhere"
    res = CliRunner().invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(data),
                                   "--to", str(to)])
    assert res.exit_code == 0 and (to / "kpi_2021-10.xlsx").is_file(), res.output


def test_scratch_folders_of_dead_runs_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"haken-verify-{dead_pid}-abc"
    live = tmp_path / f"haken-explain-{os.getppid()}-abc"
    other = tmp_path / f"something-{dead_pid}-abc"
    for d in (stale, live, other):
        d.mkdir()
        (d / "experts.csv").write_text("氏名\n山田\n", encoding="utf-8")
    assert scratch.sweep(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()
    with scratch.private_dir("kpi") as work:
        assert f"haken-kpi-{os.getpid()}-" in work.name
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
    assert not work.exists()


@pytest.mark.parametrize("below", ["statements", "archive", "archive/rules"])
def test_kpi_to_a_folder_inside_a_settled_cycle_is_refused(out: Path, tmp_path: Path,
                                                           below: str) -> None:
    """--to OUT/2021-10/statements wrote files verify then called 追加 (red team, round 2)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    to = out / "2021-10" / below
    res = CliRunner().invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(data),
                                   "--to", str(to)])
    assert res.exit_code == 2 and "別の場所" in res.output, res.output
    assert not verify_cycle(out / "2021-10", rerun=False).problems
