"""`haken validate`: read the exports, check them against the input contract, list findings."""

from __future__ import annotations

from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, fail


def validate(
    data: Annotated[str, typer.Option("--data", help="エクスポートのフォルダ")],
    lang: LangOpt = Lang.ja,
) -> None:
    """入力データを検証します / validate the exports."""
    fail("not implemented yet")
