"""The output folder: one run at a time, a cycle appears whole or not at all.

Layout::

    OUT/.haken.lock          flock held while a run writes (released by the OS if it dies)
    OUT/CYCLE/               a finished cycle (its ledger.csv is part of it)
    OUT/.tmp-CYCLE-*/        a cycle being written; swept on the next run

A cycle is written into ``.tmp-CYCLE-<pid>`` and swapped into place with renames, so the
ledger (the union of every ``OUT/*/ledger.csv``) changes only together with its outputs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from haken_batch.errors import HakenError, LockedError

LOCK_NAME = ".haken.lock"
_CYCLE_RX = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SAFE_RX = re.compile(r"[^0-9A-Za-z._\-\u3040-\u30ff\u4e00-\u9fff]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


def check_cycle(cycle: str) -> str:
    if not _CYCLE_RX.match(cycle):
        raise HakenError(f"サイクル「{cycle}」は YYYY-MM 形式ではありません",
                         f"cycle {cycle!r} is not YYYY-MM")
    return cycle


def safe_name(raw: str, *, fallback: str = "_") -> str:
    """A file name built from an id that cannot leave its folder (``../x``, ``CON``, NUL …)."""
    name = _SAFE_RX.sub("_", raw).strip(". ")
    if not name or set(name) <= {"_", "."}:
        name = fallback
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name[:120]


@contextlib.contextmanager
def locked(out: Path) -> Iterator[Path]:
    """Hold the lock on OUT for the whole run; a second run is refused without touching OUT."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise LockedError(
                f"出力フォルダ {out} は別の実行（プロセス {holder}）が使用中です。終了を待ってください",
                f"output folder {out} is in use by another run (process {holder})",
            ) from None
        # A lock file left by a dead process is simply re-taken: flock dies with its owner.
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _sweep(out)
        yield out
    finally:
        os.close(fd)


def _sweep(out: Path) -> None:
    """Remove leftovers of a run that died half-way (only ever temporary folders)."""
    for leftover in out.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for old in out.glob(".old-*"):
        target = out / old.name.removeprefix(".old-")
        if not target.exists():  # died between the two renames: put the old cycle back
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(out: Path, name: str) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``OUT/name`` in one swap.

    Must be used inside ``locked(out)``. On any exception the temporary folder is removed
    and ``OUT/name`` is left exactly as it was.
    """
    tmp = out / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    try:
        yield tmp
        _fsync_tree(tmp)
        final = out / name
        if final.exists():
            old = out / f".old-{name}"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
        else:
            tmp.rename(final)
        _fsync_dir(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write one file via a temporary sibling and a rename (for single files outside a cycle)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
