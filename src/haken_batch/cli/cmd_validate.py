"""`haken validate`: read the exports, check them against the input contract, list findings.

Exit codes: 0 no error findings (warnings may exist), 1 error findings, 2 a structural fault
(unreadable file, missing required column, missing table or sheet) — nothing written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from haken_batch.cli.common import Format, FormatOpt, Lang, LangOpt, console, print_json, run

_SHOWN = 20


def validate(
    data: Annotated[Path, typer.Option(
        "--data", help="エクスポートのフォルダ / folder of the exports")],
    out: Annotated[Path, typer.Option(
        "--out", help="指摘一覧CSVの出力先 / findings CSV to write")] = Path("findings.csv"),
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
    rules_dir: Annotated[Path | None, typer.Option(
        "--rules", help="ルールフォルダ（既定: 同梱） / rules folder (default: bundled)")] = None,
) -> None:
    """入力データを検証します / validate the exports against the input contract."""

    def core() -> int:
        from haken_batch.cli.render_validate import render_summary
        from haken_batch.errors import ConfigError, HakenError
        from haken_batch.load import load_dataset
        from haken_batch.load.spec import column_map
        from haken_batch.outdir import check_report_file, write_atomic
        from haken_batch.rules import load_rules
        from haken_batch.validate import findings_csv, masked_for_display, summary

        check_report_file(out, data=data)  # before the long read, not after
        if not out.parent.resolve().is_dir():
            raise ConfigError(f"出力先フォルダ {out.parent} がありません",
                              f"output folder {out.parent} does not exist", where="--out")
        rules = load_rules(rules_dir)
        try:
            dataset = load_dataset(data, rules, lang=lang.value)
        except HakenError as exc:
            if out.exists():  # nothing is written, so the list there is an earlier run's
                exc.ja += f"（{out.name} は前回の検証結果のままです）"
                exc.en += f" ({out.name} still holds an earlier run's findings)"
            raise
        write_atomic(out, findings_csv(dataset.findings, headers=lang.value))
        facts = summary(dataset, column_map(rules.columns))
        shown = masked_for_display(dataset.findings, rules)
        code = 1 if facts["errors"] else 0
        if fmt is Format.json:
            print_json({"data": str(data), "findings_file": str(out), "exit_code": code,
                        "summary": facts, "findings": shown.to_dicts()})
        else:
            render_summary(console(), facts, shown.head(_SHOWN).to_dicts(),
                           shown.height, str(out), lang.value)
        return code

    code = run(core, lang, fmt)
    raise typer.Exit(code)
