"""staged_dir: a cycle appears whole or not at all; leftovers swept; owner-only permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from corpus.tools import contents, snapshot
from haken_batch.outdir import _sweep, locked, staged_dir, write_atomic


def _write(folder: Path, tag: str) -> None:
    (folder / "ledger.csv").write_text(f"ledger {tag}\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "notice.pdf").write_bytes(tag.encode() * 100)


def test_success_moves_the_folder_into_place(tmp_path: Path) -> None:
    with locked(tmp_path), staged_dir(tmp_path, "2021-10") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-2021-10-")
        assert not (tmp_path / "2021-10").exists()
        _write(tmp, "v1")
    assert contents(tmp_path / "2021-10") == {"ledger.csv": b"ledger v1\n",
                                              "sub/notice.pdf": b"v1" * 100}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-10"]  # lock file removed


def test_rerun_replaces_the_cycle_whole(tmp_path: Path) -> None:
    with locked(tmp_path):
        with staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v1")
            (tmp / "only-in-v1.csv").write_text("gone later")
        with staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v2")
    assert sorted(contents(tmp_path / "2021-10")) == ["ledger.csv", "sub/notice.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-10"]  # lock file removed


@pytest.mark.parametrize("existing", [False, True])
def test_exception_leaves_out_untouched(tmp_path: Path, existing: bool) -> None:
    with locked(tmp_path):
        if existing:
            with staged_dir(tmp_path, "2021-10") as tmp:
                _write(tmp, "v1")
        before = snapshot(tmp_path / "2021-10")
        with pytest.raises(ZeroDivisionError), staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v2")
            _ = 1 / 0
        assert snapshot(tmp_path / "2021-10") == before
        assert not any(p.name.startswith((".tmp-", ".old-")) for p in tmp_path.iterdir())


def test_failure_between_the_two_renames_puts_the_old_cycle_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with locked(tmp_path):
        with staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v1")
        real_rename = Path.rename

        def failing_rename(self: Path, target: Path) -> Path:  # the 2nd rename: tmp → final
            if self.name.startswith(".tmp-"):
                raise OSError(28, "No space left on device")
            return real_rename(self, target)

        monkeypatch.setattr(Path, "rename", failing_rename)
        with pytest.raises(OSError), staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v2")
    assert contents(tmp_path / "2021-10")["ledger.csv"] == b"ledger v1\n"
    assert not any(p.name.startswith((".tmp-", ".old-")) for p in tmp_path.iterdir())


def test_sweep_removes_tmp_and_restores_an_interrupted_swap(tmp_path: Path) -> None:
    # died after final → .old-, before tmp → final: the old cycle must come back
    (tmp_path / ".old-2021-10").mkdir()
    (tmp_path / ".old-2021-10" / "ledger.csv").write_text("v1")
    (tmp_path / ".tmp-2021-10-4242").mkdir()
    (tmp_path / ".tmp-2021-10-4242" / "ledger.csv").write_text("v2 complete but not moved")
    # died after the swap, while deleting the old version of another cycle
    (tmp_path / "2021-09").mkdir()
    (tmp_path / "2021-09" / "ledger.csv").write_text("new")
    (tmp_path / ".old-2021-09").mkdir()
    (tmp_path / ".old-2021-09" / "half").write_text("half-deleted")
    (tmp_path / ".tmp-stray-file").write_text("x")
    dealt = _sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-09", "2021-10"]
    assert (tmp_path / "2021-10" / "ledger.csv").read_text() == "v1"
    assert (tmp_path / "2021-09" / "ledger.csv").read_text() == "new"
    assert sorted(dealt) == [".old-2021-09", ".old-2021-10", ".tmp-2021-10-4242",
                             ".tmp-stray-file"]


def test_sweep_leaves_unrelated_entries_alone(tmp_path: Path) -> None:
    (tmp_path / "2021-10").mkdir()
    (tmp_path / "README.txt").write_text("clerk's note")
    (tmp_path / ".hidden-by-clerk").write_text("x")
    before = snapshot(tmp_path)
    assert _sweep(tmp_path) == []
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("bad", ["", ".", "..", "../x", "a/b", ".tmp-x"])
def test_staged_dir_refuses_names_that_leave_out(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError), staged_dir(tmp_path, bad):
        pass


def test_files_0600_and_folders_0700_under_the_cli_umask(tmp_path: Path) -> None:
    from haken_batch.cli.common import owner_only

    saved = os.umask(0o022)
    try:
        owner_only()
        out = tmp_path / "out" / "nested"
        with locked(out), staged_dir(out, "2021-10") as tmp:
            _write(tmp, "v1")
            (tmp / "plain.csv").write_text("open() default mode")
        write_atomic(out / "single.json", b"{}")
    finally:
        os.umask(saved)
    for path in [out, out / "2021-10", out / "2021-10" / "sub"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    # the lock file is removed at the end of the run: its mode is checked in test_lock_outdir
    for path in [out / "2021-10" / "ledger.csv",
                 out / "2021-10" / "plain.csv", out / "2021-10" / "sub" / "notice.pdf",
                 out / "single.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_cycle_is_owner_only_even_with_an_open_umask(tmp_path: Path) -> None:
    saved = os.umask(0o022)
    try:
        with locked(tmp_path), staged_dir(tmp_path, "2021-10") as tmp:
            _write(tmp, "v1")
            (tmp / "copied.yaml").write_text("x")
            (tmp / "copied.yaml").chmod(0o644)  # as shutil.copy2 of a 0644 source does
    finally:
        os.umask(saved)
    for path in (tmp_path / "2021-10").rglob("*"):
        want = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == want, path
    assert stat.S_IMODE((tmp_path / "2021-10").stat().st_mode) == 0o700
