"""`haken samples generate`: a seeded generator of exports at any size."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from haken_batch.cli.common import Format, FormatOpt, Lang, LangOpt, console, print_json, run

app = typer.Typer(help="サンプルデータ / sample data.", no_args_is_help=True)


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@app.command("generate")
def generate(
    dispatches: Annotated[
        int,
        typer.Option("--dispatches", "-n", help="派遣件数 / number of dispatches (≤ 1,000,000)"),
    ],
    out: Annotated[Path, typer.Option("--out", help="出力フォルダ / output folder")],
    seed: Annotated[
        int, typer.Option("--seed", help="乱数の種 / random seed (same seed → same bytes)")
    ] = 1,
    file_format: Annotated[FileFormat, typer.Option(
        "--file-format", help="csv（表ごと）か xlsx（1ブック） / exports as CSVs or one workbook",
    )] = FileFormat.csv,
    anomaly_rate: Annotated[
        float,
        typer.Option("--anomaly-rate", help="仕込む異常の割合 / share of planted faults (0–0.2)"),
    ] = 0.01,
    replace: Annotated[bool, typer.Option(
        "--replace", help="出力先のCSV・Excelを置き換える / overwrite files already in --out",
    )] = False,
    fmt: FormatOpt = Format.text,  # --format text|json, as in every other command
    lang: LangOpt = Lang.ja,
) -> None:
    """サンプルデータを生成します / generate sample exports (seeded, reproducible)."""
    from haken_batch.samplegen import generate_to

    result = run(lambda: generate_to(dispatches, seed, out, file_format.value, anomaly_rate,
                                     replace=replace), lang, fmt)
    if fmt is Format.json:
        print_json({"files": [str(p) for p in result.files], "rows": result.rows, "seed": seed})
        return
    from rich.table import Table

    table = Table(title=f"生成しました / generated (seed {seed})")
    table.add_column("表 / table")
    table.add_column("行 / rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    con = console()
    con.print(table)
    for path in result.files:
        con.print(f"  {path}")
