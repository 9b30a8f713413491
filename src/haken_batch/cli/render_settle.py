"""Rich output of `haken settle` / `haken demo` (from the plain summary of cycle.summary)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.table import Table
from rich.text import Text

from haken_batch.cli.common import console, print_note
from haken_batch.load.whole_column import told
from haken_batch.textsafe import for_terminal

STEPS = {
    "rules": ("ルールを読み込み中", "loading rules"),
    "load": ("データを読み込み中", "loading data"),
    "settle": ("判定・計算中", "deciding and computing"),
    "files": ("精算結果（CSV・全銀ファイル・源泉徴収の集計）を出力中",
              "writing the CSVs, the Zengin file and the withholding summary"),
    "notices": ("支払通知書を作成中", "writing payment notices"),
    "kpi": ("KPIを出力中", "writing KPI workbooks"),
    "statements": ("機関別明細を出力中", "writing statements"),
    "archive": ("アーカイブを作成中", "archiving"),
}
STATUS = {"paid": ("支払", "paid"), "held": ("保留", "held"), "excluded": ("対象外", "excluded")}
YEN = {
    "fee": ("謝金", "fee"),
    "transport": ("交通費", "transport"),
    "per_diem": ("日当", "per diem"),
    "lodging": ("宿泊費", "lodging"),
    "gross": ("支払総額", "gross"),
    "withholding": ("源泉徴収額", "withholding"),
    "net": ("振込額", "net"),
}


def _t(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


@contextmanager
def progress(lang: str, enabled: bool) -> Iterator[Any]:
    """A spinner on stderr naming the current step; yields the callback for the core."""
    if not enabled:
        yield lambda _step: None
        return
    con = console(stderr=True)
    with con.status(_t(("開始", "starting"), lang)) as status:

        def step(name: str) -> None:
            status.update(_t(STEPS.get(name, (name, name)), lang) + " …")

        yield step


def _print_notes(con: Any, s: dict[str, Any], en: bool) -> None:
    for note in s.get("notes", []):  # e.g. a previous run that died half-way (outdir.locked)
        print_note(con, note["ja"], note["en"], en)


def render_notes(s: dict[str, Any], lang: str) -> None:
    """``--quiet``: no summary, but the notes still, on stderr. Each asks the clerk to look
    at something (a skipped month, a rebuilt record, a correction after payment …), and
    cron mails what a quiet run prints: with ``-q`` they were lost (session 10's list)."""
    con, en = console(stderr=True), lang == "en"
    _print_notes(con, s, en)
    refused = (s.get("corrections") or {}).get("refused", 0)
    if refused:  # each holds what it aimed at: the clerk's own fix did not take (clerk check)
        print_note(con, f"事務局修正 {refused:,} 件を適用できませんでした"
                        "（corrections_rejected.csv）。対象の派遣は、この精算で支払う予定のもの"
                        "なら保留です",
                   f"{refused:,} corrections refused (corrections_rejected.csv); a dispatch "
                   "they aim at is held while this cycle would pay it", en)


def render_summary(s: dict[str, Any], lang: str, *, title: str | None = None) -> None:
    con = console()
    en = lang == "en"
    head = title or (
        f"Cycle {s['cycle']} settled" if en else f"サイクル {s['cycle']} を精算しました"
    )
    con.print(
        f"[bold]{head}[/]  "
        + (
            f"cut-off {s['cutoff']} · transfer {s['transfer_date']}"
            if en
            else f"締日 {s['cutoff']} ・ 振込指定日 {s['transfer_date']}"
        )
    )
    _print_notes(con, s, en)
    counts = Table(show_header=True, header_style="bold")
    counts.add_column("status" if en else "判定", overflow="fold")
    counts.add_column("dispatches" if en else "件数", justify="right", no_wrap=True)
    carried = s.get("carried") or {}
    for key in ("paid", "held", "excluded"):
        n, before = s["counts"].get(key, 0), carried.get(key, 0)
        label = _t(STATUS[key], lang)
        if before:
            label += (f" (of them {before:,} as in the previous cycle)" if en
                      else f"（うち前回から継続 {before:,}）")
        counts.add_row(label, f"{n:,}")
    counts.add_row("total" if en else "合計", f"{s['considered']:,}")
    con.print(counts)
    money = Table(show_header=True, header_style="bold")
    money.add_column("item" if en else "項目", overflow="fold")
    money.add_column("yen" if en else "金額（円）", justify="right", no_wrap=True)
    for key, pair in YEN.items():
        money.add_row(_t(pair, lang), f"{s['yen'][key]:,}")
    con.print(money)
    flags_paid = s.get("flags_paid", s["flags"])
    # a payee whose cycle totals 0 yen has a payment row and no transfer (Decisions): the
    # two counts differ by them, said so (blind clerk check: 329 payees, 328 transfers)
    none = s["payees"] - s["transfers"]
    zero_ja = f"（支払額 0 円の {none:,} 人は振込なし）" if none > 0 else ""
    zero_en = f" ({none:,} at 0 yen, no transfer)" if none > 0 else ""
    con.print(
        f"payees {s['payees']:,} · transfers {s['transfers']:,}{zero_en} · flags {s['flags']:,} "
        f"({flags_paid:,} on paid dispatches; findings.csv, severity flag)"
        if en
        else f"支払先 {s['payees']:,} 人 ・ 振込 {s['transfers']:,} 件{zero_ja} ・ "
        f"要確認フラグ {s['flags']:,} 件（うち支払分 {flags_paid:,} 件。"
        "一覧は findings.csv の区分 flag）"
    )
    found = s.get("input_findings") or {}
    if found.get("error") or found.get("warning"):
        con.print(
            f"input findings: {found.get('error', 0):,} errors · {found.get('warning', 0):,} "
            "warnings (listed by haken validate)"
            if en
            else f"入力データの指摘: エラー {found.get('error', 0):,} 件 ・ 警告 "
            f"{found.get('warning', 0):,} 件（一覧は haken validate で確認できます）",
            highlight=False)
    for item in s.get("whole_columns") or []:
        con.print(Text(for_terminal(told(item, lang)), style="yellow"))
    waiting = s.get("awaiting_approval") or 0
    if waiting:
        later_en, later_ja = (("this is the last cycle before the payment deadline: they can "
                               "no longer be paid, see the notes", "支払期限までの最後の精算の"
                               "ため、この後は支払えません。お知らせを参照")
                              if s.get("last_cycle") else
                              ("settled in a later cycle once approved",
                               "承認されると以後のサイクルで精算します"))
        con.print(
            f"reports awaiting the institution's approval: {waiting:,} (not in this cycle; "
            f"{later_en})"
            if en
            else f"機関の承認待ちの支援実績報告: {waiting:,} 件（この精算の対象外。{later_ja}）",
            highlight=False)
    corr = s.get("corrections") or {}
    if corr.get("applied") or corr.get("refused"):
        con.print(
            f"corrections: {corr.get('applied', 0):,} applied · {corr.get('refused', 0):,} "
            "refused" + (" (corrections_rejected.csv; a dispatch they aim at is held while "
                         "this cycle would pay it)" if corr.get("refused") else "")
            if en
            else f"事務局修正: 適用 {corr.get('applied', 0):,} 件 ・ 適用できず "
            f"{corr.get('refused', 0):,} 件" + ("（corrections_rejected.csv。対象の派遣は、"
                                               "この精算で支払う予定のものなら保留）"
                                               if corr.get("refused") else ""),
            highlight=False)
    if s["top_holds"]:
        holds = Table(
            title="hold reasons" if en else "保留理由",
            show_header=True,
            header_style="bold",
        )
        holds.add_column("rule" if en else "ルール", no_wrap=True)
        holds.add_column("dispatches" if en else "件数", justify="right", no_wrap=True)
        # Folded, not cut: cron mails this at 80 columns and a reason cut short explains nothing.
        holds.add_column("meaning" if en else "内容", overflow="fold")
        from haken_batch.hold_reasons import meanings

        meaning = meanings("en" if en else "ja")
        for rule, n in s["top_holds"]:
            holds.add_row(rule, f"{n:,}", meaning.get(rule, ""))
        con.print(holds)
        con.print("  a dispatch may be held for more than one reason; the list by institution "
                  "with what to do: holds.csv; one dispatch: haken explain DISPATCH_ID --out OUT"
                  if en else
                  "  1件に複数の理由があることがあります。機関別の一覧と対処: holds.csv、"
                  "1件ずつ: haken explain 派遣ID --out 出力先", highlight=False)
    if s.get("folder"):
        con.print(("outputs: " if en else "出力先: ") + s["folder"])
        con.print("  " + "  ".join(s["files"]), highlight=False)
