"""The `haken` command: ``main`` (the console entry point) around the Typer app (``commands``).

Only ``signal`` and ``sys`` at import: the wrapper pip writes imports this module before it
calls ``main``, and a Ctrl-C during a slow import there would end in a Python traceback
and a death by the raw signal. ``main`` installs its handlers first, then imports the app.
"""

from __future__ import annotations

import sys

from haken_batch.cli import stops


def __getattr__(name: str) -> object:  # no `typing`: 5 ms before the handlers
    """``from haken_batch.cli.app import app`` (tests, the benchmark) still works: the Typer
    app is built on first use, not when ``main``'s module is imported."""
    if name == "app":
        from haken_batch.cli.commands import app

        return app
    raise AttributeError(name)


def main() -> None:
    """Run the app; a usage error (a missing option, a misspelt command) is told in
    Japanese with the original English after it, not in click's English box alone.

    A stop (Ctrl-C: 130, SIGTERM: 143) is told in one line wherever it lands: during the
    imports, in the core (``common.run`` tells it and cleans up), while the summary is
    printed or on the way out; from the last line on it is ignored (``stops``).
    """
    stop: KeyboardInterrupt | None = None
    code = 0
    before: stops.Handlers | None = None
    _tolerant_streams()
    try:
        before = stops.install()  # first: the imports below take most of the start-up
        stops.core_done = False
        code = _invoke()
    except KeyboardInterrupt as exc:  # Terminated (SIGTERM) is one too
        stop = exc
    if _is_the_process():
        stop = stops.ignore_from_here(stop)
    elif before is not None:  # a test called main(): its runner gets its handlers back
        stops.restore(before)
    if stop is not None:
        said, code = stops.stopped_message(stop)
        sys.stderr.write(said + "\n")
    sys.exit(code)


def _tolerant_streams() -> None:
    """A terminal that cannot show Japanese (PYTHONIOENCODING=ascii, LC_ALL=C on an old
    Python) gets '?' for what it cannot show: settle wrote the whole cycle and then ended
    in a UnicodeEncodeError printing its summary, exit 1 (hostile check, session 22)."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding not in ("utf8", "utf_8", "utf8sig") and hasattr(stream, "reconfigure"):
            import contextlib

            with contextlib.suppress(ValueError, OSError):  # cannot change: as it is
                stream.reconfigure(errors="replace")


def _is_the_process() -> bool:
    """Whether ``main`` is the program (pip's ``haken`` wrapper, ``python -m``, a child
    running it), which then ends right after: the wrapper imports ``main`` into __main__."""
    return getattr(sys.modules.get("__main__"), "main", None) is main


def _invoke() -> int:
    """Import the app and run one command; the exit code. A stop propagates."""
    import typer

    from haken_batch.cli.commands import app

    unreadable = _undecodable_argument(sys.argv[1:]) or _empty_argument(sys.argv[1:])
    if unreadable:
        sys.stderr.write(unreadable + "\n")
        return 2
    try:
        code = app(standalone_mode=False, prog_name="haken")
    except SystemExit as exc:
        if _pipe_closed(exc):  # rich and typer exit 1 on EPIPE: read as "findings" (review)
            import contextlib

            with contextlib.suppress(OSError):
                sys.stderr.write(stops.pipe_closed_message() + "\n")
            return stops.PIPE_CLOSED
        raise exc
    except typer.Abort:  # end of input at a prompt
        raise KeyboardInterrupt from None
    except typer.TyperException as exc:  # click's errors (vendored by typer)
        status = int(getattr(exc, "exit_code", 1))
        if status == 2:  # a usage error: missing option, unknown command, bad value
            sys.stderr.write(usage_message(exc) + "\n")
        else:
            shown = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            sys.stderr.write(f"エラー {shown}\n")
        return status
    except BrokenPipeError:  # `| head`: the reader has gone; nothing to tell it
        raise
    except OSError as exc:  # the core's own are told by common.run: this is the terminal
        return _unwritable_output(exc)
    if stops.raised is not None:  # typer made it a silent 130 (SIGTERM's too): tell it here
        raise stops.raised
    return code if isinstance(code, int) else 0


def _pipe_closed(exc: SystemExit) -> bool:
    """Whether the exit is rich's or typer's answer to a closed standard output: rich exits
    1 from the BrokenPipeError it met, typer wraps the streams and exits 1."""
    import typer._click.utils as click_utils

    return exc.code == 1 and (isinstance(exc.__context__, BrokenPipeError)
                              or isinstance(sys.stdout, click_utils.PacifyFlushWrapper))


def _flags() -> set[str]:
    """Every option name of every command that takes no value (--no-documents, -q)."""
    import typer  # it vendors click: options are told by their attributes

    from haken_batch.cli.commands import app

    names: set[str] = set()
    todo = [typer.main.get_command(app)]
    while todo:  # sub-commands too: zengin show --unmask (helper review)
        command = todo.pop()
        todo.extend(getattr(command, "commands", {}).values())
        for param in command.params:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                names.update(param.opts, getattr(param, "secondary_opts", []))
    return names


def _undecodable_argument(args: list[str]) -> str | None:
    """The message for an argument whose bytes are not text in the locale's encoding
    (Python keeps them as lone surrogates): a name typed in Shift_JIS on a UTF-8 locale
    reached the manifest's JSON as a traceback (``close --by``), and a folder so named
    cannot be handed to polars. The value is not echoed: it may be a person's name."""
    from haken_batch.fsnames import undecodable

    for number, arg in enumerate(args, start=1):
        if undecodable(arg):
            before = args[number - 2] if number > 1 else ""
            # a flag before it takes no value: the argument is its own (helper review)
            option = before if before.startswith("-") and before not in _flags() else ""
            if arg.startswith("--") and "=" in arg:  # --by=VALUE
                option = arg.split("=", 1)[0]
            which = f"{option} の値" if option else f"{number} 番目の引数"
            which_en = f"the value of {option}" if option else f"argument {number}"
            enc = sys.getfilesystemencoding().upper()  # what argv was decoded with
            return (f"エラー {which}を文字として読めません。端末の文字コードがロケールの {enc} と"
                    "違います（例: UTF-8 の端末なら LANG=ja_JP.UTF-8 で実行してください）/ "
                    f"{which_en} is not text in the locale's encoding ({enc}): run with the "
                    "terminal's encoding, e.g. LANG=ja_JP.UTF-8 on a UTF-8 terminal")
    return None


def _empty_argument(args: list[str]) -> str | None:
    """The message for an empty value (``--out "$OUT"`` with OUT unset): a path option
    read it as the current folder, and settle wrote a cycle there (hostile check, session
    22). No option of the tool takes an empty value."""
    for number, arg in enumerate(args, start=1):
        option = arg.split("=", 1)[0] if arg.startswith("--") and "=" in arg else ""
        empty = arg.split("=", 1)[1] == "" if option else arg == ""
        if empty:
            before = args[number - 2] if number > 1 else ""
            option = option or (before if before.startswith("-") else "")
            which = f"{option} の値" if option else f"{number} 番目の引数"
            which_en = f"the value of {option}" if option else f"argument {number}"
            return (f"エラー {which}が空です。値を指定してください（スクリプトの変数が空かも"
                    f"しれません） / {which_en} is empty; give a value (an unset variable in a "
                    "script?)")
    return None


def _unwritable_output(exc: OSError) -> int:
    """Standard output that cannot be written (cron's ``>> log`` on a full disk): one line
    on stderr and exit 2, not a traceback (environment red team, session 15). What the
    command wrote before it is complete (outputs appear whole or not at all)."""
    import contextlib

    why = exc.strerror or type(exc).__name__
    said = (f"エラー 画面（標準出力）に書けませんでした（{why}）。出力先のファイルは "
            f"`haken verify` で確かめられます / could not write to standard output ({why}); "
            "check the output folder with `haken verify`")
    if getattr(exc, "filename", None):  # a file, not the terminal: name it as run() does
        from haken_batch.cli.common import os_error_message

        said = f"エラー {os_error_message(exc)} / {os_error_message(exc, 'en')}"
    with contextlib.suppress(OSError):  # stderr on the same full disk: the exit code says it
        sys.stderr.write(said + "\n")
    return 2


_USAGE = (  # click's wording -> the clerk's
    (r"Missing option '(.+?)'", "オプション {0} を指定してください"),
    (r"Missing argument '(.+?)'", "引数 {0} を指定してください"),
    (r"No such command '(.+?)'", "コマンド {0} はありません"),
    (r"No such option: (\S+)", "オプション {0} はありません"),
    (r"Invalid value for '(.+?)': (.*)", "{0} の値が正しくありません（{1}）"),
    # a name with a space splits in two: 「--by 佐藤 花子」 (docs review)
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)",
     "余分な引数があります（{0}）。空白を含む値（氏名など）は引用符で囲んでください"
     "（例: --by \"佐藤 花子\"）"),
)


def usage_message(exc: object) -> str:
    """'エラー 使い方: … / click's English (haken close --help で確認)'."""
    import re

    format_message = getattr(exc, "format_message", None)
    english = str(format_message() if callable(format_message) else exc)
    first = english.splitlines()[0] if english else ""
    ja = "使い方が正しくありません"
    for pattern, template in _USAGE:
        hit = re.match(pattern, first)
        if hit:
            # an argument as the usage line shows it: CYCLE, not cycle (helper review)
            upper = pattern.startswith("Missing argument")
            ja = template.format(*(g.upper() if upper else g for g in hit.groups()))
            break
    what = getattr(getattr(exc, "param", None), "help", None)  # a missing one: what it is
    if first.startswith("Missing") and what:
        ja += f"（{what}）"
    maybe = re.search(r"Did you mean '?([\w-]+)'?\?", english)
    if maybe:
        ja += f"（もしかして {maybe.group(1)}）"
    if first.startswith("Got unexpected extra argument"):
        english += ' (quote a value that has a space: --by "Sato Hanako")'
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "haken"
    told = f"エラー {ja}。`{path} --help` で使い方を確認してください"
    return f"{told} / {english}" if english.strip() else told


if __name__ == "__main__":
    main()
