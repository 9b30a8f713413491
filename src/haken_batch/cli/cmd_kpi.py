"""`haken kpi CYCLE` and `haken statement CYCLE --institution ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, fail


def kpi(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    lang: LangOpt = Lang.ja,
) -> None:
    """KPIワークブックを作成します / write the KPI workbook."""
    fail("not implemented yet")


def statement(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    lang: LangOpt = Lang.ja,
) -> None:
    """機関別の利用状況を作成します / write an institution statement."""
    fail("not implemented yet")
