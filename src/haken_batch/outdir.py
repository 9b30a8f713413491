"""The output folder: one run at a time, a cycle appears whole or not at all.

Layout::

    OUT/.haken.lock          flock held while a run writes (released by the OS if it dies);
                             holds the pid of the running process; removed when the run ends
                             (so one that is still there with a pid names a run that died)
    OUT/CYCLE/               a finished cycle (its ledger.csv is part of it)
    OUT/.tmp-CYCLE-<pid>/    a cycle being written; swept on the next run
    OUT/.old-CYCLE/          the previous version of a cycle during the swap; put back or
                             removed on the next run

A cycle is written into ``.tmp-CYCLE-<pid>`` and swapped into place with renames, so the
ledger (the union of every ``OUT/<cycle>/ledger.csv``, see ``cycle_dirs``) changes only
together with its outputs. Hidden folders are never cycles: read the ledger through
``cycle_dirs`` (``Path.glob("*")`` also matches ``.tmp-…`` and ``.old-…``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from haken_batch.errors import ConfigError, CycleError, HakenError, LockedError

LOCK_NAME = ".haken.lock"
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"
_CYCLE_RX = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # used with fullmatch: no "\n", no ２
_SAFE_RX = re.compile(r"[^0-9A-Za-z._\-\u3040-\u30ff\u4e00-\u9fff]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
# Bytes, not characters: NAME_MAX is 255 bytes and a kanji takes 3; room is left for the
# caller's suffix (".pdf", "_2021-10.xlsx") and for the hash tag below.
_MAX_NAME_BYTES = 160


def check_cycle(cycle: str) -> str:
    # 2021-13, 2021-00: the shape is right, the month is not
    if (isinstance(cycle, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}", cycle)
            and not _CYCLE_RX.fullmatch(cycle)):
        raise HakenError(f"サイクル「{cycle}」の月 {cycle[5:]} はありません（YYYY-MM の月は"
                         " 01〜12、例: 2021-10）",
                         f"cycle {cycle!r}: there is no month {cycle[5:]} (YYYY-MM, the "
                         "month 01 to 12, e.g. 2021-10)")
    if not isinstance(cycle, str) or not _CYCLE_RX.fullmatch(cycle):
        raise HakenError(f"サイクル「{cycle}」は YYYY-MM 形式ではありません（例: 2021-10）",
                         f"cycle {cycle!r} is not YYYY-MM (e.g. 2021-10)")
    if cycle.startswith("0000"):  # the shape fits, but no date has year 0: dates raised
        raise HakenError(f"サイクル「{cycle}」の年 0000 はありません。YYYY-MM の年は 0001 "
                         "以上です（例: 2021-10）",
                         f"cycle {cycle!r}: there is no year 0000 (YYYY-MM, e.g. 2021-10)")
    return cycle


def is_cycle_name(name: str) -> bool:
    """``YYYY-MM`` in ASCII digits and nothing else: the one test of a cycle folder's name
    (full-width digits or a trailing newline are some other folder)."""
    return bool(_CYCLE_RX.fullmatch(name))


def cycle_dirs(out: Path) -> list[Path]:
    """The finished cycle folders of OUT, oldest first (never ``.tmp-``/``.old-`` ones)."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.is_dir() and is_cycle_name(p.name))


def safe_name(raw: str, *, fallback: str = "_", case_blind: bool = False) -> str:
    """A file name built from an id that cannot leave its folder (``../x``, ``CON``, NUL …).

    Plain ids (``D-000123``, ``よろず東京``) come back unchanged. Any id that had to be
    altered (width folding, a replaced character, a reserved name, truncation) gets a short
    hash of the original appended (``~1a2b3c4d``), so two different ids never share a file.
    With ``case_blind`` (names built from ids), so does an id with a lower-case letter:
    Windows and macOS shares ignore case, and ``e000005`` would overwrite ``E000005``'s file.
    """
    text = unicodedata.normalize("NFKC", raw)
    name = _SAFE_RX.sub("_", text).strip(". ")
    if name.startswith("-"):  # not an option to whatever tool gets the name
        name = "_" + name[1:]
    if not name or set(name) <= {"_", "."}:
        name = fallback
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    name = _truncate_bytes(name, _MAX_NAME_BYTES).rstrip(". ")
    if name != raw or (case_blind and name != name.upper()):
        tag = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{name}~{tag}"
    return name


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


Note = tuple[str, str]  # (Japanese, English): something the clerk should know about OUT
_LOCK_TRIES = 20


@contextlib.contextmanager
def locked(out: Path, *, notes: list[Note] | None = None) -> Iterator[Path]:
    """Hold the lock on OUT for the whole run; a second run is refused without touching OUT.

    A lock left by a process that died is re-taken (flock dies with its owner); its
    leftovers are swept and, when ``notes`` is given, a (ja, en) note saying so is appended.
    When the run ends (cleanly or not) the lock file is removed while the flock is still
    held; when it fails, an OUT this call created is removed again if it is empty, so a
    failed run leaves no output behind (issue 7).
    """
    refuse_cycle_folder(out)
    made = _missing_ancestors(out)  # removed again, when empty, if the run fails
    fd, created = _acquire(out)
    failed = True
    try:
        stale = _read_pid(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        os.fsync(fd)
        swept = _sweep(out)
        if notes is not None and (stale or swept):
            notes.append(_died_note(stale, swept))
        yield out
        failed = False
    finally:
        _release(fd, out, remove_out=created and failed)
        if created and failed:
            for folder in made:  # the deepest first; one not empty stops nothing else
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _missing_ancestors(out: Path) -> list[Path]:
    """The folders above OUT that do not exist yet, the deepest first: a failed run on
    ``--out a/b/c`` left a/b behind (hostile check, session 22)."""
    missing = []
    for folder in Path(out).absolute().parents:
        if folder.exists():
            break
        missing.append(folder)
    return missing


# The flock of OUT lives as long as any descriptor of it: a forked notice worker inherited
# one and held the lock after its parent died (SIGHUP), the next run naming a dead pid.
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


def cycle_folder_named(out: Path) -> tuple[str, str] | None:
    """The message (ja, en) when OUT is itself a settled cycle's folder (it holds a
    manifest.json): OUT is the folder above it. None otherwise."""
    from haken_batch.manifest import MANIFEST_NAME

    if not (out / MANIFEST_NAME).is_file():
        return None
    return (f"{out} は精算済みサイクルのフォルダです。--out にはその親の出力先フォルダ"
            f"（{out.parent}）を指定してください",
            f"{out} is a settled cycle's folder: --out takes the output folder above it "
            f"({out.parent})")


def refuse_cycle_folder(out: Path) -> None:
    """A run on OUT/CYCLE as if it were OUT would see no ledger and pay every dispatch
    again, inside the cycle's own folder (blind clerk check): refused before the lock."""
    named = cycle_folder_named(out)
    if named is not None:
        raise ConfigError(*named)


def _acquire(out: Path) -> tuple[int, bool]:
    """Open and flock ``OUT/.haken.lock``: (fd, whether this call created OUT).

    A lock file is removed by its holder at the end of a run, so the file opened here may
    have been unlinked before the flock was granted: a lock on that orphan guards nothing
    (a third run would create a fresh file and lock it too). So once granted, the path must
    still name the inode locked; if not, close and try again (bounded).
    """
    path = out / LOCK_NAME
    created = False
    for _ in range(_LOCK_TRIES):
        try:
            out.mkdir(parents=True, mode=0o700)
            created = True
        except FileExistsError:
            pass
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:  # a failed run removed the OUT it had created: again
            continue
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.EISDIR):
                raise
            raise _not_a_lock(path) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd) or "?"
            os.close(fd)
            raise LockedError(
                f"出力フォルダ {out} は別の実行（プロセス {holder}）が使用中です。"
                "終了を待ってから実行してください。何も変更していません"
                f"（そのプロセスが応答しないときは、止めてから（kill {holder}）"
                "実行し直してください）",
                f"output folder {out} is in use by another run (process {holder}); "
                f"nothing was changed (if that process hangs, stop it with kill {holder} "
                "and run again)",
            ) from None
        except BaseException:
            os.close(fd)
            raise
        if _same_file(fd, path):
            _HELD.add(fd)
            return fd, created
        os.close(fd)  # unlinked (or replaced) between our open and our flock
    raise LockedError(
        f"出力フォルダ {out} のロックを取得できませんでした（別の実行が開始・終了を繰り返して"
        "います）。しばらく待ってから実行してください。何も変更していません",
        f"could not take the lock on output folder {out} (other runs keep starting and "
        "ending); try again shortly. Nothing was changed",
    )


def _not_a_lock(path: Path) -> HakenError:
    """``OUT/.haken.lock`` is a link or a folder: not a lock any run of ours made (it is
    always a plain file, opened without following links). It said only 'cannot read or
    write OUT (Too many levels of symbolic links)'."""
    kind_ja, kind_en = (("シンボリックリンク", "a symbolic link") if path.is_symlink()
                        else ("フォルダ", "a folder"))
    return ConfigError(
        f"{path}: ロックファイルの場所が{kind_ja}になっています（haken のロックは普通の"
        "ファイルです）。実行中の haken がないことを確かめ、これを消してから実行してください。"
        "何も変更していません",
        f"{path}: the lock file's place is {kind_en} (haken's lock is a plain file); make "
        "sure no haken is running, remove it and run again. Nothing was changed")


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` (not followed) still names the file open as ``fd``."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)


def _release(fd: int, out: Path, *, remove_out: bool) -> None:
    """End of a run: remove the lock file (still under the flock), an empty OUT this run
    created when it failed, then let go of the flock."""
    path = out / LOCK_NAME
    try:
        try:
            if _same_file(fd, path):  # never a lock file that is not ours
                os.unlink(path)
        except OSError:  # cannot remove it: at least no pid, so no "died half-way" next time
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        if remove_out:
            with contextlib.suppress(OSError):  # not empty (or gone): leave it as it is
                os.rmdir(out)
    finally:
        _HELD.discard(fd)
        os.close(fd)


def _died_note(stale: str, swept: list[str]) -> Note:
    who_ja = f"（プロセス {stale}）" if stale else ""
    who_en = f" (process {stale})" if stale else ""
    if not swept:
        return (f"前回の実行{who_ja}は途中で終了していました",
                f"the previous run{who_en} stopped half-way")
    names = ", ".join(swept)
    return (f"前回の実行{who_ja}は途中で終了していました。"
            f"書きかけの出力 {len(swept)} 件を片付けました: {names}",
            f"the previous run{who_en} stopped half-way; {len(swept)} unfinished "
            f"output(s) were cleaned up: {names}")


def _read_pid(fd: int) -> str:
    raw = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return raw if raw.isdigit() else ""


def _sweep(out: Path) -> list[str]:
    """Remove leftovers of a run that died half-way; returns the names it dealt with."""
    dealt: list[str] = []
    for leftover in sorted(out.glob(_TMP_PREFIX + "*")):
        _remove(leftover)
        dealt.append(leftover.name)
    for old in sorted(out.glob(_OLD_PREFIX + "*")):
        target = out / old.name.removeprefix(_OLD_PREFIX)
        if not target.exists():  # died between the two renames: put the old cycle back
            old.rename(target)
        else:  # died after the swap, while removing the old version
            _remove(old)
        dealt.append(old.name)
    if dealt:
        _fsync_dir(out)
    return dealt


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def scratch_path(out: Path, name: str) -> Path:
    """``OUT/.tmp-NAME-PID``: where a run keeps work in progress; the next run sweeps any
    left by a run that died (``locked``)."""
    return out / f"{_TMP_PREFIX}{name}-{os.getpid()}"


def broken_link(path: Path) -> str | None:
    """The target of ``path`` when it is a symbolic link to nothing, else None."""
    try:
        return os.readlink(path) if path.is_symlink() and not path.exists() else None
    except OSError:
        return None


def broken_link_message(path: Path | str, target: str) -> tuple[str, str]:
    """(ja, en): ``path`` is a symbolic link to nothing, and what to do."""
    return (f"{path}: リンク先 {target} がないシンボリックリンクです。"
            "リンクを消すか、リンク先を戻してください",
            f"{path}: a broken symbolic link (its target {target} does not exist); remove "
            "the link or restore its target")


def require_replaceable(out: Path, name: str) -> None:
    """``OUT/name`` must be absent or a folder that ``staged_dir`` can swap: a link to
    nothing failed only at the final rename, after the whole run (25 s at 1,000,000
    dispatches), and a plain file of that name would have been replaced without a word."""
    place = out / name
    target = broken_link(place)
    if target is not None:
        ja, en = broken_link_message(place, target)
        raise CycleError(f"{ja}。何も変更していません", f"{en}. Nothing was changed")
    if place.exists() and not place.is_dir():
        raise CycleError(
            f"{place}: サイクルのフォルダと同じ名前のファイルがあります。別の場所へ移して"
            "から実行してください。何も変更していません",
            f"{place}: a file has the cycle folder's name; move it elsewhere, then run "
            "again. Nothing was changed")


@contextlib.contextmanager
def staged_dir(out: Path, name: str) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``OUT/name`` in one swap.

    Must be used inside ``locked(out)``. On any exception the temporary folder is removed
    and ``OUT/name`` is left exactly as it was. Before the swap every file is made 0600 and
    every folder 0700 (whatever the umask or a copied file's mode) and fsynced.
    """
    if not name or name != safe_name(name) or name.startswith("."):
        raise ValueError(f"not a folder name: {name!r}")
    tmp = scratch_path(out, name)
    final = out / name
    old = out / f"{_OLD_PREFIX}{name}"
    _remove(tmp)
    tmp.mkdir(mode=0o700)
    try:
        yield tmp
        _fsync_tree(tmp)
        if final.exists():
            _remove(old)
            final.rename(old)
            tmp.rename(final)
            _fsync_dir(out)
            _remove(old)
        else:
            tmp.rename(final)
        _fsync_dir(out)
    except BaseException:
        _remove(tmp)
        if old.exists() and not final.exists():  # failed between the two renames
            old.rename(final)
        raise


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder to disk, owner-only whatever the umask (R-DATA-2)."""
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o700)
            _fsync_dir(path)
        elif path.is_file():
            path.chmod(0o600)
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    root.chmod(0o700)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_ATOMIC_LEFTOVER_RX = re.compile(r"\..+\.tmp(-[0-9]+)?")


def sweep_atomic_leftovers(folder: Path) -> list[str]:
    """Remove the temporary siblings ``write_atomic`` leaves when killed mid-write
    (``.CLOSED.json.tmp-PID``): verify reads them as files missing from the manifest, so an
    interrupted ``close`` blocked the cycle for good (blind red-team check). Call it inside
    ``locked(out)``: no other run is writing them then."""
    removed = []
    for path in sorted(Path(folder).glob(".*.tmp*")):
        if _ATOMIC_LEFTOVER_RX.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def write_atomic(path: Path, data: bytes) -> None:
    """Write one file via a temporary sibling and a rename (for single files outside a cycle).
    A failed write or rename leaves no temporary behind (``--out`` naming a folder left
    ``.DIR.tmp-PID`` with the whole findings list: hostile check, session 22)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def check_report_file(path: Path, *, data: Path | None = None, option: str = "--out") -> None:
    """A report file a command writes outside a cycle (validate's findings list) may replace
    only a CSV the clerk could have asked for: not a folder, device or pipe, not a read-only
    file, not a file of the exports folder, nor anything inside an output folder of settled
    cycles (``validate --out DATA/experts.csv`` replaced the export, ``--out
    OUT/2021-10/ledger.csv`` a closed cycle's ledger, ``--out /dev/null`` the device:
    hostile check, session 22)."""
    def refuse(ja: str, en: str) -> NoReturn:
        raise ConfigError(f"{path}: {ja}", f"{path}: {en}", where=option)

    if not path.name or path.name in (".", ".."):
        refuse("ファイル名を指定してください（例: findings.csv）",
               "give a file name (e.g. findings.csv)")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        refuse("ファイルではありません（フォルダ・リンク・装置など）。新しいファイル名を指定してください",
               "is not a regular file (a folder, link or device); give a new file name")
    if path.exists() and (path.suffix.lower() != ".csv" or not os.access(path, os.W_OK)):
        refuse("既にあるファイルで、CSV でないか書き込み禁止です。上書きしません。"
               "新しいファイル名を指定してください",
               "exists and is not a CSV or is read-only: not replaced; give a new file name")
    where = path.parent.resolve()
    if data is not None and (where == data.resolve() or data.resolve() in where.parents):
        refuse("エクスポートのフォルダ（--data）の中には書きません。別の場所を指定してください",
               "is inside the exports folder (--data); give another place")
    if in_output_folder(where):
        refuse("精算の出力フォルダの中には書きません。別の場所を指定してください",
               "is inside an output folder of settled cycles; give another place")


def unfinished_run(out: Path) -> bool:
    """OUT holds a run's lock or staged folder: a settle is running or stopped half-way."""
    out = Path(out)
    return out.is_dir() and ((out / LOCK_NAME).exists()
                             or any(p.name.startswith(_TMP_PREFIX) for p in out.iterdir()))


def in_output_folder(folder: Path, *, not_a_cycle_mark: str | None = None) -> bool:
    """``folder`` is an output folder of settled cycles (OUT), a cycle folder, or inside one
    (a command that writes elsewhere must not write there). A cycle folder holding
    ``not_a_cycle_mark`` is a scratch copy of one (verify --keep's) and does not count."""
    from haken_batch.history import HISTORY_NAME
    from haken_batch.manifest import MANIFEST_NAME

    def settled(cycle: Path) -> bool:
        return (cycle / MANIFEST_NAME).exists() and not (
            not_a_cycle_mark is not None and (cycle / not_a_cycle_mark).exists())

    where = folder.resolve()
    # a cycle folder is named YYYY-MM: a web project's manifest.json above is no cycle
    if any((f / HISTORY_NAME).exists() or (is_cycle_name(f.name) and settled(f))
           for f in (where, *where.parents)):
        return True
    # an OUT from before its record of settled cycles: cycle folders with a manifest
    return any(settled(c) for f in (where, where.parent) for c in cycle_dirs(f))
