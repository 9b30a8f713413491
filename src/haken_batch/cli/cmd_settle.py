"""`haken settle CYCLE`: the monthly settlement."""

from __future__ import annotations

from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, fail


def settle(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    lang: LangOpt = Lang.ja,
) -> None:
    """月次精算を実行します / settle one monthly cycle."""
    fail("not implemented yet")
