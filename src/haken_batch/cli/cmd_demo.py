"""`haken demo`: settle the bundled sample cycle and say where the outputs are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, fail, run

DEMO_CYCLE = "2021-10"


def demo(
    out: Annotated[str, typer.Option("--out", help="出力先フォルダ")] = "demo-out",
    lang: LangOpt = Lang.ja,
) -> None:
    """サンプルデータで月次精算を実行します / settle the bundled sample cycle."""
    from haken_batch import cycle as core
    from haken_batch.cli.render_settle import progress, render_summary
    from haken_batch.resources import samples_dir
    from haken_batch.run import Options

    data = samples_dir() / "fy2021"
    if not data.is_dir() or not any(data.iterdir()):
        fail(f"同梱のサンプル {data} が見つかりません / bundled samples not found at {data}")
    payer = samples_dir() / "payer.demo.yaml"
    options = Options(
        cycle=DEMO_CYCLE,
        data_dir=data,
        out_dir=Path(out),
        payer_file=payer if payer.is_file() else None,
        lang=lang.value,
    )
    with progress(lang.value, True) as step:
        result = run(lambda: core.settle_cycle(options, step), lang)
    title = (
        f"Demo: sample cycle {DEMO_CYCLE} settled"
        if lang is Lang.en
        else f"デモ: サンプルのサイクル {DEMO_CYCLE} を精算しました"
    )
    render_summary(core.summary(result, Path(out) / DEMO_CYCLE), lang.value, title=title)
