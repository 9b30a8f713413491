"""Audit commands: `verify`, `explain`, `close`, `sample visits`."""

from __future__ import annotations

import typer

from haken_batch.cli.common import fail

sample_app = typer.Typer(help="監査用の抽出 / audit sampling.", no_args_is_help=True)


def verify() -> None:
    """アーカイブを再計算して検証します / re-run and verify an archived cycle."""
    fail("not implemented yet")


def explain() -> None:
    """派遣1件の精算の経緯を説明します / explain one dispatch."""
    fail("not implemented yet")


def close() -> None:
    """サイクルを確定します / close a cycle."""
    fail("not implemented yet")


@sample_app.command("visits")
def visits() -> None:
    """現地確認の対象を抽出します / pick field visits."""
    fail("not implemented yet")
