"""`haken demo`: settle the bundled sample cycle and say where the outputs are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from haken_batch.cli.common import Lang, LangOpt, fail, run

DEMO_CYCLE = "2021-10"


def demo(
    out: Annotated[Path, typer.Option(
        "--out", help="出力先フォルダ / output folder")] = Path("demo-out"),
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
        out_dir=out,
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
    summary = core.summary(result, out / DEMO_CYCLE)
    notes = cast("list[dict[str, str]]", summary.get("notes", []))
    summary["notes"] = [_for_a_demo(n) for n in notes]
    render_summary(summary, lang.value, title=title)


def _for_a_demo(note: dict[str, str]) -> dict[str, str]:
    """The first-cycle note asks to check --out before transferring: right for a real month,
    a worry on a clerk's first try of the samples (session 15's 'noticed and left'). The
    demo says what it means there; the manifest keeps the real note."""
    from haken_batch.cycle import first_cycle_lead

    if not note["ja"].startswith(first_cycle_lead(DEMO_CYCLE)[0]):
        return note
    return {"ja": "（デモ）サンプルの出力先には以前の精算がないため、年度初めからの承認をすべて"
                  "このサイクルで支払いました。実際の運用では、毎月同じ --out に精算します",
            "en": "(demo) the sample output folder has no earlier cycle, so every approval "
                  "since the fiscal year began was paid in this cycle; in real use, settle every "
                  "month into the same --out"}
