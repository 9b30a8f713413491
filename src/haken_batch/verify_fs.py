"""What a cycle folder holds on disk, beyond the bytes of its files (part of ``verify``).

The manifest lists files by content; it cannot see three things that matter to an archive:

* entries that are not its files: an added folder (even empty), a symbolic link (to a file
  or a folder), anything that is not a regular file;
* a listed file, or a folder above it, replaced by a symbolic link. A link to an identical
  copy hashes the same, but the copy lives outside the archive and can change (or vanish)
  without the archive changing: the archive must hold the file itself;
* who may read or change it (privacy, R-DATA-2): every file is written 0600 and every
  folder 0700 (``outdir.staged_dir``); a closed cycle's files are 0400 (``closing``).

Modes — the choice, also in docs/audit.md: what breaks the promise is a *read* or *write*
bit for group or others. A read bit lets another user read the personal data (bank
accounts, addresses) or list a folder; a write bit lets them change a file, or in a folder
swap or delete files even when the files themselves are read-only. An execute bit alone
exposes nothing and is ignored, as are the owner's bits (0400 after a close, 0600 before)
and the owner (an auditor may verify a copy that another user owns). One exception: on a
file system mounted read-only (a CD/DVD, a read-only share or snapshot) the modes are the
medium's (ISO 9660 shows 0444/0555 to everyone) and cannot be changed with chmod, and
nobody can write there: a read bit there is a note to keep the medium where only auditors
reach it, not a failure.
"""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

# Emitters that make their folder before knowing whether they write anything in it: a cycle
# with no payment has an empty notices/ (emit/notices.py NOTICE_DIR, emit/statements.py
# FOLDER). Any other empty folder was added by hand.
_MADE_EVEN_EMPTY = frozenset({"notices", "statements"})
_OTHERS_RW = stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH

Add = Callable[[str, str, str, str], None]  # (path, kind, English, Japanese)


def linked(folder: Path, rel: str) -> bool:
    """Whether ``rel`` or a folder between ``folder`` and it is a symbolic link."""
    here = folder
    for part in Path(rel).parts:
        here = here / part
        if here.is_symlink():
            return True
    return False


def _walk(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, lstat) of every entry below ``folder``; links are not followed."""
    pending = [folder]
    while pending:
        here = pending.pop()
        with os.scandir(here) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                st = entry.stat(follow_symlinks=False)
                yield Path(entry.path).relative_to(folder).as_posix(), st
                if stat.S_ISDIR(st.st_mode):
                    pending.append(Path(entry.path))


def check_entries(folder: Path, listed: set[str], own: tuple[str, ...], add: Add) -> None:
    """Entries that are not the manifest's files: ``added``; a listed file or one of its
    folders that is a symbolic link: ``symlink``. ``own``: files the cycle keeps besides
    the listed ones (manifest.json, CLOSED.json)."""
    expected = listed | set(own)
    folders = {p.as_posix() for rel in listed for p in Path(rel).parents if str(p) != "."}
    for rel, st in _walk(folder):
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            target = os.readlink(folder / rel)
            if rel in expected or rel in folders:
                add(rel, "symlink",
                    f"replaced by a symbolic link to {target}: the archive must hold the "
                    "file itself (a linked copy can change outside the archive)",
                    f"{target} へのシンボリックリンクに置き換えられています。アーカイブには"
                    "ファイルそのものが必要です（リンク先はアーカイブの外で変えられます）")
            else:
                add(rel, "added", f"a symbolic link to {target}, not in the manifest",
                    f"{target} へのシンボリックリンクです（マニフェストにありません）")
        elif stat.S_ISDIR(mode):
            empty = not any(os.scandir(folder / rel))
            if rel not in folders and empty and rel not in _MADE_EVEN_EMPTY:
                # a folder with files is named through its files; an empty one only here
                add(rel, "added", "an empty folder not in the manifest",
                    "空のフォルダです（マニフェストにありません）")
        elif not stat.S_ISREG(mode):
            add(rel, "added", "not a regular file (a device, pipe or socket), not in the "
                "manifest", "通常のファイルではありません（マニフェストにありません）")
        elif rel not in expected:
            add(rel, "added", "in the folder but not in the manifest",
                "フォルダにありますが、マニフェストにありません")


def check_modes(folder: Path, add: Add, note: Callable[[str, str], None]) -> None:
    """Files and folders that group or others may read or write (see the module doc)."""
    loose: list[tuple[str, int, bool]] = []
    for rel, st in [("", folder.stat()), *_walk(folder)]:
        is_dir = stat.S_ISDIR(st.st_mode)
        if (is_dir or stat.S_ISREG(st.st_mode)) and st.st_mode & _OTHERS_RW:
            loose.append((rel, stat.S_IMODE(st.st_mode), is_dir))
    if not loose:
        return
    if _read_only_medium(folder):
        note(f"on a read-only medium {len(loose)} files or folders are readable by group or "
             f"others (e.g. {loose[0][0] or folder.name} {loose[0][1]:04o}; the medium sets "
             "the modes): keep the medium where only auditors can reach it",
             f"読み取り専用の媒体で、{len(loose)} 件のファイル・フォルダがグループや他の"
             f"ユーザーから読めます（例: {loose[0][0] or folder.name} {loose[0][1]:04o}。"
             "権限は媒体が決めています）。媒体は監査担当者だけが扱える場所に保管してください")
        return
    for rel, mode, is_dir in loose:
        who_en, who_ja = _who(mode)
        promise = "0700" if is_dir else "0600 (0400 once closed)"
        promise_ja = "0700" if is_dir else "0600（確定後は 0400）"
        fix = f"chmod go-rwx {shlex.quote(str(folder / rel) if rel else str(folder))}"
        add(rel, "privacy",
            f"mode {mode:04o}: {who_en}; the owner's only is {promise}. Fix: {fix}",
            f"権限 {mode:04o}: {who_ja}（本人だけの {promise_ja} のはずです）。"
            f"直し方: {fix}")


def _who(mode: int) -> tuple[str, str]:
    """('group and others can read and change it', 'グループ・他のユーザーが読み書きできます')."""
    scope = [(en, ja) for en, ja, bits in (("group", "グループ", stat.S_IRWXG),
                                           ("others", "他のユーザー", stat.S_IRWXO))
             if mode & bits & _OTHERS_RW]
    read = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    write = bool(mode & (stat.S_IWGRP | stat.S_IWOTH))
    verbs = {(True, True): ("can read and change it", "読み書きできます"),
             (True, False): ("can read it", "読めます"),
             (False, True): ("can change it", "書き換えられます")}[(read, write)]
    return (f"{' and '.join(en for en, _ in scope)} {verbs[0]}",
            f"{'・'.join(ja for _, ja in scope)}が{verbs[1]}")


def _read_only_medium(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
