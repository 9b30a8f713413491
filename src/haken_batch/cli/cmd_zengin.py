"""`haken zengin show FILE`: parse and check any Zengin 総合振込 file (exit 0 / 1 / 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer

from haken_batch.cli.common import Format, FormatOpt, Lang, LangOpt, console, print_json, run

app = typer.Typer(help="全銀フォーマット / Zengin transfer files.", no_args_is_help=True)

_TYPES = {"1": "普通", "2": "当座", "4": "貯蓄", "9": "その他"}
_TYPES_EN = {"1": "ordinary", "2": "current", "4": "savings", "9": "other"}


@app.command("show")
def show(
    file: Annotated[Path, typer.Argument(help="全銀ファイル / a Zengin 総合振込 file")],
    fmt: FormatOpt = Format.text,
    unmask: Annotated[bool, typer.Option(
        "--unmask",
        help="口座番号・受取人名を隠さずに表示 / show account numbers and payee names in full",
    )] = False,
    lang: LangOpt = Lang.ja,
) -> None:
    """全銀ファイルを表示・検査します / show and check a Zengin file.

    終了コード / exit code: 0 正常 valid, 1 誤りあり invalid (or it disagrees with the
    zengin_check.csv beside it), 2 読めない unreadable.
    """
    from haken_batch import zengin_format
    from haken_batch.zengin_checklist import experts_beside, listing_beside

    parsed = run(lambda: zengin_format.read(file), lang, fmt)
    view = zengin_format.describe(parsed, unmask=unmask)
    # masked names cannot tell the records apart: the listing written beside the file can
    records = cast("list[dict[str, Any]]", view["records"])
    ids = experts_beside(file, [r["amount"] for r in records])
    view["listing"] = None if listing_beside(file) is None else ids is not None
    for record, expert in zip(records, ids or [], strict=False):
        record["expert_id"] = expert
    if fmt is Format.json:
        print_json({"file": str(file), **view})
    else:
        _render(view, lang.value)
    # a file that is not the one the reviewed listing beside it describes is not to be sent
    # (blind clerk check: it said 正常 and exited 0)
    raise typer.Exit(0 if parsed.ok and view["listing"] is not False else 1)


def _safe(value: object) -> str:
    """A field of the file as printed: its control characters (escape sequences of a crafted
    file) shown as \\xNN, and no rich markup taken from it."""
    from rich.markup import escape

    from haken_batch.textsafe import for_terminal

    return escape(for_terminal(str(value)))


def _render(view: dict[str, Any], lang: str) -> None:
    from rich.table import Table

    en = lang == "en"
    con = console()
    header = view["header"] and {k: _safe(v) for k, v in view["header"].items()}
    types = _TYPES_EN if en else _TYPES
    if header:
        words = (("requester code", "requester", "transfer date", "from") if en
                 else ("依頼人コード", "依頼人名", "振込指定日", "仕向"))
        con.print(("Header: " if en else "ヘッダー: ")
                  + f"{words[0]} {header['requester_code']}"
                  f"  {words[1]} {header['requester_name']}"
                  f"  {words[2]} {header['transfer_date']}  {words[3]} {header['bank_code']}"
                  f" {header['bank_name']} / {header['branch_code']} {header['branch_name']}  "
                  f"{types.get(header['account_type'], header['account_type'])}"
                  f" {header['account_number']}")
    table = Table(title="data records" if en else "データレコード")
    records = view["records"]
    code1 = any(str(r["customer_code1"]).strip() for r in records)  # blank in our own files
    expert = any("expert_id" in r for r in records)
    titles = (["No", "bank", "branch", "type", "account", "payee", "amount"] if en
              else ["No", "銀行", "支店", "種目", "口座番号", "受取人名", "金額"])
    titles += [("customer code 1" if en else "顧客コード1")] * code1
    titles += [("expert id" if en else "専門家ID")] * expert
    for i, title in enumerate(titles):
        table.add_column(title, overflow="fold", justify="right" if i == 6 else "left")
    for r in records:
        cells = [str(r["no"]), _safe(r["bank_code"]), _safe(r["branch_code"]),
                 types.get(r["account_type"], _safe(r["account_type"])),
                 _safe(r["account_number"]), _safe(r["name"]), f"{r['amount']:,}"]
        cells += [_safe(r["customer_code1"])] * code1 + [_safe(r.get("expert_id", ""))] * expert
        table.add_row(*cells)
    con.print(table)
    if expert:
        con.print("expert ids: from zengin_check.csv in the same folder (counts and amounts "
                  "agree)" if en
                  else "専門家ID は同じフォルダの zengin_check.csv から（件数・金額が一致）")
    elif view.get("listing") is False:
        con.print("zengin_check.csv in the same folder does not match this file (counts or "
                  "amounts): expert ids not shown" if en else
                  "同じフォルダの zengin_check.csv がこのファイルと一致しない（件数・金額）ため、"
                  "専門家ID は表示しません")
    trailer, computed = view["trailer"], view["computed"]
    if trailer:
        con.print(f"Trailer: {trailer['count']:,} records / {trailer['total']:,} yen" if en
                  else f"トレーラー: {trailer['count']:,} 件 / {trailer['total']:,} 円")
    counted = (f"Computed: {computed['count']:,} records / {computed['total']:,} yen" if en
               else f"集計: {computed['count']:,} 件 / {computed['total']:,} 円")
    if en:
        con.print(f"{counted}  (separator {view['separator']}, "
                  f"EOF 0x1A {'yes' if view['eof_byte'] else 'no'})")
    else:
        con.print(f"{counted}  （レコード区切り {view['separator']}、"
                  f"末尾の EOF 0x1A {'あり' if view['eof_byte'] else 'なし'}）")
    err = console(stderr=True)
    if view["valid"] and view.get("listing") is False:
        err.print("[bold red]" + (
            "the file's format is valid, but it does not match zengin_check.csv beside it: "
            "check that both come from the same settle before sending it" if en else
            "ファイルの形式は正常ですが、同じフォルダの zengin_check.csv と一致しません。"
            "送信の前に、確認した一覧とこのファイルが同じ精算のものか確かめてください") + "[/]")
        return
    if view["valid"]:
        con.print("[green]" + ("valid" if en else "正常: 誤りはありません") + "[/]")
        return
    err.print("[bold red]" + (f"{len(view['problems'])} problem(s)" if en
                              else f"誤り {len(view['problems'])} 件") + "[/]")
    for p in view["problems"]:
        if en:
            err.print(f"record {p['record']}, byte {p['offset']} (file byte {p['file_offset']}),"
                      f" {p['field_key']}: found {p['found']}, expected {p['expected']}",
                      markup=False)
        else:
            err.print(f"レコード{p['record']} {p['offset']}バイト目（先頭から{p['file_offset']}）"
                      f" {p['field']}: {p['found']} → 期待 {p['expected']}", markup=False)
