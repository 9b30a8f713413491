"""What a settled cycle leaves for the clerk to follow up, said on the terminal AND kept in the
cycle's manifest (``followups``), so that it outlives the scroll-back (a blind check of a
whole year: a correction to a paid dispatch was said once on the console, then lost).

Each follow-up is ``{"kind", "ja", "en", "dispatch_ids", "keys"}`` (and ``about``: each
dispatch's own sentence, where the message combines several); `haken explain` shows a later
cycle's follow-ups about the dispatch it explains. None of them changes a yen: they name
what the settlement cannot do by itself.

- ``moved_transfer_date``: the ``--transfer-date`` given was moved to a business day (R-DAY-1)
- ``paid_correction``: a correction of a dispatch an earlier cycle paid changes nothing; so
  does one of the expert or institution behind it, in a column that decided its money
  (paid_corrections.py: per cell, told once per value, the value hashed in the manifest)
- ``paid_missing``: a dispatch paid earlier this fiscal year is missing from the export
- ``paid_cancelled``: a dispatch paid earlier is now キャンセル (reclaim? R-FEE-5; it still
  counts toward R-LIM-1)
- ``same_tax_month``: another cycle of OUT pays in the same month: the tax of both is paid
  together, 1号 and 2号 each on its own form (R-TAX-4)
- ``per_diem_basis``: a per diem paid earlier stood on a trip (maybe another dispatch's
  report, R-TRV-9) now cancelled or corrected below the threshold
- ``never_payable``: the fiscal year's last cycle (R-PER-2) leaves dispatches unpaid for good
- ``excluded_final``: a dispatch an earlier cycle excluded is excluded again although the
  data (a correction, a new export) no longer gives any reason: an exclusion is final
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch import jpcalendar

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

    from haken_batch.run import CycleRun

Followup = dict[str, Any]
MOST = 5  # ids named in a message; the manifest keeps them all


def collect(run: CycleRun) -> tuple[Followup, ...]:
    """Every follow-up of a settled cycle, in a fixed order. What an earlier cycle of OUT
    already told (its manifest's ``keys``) is not told again: said once, kept for good."""
    from haken_batch.manifest import readable_manifests

    others = {c: m for c, m in readable_manifests(Path(run.options.out_dir))
              if c != run.options.cycle}
    from haken_batch import paid_corrections

    earlier = {c: m for c, m in others.items() if c < run.options.cycle}
    cells = paid_corrections.told_cells(told_keys(earlier, paid_corrections.KIND))
    return (*_moved_transfer(run), *paid_corrections.notes(run, cells),
            *_paid_missing(run, set(told_keys(earlier, "paid_missing"))),
            *_paid_cancelled(run, _last_told(earlier, "paid_cancelled")),
            *_per_diem_basis_gone(run, set(told_keys(earlier, "per_diem_basis"))),
            *_same_tax_month(run, others), *_never_payable(run),
            *_excluded_final(run, set(told_keys(earlier, "excluded_final"))))


def _item(kind: str, ja: str, en: str, ids: list[str] | None = None,
          keys: list[str] | None = None) -> Followup:
    return {"kind": kind, "ja": ja, "en": en, "dispatch_ids": sorted(set(ids or [])),
            "keys": sorted(set(keys if keys is not None else ids or []))}


def told_keys(earlier: dict[str, dict[str, Any]], kind: str) -> Iterator[str]:
    """The keys the follow-ups of ``kind`` kept in the manifests of ``earlier`` (cycle ->
    manifest: the earlier cycles of OUT), the oldest cycle first."""
    for cycle in sorted(earlier):
        for item in earlier[cycle].get("followups") or []:
            if item.get("kind") == kind:
                yield from (str(k) for k in item.get("keys") or [])


def _last_told(earlier: dict[str, dict[str, Any]], kind: str) -> dict[str, str]:
    """id -> what the latest earlier cycle told of it under ``kind``: a key ``id`` or
    ``id|state`` gives ``state`` ("" for the plain one)."""
    return dict(key.partition("|")[::2] for key in told_keys(earlier, kind))


def _new(frame: pl.DataFrame, key: pl.Expr, told: set[str]) -> pl.DataFrame:
    """The rows whose key (column ``_key``) no earlier cycle told."""
    import polars as pl

    keyed = frame.with_columns(key.alias("_key"))
    return keyed.filter(~pl.col("_key").is_in(sorted(told))) if told else keyed


def listed(ja: list[str], en: list[str], most: int = MOST) -> tuple[str, str]:
    """The first ``most`` items of each language, then 'ほか N 件' / 'and N more'."""
    more = len(ja) - most
    return ("、".join(ja[:most]) + (f" ほか {more} 件" if more > 0 else ""),
            ", ".join(en[:most]) + (f" and {more} more" if more > 0 else ""))


def with_cycles(paid: pl.DataFrame) -> tuple[str, str]:
    """'D21-1（2021-10）、…' / 'D21-1 (2021-10), …' of dispatch_id, cycle rows."""
    return pairs_listed(paid.select("dispatch_id", "cycle").rows())


def pairs_listed(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """with_cycles of (dispatch_id, cycle) pairs."""
    return listed([f"{d}（{c}）" for d, c in pairs], [f"{d} ({c})" for d, c in pairs])


def _fiscal_year_first_cycle(run: CycleRun) -> str:
    first_day = dt.date(*jpcalendar.cycle_month(run.options.cycle), 1)
    return jpcalendar.fiscal_year_start(first_day, run.rules).strftime("%Y-%m")


def _moved_transfer(run: CycleRun) -> list[Followup]:
    """R-DAY-1: the ``--transfer-date`` given was moved back to a business day."""
    asked, used = run.options.transfer_date, run.settlement.transfer_date
    if asked is None or asked == used:
        return []
    return [_item("moved_transfer_date",
                  f"指定の振込指定日 {asked} は銀行営業日ではないため、前の営業日 {used} に"
                  "しました（R-DAY-1）",
                  f"the transfer date given, {asked}, is not a bank business day: moved back to "
                  f"{used} (R-DAY-1)")]


def _listed_ids(run: CycleRun) -> pl.DataFrame:
    import polars as pl

    table = run.data.tables.get("dispatches")
    if table is None or "dispatch_id" not in table.columns:
        return pl.DataFrame(schema={"dispatch_id": pl.String(), "status": pl.String()})
    status = (pl.col("status").cast(pl.String) if "status" in table.columns
              else pl.lit(None, pl.String))
    return table.select(pl.col("dispatch_id").cast(pl.String), status.alias("status"))


def _earlier_this_year(run: CycleRun) -> pl.DataFrame:
    """The ledger rows earlier cycles of this fiscal year paid."""
    import polars as pl

    first = _fiscal_year_first_cycle(run)
    return run.previous.filter((pl.col("cycle") >= first)
                               & (pl.col("cycle") < run.options.cycle))


def _paid_this_year(run: CycleRun) -> pl.DataFrame:
    return _earlier_this_year(run).select("dispatch_id", "cycle").unique()


def _paid_missing(run: CycleRun, told: set[str]) -> list[Followup]:
    """A dispatch paid earlier in this fiscal year that the export no longer lists: the
    contract's dispatches table holds every case of the year so far. What was paid stands
    (the ledger), and the KPIs count it for the institution that cycle recorded; its company
    attributes are then unknown (不明)."""
    import polars as pl

    gone = _new(_paid_this_year(run).join(_listed_ids(run), on="dispatch_id", how="anti"),
                pl.col("dispatch_id"), told,
                ).sort("dispatch_id", "cycle")
    if gone.height == 0:
        return []
    ja, en = with_cycles(gone)
    return [_item("paid_missing",
                  f"この年度に支払済みの派遣 {ja} が派遣案件のエクスポートにありません。"
                  "支払額はそのままで、KPI では支払時の申請機関に数えます（企業の属性は「不明」）。"
                  "エクスポートが年度の全案件を含むか確認してください",
                  f"dispatches paid earlier this fiscal year are missing from the dispatches "
                  f"export: {en}. What was paid stands, and the KPIs count them for the "
                  "institution recorded when they were paid (company attributes unknown); check "
                  "that the export holds every case of the fiscal year",
                  gone.get_column("dispatch_id").to_list())]


def _paid_cancelled(run: CycleRun, told: dict[str, str]) -> list[Followup]:
    """A dispatch an earlier cycle paid that the export now marks キャンセル: what was paid
    stays paid (and still counts toward R-LIM-1), but a case that did not take place was paid
    (R-FEE-5: may be reclaimed), or the export is wrong. Either way the clerk must look.
    Told once per state (``told``: _last_told): one told cancelled and now no longer is
    told so, and cancelled again it is told again (blind follow-ups check, session 15)."""
    import polars as pl

    from haken_batch.settle.select import CANCELLED

    paid = _paid_this_year(run).join(_listed_ids(run), on="dispatch_id")
    was_told = pl.col("dispatch_id").replace_strict(told, default=None, return_dtype=pl.String)
    cancelled = pl.col("status") == CANCELLED
    back = (paid.filter(~cancelled.fill_null(False) & (was_told == ""))
            .sort("dispatch_id", "cycle"))
    hit = (paid.filter(cancelled & (was_told.is_null() | (was_told != "")))
           .sort("dispatch_id", "cycle"))
    items = []
    if back.height:
        ja, en = with_cycles(back)
        ids = back.get_column("dispatch_id").to_list()
        items.append(_item(
            "paid_cancelled",
            f"先に「{CANCELLED}」とお知らせした支払済みの派遣 {ja} は、「{CANCELLED}」では"
            "なくなりました。支払どおりで、返還（R-FEE-5）の検討は要りません",
            f"dispatches already paid and told as {CANCELLED} earlier are no longer "
            f"{CANCELLED}: {en}. What was paid stands; no reclaim (R-FEE-5) to consider",
            ids, [f"{d}|back" for d in ids]))
    if hit.height == 0:
        return items
    # cancelled by the secretariat's own correction, or by the export: said as such (a
    # correction was told "check the export" and the export was fine)
    from haken_batch.paid_corrections import in_applied_order

    corrected = (in_applied_order(run.data.corrections).filter(
                     (pl.col("table") == "dispatches") & (pl.col("column") == "status"))
                 .unique("key", keep="last", maintain_order=True)
                 .filter(_to_cancelled()).get_column("key"))
    by_correction = hit.filter(pl.col("dispatch_id").is_in(corrected.implode()))
    if by_correction.height:
        ja, en = with_cycles(by_correction)
        items.append(_item(
            "paid_cancelled",
            f"支払済みの派遣 {ja} を、事務局修正で「{CANCELLED}」にしました。支払額はそのまま"
            "で、企業の派遣回数（R-LIM-1）にも数えます。実施されていなかったなら返還"
            "（R-FEE-5）を検討してください",
            f"dispatches already paid were set to {CANCELLED} by a correction: {en}. What was "
            "paid stands and still counts toward the company's limit (R-LIM-1). If they did not "
            "take place, consider reclaiming (R-FEE-5)",
            by_correction.get_column("dispatch_id").to_list()))
    by_export = hit.join(by_correction, on=["dispatch_id", "cycle"], how="anti")
    if by_export.height:
        ja, en = with_cycles(by_export)
        items.append(_item(
            "paid_cancelled",
            f"支払済みの派遣 {ja} が、派遣案件のエクスポートでは「{CANCELLED}」です。"
            "支払額はそのままで、企業の派遣回数（R-LIM-1）にも数えます。実施されていない"
            "なら返還（R-FEE-5）を、エクスポートの誤りなら修正を検討してください",
            f"dispatches already paid are marked {CANCELLED} in the dispatches export: "
            f"{en}. What was paid stands and still counts toward the company's limit "
            "(R-LIM-1). If they did not take place, consider reclaiming (R-FEE-5); if the "
            "export is wrong, correct it",
            by_export.get_column("dispatch_id").to_list()))
    return items


def _to_cancelled() -> pl.Expr:
    """A trail row that sets a dispatch's 状態 to キャンセル."""
    import polars as pl

    from haken_batch.settle.select import CANCELLED

    return ((pl.col("table") == "dispatches") & (pl.col("column") == "status")
            & (pl.col("new") == CANCELLED))


def _per_diem_basis_gone(run: CycleRun, told: set[str]) -> list[Followup]:
    """R-TRV-9: a per diem an earlier cycle paid rested on the day's longest reported trip,
    which may be another dispatch's (unpaid, even unapproved: the Reading). That dispatch
    cancelled or its distance corrected since, no trip of the day reaches the threshold:
    what was paid stands (R-PAY-1), but the clerk must look (lifecycle check, session 21:
    nothing was said). Told once, naming the dispatches whose change took the ground away.

    Only on evidence: a dispatch of the day now キャンセル, or a secretariat correction of a
    report's distance. A distance the export does not give (unreadable: its own finding)
    leaves the day unknown, as does a ledger without distances (an earlier version); a
    report gone from the export says nothing (review: both told a reclaim falsely). A paid
    dispatch counts with the distance it was paid with (the ledger)."""
    import polars as pl

    from haken_batch.settle.perdiem import reported_day_km
    from haken_batch.settle.select import CANCELLED

    grp = ["expert_id", "support_date"]
    earlier = _earlier_this_year(run)
    paid = earlier.filter(pl.col("per_diem") > 0).select("dispatch_id", "cycle", *grp)
    if paid.height == 0 or not {"reports", "dispatches"} <= set(run.data.tables):
        return []
    reports, dispatches = run.data.tables["reports"], run.data.tables["dispatches"]
    status = pl.col("status").cast(pl.String).fill_null("") if "status" in dispatches.columns \
        else pl.lit("")
    day_reports = (reports.select("dispatch_id", "support_date", "trip_km")
                   .join(dispatches.select("dispatch_id", "expert_id", status.alias("_status"))
                         .unique("dispatch_id", keep="first", maintain_order=True),
                         on="dispatch_id")
                   .join(earlier.select("dispatch_id"), on="dispatch_id", how="anti"))
    live = pl.col("_status") != CANCELLED
    unknown = day_reports.filter(live & pl.col("trip_km").is_null()).select(grp).unique()
    corrected = (run.data.corrections
                 .filter((pl.col("table") == "reports") & (pl.col("column") == "trip_km"))
                 .select(pl.col("key").str.split(";").list.first().alias("dispatch_id")))
    why = (pl.concat([day_reports.filter(~live),
                      day_reports.filter(live).join(corrected.unique(), on="dispatch_id")])
           .group_by(grp).agg(pl.col("dispatch_id").unique().sort().alias("_why")))
    ledger_km = earlier.group_by(grp).agg(pl.col("trip_km").max().alias("_led_km"),
                                          pl.col("trip_km").is_null().any().alias("_unknown"))
    days = (paid.join(ledger_km, on=grp, how="left")
            .join(reported_day_km(reports, dispatches), on=grp, how="left")
            .join(unknown, on=grp, how="anti")
            .join(why, on=grp, how="inner")
            .filter(~pl.col("_unknown"))
            .with_columns(pl.max_horizontal("_led_km", "_rep_km").fill_null(0.0).alias("_km")))
    dates = days.get_column("support_date").unique().to_list()
    need = {d: float(run.rules.value_at("travel.per_diem_min_trip_km", d)) for d in dates}
    gone = (days.filter(pl.col("_km") < pl.col("support_date").replace_strict(
                need, return_dtype=pl.Float64))
            .filter(~(pl.col("dispatch_id") + "|" + pl.col("cycle")).is_in(list(told)))
            .sort("dispatch_id", "cycle"))
    if gone.height == 0:
        return []
    rows = gone.select("dispatch_id", "cycle", "_why").rows()
    ja, en = listed([f"{d}（{c} に支払、根拠だった派遣 {'・'.join(w)}）" for d, c, w in rows],
                    [f"{d} (paid in {c}; it stood on {', '.join(w)})" for d, c, w in rows])
    ids = [d for d, _, w in rows] + [x for _, _, w in rows for x in w]
    return [_item(
        "per_diem_basis",
        f"支払済みの日当（R-TRV-9）の根拠がなくなりました: {ja}。その日の基準以上の移動"
        "は根拠だった派遣の報告で、キャンセルか距離の修正でなくなっています。支払額はそのまま"
        "です。実際には移動していなかったなら、返還（R-FEE-5）を検討してください",
        f"a per diem already paid (R-TRV-9) has lost its ground: {en}. The day's trip over the "
        "threshold was that dispatch's report, now cancelled or its distance corrected. What "
        "was paid stands; if the trip did not take place, consider reclaiming (R-FEE-5)",
        ids, [f"{d}|{c}" for d, c, _ in rows])]


def _same_tax_month(run: CycleRun, others: dict[str, dict[str, Any]]) -> list[Followup]:
    """Another settled cycle of OUT transfers in the same month: the tax withheld by both is
    paid by the same due date (R-TAX-4), 1号 and 2号 on their two forms; each cycle's
    withholding_summary.csv covers its own payments only. Happens every March (R-PER-2
    moves the transfer in). Each cycle's rows per form (人員, 支払金額, 税額: what the forms
    ask) come from its withholding_summary.csv; where that cannot be read, the tax per form
    from its manifest (``withholding_by_class``), and a cycle settled before those were kept
    gives its total only. The month's sums are computed here once, for the note and for the
    page (``month_total``)."""
    from haken_batch.emit.withholding import CLASSES, CSV_FILE, class_rows, read_rows

    month = run.settlement.transfer_date.strftime("%Y-%m")
    cycles: list[dict[str, Any]] = []
    for other, manifest in sorted(others.items()):
        settled = manifest.get("settlement") or {}
        withheld = int(settled.get("withholding") or 0)
        if str(settled.get("transfer_date") or "")[:7] != month or not withheld:
            continue
        rows = read_rows(Path(run.options.out_dir) / other / CSV_FILE, withheld)
        split = settled.get("withholding_by_class")
        if rows is None and isinstance(split, dict):
            rows = {c: {"payees": None, "gross": None, "withholding": int(split.get(c) or 0)}
                    for c in CLASSES}
        cycles.append({"cycle": other, "withholding": withheld, "rows": rows})
    if not cycles:
        return []  # this cycle pays alone in its month: its own rows are not needed
    mine_total = int(run.settlement.payments.get_column("withholding").sum() or 0)
    cycles.append({"cycle": run.options.cycle, "withholding": mine_total,
                   "rows": class_rows(run)})
    cycles.sort(key=lambda c: str(c["cycle"]))
    due = jpcalendar.tax_due_date(run.settlement.transfer_date, run.rules)
    total = sum(int(c["withholding"]) for c in cycles)
    paying = [c for c in cycles if c["cycle"] != run.options.cycle]
    ja = "、".join(f"{c['cycle']}（{c['withholding']:,} 円）" for c in paying)
    en = ", ".join(f"{c['cycle']} ({c['withholding']:,} yen)" for c in paying)
    per = _month_per_class(cycles, CLASSES)
    if per is not None:
        forms_ja = ("。内訳は 1号（報酬・料金等の所得税徴収高計算書）{:,} 円、2号（給与所得・"
                    "退職所得等の所得税徴収高計算書の「税理士等の報酬」欄）{:,} 円です"
                    ).format(*(per[c]["withholding"] for c in CLASSES))
        forms_en = ("; of it 1号 (報酬・料金等の所得税徴収高計算書) {:,} yen and 2号 (給与所得・"
                    "退職所得等の所得税徴収高計算書, 税理士等の報酬 row) {:,} yen"
                    ).format(*(per[c]["withholding"] for c in CLASSES))
    else:
        forms_ja = "。1号・2号の内訳は各サイクルの withholding_summary で足してください"
        forms_en = "; add up 1号 and 2号 from each cycle's withholding_summary"
    if run.options.documents:
        where_ja = ("各サイクルの withholding_summary.csv は自分の支払分だけです。月の合計は"
                    "このサイクルの withholding_summary.pdf に載せました")
        where_en = ("each cycle's withholding_summary.csv covers its own payments only; this "
                    "cycle's withholding_summary.pdf shows the month's total")
    else:
        where_ja = "各サイクルの withholding_summary は自分の支払分だけです"
        where_en = "each cycle's withholding_summary covers its own payments only"
    item = _item("same_tax_month",
                 f"支払月 {month} の源泉徴収は、サイクル {ja} にもあります。納期限 {due} までに、"
                 f"このサイクルの {mine_total:,} 円と合わせて {total:,} 円を納付します"
                 f"{forms_ja}（{where_ja}。R-TAX-4）",
                 f"cycle {en} also pays in {month}: the tax withheld in that month is paid by "
                 f"{due}, {total:,} yen with this cycle's {mine_total:,} yen{forms_en} "
                 f"({where_en}; R-TAX-4)")
    # what this cycle's withholding_summary.pdf prints as the month's total (a clerk filing
    # from either cycle's page alone paid half: lifecycle check, session 21); kept in the
    # manifest, so verify's re-run prints the same
    item[MONTH_TOTAL] = {"month": month, "due": due.isoformat(), "total": total,
                         "cycles": cycles, "per_class": per}
    return [item]


def _month_per_class(cycles: list[dict[str, Any]], classes: tuple[str, ...]
                     ) -> dict[str, dict[str, int | None]] | None:
    """Each form's 人員, 支払金額 and 税額 summed over the month's cycles (人員 counted per
    cycle: 延べ); None when a cycle gives no split; 人員 and 支払金額 None when a cycle
    gives its tax only."""
    if any(c["rows"] is None for c in cycles):
        return None
    per: dict[str, dict[str, int | None]] = {}
    for cls in classes:
        each = [c["rows"][cls] for c in cycles]
        per[cls] = {k: (None if any(e.get(k) is None for e in each)
                        else sum(int(e[k]) for e in each))
                    for k in ("payees", "gross", "withholding")}
    return per


MONTH_TOTAL = "month_total"


def month_total(items: tuple[Followup, ...] | list[Followup]) -> dict[str, Any] | None:
    """The same_tax_month follow-up's month total (None: this cycle pays alone in its month,
    or it was settled before the total was kept)."""
    for item in items:
        if item.get("kind") == "same_tax_month" and isinstance(item.get(MONTH_TOTAL), dict):
            return dict(item[MONTH_TOTAL])
    return None


def _excluded_final(run: CycleRun, told: set[str]) -> list[Followup]:
    """A dispatch an earlier cycle excluded whose exclusion this cycle rests only on that
    decision: the data, corrections included, no longer gives any reason (a correction
    lifting R-EXC-4, a support date corrected into the period). An exclusion is final
    (docs/readings.md), so it is not paid; the clerk who wrote the correction expected a
    payment and is told once per dispatch (a blind check: nothing said so)."""
    import re

    import polars as pl

    from haken_batch.settle.exclusions import FINAL_JA

    checks = run.settlement.extra.get("checks")
    if checks is None or not checks.height or "outcome" not in checks.columns:
        return []
    only_final = "^[0-9]{4}-[0-9]{2}" + re.escape(FINAL_JA) + "$"
    gone = (checks.filter(pl.col("outcome") == "exclude")
            .group_by("dispatch_id")
            .agg(pl.col("message").str.contains(only_final).all().alias("_gone"),
                 pl.col("rule_id").unique().sort().str.join("・").alias("rules"),
                 pl.col("message").first().str.slice(0, 7).alias("cycle"))
            .filter(pl.col("_gone")))
    gone = _new(gone, pl.col("dispatch_id"), told).sort("dispatch_id")
    if gone.height == 0:
        return []
    rows = gone.select("dispatch_id", "cycle", "rules").rows()
    ja, en = listed([f"{d}（{c} {r}）" for d, c, r in rows], [f"{d} ({c} {r})" for d, c, r in rows])
    return [_item(
        "excluded_final",
        f"対象外と決定済みの派遣 {ja}は、今のデータ（事務局修正を含む）では除外の理由がなく"
        "なりましたが、対象外は最終のため、このサイクルでも支払っていません（0 円）。"
        "支払うべき派遣だったときは、ツールの外で事務局の判断が要ります（docs/readings.md）",
        f"dispatches excluded by an earlier cycle: {en}. The data (corrections included) no "
        "longer gives any reason to exclude them, but an exclusion is final, so this cycle "
        "does not pay them either (0 yen). If they should be paid, the secretariat must "
        "decide outside the tool (docs/readings.md)",
        [d for d, _, _ in rows])]


def _never_payable(run: CycleRun) -> list[Followup]:
    """The last cycle that can pay this fiscal year's money (the payment deadline's month,
    R-PER-2): what it leaves unpaid is never paid. Dispatches of the year
    that are neither cancelled, paid nor excluded are named: held here, or not yet reported
    or approved (never considered, so in no output otherwise)."""
    import polars as pl

    from haken_batch.settle.params import as_date
    from haken_batch.settle.select import CANCELLED

    first_day = dt.date(*jpcalendar.cycle_month(run.options.cycle), 1)
    deadline = as_date(run.rules.value_at("program.payment_deadline", first_day))
    # the deadline's month is the last cycle (a later one is refused); the cycle before it
    # may pay in that month too, but the last cycle can still pay what it leaves
    if deadline is None or (first_day.year, first_day.month) != (deadline.year, deadline.month):
        return []
    from haken_batch.ledger import previous_excluded

    s = run.settlement
    decided_now = s.dispatches.filter(pl.col("status").is_in(["paid", "excluded"]))
    excluded_before = previous_excluded(run.options.out_dir, run.options.cycle)
    settled_ids = [run.previous.select("dispatch_id"), decided_now.select("dispatch_id"),
                   excluded_before.select(pl.col("dispatch_id").cast(pl.String))]
    open_ = (_listed_ids(run).filter(pl.col("status").fill_null("") != CANCELLED)
             .join(pl.concat(settled_ids).unique(), on="dispatch_id", how="anti"))
    fy_start = jpcalendar.fiscal_year_start(first_day, run.rules)
    # this fiscal year's cases only: by the support date (the report's, else scheduled)
    table, reports = run.data.tables["dispatches"], run.data.tables.get("reports")
    days = table.select(pl.col("dispatch_id").cast(pl.String),
                        pl.col("scheduled_on") if "scheduled_on" in table.columns
                        else pl.lit(None, pl.Date).alias("scheduled_on"))
    if reports is not None and "support_date" in reports.columns:
        days = days.join(reports.select(pl.col("dispatch_id").cast(pl.String), "support_date")
                         .unique("dispatch_id", keep="first"), on="dispatch_id", how="left")
        days = days.with_columns(pl.coalesce("support_date", "scheduled_on").alias("scheduled_on"))
    # ... and not the next year's, paid under its own program (independent sweep, session 20)
    next_fy = fy_start.replace(year=fy_start.year + 1)
    year = days.filter(pl.col("scheduled_on").is_null()
                       | pl.col("scheduled_on").is_between(fy_start, next_fy, closed="left"))
    open_ = open_.join(year.select("dispatch_id"), on="dispatch_id", how="semi")
    if open_.height == 0:
        return []
    held = set(s.dispatches.filter(pl.col("status") == "held").get_column("dispatch_id"))
    ids = sorted(open_.get_column("dispatch_id"))
    n_held = sum(1 for d in ids if d in held)
    ja, en = listed(ids, ids)
    item = _item("never_payable",
                 f"支払期限 {deadline}（R-PER-2）までの最後の精算です。この年度の派遣 {len(ids)} 件"
                 f"は、この後の精算では支払えません（このサイクルで保留 {n_held} 件、"
                 f"未報告・未承認など {len(ids) - n_held} 件）。派遣ID: {ja}。確定（haken close）"
                 "の前なら、データを直してこのサイクルを精算し直せます",
                 f"this is the last settlement before the payment deadline {deadline} (R-PER-2): "
                 f"{len(ids)} dispatches of this fiscal year cannot be paid by a later settlement "
                 f"({n_held} held in this cycle, {len(ids) - n_held} not yet reported or "
                 f"approved, etc.). Dispatch ids: {en}. Until the cycle is closed, the data can "
                 "be corrected and this cycle settled again", ids)
    item["held_ids"] = sorted(d for d in ids if d in held)
    return [item]


def told_about(item: Followup, dispatch_id: str, lang: str) -> str:
    """What a follow-up says of one dispatch: its own sentence where the follow-up keeps
    one (``about``: a note naming five corrections said nothing of the sixth), else the
    whole message."""
    own = (item.get("about") or {}).get(dispatch_id) or {}
    return str(own.get(lang) or item.get(lang) or "")


KIND_JA = {"moved_transfer_date": "振込指定日の変更", "paid_correction": "支払済みの派遣への修正",
           "paid_missing": "支払済みの派遣がエクスポートにない",
           "paid_cancelled": "支払済みの派遣がキャンセル", "same_tax_month": "同じ月の源泉徴収",
           "never_payable": "この後は支払えない", "per_diem_basis": "支払済みの日当の根拠"}
LIST_FOLDER = "followups"


def write_list(out: Path, cycle: str, items: tuple[Followup, ...],
               headers: str = "ja") -> Path | None:
    """``OUT/followups/CYCLE.csv``: one row per dispatch a follow-up names (the terminal
    names five; the last cycle may name a hundred and more: blind clerk check). Outside the
    cycle folder, whose files the manifest lists; the manifest keeps the same ids. With
    ``headers="en"`` the headers, kinds and messages are English (as the cycle's CSVs)."""
    import csv
    import io

    from haken_batch.outdir import write_atomic
    from haken_batch.textsafe import neutralize

    en = headers == "en"
    # a note about no dispatch is one row without an id; a moved transfer date is not listed
    # (the cycle's own summary says it)
    rows = [(cycle, f["kind"] if en else KIND_JA.get(f["kind"], f["kind"]), d,
             ("held" if en else "保留") if d in f.get("held_ids", ()) else "",
             told_about(f, d, "en" if en else "ja"))
            for f in items if f["kind"] != "moved_transfer_date"
            for d in (f["dispatch_ids"] or [""])]
    path = Path(out) / LIST_FOLDER / f"{cycle}.csv"
    if not rows:  # a cycle settled again without any: no list of an earlier run stays
        path.unlink(missing_ok=True)
        return None
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["cycle", "kind", "dispatch_id", "this_cycle", "message"] if en
                    else ["サイクル", "種類", "派遣ID", "このサイクルの判定", "お知らせ"])
    writer.writerows([[neutralize(str(v)) for v in row] for row in rows])
    path.parent.mkdir(mode=0o700, exist_ok=True)
    write_atomic(path, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    return path
