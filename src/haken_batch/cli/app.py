"""The `haken` command: a tiny Typer app; each command lives in its own module."""

from __future__ import annotations

import typer

from haken_batch.cli import help_fold, lazy_markdown

lazy_markdown.install()  # before typer renders help: markdown-it is 60 ms of start-up
help_fold.install()  # Japanese help wraps at 80 columns instead of being cut

from haken_batch.cli import (  # noqa: E402
    cmd_audit,
    cmd_demo,
    cmd_kpi,
    cmd_rules,
    cmd_samples,
    cmd_settle,
    cmd_validate,
    cmd_zengin,
)

app = typer.Typer(
    name="haken",
    help="専門家派遣の謝金・旅費の月次精算ツール / "
    "monthly settlement for the expert-dispatch program.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # personal data must never land in a traceback
    rich_markup_mode="rich",
)

app.command("demo")(cmd_demo.demo)
app.command("validate")(cmd_validate.validate)
app.command("settle")(cmd_settle.settle)
app.command("kpi")(cmd_kpi.kpi)
app.command("statement")(cmd_kpi.statement)
app.command("verify")(cmd_audit.verify)
app.command("explain")(cmd_audit.explain)
app.command("close")(cmd_audit.close)
app.command("discard")(cmd_audit.discard)
app.add_typer(cmd_rules.app, name="rules")
app.add_typer(cmd_samples.app, name="samples")
app.add_typer(cmd_zengin.app, name="zengin")
app.add_typer(cmd_audit.sample_app, name="sample")


def main() -> None:
    """Run the app; a usage error (a missing option, a misspelt command) is told in
    Japanese with the original English after it, not in click's English box alone."""
    import sys

    try:
        code = app(standalone_mode=False, prog_name="haken")
    except typer.Abort:
        sys.stderr.write("中断しました / interrupted\n")
        sys.exit(130)
    except typer.TyperException as exc:  # click's errors (vendored by typer)
        status = int(getattr(exc, "exit_code", 1))
        if status == 2:  # a usage error: missing option, unknown command, bad value
            sys.stderr.write(usage_message(exc) + "\n")
        else:
            shown = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            sys.stderr.write(f"エラー {shown}\n")
        sys.exit(status)
    sys.exit(code if isinstance(code, int) else 0)


_USAGE = (  # click's wording -> the clerk's
    (r"Missing option '(.+?)'", "オプション {0} を指定してください"),
    (r"Missing argument '(.+?)'", "引数 {0} を指定してください"),
    (r"No such command '(.+?)'", "コマンド {0} はありません"),
    (r"No such option: (\S+)", "オプション {0} はありません"),
    (r"Invalid value for '(.+?)': (.*)", "{0} の値が正しくありません（{1}）"),
    (r"Got unexpected extra arguments? \((.*)\)", "余分な引数があります（{0}）"),
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
            ja = template.format(*hit.groups())
            break
    maybe = re.search(r"Did you mean '?([\w-]+)'?\?", english)
    if maybe:
        ja += f"（もしかして {maybe.group(1)}）"
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "haken"
    return f"エラー {ja}。`{path} --help` で使い方を確認してください / {english}"


if __name__ == "__main__":
    main()
