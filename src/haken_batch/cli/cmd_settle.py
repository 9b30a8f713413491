"""`haken settle CYCLE`: the monthly settlement."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from haken_batch.cli.common import (
    Format,
    FormatOpt,
    Lang,
    LangOpt,
    QuietOpt,
    date_option,
    print_json,
    run,
)


class Headers(StrEnum):
    ja = "ja"
    en = "en"


def settle(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    data: Annotated[Path, typer.Option("--data", help="エクスポートのフォルダ / data folder")],
    out: Annotated[Path, typer.Option("--out", help="出力フォルダ / output folder (OUT)")],
    payer: Annotated[Path, typer.Option(
        "--payer", help="依頼人設定ファイル（見本 samples/payer.demo.yaml） / payer config")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="ルールフォルダ（省略時は同梱）")
    ] = None,
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="承認の締日 YYYY-MM-DD（省略時はサイクル末日）")
    ] = None,
    transfer_date: Annotated[
        str | None,
        typer.Option("--transfer-date", help="振込指定日 YYYY-MM-DD（省略時は翌月の規定日）"),
    ] = None,
    headers: Annotated[
        Headers, typer.Option("--headers", help="CSVの見出し / CSV headers (ja, en)")
    ] = Headers.ja,
    documents: Annotated[
        bool,
        typer.Option(
            "--documents/--no-documents", help="通知書・KPI等を作成 / write PDFs and workbooks"
        ),
    ] = True,
    quiet: QuietOpt = False,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
) -> None:
    """月次精算を実行します / settle one monthly cycle (exit 0 when settled; holds are normal)."""
    from haken_batch import cycle as core
    from haken_batch.cli.render_settle import progress, render_notes, render_summary
    from haken_batch.run import Options

    options = Options(
        cycle=cycle,
        data_dir=data,
        out_dir=out,
        rules_dir=rules,
        payer_file=payer,
        cutoff=date_option(cutoff, "--cutoff", lang, fmt) if cutoff is not None else None,
        transfer_date=(date_option(transfer_date, "--transfer-date", lang, fmt)
                       if transfer_date is not None else None),
        headers=headers.value,
        documents=documents,
        lang=lang.value,
    )
    show = not quiet and fmt is Format.text
    with progress(lang.value, show) as step:
        result = run(lambda: core.settle_cycle(options, step), lang, fmt)
    summary = core.summary(result, out / cycle)
    if fmt is Format.json:
        print_json(summary)
    elif not quiet:
        render_summary(summary, lang.value)
    else:
        render_notes(summary, lang.value)
