"""Shared CLI plumbing: options, the one place user errors become messages and exit codes."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from haken_batch.cli import stops

T = TypeVar("T")


class Lang(StrEnum):
    ja = "ja"
    en = "en"


class Format(StrEnum):
    text = "text"
    json = "json"


LangOpt = Annotated[
    Lang, typer.Option("--lang", help="メッセージの言語 / message language (ja, en)")
]
FormatOpt = Annotated[
    Format, typer.Option("--format", help="出力形式 / output format (text, json)")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="要約を表示しない / no summary")]


def console(*, stderr: bool = False, quiet: bool = False) -> Console:
    """A fresh console per command (no global state)."""
    return Console(stderr=stderr, quiet=quiet, highlight=False, soft_wrap=True)


def print_note(con: Console, ja: str, en: str, english: bool) -> None:
    """One お知らせ / note line (settle's, close's): its text is data, never markup."""
    con.print(("[yellow]note[/] " + escape(en)) if english
              else ("[yellow]お知らせ[/] " + escape(ja)), highlight=False)


def owner_only() -> None:
    """Every file and folder this process creates is readable by its owner only (0600/0700)."""
    os.umask(0o077)


def fail(message: str, code: int = 2, lang: str = "ja",
         fmt: Format = Format.text) -> NoReturn:
    """One message on stderr and the exit code; under --format json the message is a JSON
    object too ({"error": …, "exit_code": …}), so a script reading JSON can parse either."""
    if fmt is Format.json:
        import json

        sys.stderr.write(json.dumps({"error": message, "exit_code": code},
                                    ensure_ascii=False) + "\n")
        raise typer.Exit(code)
    from haken_batch.textsafe import for_terminal

    label = "error" if lang == "en" else "エラー"
    # a path or value in the message may carry an escape sequence (a --data folder named
    # with ESC printed it raw: hostile check, session 22); line breaks stay
    shown = "\n".join(for_terminal(line) for line in message.split("\n"))
    console(stderr=True).print(f"[bold red]{label}[/] {escape(shown)}" if message else "")
    raise typer.Exit(code)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Turn SIGTERM into ``Terminated`` while the core runs (main thread only: signal
    handlers cannot be set elsewhere, and only the main thread receives them). Through
    ``main`` it is already so from the start; this keeps it so for callers of the app."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stops.raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(fn: Callable[[], T], lang: Lang = Lang.ja, fmt: Format = Format.text) -> T:
    """Call the core; a HakenError becomes one message on stderr and its exit code."""
    from haken_batch.errors import HakenError

    owner_only()
    stops.core_done = False
    try:
        with _sigterm_unwinds():
            result = fn()
        stops.core_done = True  # a stop from here on cuts short only what is shown
        return result
    except HakenError as exc:
        fail(exc.message(lang.value), exc.exit_code, lang.value, fmt)
    except KeyboardInterrupt as stop:  # SIGTERM too (stops.Terminated): 143, Ctrl-C 130
        stops.raised = None  # told here
        said, code = stops.stopped_message(stop)
        console(stderr=True).print(said, markup=False)
        raise typer.Exit(code) from None
    except OSError as exc:
        # A disk/permission problem is the user's to fix; say which file, not a traceback.
        fail(os_error_message(exc, lang.value), 2, lang.value, fmt)


_OS_ERRORS = {  # errno -> what the clerk reads, and what to do (ja, then en)
    errno.ENOSPC: ("ディスクの空きがありません", "空きを作ってから実行し直してください",
                   "free some space and run it again"),
    errno.EDQUOT: ("ディスクの使用量の上限に達しました", "空きを作ってから実行し直してください",
                   "free some space and run it again"),
    errno.EROFS: ("読み取り専用の場所です", "書き込める場所を指定してください",
                  "give a place that can be written"),
    errno.EACCES: ("権限がありません", "読み書きできる場所を指定してください",
                   "give a place you may read and write"),
    errno.EPERM: ("権限がありません", "読み書きできる場所を指定してください",
                  "give a place you may read and write"),
    errno.ENOTDIR: ("フォルダではありません", "フォルダを指定してください", "give a folder"),
    errno.ENOENT: ("見つかりません", "場所を確かめてください", "check the place"),
    errno.EISDIR: ("フォルダです（ファイルが必要です）", "ファイルを指定してください",
                   "give a file"),
    errno.ENAMETOOLONG: ("場所（パス）の名前が長すぎます", "もっと短い場所を指定してください",
                         "give a shorter place"),
    # a folder to make where a file of that name is (kpi --to FILE read 「File exists」)
    errno.EEXIST: ("同じ名前のファイルがあり、フォルダを作れません", "別の名前を指定してください",
                   "give a name no file has"),
}
_OS_ERROR_ELSE = ("読み書きできません", "場所と権限を確かめてください",
                  "check the place and its permissions")


def os_error_message(exc: OSError, lang: str = "ja") -> str:
    """An OS error as the clerk should read it: the place they gave (not an internal
    scratch file such as .haken.lock), the cause in Japanese, what to do."""
    code = exc.errno
    if code is None:  # polars (Rust) words it "… (os error 28)"
        found = re.search(r"\(os error (\d+)\)", str(exc))
        code = int(found.group(1)) if found else None
    where = getattr(exc, "filename", None)
    other = getattr(exc, "filename2", None)
    if code in (errno.ENOSPC, errno.EDQUOT) and other:
        # a copy (shutil) names the file it read first: the disk that is full is the
        # other one's (environment red team, session 15: it named a bank-code data file)
        where, other = other, None
    if where:
        path = Path(str(where))
        if path.name.startswith(".") and other:
            # our scratch folder renamed onto the place (OUT/.tmp-2021-10-… -> OUT/2021-10):
            # the place is what is wrong, not OUT
            path = Path(str(other))
        elif path.name.startswith("."):  # our own scratch or lock file: name its folder
            path = path.parent
        where = str(path)
        from haken_batch.outdir import broken_link, broken_link_message

        broken = broken_link(path)
        if broken is not None:
            ja, en = broken_link_message(where, broken)
            return en if lang == "en" else ja
    cause = exc.strerror or str(exc)
    ja, todo, todo_en = _OS_ERRORS.get(code or -1, _OS_ERROR_ELSE)
    place = f"{where}: " if where else ""
    if lang == "en":
        return f"{place}{cause}; {todo_en}"
    return f"{place}{ja}。{todo}（{cause}）"


def cli_date(text: str, option: str) -> dt.date:
    """A date typed on the command line: 2021-10-05, 2021/10/05 (as the exports write it) or
    in full width; one that does not exist is named as such, not as a format error."""
    import unicodedata

    from haken_batch.errors import ConfigError

    plain = unicodedata.normalize("NFKC", text).strip().replace("/", "-")
    shape = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", plain)
    if shape is None:
        raise ConfigError(
            f"{option} の日付「{text}」は YYYY-MM-DD（または YYYY/MM/DD）ではありません / "
            f"{option} {text!r} is not YYYY-MM-DD",
            f"{option} {text!r} is not YYYY-MM-DD")
    try:
        return dt.date(*(int(g) for g in shape.groups()))
    except ValueError:
        raise ConfigError(f"{option} の日付「{text}」はありません（存在しない日付です） / "
                          f"{option} {text!r} does not exist",
                          f"{option} {text!r} does not exist") from None


def date_option(text: str, option: str, lang: Lang = Lang.ja,
                fmt: Format = Format.text) -> dt.date:
    """``cli_date`` for an option read before the core runs: a bad date ends the command
    (exit 2) with its message, in the command's language and format (it was Japanese text
    under --lang en and --format json: review, session 18)."""
    from haken_batch.errors import HakenError

    try:
        return cli_date(text, option)
    except HakenError as exc:
        fail(exc.message(lang.value), exc.exit_code, lang.value, fmt)


def print_json(payload: object) -> None:
    import json

    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
