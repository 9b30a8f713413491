"""`haken explain DISPATCH_ID`: the story of one dispatch, from the archive (R-DATA-1).

The cycle that decided the dispatch (the latest cycle of OUT whose ``dispatches.csv`` lists
it, or ``--cycle``) is rebuilt from its archive alone (``archive.restore`` +
``cycle.prepare``), so the story is told from exactly what was read and the rules in force:
the rows (personal data masked), the corrections that touched them, every check with its
outcome, rule id and the parameter values in force on the support date (the transfer date
for tax and payment rules), each line claimed → paid, how the daily cap and the per diem
were shared with the expert's other dispatches that day, and where the money went.
``story(...)`` returns plain data (``--format json``); ``render(story, lang)`` the text,
worded by ``templates/explain/story.<lang>.txt.j2``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError
from haken_batch.load.spec import DISPATCH_TABLES
from haken_batch.manifest import cycles_in
from haken_batch.privacy import mask_account, mask_name, mask_text
from haken_batch.rules.display import shown
from haken_batch.scratch import private_dir

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.load.spec import TableSpec
    from haken_batch.run import CycleRun

# Columns whose values are personal or company data (R-DATA-2): masked in every story.
_NAME_COLUMNS = {"name", "name_kana", "account_holder_kana", "company_name", "platform_name"}
_ACCOUNT_COLUMNS = {"account_number"}
_OTHER_PERSONAL = {"address", "postal_code", "email", "company_address", "company_phone",
                   "place_address"}
# a position pins the masked address down to the house: shown to about 1 km (2 decimals),
# enough to see a check-in far from the place; R-CHK-3's distance is told exactly (review)
_COORDINATES = {"lat", "lon", "place_lat", "place_lon"}
# an institution's or platform's name is an organisation's, public: shown, so the story can
# be followed (a company's stays masked: it may be a sole proprietor's own name)
_PUBLIC = {("institutions", "name"), ("institutions", "platform_name")}
PER_DIEM_ITEM = "日当"  # the per diem line's item (settle/engine.py)
# Rules read on the transfer date rather than on the support date (docs/design.md).
_PAYMENT_DATE_RULES = ("R-TAX-", "R-DAY-", "R-PAY-")
_PAPERS_RULE = "R-CHK-5"  # the check of a travel line's papers (receipt, stub, taxi reason)


class ExplainError(HakenError):
    """The dispatch is not in OUT, or not in the cycle asked for."""


def mask_value(column: str, value: Any, table: str | None = None) -> Any:
    if value is None or (table, column) in _PUBLIC:
        return value
    if column in _NAME_COLUMNS:
        return mask_name(value)
    if column in _ACCOUNT_COLUMNS:
        return mask_account(value)
    if column in _OTHER_PERSONAL:
        text = str(value)
        return text[:3] + "***" if len(text) > 3 else "***"
    if column in _COORDINATES:  # a number, or a correction's text (review, session 20)
        try:
            return f"{float(str(value).strip()):.2f}***"
        except ValueError:
            return "***"
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.time) and not (value.second or value.microsecond):
        return value.strftime("%H:%M")  # as the export wrote it (13:00, not 13:00:00)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def _rows(frame: pl.DataFrame | None, column: str, value: str,
          table: str | None = None) -> list[dict[str, Any]]:
    import polars as pl

    if frame is None or column not in frame.columns:
        return []
    found = frame.filter(pl.col(column).cast(pl.String) == value)
    return [{k: _plain(mask_value(k, v, table)) for k, v in row.items()}
            for row in found.to_dicts()]


# ------------------------------------------------------------------- finding the cycle


def _listed(folder: Path, dispatch_id: str) -> str | None:
    """The status ``folder/dispatches.csv`` gives the dispatch (None when not listed)."""
    path = folder / "dispatches.csv"
    if not path.is_file():
        return None
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    next(reader, None)
    for row in reader:  # dispatch_id is the first column, status the fifth (issue 6)
        if row and row[0] == dispatch_id:
            return row[4] if len(row) > 4 else ""
    return None


def history(out: Path, dispatch_id: str) -> list[dict[str, str]]:
    """Every cycle of OUT that lists the dispatch, with the status it gave."""
    found = []
    for cycle in cycles_in(out):
        status = _listed(out / cycle, dispatch_id)
        if status is not None:
            found.append({"cycle": cycle, "status": status})
    return found


def plain_id(dispatch_id: str) -> str:
    """The id without the spaces a copy from a mail or a spreadsheet cell brings along
    ("D21-0000001 "): the loader strips every key cell, so no dispatch id has one."""
    plain = dispatch_id.strip()  # str.strip() takes the full-width space (U+3000) too
    if not plain:
        raise ExplainError("派遣IDが空です（例: D21-0000001）",
                           "the dispatch id is empty (e.g. D21-0000001)")
    return plain


def deciding_cycle(out: Path, dispatch_id: str, cycle: str | None = None) -> str:
    from haken_batch.outdir import check_cycle, cycle_folder_named, unfinished_run

    if Path(out).exists() and not Path(out).is_dir():
        raise ExplainError(f"{out} はファイルです。--out には出力フォルダ（OUT）を指定してください",
                           f"{out} is a file; --out takes the output folder (OUT)",
                           where=str(out))
    if not Path(out).is_dir():  # say the folder is missing, not that the dispatch is
        raise ExplainError(f"出力フォルダ {out} がありません", f"no output folder {out}",
                           where=str(out))
    named = cycle_folder_named(Path(out))  # OUT/2021-10 given as OUT: say so
    if named is not None:
        raise ExplainError(*named)  # the message names the folder
    if cycle is not None:
        check_cycle(cycle)  # 2021/10 is a mistyped cycle, not a cycle without the dispatch
    hist = history(out, dispatch_id)
    # d21-0000001 or Ｄ２１－００００００１ (full width, as an IME types it): say which id is there
    folded = unicodedata.normalize("NFKC", dispatch_id).upper()
    if not hist and folded != dispatch_id and history(out, folded):
        how = "大文字の" if dispatch_id.upper() == folded else "半角の"
        raise ExplainError(
            f"派遣 {dispatch_id} は {out} のどのサイクルにもありません"
            f"（{how} {folded} ならあります）",
            f"dispatch {dispatch_id} is in no cycle of {out} ({folded} is)",
            where=str(out))
    if cycle is not None:
        if not any(h["cycle"] == cycle for h in hist):
            raise ExplainError(f"派遣 {dispatch_id} はサイクル {cycle} にありません",
                               f"dispatch {dispatch_id} is not in cycle {cycle}", where=str(out))
        return cycle
    if not hist and unfinished_run(Path(out)):
        # the dispatch may be in the cycle being written (hostile check, session 22)
        raise ExplainError(
            f"派遣 {dispatch_id} はまだどのサイクルにもありません。{out} では精算が実行中か、"
            "途中で止まっています。実行中なら終わってから、止まったなら精算し直してから"
            "確かめてください",
            f"dispatch {dispatch_id} is in no cycle yet; {out} has a settle running or "
            "stopped half-way: look again once it has finished, or after settling again",
            where=str(out))
    if not hist:
        raise _in_no_cycle(out, dispatch_id)
    return hist[-1]["cycle"]


def _in_no_cycle(out: Path, dispatch_id: str) -> ExplainError:
    """No cycle considered the dispatch (not reported or approved, say); a follow-up may
    still name it: the last cycle of the year names what it leaves unpaid for good (blind
    follow-ups check: explain of such a dispatch said only "in no cycle")."""
    from haken_batch.followups import KIND_JA

    named = followups_about(out, dispatch_id)
    ja = f"派遣 {dispatch_id} は {out} のどのサイクルにもありません"
    en = f"dispatch {dispatch_id} is in no cycle of {out}"
    why = _why_not_considered(out, dispatch_id)
    if why is not None:
        ja, en = f"{ja}（{why[0]}）", f"{en} ({why[1]})"
    if named:
        said_ja, said_en = why or ("報告や機関承認がないなど", "not reported or approved, say")
        ja = (f"派遣 {dispatch_id} は {out} のどのサイクルでも精算の対象になっていません"
              f"（{said_ja}）。この派遣は次のお知らせにあります: "
              + "、".join(f"サイクル {f['cycle']} の「{KIND_JA.get(f['kind'], f['kind'])}」"
                         for f in named))
        en = (f"dispatch {dispatch_id} was not considered by any cycle of {out} "
              f"({said_en}). It is named in these follow-ups: "
              + ", ".join(f"cycle {f['cycle']} ({f['kind']})" for f in named))
    return ExplainError(ja, en, where=str(out))


def _why_not_considered(out: Path, dispatch_id: str) -> tuple[str, str] | None:
    """Why the latest settled cycle did not consider the dispatch, from its archived
    inputs: cancelled, not reported, not approved or approved after the cut-off (a
    dispatch cancelled before payment was only "in no cycle": blind clerk check). None
    when it cannot be told (no settled cycle, an archive that cannot be read)."""
    import polars as pl

    from haken_batch.archive import restore
    from haken_batch.ledger import settled_cycles
    from haken_batch.load import load_dataset
    from haken_batch.manifest import MANIFEST_NAME, ManifestUnreadable, read_json
    from haken_batch.rules import load_rules
    from haken_batch.settle.select import CANCELLED

    cycles = settled_cycles(out)
    if not cycles:
        return None
    folder = out / cycles[-1]
    try:
        manifest, _ = read_json(folder / MANIFEST_NAME)
        cutoff = str((manifest.get("settlement") or {}).get("cutoff") or "")
        with private_dir("explain") as tmp:
            options = restore(folder, Path(tmp))
            tables = load_dataset(options.data_dir, load_rules(options.rules_dir)).tables
    except (HakenError, ManifestUnreadable, OSError, KeyError, ValueError):
        return None
    where = f"{cycles[-1]} の入力では", f"in {cycles[-1]}'s inputs"

    def rows(table: str) -> list[dict[str, Any]]:
        frame = tables.get(table)
        if frame is None or "dispatch_id" not in frame.columns:
            return []
        return frame.filter(pl.col("dispatch_id").cast(pl.String) == dispatch_id).to_dicts()

    dispatch, report = rows("dispatches"), rows("reports")
    if not dispatch:
        return f"{where[0]}派遣案件にもありません", f"not in the dispatches export {where[1]}"
    if dispatch[0].get("status") == CANCELLED:
        return (f"{where[0]}キャンセルです。キャンセルは精算しません",
                f"cancelled {where[1]}; a cancelled dispatch is never settled")
    if not report:
        return (f"{where[0]}支援実績報告がありません", f"no report {where[1]}")
    approved = report[0].get("approved_at")
    if approved is None:
        return (f"{where[0]}報告が機関に承認されていません",
                f"the report is not approved {where[1]}")
    if cutoff and approved.date().isoformat() > cutoff:
        return (f"報告の承認（{approved.date().isoformat()}）が {cycles[-1]} の締日 {cutoff} より"
                "後です。次のサイクルで精算します",
                f"the report was approved on {approved.date().isoformat()}, after "
                f"{cycles[-1]}'s cut-off {cutoff}: the next cycle settles it")
    return None


# ------------------------------------------------------------------------- the story


def is_basis(rule_id: str, reference: str) -> bool:
    """Whether a parameter whose ``reference`` is this is listed under ``rule_id``: the rule
    is cited, except for the papers a travel line needs (boarding-pass stub, receipts, taxi
    reason). They cite the travel rule that asks for them and R-CHK-5, but only the R-CHK-5
    check reads them (settle/travel._papers): listed under R-TRV-4 they read as the basis
    of a higher-class hold, which depends on none of them."""
    cited = reference.replace(",", " ").split()
    return rule_id in cited and (rule_id == _PAPERS_RULE or _PAPERS_RULE not in cited)


def _parameters_for(run: CycleRun, rule_id: str, support: dt.date | None) -> list[dict[str, Any]]:
    if not rule_id:
        return []
    on = run.settlement.transfer_date if rule_id.startswith(_PAYMENT_DATE_RULES) else support
    if on is None:
        return []
    out = []
    for name in sorted(run.rules.parameters):
        param = run.rules.parameters[name]
        if not is_basis(rule_id, param.reference):
            continue
        try:
            value = param.value_at(on)
            since = param.start_of_value_at(on)
        except HakenError:
            continue
        out.append({"name": name, "value": value, "unit": param.unit, "since": since.isoformat(),
                    "on": on.isoformat(), "description": param.description,
                    # as a clerk reads it: 31,680円/日, はい (the value stays for --format json)
                    "shown": shown(value, param.unit, "ja"),
                    "shown_en": shown(value, param.unit, "en")})
    return out


def _specs(run: CycleRun) -> dict[str, TableSpec]:
    """The column map the cycle read its exports with: each column's export header."""
    from haken_batch.load.spec import export_specs

    return export_specs(run.rules)


def _line_labels(lines: list[dict[str, Any]]) -> dict[int, tuple[str, str]]:
    """(ja, en) name of each line number: line 0 is the fee and the per diem follows the
    claim lines, which keep the expert's own 明細番号 (a bare "明細0" read as a claim line)."""
    labels = {0: ("謝金", "fee")}
    for ln in lines:
        no = ln.get("line_no")
        if isinstance(no, int) and no not in labels:
            labels[no] = (("日当", "per diem") if ln.get("item") == PER_DIEM_ITEM
                          else (f"明細{no}", f"line {no}"))
    return labels


def _corrections(run: CycleRun, keys: dict[str, set[str]],
                 tables: dict[str, TableSpec]) -> list[dict[str, Any]]:
    trail = getattr(run.data, "corrections", None)
    if trail is None or trail.height == 0:
        return []
    file = _corrections_file(run)
    out = []
    for row in trail.sort("seq").to_dicts():
        table, key = str(row.get("table")), str(row.get("key"))
        if aimed_at(table, key, keys):
            col = str(row.get("column"))
            spec = tables.get(table)
            out.append({
                # named by its row as Excel shows it, like a refused one; #seq as the
                # notes and corrections_applied.csv (連番) count
                "seq": row.get("seq"), "file": file, "row": row.get("row"),
                "table": table, "key": key, "column": col,
                # what the clerk wrote and sees in the export: 支援実績報告 / 終了時刻
                "table_ja": spec.ja if spec is not None else table,
                "label": spec.column(col).label if spec is not None else col,
                "kind": spec.column(col).kind if spec is not None else None,
                "old": _plain(mask_value(col, row.get("old"), table)),
                "new": _plain(mask_value(col, row.get("new"), table)),
                # free text: an account number written in it is masked like the cells
                "reason": mask_text(str(row.get("reason") or "")),
                "who": row.get("corrected_by"),
                "when": _plain(row.get("corrected_at")),
            })
    return out


def _corrections_file(run: CycleRun) -> str:
    """The name of the file (or workbook) the corrections were read from."""
    from haken_batch.load.spec import CORRECTIONS

    sources = getattr(run.data, "sources", {}) or {}
    return Path(sources[CORRECTIONS].path).name if CORRECTIONS in sources else CORRECTIONS


def aimed_at(table: str, key: str, keys: dict[str, set[str]]) -> bool:
    """Whether a correction's (table, key) names a row of the dispatch (two-part keys of
    check-ins and claim lines: "D-1;2"). A dispatch table's key reaches its dispatch also
    in full width (Ｄ－１), as an expert's or institution's key reaches theirs: the folding
    validate.touched_dispatches holds it by (R-VAL-1)."""
    wanted = keys.get(table, set())
    if key in wanted:
        return True
    own = key.split(";")[0] if table in DISPATCH_TABLES else key
    return own in wanted or unicodedata.normalize("NFKC", own).strip() in wanted


def _rejected(run: CycleRun, keys: dict[str, set[str]],
              tables: dict[str, TableSpec]) -> list[dict[str, Any]]:
    """The corrections the loader refused that aimed at the dispatch's rows: they hold it
    (R-VAL-1), so section 2 must not say no correction touched it. Each is named by its row
    in the corrections file as Excel shows it, as `validate` and corrections_rejected.csv
    name it."""
    from haken_batch.load.spec import fold

    refused = getattr(run.data, "refused_corrections", None)
    if refused is None or refused.height == 0 or "why_ja" not in refused.columns:
        return []
    file = _corrections_file(run)
    out = []
    for row in refused.sort("row", nulls_last=True).to_dicts():
        table, key = str(row.get("table")), str(row.get("key"))
        if not aimed_at(table, key, keys):
            continue
        spec = tables.get(table)
        written = row.get("column")
        col = spec.by_header().get(fold(str(written or ""))) if spec is not None else None
        value = row.get("value")
        if value is not None:  # a value as written: personal data masked like the cells
            value = mask_text(str(mask_value(col.name, value, table) if col is not None
                                  else value))
        out.append({
            "file": file, "row": row.get("row"), "table": table, "key": key,
            "table_ja": spec.ja if spec is not None else table,
            "column": written, "column_name": col.name if col is not None else None,
            "value": value, "why_ja": row.get("why_ja"), "why_en": row.get("why_en"),
        })
    return out


def _day(run: CycleRun, expert_id: str, support: dt.date | None) -> dict[str, Any]:
    """The expert's dispatches on the support day: earlier cycles (ledger) and this one."""
    import polars as pl

    if support is None:
        return {"support_date": None, "dispatches": []}
    s = run.settlement
    starts: dict[str, Any] = {}
    for table in ("dispatches", "reports"):  # the approved start time lives in reports
        frame = run.data.tables.get(table)
        if frame is not None and "start_time" in frame.columns:
            starts |= {k: _plain(v) for k, v in frame.select("dispatch_id", "start_time").rows()}
    entries: list[dict[str, Any]] = []
    prev = run.previous
    if prev is not None and prev.height and {"expert_id", "support_date"} <= set(prev.columns):
        earlier = prev.filter(pl.col("expert_id").cast(pl.String) == expert_id,
                              pl.col("support_date").cast(pl.String) == support.isoformat())
        for row in earlier.to_dicts():
            entries.append({
                "dispatch_id": row["dispatch_id"], "cycle": row.get("cycle"), "status": "paid",
                "start_time": _plain(row.get("start_time")) or starts.get(row["dispatch_id"]),
                "fee": row.get("fee"), "per_diem": row.get("per_diem"),
            })
    same = s.dispatches.filter(pl.col("expert_id").cast(pl.String) == expert_id,
                               pl.col("support_date").cast(pl.String) == support.isoformat())
    for row in same.to_dicts():
        entries.append({
            "dispatch_id": row["dispatch_id"], "cycle": s.cycle, "status": row["status"],
            "start_time": starts.get(row["dispatch_id"]),
            "fee": row.get("fee"), "per_diem": row.get("per_diem"),
        })
    entries.sort(key=lambda e: (str(e["start_time"] or ""), str(e["dispatch_id"])))
    paid = [e for e in entries if e["status"] == "paid"]

    def value(name: str) -> Any:
        try:
            return run.rules.value_at(name, support)
        except HakenError:
            return None

    return {
        "support_date": support.isoformat(),
        "daily_cap": value("fee.daily_cap"),
        "per_diem_rate": value("travel.per_diem"),
        "fee_paid_that_day": sum(int(e["fee"] or 0) for e in paid),
        "per_diem_paid_on": [e["dispatch_id"] for e in paid if int(e["per_diem"] or 0) > 0],
        "dispatches": entries,
    }


def _money(run: CycleRun, folder: Path, row: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    s = run.settlement
    payment = s.payments.filter(pl.col("expert_id").cast(pl.String) == str(row["expert_id"]))
    zengin = sorted(p.name for p in folder.glob("zengin_*.txt"))  # the bank files
    return {
        "cycle": s.cycle,
        "status": row["status"],
        "transfer_date": s.transfer_date.isoformat(),
        "zengin_files": zengin if row["status"] == "paid" else [],
        "payment": {k: _plain(v) for k, v in payment.to_dicts()[0].items()}
        if payment.height and row["status"] == "paid" else None,
    }


def _english_of_findings(checks: pl.DataFrame | None, dispatch_id: str
                         ) -> dict[tuple[Any, ...], str]:
    """(line_no, rule_id, outcome, message) -> message_en from the engine's checks: a finding
    is a check row that is not a pass (findings.csv keeps only the Japanese)."""
    import polars as pl

    need = {"dispatch_id", "line_no", "rule_id", "outcome", "message", "message_en"}
    if checks is None or not need <= set(checks.columns):
        return {}
    mine = checks.filter(pl.col("dispatch_id") == dispatch_id, pl.col("outcome") != "pass")
    out: dict[tuple[Any, ...], str] = {}
    for row in mine.select("line_no", "rule_id", "outcome", "message", "message_en").rows():
        if row[4]:
            out.setdefault(tuple(_plain(v) for v in row[:4]), row[4])
    return out


def _held_papers(checks: list[dict[str, Any]]) -> set[Any]:
    """The lines whose papers R-CHK-5 found missing."""
    return {c["line_no"] for c in checks
            if c["rule_id"] == _PAPERS_RULE and c["outcome"] == "hold"}


def effect(rule_id: str, outcome: str, line_no: Any, status: str,
           papers_missing: set[Any]) -> str | None:
    """What a check did to the dispatch where its outcome alone would mislead (None: what
    the outcome says). The engine runs every check on every dispatch; the decision is one:
    - ``not_applied``: a hold or reduction (or a travel rule's pass on a line without its
      papers) on an excluded dispatch: "when both excludable and holdable, it is excluded"
      (rules.md, Decisions), so it is not held and findings.csv lists the exclusion only;
    - ``papers_missing``: a travel rule's pass on a line R-CHK-5 held (a taxi without its
      reason, R-TRV-6): the rule needs those papers, so the line is not 確認済;
    - ``when_paid``: a reduction of a held dispatch, which pays nothing yet: the line is
      reduced when it is paid (findings.csv and dispatches.csv do not list it now)."""
    travel_pass = (rule_id.startswith("R-TRV-") and outcome == "pass"
                   and line_no in papers_missing)
    if status == "excluded" and (outcome in ("hold", "reduce") or travel_pass):
        return "not_applied"
    if travel_pass:
        return "papers_missing"
    if status == "held" and outcome == "reduce":
        return "when_paid"
    return None


def once_per_exclusion(items: list[dict[str, Any]], outcome: str, ja: str, en: str
                       ) -> list[dict[str, Any]]:
    """Each exclusion once. In a later cycle the engine gives an excluded dispatch two rows
    per rule: the rule's own reason, and exclusions.final()'s "decided in 2021-10 (final)".
    The reason row keeps its place and takes the other's words; a finality row whose rule no
    longer finds its reason (the flag changed since) stays as it is. ``outcome``, ``ja``,
    ``en``: the keys of the outcome and the two messages (checks: outcome, detail,
    detail_en; findings: severity, message, message_en)."""
    from haken_batch.settle.exclusions import FINAL_JA

    def where(item: dict[str, Any]) -> tuple[Any, Any]:
        return item["rule_id"], item.get("line_no")

    excluded = [i for i in items if i.get(outcome) == "exclude"]
    finality: dict[tuple[Any, Any], dict[str, Any]] = {}
    for i in excluded:
        if str(i.get(ja) or "").endswith(FINAL_JA):
            finality.setdefault(where(i), i)
    reasoned = {where(i) for i in excluded if i is not finality.get(where(i))}
    out = []
    for i in items:
        f = finality.get(where(i))
        if f is None or (i is f and where(i) not in reasoned):
            out.append(i)
        elif i is not f and i.get(outcome) == "exclude" and not str(i.get(ja) or "").endswith(
                FINAL_JA):
            out.append({**i, ja: f"{i.get(ja)}。{f.get(ja)}",
                        en: f"{i.get(en) or i.get(ja)}; {f.get(en) or f.get(ja)}",
                        "parameters": i.get("parameters") or f.get("parameters") or []})
    return out


def build_story(run: CycleRun, dispatch_id: str, folder: Path,
                hist: list[dict[str, str]]) -> dict[str, Any]:
    import polars as pl

    s = run.settlement
    found = s.dispatches.filter(pl.col("dispatch_id") == dispatch_id)
    if not found.height:
        raise ExplainError(f"派遣 {dispatch_id} はサイクル {s.cycle} の精算にありません",
                           f"dispatch {dispatch_id} is not in the settlement of {s.cycle}")
    row = {k: _plain(v) for k, v in found.to_dicts()[0].items()}
    support = dt.date.fromisoformat(row["support_date"]) if row.get("support_date") else None
    expert_id, institution_id = str(row["expert_id"]), str(row["institution_id"])
    tables = run.data.tables
    rows = {t: _rows(tables.get(t), "dispatch_id", dispatch_id) for t in DISPATCH_TABLES}
    rows["experts"] = _rows(tables.get("experts"), "expert_id", expert_id)
    rows["institutions"] = _rows(tables.get("institutions"), "institution_id", institution_id,
                                 "institutions")
    sources = getattr(run.data, "sources", {}) or {}
    files = {t: Path(sources[t].path).name for t in rows if t in sources}
    keys = {"dispatches": {dispatch_id}, "reports": {dispatch_id}, "checkins": {dispatch_id},
            "travel_claims": {dispatch_id}, "experts": {expert_id},
            "institutions": {institution_id}}
    listed: set[str] = set()  # a rule's parameters are listed once, where it first appears

    def once(rule_id: str) -> list[dict[str, Any]]:
        if not rule_id or rule_id in listed:
            return []
        listed.add(rule_id)
        return _parameters_for(run, rule_id, support)

    checks_frame = s.extra.get("checks")
    checks = []
    if checks_frame is not None and checks_frame.height:
        mine = checks_frame.filter(pl.col("dispatch_id") == dispatch_id)
        if {"rule_id", "line_no", "outcome"} <= set(mine.columns):
            # a rule that held (or reduced …) this line is not also shown as passed: the
            # validator's R-VAL-2 hold beside the check's own pass read as a contradiction
            decided = pl.col("outcome") != "pass"
            mine = mine.filter(decided | ~decided.any().over("rule_id", "line_no"))
        # rules in their number order (R-TRV-3 before R-TRV-10), then by line
        mine = mine.with_columns(
            pl.col("rule_id").str.replace(r"[0-9]+$", "").alias("_family"),
            pl.col("rule_id").str.extract(r"([0-9]+)$", 1).cast(pl.Int64, strict=False)
            .alias("_number"))
        order = [c for c in ("_family", "_number", "rule_id", "line_no") if c in mine.columns]
        for c in mine.sort(order, nulls_last=False).to_dicts():
            # the engine's checks carry "message" (the values used) and its English twin
            # "message_en"; older shapes "detail" only: English falls back to the Japanese
            detail = _plain(c.get("message", c.get("detail")))
            checks.append({"rule_id": c["rule_id"], "line_no": c.get("line_no"),
                           "outcome": c["outcome"],
                           "detail": detail,
                           "detail_en": _plain(c.get("message_en")) or detail,
                           "parameters": once(str(c["rule_id"]))})
    checks = once_per_exclusion(checks, "outcome", "detail", "detail_en")
    missing = _held_papers(checks)
    for c in checks:
        c["effect"] = effect(str(c["rule_id"]), str(c["outcome"]), c["line_no"],
                             str(row.get("status")), missing)
    _note_warnings(run, dispatch_id, checks)
    english = _english_of_findings(checks_frame, dispatch_id)
    findings = []
    for f in s.findings.filter(pl.col("dispatch_id") == dispatch_id).to_dicts():
        item = {k: _plain(v) for k, v in f.items()}
        key = (item.get("line_no"), item.get("rule_id"), item.get("severity"), item.get("message"))
        item["message_en"] = english.get(key) or item.get("message")
        item["parameters"] = once(str(f.get("rule_id") or ""))
        findings.append(item)
    findings = once_per_exclusion(findings, "severity", "message", "message_en")
    lines = []
    for ln in s.lines.filter(pl.col("dispatch_id") == dispatch_id).sort("line_no").to_dicts():
        item = {k: _plain(v) for k, v in ln.items()}
        # the engine's lines carry "note" and its English twin "note_en"; an older shape
        # without it: English falls back to the Japanese
        item["note_en"] = item.get("note_en") or item.get("note")
        item["parameters"] = once(str(ln.get("rule_id") or ""))
        lines.append(item)
    held_rules = [r for r in str(row.get("rules") or "").split(";") if r]
    todo = []
    if row.get("status") == "held":
        from haken_batch.hold_reasons import todos

        ja_todo, en_todo = todos("ja"), todos("en")
        todo = [{"rule": r, "ja": ja_todo[r], "en": en_todo[r]} for r in held_rules
                if ja_todo.get(r)]
    counted = _counted(run, dispatch_id) if "R-LIM-1" in held_rules else []
    labels = _line_labels(lines)
    for item in (*checks, *findings, *lines):
        no = item.get("line_no")
        ja, en = labels.get(no, (f"明細{no}", f"line {no}")) if no is not None else (None, None)
        item["line_label"], item["line_label_en"] = ja, en
    specs = _specs(run)
    return {
        "dispatch_id": dispatch_id,
        "cycle": s.cycle,
        "decision": row,
        "history": hist,
        "files": files,
        "rows": rows,
        # the export's own names for the tables and columns (専門家 / 口座番号), for Japanese
        "tables_ja": {t: specs[t].ja for t in rows if t in specs},
        "labels": {t: {c.name: c.label for c in specs[t].columns} for t in rows if t in specs},
        "corrections": _corrections(run, keys, specs),
        "corrections_rejected": _rejected(run, keys, specs),
        "checks": checks,
        "findings": findings,
        "lines": lines,
        "day": _day(run, expert_id, support),
        "money": _money(run, folder, row),
        "todo": todo,
        "counted": counted,
    }


def _note_warnings(run: CycleRun, dispatch_id: str, checks: list[dict[str, Any]]) -> None:
    """Validation warnings about the dispatch (its own rows, its expert's, its institution's)
    join its R-VAL-1 line: they hold nothing, but the line said only 検証エラーなし for a
    report approved before its support day (a mistyped date the clerk should look at)."""
    import polars as pl

    from haken_batch.load.findings import WARNING
    from haken_batch.validate import touched_dispatches

    found = getattr(run.data, "findings", None)
    if found is None or not found.height:
        return
    mine = touched_dispatches(run.data, severity=WARNING).filter(
        pl.col("dispatch_id") == dispatch_id)
    if not mine.height:
        return
    ja = " / ".join(mine.get_column("message_ja").to_list())
    en = " / ".join(mine.get_column("message_en").to_list())
    for c in checks:
        if c["rule_id"] == "R-VAL-1":
            c["detail"] = f"{c['detail']}。注意（保留しません）: {ja}"
            c["detail_en"] = f"{c['detail_en']}; warning (holds nothing): {en}"
            return


def _counted(run: CycleRun, dispatch_id: str) -> list[dict[str, Any]]:
    """The company's dispatches of the fiscal year R-LIM-1 counted up to this one, in its
    order (day, then id; the paid ones first where a late report would put one over the
    limit: limits.ranks), each with where it stands: the hold's advice pointed at a list
    the clerk did not have (blind clerk check)."""
    import polars as pl

    from haken_batch.settle.limits import ranks

    previous = run.previous
    paid = previous.get_column("dispatch_id") if previous.height else None
    ranked = ranks(run.data.tables, run.rules, paid)
    me = ranked.filter(pl.col("dispatch_id") == dispatch_id)
    if me.height == 0:
        return []
    company, fy, rank = me.select("company_id", "_fy", "_rank").row(0)
    mine = ranked.filter((pl.col("company_id") == company) & (pl.col("_fy") == fy)
                         & (pl.col("_rank") <= rank)).sort("_rank")
    here = dict(run.settlement.dispatches.select("dispatch_id", "status").iter_rows())
    before = (dict(previous.select("dispatch_id", "cycle").iter_rows())
              if {"dispatch_id", "cycle"} <= set(previous.columns) else {})
    out = []
    for d, day, n in mine.select("dispatch_id", "_d", "_rank").iter_rows():
        where = (("paid", before[d]) if d in before else
                 (here[d], run.settlement.cycle) if d in here else ("not_settled", None))
        out.append({"rank": n, "dispatch_id": d, "date": _plain(day), "status": where[0],
                    "cycle": where[1]})
    return out


def story(out: Path, dispatch_id: str, cycle: str | None = None, engine: Any = None
          ) -> dict[str, Any]:
    """The whole story of ``dispatch_id`` as plain data (for ``--format json`` and render)."""
    from haken_batch.archive import name_archived_place, restore
    from haken_batch.verify import _engine

    out = Path(out)
    dispatch_id = plain_id(dispatch_id)
    chosen = deciding_cycle(out, dispatch_id, cycle)
    folder = out / chosen
    with private_dir("explain") as tmp:
        # documents=True only makes the engine keep every check (passes too); nothing is written
        options = dataclasses.replace(restore(folder, Path(tmp)), documents=True)
        try:
            run = _engine(engine).prepare(options)
        except HakenError as exc:
            name_archived_place(exc, Path(tmp), folder)
            raise
        told = build_story(run, dispatch_id, folder, history(out, dispatch_id))
    told["followups"] = followups_about(out, dispatch_id)
    # section 2 is the paying cycle's when a later correction reached the paid dispatch
    told["corrected_after_payment"] = any(
        f["kind"] in ("paid_correction", "paid_cancelled") for f in told["followups"])
    told["never_payable"] = any(f["kind"] == "never_payable" and f["cycle"] >= told["cycle"]
                                for f in told["followups"])
    return told


def followups_about(out: Path, dispatch_id: str) -> list[dict[str, str]]:
    """What any cycle of OUT left to follow up about the dispatch (its manifest's
    ``followups``): a correction that came after it was paid, a later cancellation…"""
    from haken_batch.followups import told_about
    from haken_batch.manifest import readable_manifests

    found = []
    for cycle, manifest in readable_manifests(Path(out)):
        for item in manifest.get("followups") or []:
            if dispatch_id in (item.get("dispatch_ids") or []):
                found.append({"cycle": cycle, "kind": str(item.get("kind", "")),
                              "ja": told_about(item, dispatch_id, "ja"),
                              "en": told_about(item, dispatch_id, "en")})
    return found


def render(data: dict[str, Any], lang: str = "ja") -> str:
    """The story as text, worded by ``templates/explain/story.<lang>.txt.j2``."""
    import jinja2

    from haken_batch.resources import templates_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "explain")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["yen"] = lambda v: "—" if v is None else f"{int(v):,}"
    # a corrected yes/no cell as the export writes it (はい), not the trail's true
    env.filters["ja_cell"] = lambda v, kind: ({"true": "はい", "false": "いいえ"}.get(v, v)
                                             if kind == "bool" else v)
    env.filters["ja_value"] = lambda v: {True: "はい", False: "いいえ"}.get(v, v) \
        if isinstance(v, bool) else v
    name = "story.en.txt.j2" if lang == "en" else "story.ja.txt.j2"
    return env.get_template(name).render(s=data)
