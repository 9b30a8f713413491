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
from haken_batch.errors import ConfigError, LockedError
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
    notes: list[tuple[str, str]] = []
    with locked(out, notes=notes):
        assert (out / LOCK_NAME).read_text() == str(os.getpid())
        assert not any(p.name.startswith(".tmp-") for p in out.iterdir())
    assert len(notes) == 1
    ja, en = notes[0]
    assert str(dead_pid) in ja and "途中で終了" in ja and ".tmp-2021-10-" in ja
    assert str(dead_pid) in en and "stopped half-way" in en and ".tmp-2021-10-" in en
    assert not (out / LOCK_NAME).exists()  # a run that ends removes its lock file
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
    with pytest.raises(ConfigError) as told, locked(out):
        pass
    said = told.value.ja
    assert "シンボリックリンク" in said and LOCK_NAME in said and "消して" in said
    assert victim.read_text() == "precious" and (out / LOCK_NAME).is_symlink()


def test_a_folder_in_the_lock_files_place_is_named_not_an_os_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / LOCK_NAME).mkdir(parents=True)
    before = snapshot(out)
    with pytest.raises(ConfigError, match="a folder") as told, locked(out):
        pass
    assert told.value.exit_code == 2 and LOCK_NAME in told.value.en
    assert snapshot(out) == before


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


# -- no lock file left behind; an OUT a failed run created is removed again (issue 7) ----------

def test_lock_file_is_removed_after_a_clean_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with locked(out):
        assert (out / LOCK_NAME).read_text() == str(os.getpid())
    assert out.is_dir() and list(out.iterdir()) == []


def test_failed_run_removes_the_out_it_created_and_its_lock(tmp_path: Path) -> None:
    (tmp_path / "parent").mkdir()
    out = tmp_path / "parent" / "out"
    with pytest.raises(RuntimeError), locked(out):
        raise RuntimeError("boom")
    assert not out.exists()
    assert (tmp_path / "parent").is_dir()  # what was there before is never removed


def test_failed_run_removes_the_empty_folders_it_made_above_out(tmp_path: Path) -> None:
    """--out a/b/c on a failed settle left a/b behind (hostile check, session 22); a
    folder above that something else filled meanwhile stays."""
    out = tmp_path / "a" / "b" / "c"
    with pytest.raises(RuntimeError), locked(out):
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), locked(out):
        (tmp_path / "a" / "mine.txt").write_text("x")
        raise RuntimeError("boom")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["mine.txt"]


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """A notice worker (forked) inherited the lock's descriptor and held OUT locked after
    its parent had gone; the next run named the dead parent (hostile check, session 22)."""
    out = tmp_path / "out"
    with locked(out):
        child = os.fork()
        if child == 0:  # pragma: no cover - the child only sleeps
            time.sleep(30)
            os._exit(0)
    try:
        with locked(out):  # refused (LockedError) while the child held the descriptor
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_failed_run_keeps_an_out_that_existed_exactly_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "2021-09").mkdir()
    (out / "2021-09" / "ledger.csv").write_text("x")
    before = snapshot(out)
    with pytest.raises(RuntimeError), locked(out):
        raise RuntimeError("boom")
    assert snapshot(out) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError), locked(empty):
        raise RuntimeError("boom")
    assert empty.is_dir() and list(empty.iterdir()) == []  # not ours to remove


def test_failed_run_keeps_an_out_it_created_when_something_is_in_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), locked(out):
        (out / "keep.txt").write_text("someone's")
        raise RuntimeError("boom")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_refused_run_leaves_the_holders_lock_file(tmp_path: Path) -> None:
    with locked(tmp_path):
        with pytest.raises(LockedError), locked(tmp_path):
            pass
        assert (tmp_path / LOCK_NAME).read_text() == str(os.getpid())
    assert not (tmp_path / LOCK_NAME).exists()


def test_lock_unlinked_between_open_and_flock_is_retaken_on_a_fresh_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race the inode check closes: the holder removes its lock file and lets go after
    # our open() and before our flock(); the flock is then granted on an orphan inode.
    import fcntl

    from haken_batch import outdir

    out = tmp_path / "out"
    out.mkdir()
    real_flock = fcntl.flock
    calls: list[int] = []
    orphan_fd: list[int] = []

    def racing_flock(fd: int, op: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            os.unlink(out / LOCK_NAME)
            orphan_fd.append(os.dup(fd))  # keep the orphan inode alive to compare with
        real_flock(fd, op)

    monkeypatch.setattr(outdir.fcntl, "flock", racing_flock)
    with locked(out):
        assert len(calls) == 2  # the orphan was let go and a fresh lock file taken
        orphan, held = os.fstat(orphan_fd[0]), (out / LOCK_NAME).stat()
        assert orphan.st_nlink == 0 and orphan.st_size == 0  # no pid written into it
        assert held.st_ino != orphan.st_ino
        assert (out / LOCK_NAME).read_text() == str(os.getpid())
        monkeypatch.setattr(outdir.fcntl, "flock", real_flock)
        with pytest.raises(LockedError), locked(out):  # and that lock really excludes
            pass
    os.close(orphan_fd[0])
    assert not (out / LOCK_NAME).exists()


def test_lock_that_keeps_disappearing_gives_up_without_changing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    from haken_batch import outdir

    out = tmp_path / "out"
    out.mkdir()
    (out / "2021-09").mkdir()
    before = snapshot(out)
    real_flock = fcntl.flock

    def always_unlinked(fd: int, op: int) -> None:
        os.unlink(out / LOCK_NAME)
        real_flock(fd, op)

    monkeypatch.setattr(outdir.fcntl, "flock", always_unlinked)
    with pytest.raises(LockedError) as err, locked(out):
        pytest.fail("a lock on an unlinked file was accepted")
    assert err.value.exit_code == 3 and "何も変更していません" in err.value.ja
    assert snapshot(out) == before


def test_release_never_removes_a_lock_file_that_is_not_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with locked(out):
        (out / LOCK_NAME).unlink()  # someone removed it by hand and a new one appeared
        (out / LOCK_NAME).write_text("other")
    assert (out / LOCK_NAME).read_text() == "other"


def test_lock_file_is_owner_only_while_held_even_with_an_open_umask(tmp_path: Path) -> None:
    import stat

    saved = os.umask(0o022)
    try:
        with locked(tmp_path / "out") as out:
            assert stat.S_IMODE((out / LOCK_NAME).stat().st_mode) == 0o600
            assert stat.S_IMODE(out.stat().st_mode) == 0o700
    finally:
        os.umask(saved)
