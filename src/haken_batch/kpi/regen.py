"""Regenerate the KPI workbook or one statement from a settled cycle (``haken kpi`` /
``haken statement``), under the lock on OUT; with ``--to`` elsewhere, an OUT that cannot
hold the lock file (read-only media, another user's archive) is read without it.

The files go into ``OUT/CYCLE`` by default (``--to`` elsewhere). A cycle folder with an
archive (manifest.json) or a closing is never rewritten: there a regenerated file must equal
the one already there byte for byte, or the command refuses and asks for ``--to`` (verify
would read any other file there as tampering).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from haken_batch.errors import ConfigError, CycleError, LockedError
from haken_batch.scratch import private_dir

# OUT refuses our lock file: a read-only mount (an archive on a disc, a snapshot) or a
# folder of another user (an auditor's copy)
_CANNOT_WRITE = (errno.EROFS, errno.EACCES, errno.EPERM)


@dataclass(frozen=True)
class Regenerated:
    cycle: str
    files: list[Path]
    unchanged: bool  # closed cycle: the files were already identical
    data_from: str


def _place(written: list[Path], staging: Path, target: Path, *, closed: bool,
           archived: bool, cycle: str) -> bool:
    """Move staged files into target (same relative paths). True when all were identical."""
    from haken_batch.outdir import write_atomic

    same = all((target / p.relative_to(staging)).is_file()
               and (target / p.relative_to(staging)).read_bytes() == p.read_bytes()
               for p in written)
    if closed and not same:
        raise CycleError(
            f"サイクル {cycle} は確定済みのため書き換えません。"
            "別の出力先を --to で指定してください",
            f"cycle {cycle} is closed and is never rewritten; write elsewhere with --to")
    if archived and not same:
        # the manifest lists every file of the folder with its hash: a file changed or added
        # here reads as tampering to verify and close (blind red-team check)
        raise CycleError(
            f"サイクル {cycle} のフォルダはアーカイブ（manifest.json）と一致している必要があり、"
            "内容の違うファイルを書くと haken verify・close が改変と判定します。"
            "別の出力先を --to で指定してください",
            f"cycle {cycle}'s folder must match its archive (manifest.json): a different file "
            "there reads as tampering to haken verify and close; write elsewhere with --to")
    if not same:
        for p in written:
            dest = target / p.relative_to(staging)
            dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(dest, p.read_bytes())
    return same


def _refuse_inside_a_cycle(out: Path, target: Path) -> None:
    """``--to`` below a settled cycle folder (its statements/ or archive/) adds files its
    manifest does not list: verify then reads them as tampering (blind red-team check)."""
    from haken_batch.manifest import MANIFEST_NAME
    from haken_batch.outdir import cycle_dirs

    where = target.resolve()
    for folder in cycle_dirs(out):
        inside = folder.resolve() in where.parents
        if inside and (folder / MANIFEST_NAME).is_file():
            raise CycleError(
                f"--to {target} は精算済みのサイクル {folder.name} のフォルダの中です。"
                "アーカイブと食い違うため書き出しません。別の場所を指定してください",
                f"--to {target} is inside the settled cycle {folder.name}'s folder, which "
                "must keep matching its archive; give a place elsewhere")


@contextlib.contextmanager
def _reading(out: Path, to: Path | None) -> Iterator[None]:
    """The lock on OUT while the cycle is read (a settle swapping it meanwhile would mix two
    versions of it). With ``--to`` elsewhere the command only reads OUT, so an OUT that
    cannot take our lock file is read without it: nothing of ours writes there, and a run
    of another user that does is seen by its lock file (``_not_in_use``)."""
    from haken_batch.outdir import locked

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(out))
        except OSError as exc:
            if exc.errno not in _CANNOT_WRITE or not out.is_dir():
                raise
            if to is None:
                raise ConfigError(
                    f"出力フォルダ {out} には書き込めません（{exc.strerror}）。サイクルは読む"
                    "だけなので、書き出し先を --to で書き込める場所に指定してください",
                    f"output folder {out} cannot be written ({exc.strerror}); the cycle is "
                    "only read: give a writable place with --to") from None
            stack.enter_context(_not_in_use(out))
        yield


@contextlib.contextmanager
def _not_in_use(out: Path) -> Iterator[None]:
    """A shared lock on OUT's lock file when there is one we can open (a run holds it
    exclusively while it writes, and removes it at the end): refused while a run writes."""
    from haken_batch.outdir import LOCK_NAME

    try:
        fd = os.open(out / LOCK_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # none (no run), or not ours to open: nothing more can be known
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"出力フォルダ {out} は別の実行が使用中です。終了を待ってから実行してください",
                f"output folder {out} is in use by another run; try again when it is done",
            ) from None
        yield
    finally:
        os.close(fd)


def regenerate(out: Path, cycle: str, *, data_dir: Path | None = None, to: Path | None = None,
               institution: str | None = None, statement: bool = False) -> Regenerated:
    """KPI workbook (``statement=False``) or the statement of ``institution``."""
    from haken_batch.closing import is_closed
    from haken_batch.emit import kpi, statements
    from haken_batch.kpi import source
    from haken_batch.manifest import MANIFEST_NAME
    from haken_batch.outdir import check_cycle, sweep_atomic_leftovers

    check_cycle(cycle)
    out = Path(out)
    with _reading(out, to):
        src = source.load(out, cycle, data_dir)
        target = Path(to) if to is not None else src.folder
        in_cycle = target.resolve() == src.folder.resolve()
        _refuse_inside_a_cycle(out, target)
        closed = in_cycle and is_closed(out, cycle)
        archived = in_cycle and (src.folder / MANIFEST_NAME).is_file()
        if in_cycle:  # a kpi killed while writing left its temporary file there
            sweep_atomic_leftovers(src.folder)
        with private_dir("kpi-out") as tmp:
            staging = Path(tmp)
            if statement:
                written = statements.write(src.inputs, staging, institution=institution)
            else:
                written = [kpi.write(src.inputs, staging)]
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            same = _place(written, staging, target, closed=closed, archived=archived,
                          cycle=cycle)
            files = [target / p.relative_to(staging) for p in written]
    return Regenerated(cycle=cycle, files=files, unchanged=same, data_from=src.data_from)
