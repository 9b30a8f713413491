"""Audit commands: `verify`, `explain`, `close`, `sample visits`, `sample audit`."""

from __future__ import annotations

import datetime as dt
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
    fail,
    print_json,
    run,
)

sample_app = typer.Typer(help="監査用の抽出 / audit sampling.", no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="出力フォルダ / output folder (OUT)")]


def verify(
    path: Annotated[Path, typer.Argument(
        help="OUT/CYCLE（1サイクル）または OUT（全サイクルとチェーン）")],
    rerun: Annotated[bool, typer.Option(
        "--rerun/--no-rerun", help="アーカイブから再計算して比較 / re-run and compare")] = True,
    keep: Annotated[Path | None, typer.Option(
        "--keep", help="再計算結果を残すフォルダ / keep each re-run in DIR/CYCLE")] = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
    quiet: QuietOpt = False,
) -> None:
    """アーカイブを再計算して検証します / re-run and verify an archived cycle (exit 0 = intact)."""
    from haken_batch.cli.common import console
    from haken_batch.cli.render_audit import render_verify
    from haken_batch.verify import verify_path

    err = console(stderr=True, quiet=quiet or fmt is Format.json)
    if rerun:
        step = "re-running" if lang is Lang.en else "再計算して検証中"
    else:  # --no-rerun checks hashes, links and modes only: it must not claim a re-run
        step = "checking (no re-run)" if lang is Lang.en else "検証中（再計算なし）"
    report = run(lambda: verify_path(path, rerun=rerun, keep=keep,
                                     progress=lambda c: err.print(f"{c}: {step}…")), lang, fmt)
    if fmt is Format.json:
        print_json(report.to_json())
    else:
        render_verify(report, lang.value, quiet)
    raise typer.Exit(0 if report.ok else 1)


def explain(
    dispatch_id: Annotated[str, typer.Argument(help="派遣ID")],
    out: OutOpt,
    cycle: Annotated[str | None, typer.Option(
        "--cycle", help="サイクル YYYY-MM（省略時は最後に判断したサイクル）")] = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
) -> None:
    """派遣1件の精算の経緯を説明します / explain one dispatch, from the archive."""
    from haken_batch import explain as core
    from haken_batch.cli.render_audit import render_text

    story = run(lambda: core.story(out, dispatch_id, cycle), lang, fmt)
    if fmt is Format.json:
        print_json(story)
    else:
        render_text(run(lambda: core.render(story, lang.value), lang))


def close(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    out: OutOpt,
    by: Annotated[str, typer.Option("--by", help="確定者 / who closes the cycle")],
    date: Annotated[str | None, typer.Option(
        "--date", help="確定日 YYYY-MM-DD（省略時は今日）")] = None,
    accept_other_tool: Annotated[bool, typer.Option(
        "--accept-other-tool",
        help="精算したツールと違うツールで確定する（金額の出力は一致が必要。CLOSED.json に記録）"
             " / close with another tool than the one that settled (money outputs must agree)",
    )] = False,
    lang: LangOpt = Lang.ja,
    quiet: QuietOpt = False,
) -> None:
    """サイクルを確定します（以後は再精算不可） / close a cycle (final, never rewritten)."""
    from haken_batch.cli.render_audit import render_close
    from haken_batch.closing import close_cycle, is_closed

    # the CLI's clock only
    today = _today_in_japan()
    closed_on = date_option(date, "--date", lang) if date else today
    # a close records what happened: never a day to come (closing again is a no-op whatever
    # the date, as a script may repeat it)
    if closed_on > today and not is_closed(out, cycle):
        fail(f"--date: 確定日 {closed_on} は今日（{today}）より後です" if lang is Lang.ja else
             f"--date: the close date {closed_on} is after today ({today})", 2, lang.value)
    record = run(lambda: close_cycle(out, cycle, closed_on=closed_on, closed_by=by,
                                     accept_other_tool=accept_other_tool), lang)
    render_close(record, lang.value, quiet)


def discard(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    out: OutOpt,
    by: Annotated[str, typer.Option("--by", help="取り消す人 / who withdraws it")],
    lang: LangOpt = Lang.ja,
    quiet: QuietOpt = False,
) -> None:
    """誤って精算したサイクルを取り消します（振込・確定の前） / withdraw a mistaken cycle."""
    from haken_batch.cli.render_audit import render_discard
    from haken_batch.discarding import discard_cycle

    done = run(lambda: discard_cycle(out, cycle, by=by), lang)
    render_discard(done, lang.value, quiet)


def _today_in_japan() -> dt.date:
    """Today in Japan, the program's calendar: a machine on UTC (a server, often WSL) closed
    a cycle at 08:30 JST under yesterday's date (blind red-team check, round 3)."""
    try:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    except (ImportError, KeyError, OSError):  # no time-zone data on this machine
        return dt.date.today()


@sample_app.command("visits")
def visits(
    date_from: Annotated[str, typer.Option("--from", help="期間の開始 YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="期間の終了 YYYY-MM-DD")],
    data: Annotated[Path, typer.Option("--data", help="エクスポートのフォルダ / data folder")],
    out: Annotated[Path, typer.Option(
        "--out", help="CSV の出力先フォルダ（前回までの一覧もここから読みます。毎週同じフォルダに）"
    )] = Path("."),
    rules: Annotated[Path | None, typer.Option("--rules", help="ルールフォルダ")] = None,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
    quiet: QuietOpt = False,
) -> None:
    """現地確認の対象を週1件抽出します（R-RPT-4） / pick one field visit a week."""
    from haken_batch.cli.common import console
    from haken_batch.cli.render_audit import render_rows
    from haken_batch.visits import (
        COLUMNS,
        earlier_note,
        partial_week_note,
        partial_weeks,
        visits_from_data,
        write_visits,
    )

    start, end = (date_option(date_from, "--from", lang, fmt),
                  date_option(date_to, "--to", lang, fmt))
    # The earlier lists in --out carry the spread from week to week (the clerk runs this
    # each Monday into the same folder).
    frame, earlier = run(lambda: visits_from_data(data, start, end, rules, history=out), lang,
                         fmt)
    err = console(stderr=True, quiet=quiet or fmt is Format.json)
    for line in [*partial_week_note(start, end, lang.value), *earlier_note(earlier, lang.value)]:
        err.print(line, markup=False)
    target = out / f"visits_{start.isoformat()}_{end.isoformat()}.csv"
    run(lambda: write_visits(frame, target, "en" if lang is Lang.en else "ja"), lang, fmt)
    shown = list(COLUMNS)
    rows = frame.select(shown).rows()
    if fmt is Format.json:
        print_json({"csv": str(target), "earlier_visits": earlier.visits.height,
                    "earlier_files": list(earlier.files),
                    "partial_weeks": [m.isoformat() for m in partial_weeks(start, end)],
                    "visits": [
            {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in zip(shown, r,
                                                                                strict=True)}
            for r in rows]})
        return
    brief = ["week_start", "dispatch_id", "scheduled_on", "institution_kind", "bureau",
             "reason"]  # the terminal shows the gist; the CSV has every column
    headers = brief if lang is Lang.en else [COLUMNS[c] for c in brief]
    picked = frame.select(brief).rows()
    render_rows(f"現地確認 {start}〜{end} → {target}", headers, picked, quiet)


@sample_app.command("audit")
def audit(
    cycle: Annotated[str, typer.Argument(help="サイクル YYYY-MM")],
    out: OutOpt,
    fmt: FormatOpt = Format.text,
    lang: LangOpt = Lang.ja,
) -> None:
    """サイクルの監査サンプル（R-PAY-6）を表示します / show a cycle's audit sample."""
    import csv

    from haken_batch.cli.render_audit import render_rows

    path = out / cycle / "audit_sample.csv"
    if not path.is_file():
        fail(f"{path} がありません（サイクルは精算済みですか） / {path} not found", fmt=fmt)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    en = lang is Lang.en
    json_out = fmt is Format.json  # JSON keeps the check's code (evidence, email_confirmation)
    head, body = rows[0], [_with_instruction(rows[0], r, en, not json_out) for r in rows[1:]]
    head = [*head, "what to check" if en else "確認すること"]
    if en:  # the file's headers may be Japanese: English names, as --headers en writes them
        from haken_batch.audit_sample import COLUMNS

        english = {ja: name for name, ja in COLUMNS.items()}
        head = [english.get(h, h) for h in head]
    if json_out:
        print_json([dict(zip(head, r, strict=False)) for r in body])
        return
    render_rows(f"Audit sample {cycle}" if en else f"監査サンプル {cycle}", head,
                [tuple(r) for r in body], en=en)


def _with_instruction(head: list[str], row: list[str], en: bool, words: bool) -> list[str]:
    """The row with what to check for its subject added, and its check named in words
    (``words``; the file keeps the codes: evidence, email_confirmation)."""
    from haken_batch.audit_sample import CHECK_NAMES, COLUMNS, instruction, reason_en

    cell = dict(zip(head, row, strict=False))

    def get(name: str) -> str:
        return cell.get(COLUMNS[name], cell.get(name, ""))

    check = get("check")
    shown = [CHECK_NAMES[check][en] if words and h in (COLUMNS["check"], "check")
             and check in CHECK_NAMES
             else reason_en(v) if en and h in (COLUMNS["reason"], "reason")
             else v for h, v in zip(head, row, strict=False)]
    return [*shown, instruction(check, get("subject_id"), get("dispatches"),
                                "en" if en else "ja")]
