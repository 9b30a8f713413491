"""Private scratch folders outside OUT (verify, explain and kpi restore an archive there):
``$TMPDIR/haken-KIND-PID-XXXX``, 0700, removed on the way out.

A run killed with SIGKILL cannot remove its folder, and it may hold a plaintext copy of
the exports (names, accounts): the next run of any kind sweeps the folders of dead
processes of the same user (a blind red-team check found ``haken-verify-*`` left in /tmp
with experts.csv inside).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_NAME_RX = re.compile(r"haken-[a-z-]+?-(\d+)-[^/]+")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, not ours to judge
        return True
    return True


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders of dead processes of this user; returns them."""
    root = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _NAME_RX.fullmatch(path.name)
        if not match or int(match.group(1)) == os.getpid():
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        if (path.is_dir() and not path.is_symlink() and info.st_uid == os.getuid()
                and not _alive(int(match.group(1)))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def private_dir(kind: str) -> Iterator[Path]:
    """A fresh 0700 folder for ``kind`` (verify, explain, kpi …), removed afterwards."""
    sweep()
    path = Path(tempfile.mkdtemp(prefix=f"haken-{kind}-{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
