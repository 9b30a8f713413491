"""One run at a time on OUT: a second run is refused untouched, a dead run's lock re-taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.tools import snapshot
from haken_batch.errors import LockedError
from haken_batch.outdir import LOCK_NAME, locked, staged_dir

HOLDER = r'''
import sys, time
from pathlib import Path
from haken_batch.outdir import locked, staged_dir
out = Path(sys.argv[1])
with locked(out):
    with staged_dir(out, "2021-10") as tmp:
        (tmp / "half.csv").write_text("half")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
'''


def _start_holder(out: Path, seconds: float = 30) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_second_run_is_refused_with_exit_code_3_and_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "2021-09").mkdir()
    (out / "2021-09" / "ledger.csv").write_text("x")
    holder = _start_holder(out)
    try:
        before = snapshot(out)
        with pytest.raises(LockedError) as err, locked(out):
            pytest.fail("the lock was granted twice")
        assert snapshot(out) == before  # not a byte, not a timestamp changed
        assert err.value.exit_code == 3
        assert "使用中" in err.value.ja and str(holder.pid) in err.value.ja
        assert str(out) in err.value.ja and "何も変更していません" in err.value.ja
        assert str(holder.pid) in err.value.en
    finally:
        holder.kill()
        holder.wait()


def test_lock_in_the_same_process_is_refused_too(tmp_path: Path) -> None:
    with locked(tmp_path), pytest.raises(LockedError), locked(tmp_path):
        pass


def test_stale_lock_of_a_killed_process_is_retaken_and_swept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(out)
    dead_pid = holder.pid
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (out / LOCK_NAME).read_text() == str(dead_pid)  # the dead run's pid is still there
    assert any(p.name.startswith(".tmp-2021-10-") for p in out.iterdir())
    notes: list[str] = []
    with locked(out, notes=notes):
        assert (out / LOCK_NAME).read_text() == str(os.getpid())
        assert not any(p.name.startswith(".tmp-") for p in out.iterdir())
    assert len(notes) == 1 and str(dead_pid) in notes[0] and "途中で終了" in notes[0]
    assert (out / LOCK_NAME).read_text() == ""  # a clean exit empties it
    notes.clear()
    with locked(out, notes=notes):
        pass
    assert notes == []  # after a clean run nothing is reported


def test_lock_is_released_when_the_run_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), locked(tmp_path):
        raise RuntimeError("boom")
    with locked(tmp_path):
        pass


def test_lock_file_symlink_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(victim)
    with pytest.raises(OSError), locked(out):
        pass
    assert victim.read_text() == "precious"


def test_waiting_run_gets_the_lock_once_the_first_finishes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(out, seconds=0.3)
    with pytest.raises(LockedError), locked(out):
        pass
    holder.wait(timeout=30)
    deadline = time.monotonic() + 10
    with locked(out), staged_dir(out, "2021-10") as tmp:
        (tmp / "x").write_text("x")
    assert time.monotonic() < deadline
    assert (out / "2021-10" / "x").read_text() == "x"
