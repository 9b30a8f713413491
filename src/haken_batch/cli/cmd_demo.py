"""`haken demo`: settle the bundled sample cycle and say where the outputs are."""

from __future__ import annotations

from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, fail


def demo(
    out: Annotated[str, typer.Option("--out", help="出力先フォルダ")] = "demo-out",
    lang: LangOpt = Lang.ja,
) -> None:
    """サンプルデータで月次精算を実行します / settle the bundled sample cycle."""
    fail("not implemented yet")
