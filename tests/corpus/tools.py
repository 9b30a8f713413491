"""Helpers shared by the hardening tests (crash, lock, corpus): tree snapshots, children."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

PYTHON = sys.executable


def snapshot(root: Path, *, with_times: bool = True) -> dict[str, tuple]:
    """Every entry under root (hidden ones too): kind, mode, content hash, mtime."""
    state: dict[str, tuple] = {}
    if not root.exists():
        return state
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        kind = "dir" if path.is_dir() else "file"
        state[rel] = (kind, st.st_mode & 0o7777, digest, st.st_mtime_ns if with_times else 0)
    return state


def contents(root: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file under root (the bytes a reader would see)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def visible(out: Path) -> list[str]:
    """What a clerk sees in OUT: entries that are not hidden."""
    if not out.exists():
        return []
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def run_child(code: str, *args: str, env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([PYTHON, "-c", code, *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, check=False)


# A prelude for child processes: SIGKILL itself (or send KILL_SIGNAL) at the KILL_AT-th
# file-system step.
# Steps are counted at every rename/unlink/rmdir/mkdir/fsync/replace (what the swap and the
# sweep are made of), at every open() for writing, and wherever the child calls step().
KILL_PRELUDE = r'''
import os, signal
_kill_at = int(os.environ.get("KILL_AT", "0"))
_signal = getattr(signal, os.environ.get("KILL_SIGNAL", "SIGKILL"))
_count = 0
def step():
    global _count
    _count += 1
    if _count == _kill_at:
        os.kill(os.getpid(), _signal)
_kill_rename = int(os.environ.get("KILL_AT_RENAME", "0"))  # kill before the n-th rename
_renames = 0
def _wrap(name):
    orig = getattr(os, name)
    def wrapped(*a, **k):
        global _renames
        step()
        if name == "rename":
            _renames += 1
            if _renames == _kill_rename:
                os.kill(os.getpid(), signal.SIGKILL)
        return orig(*a, **k)
    setattr(os, name, wrapped)
for _n in ("rename", "replace", "unlink", "rmdir", "mkdir", "fsync"):
    _wrap(_n)
import builtins, io
_open = io.open
def _counting_open(file, mode="r", *a, **k):
    if any(m in mode for m in "wax+"):
        step()
    return _open(file, mode, *a, **k)
builtins.open = io.open = _counting_open
import atexit
@atexit.register
def _report():
    path = os.environ.get("STEP_COUNT_FILE")
    if path:
        with open(path, "w") as fh:
            fh.write(str(_count))
'''
