"""`haken kpi CYCLE` and `haken statement CYCLE --institution ID`: regenerate from OUT/CYCLE."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from haken_batch.cli.common import Lang, LangOpt, QuietOpt, console, run

CycleArg = Annotated[str, typer.Argument(help="精算済みのサイクル YYYY-MM / a settled cycle")]
OutOpt = Annotated[Path, typer.Option("--out", help="出力フォルダ OUT / output folder")]
DataOpt = Annotated[Path | None, typer.Option(
    "--data", help="属性を読む入力フォルダ（既定: サイクルのアーカイブ）/ data folder "
                   "(default: the cycle's archived inputs)")]
ToOpt = Annotated[Path | None, typer.Option(
    "--to", help="書き出し先。なしなら精算済みのサイクルのファイルと同じか確かめるだけで、"
                 "書き換えません / where to write; without it, only check that the settled "
                 "cycle's file matches (it is never rewritten)")]


def _report(result: object, quiet: bool, lang: Lang) -> None:
    from haken_batch.kpi.regen import Regenerated

    assert isinstance(result, Regenerated)
    out = console(quiet=quiet)
    en = lang == Lang.en
    if result.unchanged:
        out.print("unchanged (identical bytes):" if en else "変更なし（同一内容）:")
    else:
        out.print("written:" if en else "作成しました:")
    for path in result.files:
        out.print(f"  {path}")
    source = {"archive": "archived inputs" if en else "アーカイブの入力",
              "--data": "--data"}[result.data_from]
    out.print(f"attributes from {source}" if en else f"属性: {source}")


def kpi(
    cycle: CycleArg,
    out: OutOpt,
    data: DataOpt = None,
    to: ToOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = Lang.ja,
) -> None:
    """KPIワークブックを --to に作り直します / regenerate the KPI workbook into --to."""
    from haken_batch.kpi.regen import regenerate

    result = run(lambda: regenerate(out, cycle, data_dir=data, to=to), lang)
    _report(result, quiet, lang)


def statement(
    cycle: CycleArg,
    institution: Annotated[str, typer.Option(
        "--institution", help="機関ID（プラットフォームIDも可）/ institution or platform id")],
    out: OutOpt,
    data: DataOpt = None,
    to: ToOpt = None,
    quiet: QuietOpt = False,
    lang: LangOpt = Lang.ja,
) -> None:
    """機関別の利用状況（ステートメント）を --to に作ります / write one institution's
    statement into --to."""
    from haken_batch.emit.statements import file_name
    from haken_batch.kpi.regen import Regenerated, regenerate

    result = run(lambda: regenerate(out, cycle, data_dir=data, to=to, institution=institution,
                                    statement=True), lang)
    _report(result, quiet, lang)
    assert isinstance(result, Regenerated)
    if all(p.name != file_name(institution, cycle) for p in result.files):
        # a platform id: its figures are in its representative's statement (R-RPT-1); the
        # file named after another id was written without a word (blind clerk check)
        console(quiet=quiet).print(
            f"{institution} is a platform: its total and each member are in its "
            "representative's statement above" if lang == Lang.en else
            f"{institution} はプラットフォームです。合計と構成機関ごとの数字は、上記の代表機関の"
            "ステートメントにあります")
