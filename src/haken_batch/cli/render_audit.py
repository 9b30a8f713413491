"""Rich rendering of the audit commands (verify, close, explain, samples). No polars here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from haken_batch.cli.common import console, print_note
from haken_batch.textsafe import for_terminal

if TYPE_CHECKING:
    from haken_batch.closing import Closing
    from haken_batch.discarding import Discarded

KIND_JA = {
    "changed": "改変",
    "missing": "欠落",
    "added": "追加",
    "seal": "マニフェスト改変",
    "format": "形式",
    "cycle": "サイクル不一致",
    "chain": "チェーン断絶",
    "closed": "確定記録",
    "unreadable": "読めない",
    "rerun": "再計算",
    "symlink": "リンクに置換",
    "privacy": "権限",
    "paid_twice": "二重支払",
}
STATUS_JA = {
    "identical": "一致",
    "identical_content": "一致（セル値）",
    "differs": "相違",
    "missing": "欠落",
    "extra": "再計算のみ",
}


def render_verify(report: Any, lang: str, quiet: bool = False) -> None:
    """The report; with ``quiet`` only a failure, in one line on stderr (cron mails what a
    job prints: a silent failure would go unnoticed)."""
    en = lang == "en"
    if quiet:
        if not report.ok:
            _failed_line(report, en)
        return
    con = console()
    for cyc in report.cycles:
        mark = "[green]OK[/]" if cyc.ok else "[bold red]NG[/]"
        closed = (" closed" if en else " 確定済") if cyc.closed else ""
        head = (f"{mark} {cyc.cycle}{closed}: {cyc.files_checked} files hashed"
                if en else f"{mark} {cyc.cycle}{closed}: {cyc.files_checked} ファイルを照合")
        if cyc.reran:
            same = sum(o.status in ("identical", "identical_content") for o in cyc.outputs)
            head += (f", re-run {same}/{len(cyc.outputs)} outputs identical" if en
                     else f"、再計算で出力 {same}/{len(cyc.outputs)} 件一致")
        con.print(head)
        if cyc.problems:
            table = Table(show_lines=False)
            # the path folds too: archive/bankmaster/branches/000… named no file (blind check)
            table.add_column("file" if en else "ファイル", overflow="fold")
            table.add_column("kind" if en else "種別", no_wrap=True)
            # fold, not cut: a Japanese detail has no spaces to wrap at, and its end (the
            # chmod to run, the path) is the part the reader needs
            table.add_column("detail" if en else "内容", overflow="fold")
            for p in cyc.problems:
                table.add_row(p.path or cyc.cycle, p.kind if en else KIND_JA.get(p.kind, p.kind),
                              p.detail if en else (p.detail_ja or p.detail))
            con.print(table)
        bad = [o for o in cyc.outputs if o.status not in ("identical", "identical_content")]
        if bad:
            table = Table()
            table.add_column("output" if en else "出力", overflow="fold")
            table.add_column("result" if en else "結果", no_wrap=True)
            table.add_column("first difference" if en else "最初の相違", overflow="fold")
            for o in bad:
                table.add_row(o.path, o.status if en else STATUS_JA.get(o.status, o.status),
                              o.detail if en else (o.detail_ja or o.detail))
            con.print(table)
        for note in (cyc.notes if en else cyc.notes_ja or cyc.notes):
            con.print(f"  [yellow]{'note' if en else '注記'}[/] {note}")
    reran = any(c.reran for c in report.cycles)
    if report.ok and reran:
        con.print("[green]" + ("verified: every file intact, outputs reproduced, chain holds"
                               if en else "検証成功: 全ファイル無改変・再計算一致・チェーン健全")
                  + "[/]")
    elif report.ok:
        con.print("[green]" + ("verified without a re-run: every file intact, chain holds"
                               if en else "検証成功（再計算なし）: 全ファイル無改変・チェーン健全")
                  + "[/]")
    else:
        con.print("[bold red]" + ("verification FAILED" if en else "検証失敗") + "[/]")


def _failed_line(report: Any, en: bool) -> None:
    """'検証失敗 2021-10: 改変 1・欠落 1' per failed cycle, on stderr."""
    from collections import Counter

    err = console(stderr=True)
    for cyc in report.cycles:
        if cyc.ok:
            continue
        kinds = Counter(p.kind for p in cyc.problems)
        kinds.update(o.status for o in cyc.outputs
                     if o.status not in ("identical", "identical_content"))
        label = {**KIND_JA, **STATUS_JA}
        parts = [f"{k} {n}" if en else f"{label.get(k, k)} {n}" for k, n in sorted(kinds.items())]
        err.print(("verification FAILED " if en else "検証失敗 ") + f"{cyc.cycle}: "
                  + (", " if en else "・").join(parts), markup=False, highlight=False)


def render_close(closing: Closing, lang: str, quiet: bool = False) -> None:
    con = console(quiet=quiet)
    record = closing.record
    when, sha = record["closed_on"], record["manifest_sha256"]
    # typed by the clerk: no markup, and no escape sequence from a record made before --by
    # was checked (textsafe.person)
    who = escape(for_terminal(str(record["closed_by"])))
    if lang == "en":
        if closing.already:
            con.print(f"{record['cycle']} was already closed on {when} by {who}; "
                      f"manifest sha256 {sha}")
            if closing.finished:
                con.print(f"  the previous close had stopped half-way: its last "
                          f"{closing.finished} files were made read-only, so it is complete now")
            return
        con.print(f"closed {record['cycle']} on {when} by {who}; manifest sha256 {sha}")
        con.print("  its files are read-only now and the cycle is never settled again; note "
                  "the manifest sha256 on the transfer approval (docs/audit.md)")
        _close_notes(closing, lang)
        return
    if closing.already:
        con.print(f"{record['cycle']} は既に確定済みです（{when}、{who}） manifest sha256 {sha}")
        if closing.finished:
            con.print(f"  前回の確定が途中で止まっていたため、残る {closing.finished} ファイルを"
                      "読み取り専用にして完了しました")
        return
    con.print(f"{record['cycle']} を確定しました（{when}、{who}） manifest sha256 {sha}")
    con.print("  ファイルは読み取り専用になり、このサイクルは再精算されません。"
              "振込の承認記録に manifest sha256 を控えてください（docs/audit.md）")
    _close_notes(closing, lang)


def _close_notes(closing: Closing, lang: str) -> None:
    """What the close could not confirm, on stderr even with -q (as settle's notes)."""
    err = console(stderr=True)
    for ja, en in closing.notes:
        print_note(err, ja, en, lang == "en")


def render_discard(done: Discarded, lang: str, quiet: bool = False) -> None:
    con = console(quiet=quiet)
    where = escape(str(done.moved_to)) if done.moved_to is not None else None
    if lang == "en":
        kept = (f"its files are kept in {where}" if where else
                "its folder was already gone; the record now says so")
        con.print(f"withdrew {done.cycle} (manifest sha256 {done.manifest_sha256}); {kept}. "
                  "It counts as never settled: settle the right cycle now")
        return
    kept = (f"ファイルは {where} に残してあります" if where else
            "フォルダは既にありませんでした（記録だけを取り消しにしました）")
    con.print(f"{done.cycle} を取り消しました（manifest sha256 {done.manifest_sha256}）。"
              f"{kept}。精算しなかったものとして扱うので、正しいサイクルを精算してください")


def render_rows(title: str, columns: list[str], rows: list[tuple[Any, ...]],
                quiet: bool = False, en: bool = False) -> None:
    """One numbered block per row, one "column: value" line per filled cell. A table of ten
    columns cut every cell to a few characters at 80 columns; a block is never cut."""
    out = console(quiet=quiet)
    count = f" ({len(rows)} rows)" if en else f"（{len(rows)} 件）"
    out.print(Text(f"{title}{count}", style="bold"))
    for n, row in enumerate(rows, 1):
        out.print()
        out.print(Text(f"{n}."))
        for label, value in zip(columns, row, strict=False):
            if value is not None and str(value) != "":
                out.print(Text(f"  {label}: {value}"))


def render_text(text: str) -> None:
    console().print(text, markup=False, highlight=False)
