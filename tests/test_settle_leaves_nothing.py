"""`haken settle` that fails leaves OUT exactly as it found it; notes of a run that died.

Issue 7 "leaves no output behind": after a structural input error, a refused cycle or a My
Number refusal, an OUT that did not exist is not there (no empty folder, no ``.haken.lock``)
and an OUT that existed is unchanged to the byte and timestamp. A successful run leaves no
lock file either. A previous run that died half-way (its pid in the lock file, a staged
folder left over) is swept and the clerk is told, in the summary and in ``--format json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.cases import BASE, by_id, make
from corpus.tools import snapshot
from haken_batch.cli.app import app
from haken_batch.outdir import LOCK_NAME

REPO = Path(__file__).resolve().parents[1]
PAYER = REPO / "samples" / "payer.demo.yaml"
SAMPLES = REPO / "samples" / "fy2021"
WIDE = {"COLUMNS": "300", "NO_COLOR": "1"}

FIRST_CYCLE_NOTE = ("出力先（--out）には 2021-10 より前の精算がありません。年度初め（2021-04）"
                    "からの承認をすべてこのサイクルで支払いました。以前の月を別の出力先で精算して"
                    "いるなら、振込・確定の前に --out を確かめてください（haken discard 2021-10 "
                    "--out 出力先 --by \"氏名\" で取り消せます）")


def settle(cycle: str, data: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = ["settle", cycle, "--data", str(data), "--out", str(out), "--payer", str(PAYER),
            "--no-documents", *extra]
    return CliRunner().invoke(app, args, env=WIDE)


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    return data


FAILING = {
    # case id (corpus) or refusal -> (cycle, fragment of the message)
    "missing-table": ("2021-10", "travel_claims.csv"),
    "missing-required-column": ("2021-10", "終了時刻"),
    "my-number-by-header": ("2021-10", "マイナンバー"),
    "R-PER-2-deadline": ("2022-03", "R-PER-2"),  # default transfer date after the deadline
    "bad-cycle": ("2021-13", "2021-13"),
}


def _data_for(name: str, tmp_path: Path) -> Path:
    if name in ("R-PER-2-deadline", "bad-cycle"):
        data = tmp_path / "data"
        shutil.copytree(BASE, data)
        return data
    return make(by_id(name), tmp_path / "data")


@pytest.mark.parametrize("name", sorted(FAILING))
def test_failed_settle_does_not_create_out(name: str, tmp_path: Path) -> None:
    cycle, says = FAILING[name]
    data = _data_for(name, tmp_path)
    out = tmp_path / "out"
    result = settle(cycle, data, out)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert not out.exists(), sorted(p.name for p in out.iterdir())


@pytest.mark.parametrize("name", ["missing-table", "my-number-by-values", "earlier-cycle"])
def test_failed_settle_leaves_an_existing_out_untouched(name: str, tmp_path: Path,
                                                        base: Path) -> None:
    out = tmp_path / "out"
    assert settle("2021-11", base, out, "-q").exit_code == 0  # an earlier, finished run
    assert sorted(p.name for p in out.iterdir()) == [".haken-history.csv", "2021-11"]
    before = snapshot(out)
    data = base if name == "earlier-cycle" else make(by_id(name), tmp_path / "bad")
    result = settle("2021-10", data, out)
    assert result.exit_code == 2, result.output
    assert snapshot(out) == before  # no .haken.lock, no staged folder, not a timestamp


def test_successful_settle_leaves_no_lock_file(base: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = settle("2021-10", base, out, "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [".haken-history.csv", "2021-10"]


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def _died_half_way(out: Path) -> tuple[int, str]:
    """OUT as a run leaves it when killed while writing 2021-10."""
    pid = _dead_pid()
    leftover = out / f".tmp-2021-10-{pid}"
    leftover.mkdir(parents=True)
    (leftover / "payments.csv").write_text("half")
    (out / LOCK_NAME).write_text(str(pid))
    return pid, leftover.name


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_note_of_a_run_that_died_half_way_is_shown(lang: str, base: Path,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    pid, leftover = _died_half_way(out)
    result = settle("2021-10", base, out, "--lang", lang)
    assert result.exit_code == 0, result.output
    said = "stopped half-way" if lang == "en" else "途中で終了"
    note = [line for line in result.stdout.splitlines() if said in line]
    assert len(note) == 1, result.stdout
    assert str(pid) in note[0] and leftover in note[0]
    assert note[0].startswith("note " if lang == "en" else "お知らせ ")
    # swept, no lock left
    assert sorted(p.name for p in out.iterdir()) == [".haken-history.csv", "2021-10"]
    again = settle("2021-10", base, out, "--lang", lang)
    assert again.exit_code == 0 and said not in again.stdout  # said once, not every run


def test_note_of_a_run_that_died_half_way_in_json_on_the_samples(tmp_path: Path) -> None:
    if not (SAMPLES / "dispatches.csv").exists():
        pytest.skip("samples/fy2021 is not generated")
    out = tmp_path / "out"
    pid, leftover = _died_half_way(out)
    result = settle("2021-10", SAMPLES, out, "--format", "json")
    assert result.exit_code == 0, result.output
    notes = [n for n in json.loads(result.stdout)["notes"]
             if n["ja"] != FIRST_CYCLE_NOTE]
    assert len(notes) == 1 and set(notes[0]) == {"ja", "en"}
    assert str(pid) in notes[0]["ja"] and leftover in notes[0]["ja"]
    assert "途中で終了" in notes[0]["ja"] and "stopped half-way" in notes[0]["en"]
    assert sorted(p.name for p in out.iterdir()) == [".haken-history.csv", "2021-10"]


def test_json_has_no_notes_after_a_clean_history(base: Path, tmp_path: Path) -> None:
    result = settle("2021-10", base, tmp_path / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    # only the note that the fresh OUT has no earlier cycle (2021-10 is mid-year)
    assert [n["ja"] for n in json.loads(result.stdout)["notes"]] == [
        FIRST_CYCLE_NOTE]
