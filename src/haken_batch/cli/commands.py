"""The `haken` Typer app: each command lives in its own module (``cmd_*``).

Imported by ``app.main`` after its stop handlers are in place: typer, rich and the command
modules are most of the start-up time, and a Ctrl-C during them must be told, not traced.
"""

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
