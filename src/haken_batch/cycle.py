"""One cycle end to end: prepare (load, settle), write the outputs, and the guards around it.

``settle_cycle`` is what `haken settle` calls: it takes the lock on OUT, refuses a closed
cycle, a cycle earlier than one already settled, and a transfer date after the payment
deadline (R-PER-2); then settles and writes everything into a staged folder that replaces
``OUT/CYCLE`` in one swap (so the ledger changes only together with the outputs).
``prepare`` + ``write_outputs`` are also what `haken verify` re-runs from an archive.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch import discarding, jpcalendar
from haken_batch.errors import ConfigError, CycleError
from haken_batch.run import CycleRun, Options

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.archive import InputPacker
    from haken_batch.load import Dataset
    from haken_batch.rules import RuleBook

Progress = Callable[[str], None]
CLOSED_NAME = "CLOSED.json"


def _noop(_: str) -> None:
    return None


def resolve_dates(options: Options, rules: RuleBook) -> tuple[dt.date, dt.date]:
    """Cut-off (default: the cycle's last day, payment.cutoff_day) and transfer date (R-DAY-1:
    a bank business day, moved back to the previous one when it is not)."""
    cutoff = options.cutoff or jpcalendar.default_cutoff(options.cycle, rules)
    if options.transfer_date is not None:
        transfer = jpcalendar.previous_bank_business_day(options.transfer_date, rules)
    else:
        transfer = jpcalendar.default_transfer_date(options.cycle, rules)
    return cutoff, transfer


def prepare(
    options: Options,
    progress: Progress = _noop,
    *,
    rules: RuleBook | None = None,
    on_read: Callable[[Path], None] | None = None,
) -> CycleRun:
    """Load rules (unless given), payer config and data, read the earlier ledgers and settle.

    ``on_read(path)`` is told of each export once read (settle packs the archive meanwhile).
    """
    from haken_batch import bankmaster, ledger, load
    from haken_batch.outdir import check_cycle
    from haken_batch.payer import load_payer
    from haken_batch.rules import load_rules
    from haken_batch.settle.engine import settle

    check_cycle(options.cycle)
    progress("rules")
    if rules is None:
        rules = load_rules(options.rules_dir)
    with bankmaster.source(options.bank_master):
        payer = load_payer(options.payer_file)
        progress("load")
        data = load.load_dataset(options.data_dir, rules, lang=options.lang, on_read=on_read)
        _refuse_my_number(data)
        previous = ledger.previous_ledger(options.out_dir, options.cycle)
        excluded_before = ledger.previous_excluded(options.out_dir, options.cycle)
        cutoff, transfer = resolve_dates(options, rules)
        progress("settle")
        settlement = settle(
            data,
            rules,
            cycle=options.cycle,
            cutoff=cutoff,
            transfer_date=transfer,
            previous=previous,
            record_checks=options.documents,
            excluded_before=excluded_before,
        )
    return CycleRun(
        options=options,
        rules=rules,
        data=data,
        settlement=settlement,
        payer=payer,
        previous=previous,
    )


def _refuse_my_number(data: Dataset) -> None:
    """No My Number anywhere: the archive keeps the exports byte for byte, so an export that
    carries a My-Number-looking column (``Dataset.my_number_columns``, set by the loader) is
    refused before anything is written."""
    from haken_batch.errors import StructuralError

    if data.my_number_columns:
        where = ", ".join(sorted({f"{f}「{ja}」" for f, ja, _ in data.my_number_columns}))
        where_en = ", ".join(sorted({f"{f} {en}" for f, _, en in data.my_number_columns}))
        raise StructuralError(
            f"マイナンバー（個人番号）と思われる列または修正があります: {where}。"
            "マイナンバーは保存できないため精算しません。その列・セル・修正を含まない"
            "エクスポートを用意してください（セルは元のシステムで直して出力し直します）",
            f"a column or correction that looks like a My Number: {where_en}. My Numbers are "
            "never stored, so the cycle is not settled; provide an export without it (a cell "
            "is fixed in the source system and exported again)")


def write_outputs(run: CycleRun, folder: Path, progress: Progress = _noop,
                  packer: InputPacker | None = None) -> None:
    """Every output of the cycle into ``folder``; documents only when options.documents.

    ``packer``: the inputs compressed while loading (else the archive compresses them now).
    """
    from haken_batch import bankmaster

    with bankmaster.source(run.options.bank_master):  # bank names in the files, notices
        _write_outputs(run, folder, progress, packer)


def _write_outputs(run: CycleRun, folder: Path, progress: Progress,
                   packer: InputPacker | None) -> None:
    import functools

    from haken_batch import archive
    from haken_batch.emit import csvs, withholding, zengin
    from haken_batch.parallel import ordered_map

    # The settlement files are independent of each other and mostly polars (which releases
    # the GIL): written side by side. A failure in one still fails the run (ordered_map
    # raises), and the staged folder is dropped whole.
    progress("files")
    ordered_map(lambda step: step(run, folder), [csvs.emit, zengin.emit, withholding.emit])
    steps = []
    if run.options.documents:  # documents only: kpi pulls in xlsxwriter (start-up)
        from haken_batch.emit import kpi, notices, statements

        steps += [("notices", notices.emit), ("kpi", kpi.emit), ("statements", statements.emit)]
    steps.append(("archive", functools.partial(archive.write_archive, packer=packer)))
    for name, step in steps:
        progress(name)
        step(run, folder)


def _refuse(options: Options, rules: RuleBook) -> None:
    from haken_batch import ledger
    from haken_batch.closing import is_closed

    out, cycle = Path(options.out_dir), options.cycle
    if is_closed(out, cycle):
        raise CycleError(
            f"サイクル {cycle} は確定済み（{CLOSED_NAME}）のため再精算できません",
            f"cycle {cycle} is closed ({CLOSED_NAME}) and is never rewritten",
        )
    later = [c for c in ledger.settled_cycles(out) if c > cycle]
    if later:
        undo_ja, undo_en = discarding.command(later[-1], out)
        raise CycleError(
            f"サイクル {cycle} より後のサイクル {later[-1]} が精算済みのため、"
            f"{cycle} は精算できません（{later[-1]} の精算が誤りで、まだ振込も確定もしていない"
            f"ときは、{undo_ja} で取り消してから精算し直してください）",
            f"cycle {later[-1]} is already settled; "
            f"an earlier cycle ({cycle}) cannot be settled after it (if settling {later[-1]} "
            f"was a mistake and it was neither transferred nor closed, withdraw it with "
            f"{undo_en} and settle again)",
        )
    deadline = _refuse_outside_program(cycle, rules)
    cutoff, transfer = resolve_dates(options, rules)
    year, month = jpcalendar.cycle_month(cycle)
    after = jpcalendar.add_months(year, month, 2)
    if not dt.date(year, month, 1) <= cutoff < dt.date(*after, 1):
        # before the month pays nothing new, and the first-cycle note said every approval
        # since April was paid (lifecycle check, session 21: 2021-05 --cutoff 2021-04-15);
        # months later pays the next cycles' approvals now (review). The month after stays
        # open: an approval deadline of the 5th of the next month is common practice
        raise CycleError(
            f"承認の締日 {cutoff} はサイクル {cycle} の月とその翌月の外です。--cutoff（省略時は"
            "ルールの締日 payment.cutoff_day）を見直してください",
            f"the approval cut-off {cutoff} is outside cycle {cycle}'s month and the month "
            "after; check --cutoff (default: the rules' cut-off day, payment.cutoff_day)",
            where="--cutoff")
    # a given date that was not a bank business day is named with the day it moved to:
    # 「振込指定日 2022-03-18 が…」 for --transfer-date 2022-03-21 read as a typo (sweep)
    given = options.transfer_date
    moved_ja, moved_en = ((f"（指定の {given} は銀行の休業日のため前営業日に繰り上げ）",
                           f" (the given {given} is not a bank business day: moved back)")
                          if given is not None and given != transfer else (" ", ""))
    if transfer < cutoff:
        # reports approved up to the cut-off cannot be paid before it: a mistyped date
        raise CycleError(
            f"振込指定日 {transfer}{moved_ja}が承認の締日 {cutoff} より前です。"
            f"--transfer-date（または --cutoff）を見直してください",
            f"transfer date {transfer}{moved_en} is before the approval cut-off {cutoff}; "
            f"check --transfer-date (or --cutoff)",
        )
    if deadline is not None and transfer > deadline:
        raise CycleError(
            f"振込指定日 {transfer}{moved_ja}は支払完了期限 {deadline} より後です（R-PER-2）。"
            f"--transfer-date で期限内の日を指定してください",
            f"transfer date {transfer}{moved_en} is after the payment deadline {deadline} "
            f"(R-PER-2); give --transfer-date on or before it",
        )


def _refuse_outside_program(cycle: str, rules: RuleBook) -> dt.date | None:
    """A cycle month the rules do not cover, or after the payment deadline's month, is a
    mistyped cycle: say so in those words (it read as a missing parameter of a YAML file,
    or as a transfer date to change: blind clerk check). Returns the payment deadline
    (R-PER-2) in force for the cycle."""
    from haken_batch.errors import RulesError
    from haken_batch.settle.params import as_date

    first_day = dt.date(*jpcalendar.cycle_month(cycle), 1)
    try:
        deadline = as_date(rules.value_at("program.payment_deadline", first_day))
        rules.value_at("payment.cutoff_day", first_day)
    except RulesError:
        raise CycleError(
            f"サイクル {cycle} の月にはルール（締日・単価など）がありません。"
            "サイクルの年月を確かめてください（ルールは rules/parameters にあります）",
            f"the rules (cut-off day, rates, …) do not cover cycle {cycle}; check the cycle "
            "(the rules are in rules/parameters)") from None
    if deadline is not None and first_day > deadline:
        raise CycleError(
            f"サイクル {cycle} は支払完了期限 {deadline}（R-PER-2）より後の月です。"
            "サイクルの年月を確かめてください。期限の後に承認された報告は支払えません"
            f"（期限までの最後の精算の「お知らせ」と 出力先/followups に、支払えない派遣を"
            "載せています）",
            f"cycle {cycle} is after the payment deadline {deadline} (R-PER-2); "
            "check the cycle. Reports approved after the deadline cannot be paid (the last "
            "settlement before it lists the dispatches it leaves unpaid, in its notes and "
            "OUT/followups)")
    return deadline


def _refuse_out_as_data(out: Path, data: Path) -> None:
    """OUT given as the data folder wrote the cycle among the exports with a fresh ledger,
    paying again from April, with only the first-cycle note to warn (blind clerk check)."""
    with contextlib.suppress(OSError):
        if out.exists() and data.exists() and out.resolve() == data.resolve():
            raise ConfigError(
                f"出力先（--out {out}）がデータフォルダ（--data）と同じです。出力先には、"
                "支払済みの記録を毎月積み上げる別のフォルダを指定してください（毎月同じもの）",
                f"the output folder (--out {out}) is the data folder (--data); give a folder "
                "of its own, where the record of what was paid builds up (the same each month)")


def settle_cycle(options: Options, progress: Progress = _noop) -> CycleRun:
    """`haken settle`: settle one cycle into OUT/CYCLE (replacing a previous run of it)."""
    from haken_batch import followups, history, outdir
    from haken_batch.archive import InputPacker
    from haken_batch.rules import load_rules

    outdir.check_cycle(options.cycle)
    out = Path(options.out_dir)
    _refuse_out_as_data(out, Path(options.data_dir))
    notes: list[outdir.Note] = []
    with outdir.locked(out, notes=notes):
        rules = load_rules(options.rules_dir)
        _refuse(options, rules)
        outdir.require_replaceable(out, options.cycle)  # before the work, not at the swap
        history.check_before_settling(out, options.cycle)  # nothing paid twice
        context = (*_adopted_note(out, options.cycle),
                   *(_skipped_month_note(out, options.cycle)
                     or _first_cycle_note(out, options.cycle, rules)))
        before = _transfer_files(out / options.cycle)
        with InputPacker(out) as packer:
            run = prepare(options, progress, rules=rules, on_read=packer.add)
            run = dataclasses.replace(run, followups=followups.collect(run), context=context)
            with outdir.staged_dir(out, options.cycle) as folder:
                write_outputs(run, folder, progress, packer)
        history.record(out, history.SETTLED, options.cycle)
        after = _transfer_files(out / options.cycle)
        replaced = [*_changed_rules_note(before, after), *_replaced_transfer_note(before, after),
                    *_dropped_outputs_note(before, after, options.documents)]
        listed = followups.write_list(out, options.cycle, run.followups, options.headers)
    where = ([(f"お知らせの一覧（派遣ごとに1行）: {listed}",
               f"these follow-ups as a list (a row per dispatch): {listed}")]
             if listed else [])
    return dataclasses.replace(run, notes=(*notes, *context, *replaced,
                                            *((f["ja"], f["en"]) for f in run.followups),
                                            *where))


def _skipped_month_note(out: Path, cycle: str) -> list[tuple[str, str]]:
    """The latest earlier cycle of OUT is not the month before: a month was skipped (often a
    mistyped cycle). Nothing is lost, this cycle pays what the skipped month would have,
    but the skipped month can no longer be settled after it (blind clerk check)."""
    from haken_batch import ledger

    earlier = [c for c in ledger.settled_cycles(out) if c < cycle]
    if not earlier:
        return []
    year, month = jpcalendar.add_months(*jpcalendar.cycle_month(cycle), -1)
    expected = f"{year}-{month:02d}"
    if earlier[-1] == expected:
        return []
    undo_ja, undo_en = discarding.command(cycle)
    return [(f"前回の精算は {earlier[-1]} で、{expected} までの月を飛ばしています。飛ばした月の"
             "承認分もこのサイクルで支払いますが、飛ばした月はこの後では精算できません。"
             f"サイクルの打ち間違いなら、振込・確定の前に {undo_ja} で取り消して"
             "正しい月を精算してください",
             f"the previous settled cycle is {earlier[-1]}: the months up to {expected} were "
             "skipped. This cycle pays what they would have, but they can no longer be settled "
             f"after it. If the cycle was mistyped, withdraw it with {undo_en} "
             "before transferring or closing, and settle the right month")]


def _adopted_note(out: Path, cycle: str) -> list[tuple[str, str]]:
    """OUT has settled cycles but no record of them (an earlier version, or a deleted
    record): the record is rebuilt from the folders there now, which cannot tell a folder
    moved away (blind check, round 3). Said, with the cycles it starts from."""
    from haken_batch import history, ledger

    if history.read(out) is not None:
        return []
    found = [c for c in ledger.settled_cycles(out) if c != cycle]
    if not found:
        return []
    span = found[0] if len(found) == 1 else f"{found[0]}〜{found[-1]}"
    return [(f"出力先に精算の記録（{history.HISTORY_NAME}）がなかったため、いまあるサイクルの"
             f"フォルダ（{span}、{len(found)} 件）から記録を作りました。精算したサイクルの"
             "フォルダを削除・移動していたなら、振込・確定の前に元に戻して精算し直してください",
             f"the output folder had no record of settled cycles ({history.HISTORY_NAME}): it "
             f"was rebuilt from the cycle folders there now ({span}, {len(found)}). If a "
             "settled cycle's folder was deleted or moved, put it back and settle again "
             "before transferring or closing")]


def _first_cycle_note(out: Path, cycle: str, rules: RuleBook) -> list[tuple[str, str]]:
    """No earlier cycle in OUT, and the cycle is not the fiscal year's first month: every
    approval since the year began was paid now. Right for a first month with this tool; a
    wrong --out (a new folder from a mistyped path) pays everything again (blind red-team
    check, round 3)."""
    from haken_batch import ledger

    if any(c < cycle for c in ledger.settled_cycles(out)):
        return []
    year, month = jpcalendar.cycle_month(cycle)
    start = int(rules.value_at("program.fiscal_year_start_month", dt.date(year, month, 1)))
    if month == start:
        return []
    first = f"{year if month > start else year - 1}-{start:02d}"
    # no path in the text: it is kept in the manifest, which records no folder (a re-run or
    # a copy elsewhere is equal); the summary names the folder
    ja, en = first_cycle_lead(cycle)
    undo_ja, undo_en = discarding.command(cycle)
    return [(f"{ja}年度初め（{first}）からの"
             "承認をすべてこのサイクルで支払いました。以前の月を別の出力先で精算しているなら、"
             f"振込・確定の前に --out を確かめてください（{undo_ja} で取り消せます）",
             f"{en} every approval since the "
             f"fiscal year began ({first}) was paid in this cycle. If earlier months were "
             "settled into another output folder, check --out before transferring or closing "
             f"({undo_en} withdraws this one)")]


def first_cycle_lead(cycle: str) -> tuple[str, str]:
    """How the note of a first cycle in OUT begins (``haken demo`` words it for a demo)."""
    return (f"出力先（--out）には {cycle} より前の精算がありません。",
            f"the output folder (--out) has no cycle before {cycle}:")


def _transfer_files(folder: Path) -> dict[str, Any] | None:
    """What a settled cycle folder says of its transfer: the Zengin files' hashes and the
    net total (from its manifest); None when the cycle was not settled (or is unreadable)."""
    from haken_batch.manifest import MANIFEST_NAME, ManifestUnreadable, read_json

    try:
        manifest, _ = read_json(folder / MANIFEST_NAME)
    except (ManifestUnreadable, OSError):
        return None
    files = {e.get("path"): e.get("sha256") for e in manifest.get("outputs") or []
             if str(e.get("path", "")).startswith("zengin_") and str(e["path"]).endswith(".txt")}
    rules = {str(e.get("path", "")).removeprefix("archive/rules/"): e.get("sha256")
             for e in manifest.get("rules") or []}
    # the top-level outputs (notices/, kpi_….xlsx): a re-run without documents drops some
    tops = {str(e.get("path", "")).split("/", 1)[0] for e in manifest.get("outputs") or []}
    return {"files": files, "net": (manifest.get("settlement") or {}).get("net"),
            "rules": rules, "outputs": tops}


def _changed_rules_note(before: dict[str, Any] | None,
                        after: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Settling a cycle again with other rules files: say which, whatever else changed (a
    rate edit said only that the transfer changed, and an audit-size edit nothing at all:
    blind red-team check, round 3)."""
    if before is None or after is None:
        return []
    old, new = before.get("rules"), after.get("rules")
    if not isinstance(old, dict) or not isinstance(new, dict) or old == new:
        return []
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    shown = "、".join(changed[:5]) + (f" ほか {len(changed) - 5}" if len(changed) > 5 else "")
    shown_en = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5
                                         else "")
    return [(f"前回の精算からルールのファイルが変わっています: {shown}。結果の違いはこの変更に"
             "よるものがあります（前回の結果は置き換えられました）",
             f"the rules files changed since this cycle was last settled: {shown_en}; the "
             "results may differ because of it (the earlier results were replaced)")]


def _replaced_transfer_note(before: dict[str, Any] | None,
                            after: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Settling a cycle again replaces its outputs; when its transfer file changed, say so
    loudly: the earlier file may already be at the bank (a blind clerk check: 329 transfers
    became 330 under the same file name, without a word)."""
    if before is None or after is None or before["files"] == after["files"]:
        return []

    def yen(value: object) -> str:
        return f"{value:,}" if isinstance(value, int) else "?"

    # what changed: the total, or only the date (and so the file's name): blind clerk check;
    # the same total leaves nothing to reconcile, only not to send twice (helper review)
    same = before["net"] == after["net"]
    net_ja = (f"振込総額は同じ {yen(after['net'])} 円" if same
              else f"振込総額 {yen(before['net'])} 円 → {yen(after['net'])} 円")
    net_en = (f"net unchanged at {yen(after['net'])} yen" if same
              else f"net {yen(before['net'])} yen -> {yen(after['net'])} yen")
    old_names = sorted(str(n) for n in before["files"])
    new_names = sorted(str(n) for n in after["files"])
    if old_names != new_names:
        net_ja += f"、ファイル {'・'.join(old_names)} → {'・'.join(new_names)}"
        net_en += f", file {', '.join(old_names)} -> {', '.join(new_names)}"
    check_ja = ("今回のファイルは送らないでください" if same
                else "今回のファイルは送らずに差額を確認してください")
    check_en = "" if same else "; check the difference"
    return [(f"このサイクルは精算済みでした。前回の結果を置き換え、全銀ファイルの内容が変わりました"
             f"（{net_ja}）。前回の全銀ファイルを"
             f"銀行へ送信済みなら、{check_ja}。"
             "送信後は haken close で確定すると、再精算されません",
             f"this cycle was settled before: its results were replaced and the transfer file "
             f"changed ({net_en}). "
             f"If the earlier file was already sent to the bank, do not send this one{check_en}. "
             "Close the cycle (haken close) once its file is sent, and it is "
             "never settled again")]


def _dropped_outputs_note(before: dict[str, Any] | None, after: dict[str, Any] | None,
                          documents: bool) -> list[tuple[str, str]]:
    """A cycle settled again without documents loses the notices, KPI workbook… the earlier
    run wrote (the folder is replaced whole): said, not silent (blind clerk check). A
    transfer file of another date is the transfer note's."""
    if before is None or after is None or documents:
        return []
    gone = sorted(name for name in set(before.get("outputs") or ())
                  - set(after.get("outputs") or ()) - {"archive"}
                  if not name.startswith("zengin_"))
    if not gone:
        return []
    names = "、".join(gone)
    return [(f"前回の精算にあった {names} は、今回の精算では作られていません（--no-documents "
             "のときは作りません）。要るときは --no-documents なしで精算し直してください",
             f"the earlier run's {', '.join(gone)} were not written this time (--no-documents "
             "writes none); settle again without --no-documents if they are needed")]


def _carried_over(run: CycleRun, decided: pl.DataFrame) -> dict[str, int]:
    """status -> how many of this cycle's held (or excluded) dispatches the latest earlier
    settled cycle of OUT gave the same status."""
    import polars as pl

    from haken_batch import ledger
    from haken_batch.errors import HakenError
    from haken_batch.kpi.source import read_decisions

    out = Path(run.options.out_dir)
    earlier = [c for c in ledger.settled_cycles(out) if c < run.options.cycle]
    if not earlier:
        return {}
    try:
        before = read_decisions(out / earlier[-1] / "dispatches.csv")
    except HakenError:
        return {}
    both = decided.select("dispatch_id", "status").join(
        before.select("dispatch_id", pl.col("status").alias("_before")), on="dispatch_id")
    return {status: int(both.filter((pl.col("status") == status)
                                    & (pl.col("_before") == status)).height)
            for status in ("held", "excluded")}


def summary(run: CycleRun, folder: Path | None = None) -> dict[str, object]:
    """Plain numbers for the terminal and ``--format json``: counts, yen, the hold reasons
    (every rule: a top five left a third of the holds uncounted, blind clerk check)."""
    import polars as pl

    from haken_batch.load.whole_column import whole_columns_in

    s = run.settlement
    d, p = s.dispatches, s.payments
    counts = {k: 0 for k in ("paid", "held", "excluded")}
    counts.update({str(k): int(v) for k, v in d.group_by("status").len().iter_rows()})
    yen = {
        c: int(p.get_column(c).sum() or 0)
        for c in ("fee", "transport", "per_diem", "lodging", "gross", "withholding", "net")
    }
    holds = (
        d.filter(pl.col("status") == "held")
        .select(pl.col("rules").str.split(";").alias("rule"))
        .explode("rule")
        .group_by("rule")
        .len()
        .sort(["len", "rule"], descending=[True, False])
    )
    # the files, then the folders (notices/, statements/, archive/: the list left them out)
    files = ([*sorted(f.name for f in folder.iterdir() if f.is_file()),
              *sorted(f"{f.name}/" for f in folder.iterdir() if f.is_dir())] if folder else [])
    carried = _carried_over(run, d)
    flags = s.findings.filter(pl.col("severity") == "flag")
    return {
        "cycle": s.cycle,
        "cutoff": s.cutoff.isoformat(),
        "transfer_date": s.transfer_date.isoformat(),
        "considered": d.height,
        "counts": counts,
        # of this cycle's held / excluded, how many the previous settled cycle held or
        # excluded too (a clerk could not tell new cases from carried ones)
        "carried": carried,
        "yen": yen,
        "payees": p.height,
        "transfers": int(p.filter(pl.col("net") > 0).height),
        "top_holds": [[str(r), int(n)] for r, n in holds.iter_rows()],
        "flags": flags.height,
        # of them, on dispatches paid now: a held one's flags come back every cycle until it
        # is paid, so the total alone grows through the year (blind check, session 12)
        "flags_paid": flags.join(d.filter(pl.col("status") == "paid").select("dispatch_id"),
                                 on="dispatch_id", how="semi").height,
        # the loader's findings: errors hold what they touch, warnings hold nothing; the
        # terminal only counts them (the list, with rows, is `haken validate`'s)
        "input_findings": {sev: int(run.data.findings.filter(pl.col("severity") == sev).height)
                           for sev in ("error", "warning")},
        "whole_columns": whole_columns_in(run.data),
        "corrections": {
            "applied": int(run.data.corrections.get_column("seq").n_unique()),
            "refused": int(run.data.findings.filter(
                (pl.col("table") == "corrections") & (pl.col("severity") == "error")).height),
        },
        # reports not approved yet: in no output of the cycle, and easily forgotten until the
        # payment deadline (blind clerk check, session 18)
        "awaiting_approval": _awaiting_approval(run),
        # the payment deadline's cycle: what it leaves is never paid (follow-up never_payable)
        "last_cycle": any(f.get("kind") == "never_payable" for f in run.followups),
        "folder": str(folder) if folder else None,
        "files": files,
        "notes": [{"ja": ja, "en": en} for ja, en in run.notes],
    }


def _awaiting_approval(run: CycleRun) -> int:
    """Reports of a support day up to the cut-off that the institution has not approved, of
    dispatches neither cancelled nor paid before."""
    import polars as pl

    from haken_batch.settle.select import CANCELLED

    reports, table = run.data.tables.get("reports"), run.data.tables.get("dispatches")
    if reports is None or table is None or not {"approved_at", "support_date"} <= set(
            reports.columns):
        return 0
    live = table.filter(pl.col("status").fill_null("") != CANCELLED).select("dispatch_id")
    waiting = (reports.filter(pl.col("approved_at").is_null()
                              & (pl.col("support_date") <= run.settlement.cutoff))
               .select("dispatch_id").unique()
               .join(live, on="dispatch_id", how="semi")
               .join(run.previous.select("dispatch_id"), on="dispatch_id", how="anti"))
    return waiting.height
