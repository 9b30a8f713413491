"""Rich output of `haken validate`: the summary tables and the first findings (masked)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from haken_batch.load.whole_column import told
from haken_batch.textsafe import for_terminal

_SHOWN = 20  # findings listed on the terminal; findings.csv has them all

_T = {
    "ja": {"title": "検証結果", "table": "表", "rows": "行数", "errors": "エラー",
           "warnings": "警告", "rule": "ルール", "where": "場所", "column": "列", "value": "値",
           "message": "内容", "more": "ほか {n} 件は {path} を見てください",
           "written": "指摘一覧: {path}", "clean": "指摘はありません",
           "corrections": "事務局修正の適用: {rows} 件（{n} セル）",
           "listing": "指摘 {total} 件（先頭 {n} 件。全件は {path}）"},
    "en": {"title": "Validation", "table": "table", "rows": "rows", "errors": "errors",
           "warnings": "warnings", "rule": "rule", "where": "where", "column": "column",
           "value": "value", "message": "message", "more": "{n} more in {path}",
           "written": "findings: {path}", "clean": "no findings",
           "corrections": "corrections applied: {rows} ({n} cells)",
           "listing": "findings: {total} (the first {n}; all in {path})"},
}


def _table_name(summary: dict[str, Any], table: str, lang: str) -> str:
    """The clerk's name of a table and the file (and sheet) it came from:
    専門家（experts.csv）, 派遣案件（haken.xlsx［派遣案件］）; English: dispatches (...)."""
    source = summary.get("sources", {}).get(table)
    where = ""
    if source:
        sheet = source.get("sheet")
        where = source["file"] + (f"［{sheet}］" if sheet and lang == "ja" else
                                  f" [{sheet}]" if sheet else "")
    if lang == "ja":
        name = summary.get("names_ja", {}).get(table, table)
        return f"{name}（{where}）" if where else name
    return f"{table} ({where})" if where else table


def render_summary(console: Console, summary: dict[str, Any], shown: list[dict[str, Any]],
                   total: int, out_path: str, lang: str) -> None:
    t = _T[lang]
    counts: dict[str, dict[str, int]] = {}
    for item in summary["per_table"]:
        counts.setdefault(item["table"], {})[item["severity"]] = item["len"]
    table = Table(title=t["title"])
    for head in (t["table"], t["rows"], t["errors"], t["warnings"]):
        # the table's name and file are folded, never cut ('haken_fy2021.xlsx［チ…')
        table.add_column(head, justify="left" if head == t["table"] else "right",
                         overflow="fold")
    names = list(summary["rows"]) + sorted(set(counts) - set(summary["rows"]))
    for name in names:
        c = counts.get(name, {})
        rows = summary["rows"].get(name)
        table.add_row(Text(for_terminal(_table_name(summary, name, lang))),
                      "" if rows is None else f"{rows:,}",
                      str(c.get("error", 0)),
                      str(c.get("warning", 0)))
    console.print(table)
    if summary["per_rule"]:
        rules = Table()
        rules.add_column(t["rule"])
        rules.add_column(t["errors"], justify="right")
        rules.add_column(t["warnings"], justify="right")
        by_rule: dict[str, dict[str, int]] = {}
        for item in summary["per_rule"]:
            by_rule.setdefault(item["rule_id"], {})[item["severity"]] = item["len"]
        for rule_id, c in sorted(by_rule.items()):
            rules.add_row(rule_id, str(c.get("error", 0)), str(c.get("warning", 0)))
        console.print(rules)
    if summary["corrections"]:
        # as settle counts them (rows of the corrections file), and the cells they reached:
        # 25 against settle's 24 read as a lost correction (blind clerk check)
        console.print(t["corrections"].format(
            n=summary["corrections"], rows=summary.get("corrections_rows", "?")))
    if total == 0:
        console.print(f"[green]{t['clean']}[/]")
        return
    for item in summary.get("whole_columns") or []:
        console.print(Text(for_terminal(told(item, lang)), style="yellow"))
    # one block per finding, never cut: the place (never wrapped: 'travel_claims.csv:18'
    # over '40' read as row 18 of row 1840), column and value, then the rule and message; a
    # four-column table left the message five characters wide beside a workbook's place
    console.print(Text(t["listing"].format(n=min(total, len(shown)), total=total,
                                           path=out_path),
                       style="bold"))
    msg_key = "message_en" if lang == "en" else "message_ja"
    for f in shown:
        where = f["file"] or ""
        if f["sheet"]:
            where += f"［{f['sheet']}］"
        if f["row"] is not None:
            where += f":{f['row']}"
        style = "red" if f["severity"] == "error" else "yellow"
        # plain text: a value is the export's, and '[/bold]' in a fare cell crashed rich's
        # markup parser (blind red-team check); control characters are shown escaped
        quoted = "「{}」" if lang == "ja" else " '{}'"
        cell = f"  {t['column']}{quoted.format(f['column'])}" if f["column"] else ""
        value = f"  {t['value']}{quoted.format(f['value'])}" if f["value"] else ""
        console.print(Text(for_terminal(f"{where}{cell}{value}")))
        console.print(Text.assemble("  ", (f["rule_id"] or "", style), " ",
                                    for_terminal(str(f[msg_key] or ""))))
    if total > len(shown):
        console.print(t["more"].format(n=total - len(shown), path=out_path))
    console.print(t["written"].format(path=out_path))
