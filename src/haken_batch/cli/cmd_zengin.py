"""`haken zengin show FILE`: parse and check any Zengin 総合振込 file."""

from __future__ import annotations

import typer

from haken_batch.cli.common import fail

app = typer.Typer(help="全銀フォーマット / Zengin transfer files.", no_args_is_help=True)


@app.command("show")
def show() -> None:
    """全銀ファイルを表示・検査します / show and check a Zengin file."""
    fail("not implemented yet")
