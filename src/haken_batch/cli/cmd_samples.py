"""`haken samples generate`: a seeded generator of exports at any size."""

from __future__ import annotations

import typer

from haken_batch.cli.common import fail

app = typer.Typer(help="サンプルデータ / sample data.", no_args_is_help=True)


@app.command("generate")
def generate() -> None:
    """サンプルデータを生成します / generate sample exports."""
    fail("not implemented yet")
