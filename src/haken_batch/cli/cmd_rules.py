"""`haken rules show`: the parameters in force on a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from haken_batch.cli.common import (
    Format,
    FormatOpt,
    Lang,
    LangOpt,
    cli_date,
    console,
    print_json,
    run,
)

app = typer.Typer(help="ルール（日付つきパラメータ）/ dated rule parameters.", no_args_is_help=True)


@app.command("show")
def show(
    date: Annotated[
        Optional[str], typer.Option("--date", help="基準日 YYYY-MM-DD（既定: 2021-10-01）")  # noqa: UP045
    ] = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="ルールフォルダ")] = None,  # noqa: UP045
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
) -> None:
    """Print every parameter in force on a date, with its rule id and start date."""
    from haken_batch.errors import HakenError
    from haken_batch.rules import load_rules

    def _do() -> tuple[dt.date, list[dict[str, object]]]:
        on = cli_date(date or "2021-10-01", "--date")
        book = load_rules(rules)
        rows = []
        for name, value in book.in_force(on).items():
            p = book.parameter(name)
            rows.append({"name": name, "value": value, "unit": p.unit, "reference": p.reference,
                         "since": p.start_of_value_at(on).isoformat(),
                         "description": p.description,
                         "description_en": p.description_en or p.description})
        if not rows:  # a date before the rules: say from when they apply, not "0 件"
            first = min((p.values[0][0] for p in book.parameters.values() if p.values),
                        default=None)
            raise HakenError(
                f"{on.isoformat()} 時点のルールはありません（最初の適用日 "
                f"{first.isoformat() if first else '—'}）",
                f"no rules are in force on {on.isoformat()} (they begin "
                f"{first.isoformat() if first else '-'})", where=str(book.root))
        return on, rows

    on, rows = run(_do, lang, fmt)
    if fmt is Format.json:
        print_json({"date": on.isoformat(), "parameters": rows})
        return
    _print_records(on, rows, lang.value)


def _print_records(on: dt.date, rows: list[dict[str, object]], lang: str = "ja") -> None:
    """One block per parameter, never cut (a six-column table cut every cell at 80 columns):
    name and value, then rule and start date, then the description, as long as it is."""
    from rich.text import Text

    from haken_batch.rules.display import shown

    en = lang == "en"
    out = console()
    title = (f"rules in force on {on.isoformat()} ({len(rows)} parameters)" if en else
             f"{on.isoformat()} 時点のルール ({len(rows)} 件)")
    out.print(Text(title, style="bold"))
    for r in rows:
        out.print()
        out.print(Text.assemble((str(r["name"]), "bold"), "  ",
                                shown(r["value"], str(r["unit"] or ""), lang)))
        out.print(Text(f"  rule {r['reference']}, since {r['since']}" if en else
                       f"  規則 {r['reference']}・適用開始 {r['since']}"))
        for line in str(r["description_en" if en else "description"] or "").splitlines():
            out.print(Text(f"  {line}"))
