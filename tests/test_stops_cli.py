"""A stop anywhere in a `haken` run is told in one line with 130 (Ctrl-C) or 143 (SIGTERM),
never a traceback or a death by the raw signal (blind red-team check, round 3: Ctrl-C in the
first 0.1 s, during the imports, and a SIGTERM after the work, while the summary was
printed, did both). Children run ``main`` as the installed `haken` does; each sends the
signal to itself at a chosen point, so the point is exact."""

from __future__ import annotations

import signal
from pathlib import Path

from typer.testing import CliRunner

from corpus.tools import run_child
from haken_batch.cli.app import app

REPO = Path(__file__).resolve().parents[1]

MAIN = r'''
import sys
from haken_batch.cli.app import main
sys.argv = ["haken", "rules", "show", "--date", "2021-10-01"]
main()
'''

DURING_IMPORTS = r'''
import os, signal, sys

class StopAtTyper:  # the signal comes while typer, the slowest import, is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            os.kill(os.getpid(), getattr(signal, os.environ["STOP"]))
        return None

sys.meta_path.insert(0, StopAtTyper())
''' + MAIN

AFTER_THE_WORK = r'''
import os, signal
from haken_batch.cli import cmd_rules

shown = cmd_rules._print_records
def print_then_stop(*args):  # the core has returned: the rules were read, now shown
    shown(*args)
    os.kill(os.getpid(), getattr(signal, os.environ["STOP"]))
cmd_rules._print_records = print_then_stop
''' + MAIN

ON_THE_WAY_OUT = r'''
import os, signal
from haken_batch.cli import stops

ignore = stops.ignore_from_here
def ignore_then_stop(stop):
    told = ignore(stop)
    os.kill(os.getpid(), getattr(signal, os.environ["STOP"]))
    return told
stops.ignore_from_here = ignore_then_stop
''' + MAIN


def _child(code: str, stop: str):
    return run_child(code, env={"STOP": stop}, timeout=120)


def test_a_stop_during_the_imports_is_told_not_traced() -> None:
    for stop, status, said in (("SIGINT", 130, "中断しました"), ("SIGTERM", 143, "SIGTERM")):
        proc = _child(DURING_IMPORTS, stop)
        assert proc.returncode == status, (stop, proc.returncode, proc.stderr)
        assert said in proc.stderr and "Traceback" not in proc.stderr


def test_a_stop_after_the_work_says_the_work_was_done() -> None:
    for stop, status in (("SIGTERM", 143), ("SIGINT", 130)):
        proc = _child(AFTER_THE_WORK, stop)
        assert proc.returncode == status, (stop, proc.returncode, proc.stderr)
        assert "処理はその前に終わっています" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert "時点のルール" in proc.stdout  # what was shown before the stop stays


def test_a_stop_on_the_way_out_leaves_the_exit_code_as_decided() -> None:
    proc = _child(ON_THE_WAY_OUT, "SIGTERM")
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert proc.stderr == ""


def test_main_called_in_a_test_leaves_the_callers_handlers(monkeypatch, capsys) -> None:
    """Only the process's own ``main`` ignores stops on its way out: a test runner that
    calls it keeps its Ctrl-C."""
    import pytest

    from haken_batch.cli.app import main

    monkeypatch.setattr("sys.argv", ["haken", "--help"])
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit):
            main()
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])


def test_cycle_0000_is_refused_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    """0000-01 has the shape YYYY-MM but no date has year 0: a ValueError traceback, exit 1
    (0001-01 was refused cleanly)."""
    res = CliRunner().invoke(app, ["settle", "0000-01", "--data",
                                   str(REPO / "samples" / "fy2021"), "--out",
                                   str(tmp_path / "out"), "--payer",
                                   str(REPO / "samples" / "payer.demo.yaml"), "-q"])
    assert res.exit_code == 2, res.output
    assert "年 0000 はありません" in res.output
    assert not isinstance(res.exception, ValueError)
    assert not (tmp_path / "out").exists()


def test_a_reader_that_goes_away_is_told_with_141_not_1(tmp_path: Path) -> None:
    """``haken settle … | head -1`` settled, then exited 1 with nothing on stderr: 1 reads as
    "findings" or "differences" (docs review, session 20). A closed pipe is 141, as a shell
    reports it, with one line saying the work was done; the cycle is complete."""
    import subprocess

    from corpus.tools import PYTHON

    out = tmp_path / "out"
    argv = ["haken", "settle", "2021-10", "--data", str(REPO / "samples" / "fy2021"), "--out",
            str(out), "--payer", str(REPO / "samples" / "payer.demo.yaml"), "--no-documents"]
    code = f"import sys\nfrom haken_batch.cli.app import main\nsys.argv = {argv!r}\nmain()\n"
    child = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the first line
    err = child.stderr.read()
    assert child.wait(timeout=300) == 141, err
    assert "Traceback" not in err
    assert "出力先（パイプ）が表示の途中で閉じられました。処理はその前に終わっています" in err
    assert (out / "2021-10" / "manifest.json").is_file()
