"""Corrections that reach a dispatch an earlier cycle paid: what was paid stays paid (R-PAY-1,
the ledger keeps it), so the clerk is told which paid dispatches a correction bears on.

A corrected *cell* is compared, not a correction row (blind follow-ups check, session 14: a
correction writing the export's own value, one overridden by a later one, and a correction
and its revert were each named): its final value (the last correction as applied, by
修正日時 then file order) against the value the paying cycle used (that cycle's own last
applied correction of the cell, from its corrections_applied.csv, else the export's value
before any correction). Only cells that decide money are looked at: the columns the engine
reads for the dispatch tables (``settle.inputs.SCHEMAS``: a company's phone is not), and
``MASTER_MONEY`` for the expert and institution behind the dispatch. A list of institutions
or an institution's kind matters only through the dispatching institution; 所属機関ID and
機関種別 are judged together (R-EXC-3 needs both).

What a note told is kept in the manifest as ``table|key|column|h:<sha256 of the value>``
(the value is hashed: a corrected cell may hold personal data, and the manifest is read by
auditors). A paid dispatch is told again only when the cell's final value differs from the
one last told; one told as changed and now back at its paid value is told so (the
difference told earlier needs no settling).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from haken_batch.load.corrections import correction_named

if TYPE_CHECKING:
    from haken_batch.run import CycleRun

CELL = ["table", "key", "column"]
KIND = "paid_correction"

# the master columns that decided a paid dispatch's money, and the rule they feed; the bank
# columns are not here: a transfer goes to the account of its day
MASTER_MONEY = {
    "experts": {"payee_type": "R-TAX-1", "fee_class": "R-TAX-4",
                "public_salary_subsidy": "R-EXC-1", "paid_by_institution_ids": "R-EXC-2",
                "member_of_institution_ids": "R-EXC-3"},
    "institutions": {"kind": "R-EXC-3"},
}
# what a changed master cell means for the money already paid (ja, en)
_CONSEQUENCE = {
    "R-TAX-1": ("源泉徴収の要否と額が変わります",
                "whether tax is withheld, and how much, changes"),
    "R-TAX-4": ("支払額と源泉徴収額は変わりませんが、支払月の所得税徴収高計算書の 1号・2号 の"
                "内訳が変わります",
                "the amounts stay, but the split of the paid month's withholding between the "
                "1号 and 2号 forms changes"),
}
_EXCLUSION = ("支払の対象から除外されるかどうかが変わります",
              "whether the dispatch is excluded from payment changes")
# what the clerk does about it (ja, en): the 1号/2号 split moves no yen
_TODO = {
    "R-TAX-4": ("納付済みの所得税徴収高計算書の内訳の訂正が要るか確認してください",
                "Check whether the withholding return already filed needs its split "
                "corrected"),
}
_REFUND = ("修正前の値で支払った差額の精算や返還が要るときは別途手続きしてください",
           "Settle any difference from paying on the old value, or reclaim, separately")


def value_hash(value: str | None) -> str:
    return "h:" + hashlib.sha256((value or "").encode("utf-8")).hexdigest()[:16]


def told_cells(keys: Iterable[str]) -> dict[str, str]:
    """``table|key|column`` (``…/dispatch_id`` for the columns told per dispatch) -> the
    value hash last told about it, of the earlier notes' ``keys`` (oldest first:
    followups.told_keys). Keys written before values were hashed carry the value itself."""
    told: dict[str, str] = {}
    for key in keys:
        parts = key.split("|", 3)
        if len(parts) == 4:
            value = parts[3]
            hashed = value.startswith("h:") and len(value) == 18
            told["|".join(parts[:3])] = value if hashed else value_hash(value)
    return told


def in_applied_order(trail: pl.DataFrame) -> pl.DataFrame:
    """Corrections in the order they were applied: by 修正日時 (blank ones last), then file
    order (load/corrections.py); the trail and the record are kept in file order."""
    return trail.sort(["corrected_at", "seq"], nulls_last=True, maintain_order=True)


def _applied(folder: Path) -> pl.DataFrame:
    """table, key, column, new of a settled cycle's corrections_applied.csv, in the order
    applied (either headers; none when the file is missing or unreadable)."""
    from haken_batch.archive import CORRECTION_COLUMNS, CORRECTIONS_NAME
    from haken_batch.errors import StructuralError
    from haken_batch.ledger import read_record

    cell = [*CELL, "new"]
    try:
        raw = read_record(folder / CORRECTIONS_NAME, CORRECTION_COLUMNS, cell,
                          ("修正の記録", "the corrections record"))
    except StructuralError:
        return pl.DataFrame(schema=dict.fromkeys(cell, pl.String))
    order = [pl.col(c) if c in raw.columns else pl.lit(None).alias(c)
             for c in ("corrected_at", "seq")]
    raw = raw.with_columns(order).with_columns(pl.col("seq").cast(pl.Int64, strict=False))
    return in_applied_order(raw).select(cell)


def _paid(run: CycleRun) -> pl.DataFrame:
    """dispatch_id, cycle, expert_id, institution_id, _member, _spared of each paid dispatch
    (the institution the ledger recorded, else the export's for ledgers written before it
    kept one; membership and the institution's kind as read now)."""
    from haken_batch.settle.exclusions import spared_kinds

    paid = run.previous.select("dispatch_id", "cycle", "expert_id", "institution_id").unique()
    table = run.data.tables.get("dispatches")
    if table is not None and "institution_id" in table.columns:
        export = (table.select(pl.col("dispatch_id").cast(pl.String),
                               pl.col("institution_id").cast(pl.String).alias("_inst"))
                  .unique("dispatch_id", keep="first"))
        paid = (paid.join(export, on="dispatch_id", how="left")
                .with_columns(pl.coalesce("institution_id", "_inst").alias("institution_id"))
                .drop("_inst"))
    experts = run.data.tables.get("experts")
    if experts is not None and "member_of_institution_ids" in experts.columns:
        members = (experts.select(pl.col("expert_id").cast(pl.String),
                                  pl.col("member_of_institution_ids").alias("_members"))
                   .unique("expert_id", keep="first"))
        paid = paid.join(members, on="expert_id", how="left").with_columns(
            pl.col("_members").list.contains(pl.col("institution_id")).fill_null(False)
            .alias("_member")).drop("_members")
    else:
        paid = paid.with_columns(pl.lit(False).alias("_member"))
    institutions = run.data.tables.get("institutions")
    if institutions is not None and "kind" in institutions.columns:
        spared = (institutions.select(
                      pl.col("institution_id").cast(pl.String),
                      pl.col("kind").is_in(spared_kinds(run.rules)).fill_null(False)
                      .alias("_spared"))
                  .unique("institution_id", keep="first"))
        paid = paid.join(spared, on="institution_id", how="left").with_columns(
            pl.col("_spared").fill_null(False))
    else:
        paid = paid.with_columns(pl.lit(False).alias("_spared"))
    return paid


# the columns that decide a paid dispatch's money only through its institution: told per
# dispatch, by their effect on it (a list reordered, or changed elsewhere, is no change)
_THROUGH_INSTITUTION = {("experts", "paid_by_institution_ids"),
                        ("experts", "member_of_institution_ids"), ("institutions", "kind")}


def _names(value: pl.Expr) -> pl.Expr:
    """Whether a list of institutions (the trail keeps it as its items joined by ;) names
    the dispatching institution."""
    return (value.fill_null("").str.split(";").list.contains(pl.col("institution_id"))
            .fill_null(False))


def _effect(value: pl.Expr, spared: list[str], when: str) -> pl.Expr:
    """What a value means for the paid dispatch: a list of institutions whether it names the
    dispatching institution (R-EXC-2); 所属機関ID and 機関種別 together decide R-EXC-3 (a
    member of the institution, unless its kind is spared: ①–④ to ① is no change), each
    judged with the other's value at the same time (``when``: ``then`` as paid, ``now``);
    any other value itself."""
    text = value.fill_null("")
    member, kind_spared = pl.col(f"_member_{when}"), pl.col(f"_spared_{when}")
    experts, column = pl.col("table") == "experts", pl.col("column")
    return (pl.when(experts & (column == "paid_by_institution_ids"))
            .then(_names(value).cast(pl.String))
            .when(experts & (column == "member_of_institution_ids"))
            .then((_names(value) & ~kind_spared).cast(pl.String))
            # not excluded by R-EXC-3: for a member, whether the kind is spared (as before)
            .when((pl.col("table") == "institutions") & (column == "kind"))
            .then((~member | text.is_in(spared)).cast(pl.String))
            .otherwise(text))


def _r_exc_3_then(rows: pl.DataFrame, spared: list[str]) -> pl.DataFrame:
    """Each row with ``_member_then``/``_spared_then`` (membership and spared kind as the
    paying cycle read them) and ``_member_now``/``_spared_now``: 所属機関ID and 機関種別
    corrected together are one question for R-EXC-3 (a pair that leaves the exclusion as it
    was named both: session 15's 'noticed and left'). A cell not corrected is as read now."""
    key = ["dispatch_id", "cycle"]

    def cell(table: str, column: str) -> pl.DataFrame:
        return (rows.filter((pl.col("table") == table) & (pl.col("column") == column))
                .unique(key, keep="last", maintain_order=True)
                .select(*key, "institution_id", pl.col("_then").alias(f"_{column}_then")))

    members = cell("experts", "member_of_institution_ids").select(
        *key, _names(pl.col("_member_of_institution_ids_then")).alias("_m_then"))
    kinds = cell("institutions", "kind").select(
        *key, pl.col("_kind_then").fill_null("").is_in(spared).alias("_k_then"))
    return (rows.join(members, on=key, how="left").join(kinds, on=key, how="left")
            .with_columns(pl.col("_member").alias("_member_now"),
                          pl.col("_spared").alias("_spared_now"),
                          pl.coalesce("_m_then", "_member").alias("_member_then"),
                          pl.coalesce("_k_then", "_spared").alias("_spared_then"))
            .drop("_m_then", "_k_then"))


def cell_changes(run: CycleRun) -> pl.DataFrame:
    """seq, row, table, key, column, rule, dispatch_id, cycle, now, changed: one row per
    corrected money cell and paid dispatch it bears on (``rule`` null for the dispatch
    tables; ``now`` what the final value means for the dispatch, ``changed`` whether the paid
    value meant otherwise; ``row`` the correction's row in its file)."""
    from haken_batch.load.spec import DISPATCH_TABLES
    from haken_batch.settle.exclusions import spared_kinds
    from haken_batch.settle.inputs import SCHEMAS
    from haken_batch.settle.select import CANCELLED

    columns = ["seq", "row", *CELL, "rule", "dispatch_id", "cycle", "now", "changed"]
    trail = run.data.corrections
    if trail.height == 0 or run.previous.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    last = (in_applied_order(trail)
            .with_columns(pl.col("old").first().over(CELL).alias("_export"))
            .unique(CELL, keep="last", maintain_order=True))
    pair = pl.concat_str("table", "column", separator="|")
    rule = pair.replace_strict({f"{t}|{c}": r for t, cols in MASTER_MONEY.items()
                                for c, r in cols.items()}, default=None, return_dtype=pl.String)
    engine = pair.is_in([f"{t}|{c}" for t in DISPATCH_TABLES for c in SCHEMAS[t]])
    # a correction to キャンセル is the paid_cancelled note's, which says more
    cancelled = ((pl.col("table") == "dispatches") & (pl.col("column") == "status")
                 & (pl.col("new") == CANCELLED))
    paid = _paid(run)
    own = (last.filter(engine & ~cancelled)
           .with_columns(pl.col("key").str.split(";").list.first().alias("dispatch_id"),
                         pl.lit(None, pl.String).alias("rule"))
           .join(paid, on="dispatch_id"))
    under = pl.concat([
        paid.select(pl.lit("experts").alias("table"), pl.col("expert_id").alias("key"),
                    pl.exclude("expert_id")),
        # an institution's kind decides only for its own members (the R-EXC-3 exception),
        # then or now (_effect): every dispatch through it is looked at
        paid.select(pl.lit("institutions").alias("table"),
                    pl.col("institution_id").alias("key"), pl.exclude("expert_id"))])
    masters = (last.with_columns(rule.alias("rule")).filter(pl.col("rule").is_not_null())
               .join(under.filter(pl.col("key").is_not_null()), on=["table", "key"]))
    keep = ["seq", "row", *CELL, "rule", "new", "_export", "dispatch_id", "cycle",
            "institution_id", "_member", "_spared"]
    hits = pl.concat([own.select(keep), masters.select(keep)])
    if hits.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    used = (pl.concat([_applied(Path(run.options.out_dir) / c).with_columns(
                           pl.lit(c).alias("cycle"))
                       for c in sorted(set(hits.get_column("cycle")))])
            .unique(["cycle", *CELL], keep="last", maintain_order=True)
            .select("cycle", *CELL, pl.col("new").alias("_used")))
    spared = [str(k) for k in spared_kinds(run.rules)]
    hits = (hits.join(used, on=["cycle", *CELL], how="left", nulls_equal=True)
            .with_columns(pl.coalesce("_used", "_export").alias("_then")))
    return (_r_exc_3_then(hits, spared)
            .with_columns(_effect(pl.col("_then"), spared, "then").alias("_was"),
                          _effect(pl.col("new"), spared, "now").alias("now"))
            # and this cell's own change counts: a joint R-EXC-3 change names only the cell
            # that moved since payment (one corrected before it is as paid: helper review)
            .with_columns(((pl.col("_was") != pl.col("now"))
                           & (_effect(pl.col("_then"), spared, "now") != pl.col("now")))
                          .alias("changed"))
            .select(columns).sort("seq", "dispatch_id", "cycle"))


def notes(run: CycleRun, told: dict[str, str]) -> list[dict[str, Any]]:
    """The follow-ups (kind, ja, en, dispatch_ids, keys, about) of the corrections that reach
    paid dispatches and that no earlier cycle told in this state (``told``: told_cells).

    Per paid dispatch: one whose paid value meant otherwise is told, unless the last note
    about the cell told this same value; one whose paid value means the same again is told
    so when a note told another value (a revert of 区分 tells the dispatch it restores even
    while it changes one paid later: blind follow-ups check, session 15). The columns that
    act through the dispatching institution are told per dispatch."""
    from haken_batch.load.spec import export_specs

    hits = cell_changes(run)
    if hits.height == 0:
        return []
    labels = {(t, c.name): c.label for t, spec in export_specs(run.rules).items()
              for c in spec.columns}
    own: dict[str, list[tuple[Which, str, str, str, str]]] = {"changed": [], "back": []}
    items: list[dict[str, Any]] = []
    for _, rows in hits.group_by("seq", *CELL, maintain_order=True):
        first = rows.row(0, named=True)
        table, key, column = first["table"], first["key"], first["column"]
        which = (int(first["seq"]), first.get("row"))
        cell = f"{table}|{key}|{column}"
        each = (table, column) in _THROUGH_INSTITUTION
        told_now: dict[str, list[tuple[str, str, str]]] = {"changed": [], "back": []}
        for row in rows.unique(["dispatch_id", "cycle"], maintain_order=True).iter_rows(
                named=True):
            told_id = f"{cell}/{row['dispatch_id']}" if each else cell
            state, before = value_hash(row["now"]), told.get(told_id)
            if before == state or (before is None and not row["changed"]):
                continue
            told_now["changed" if row["changed"] else "back"].append(
                (row["dispatch_id"], row["cycle"], f"{told_id}|{state}"))
        label = labels.get((table, column), column)
        for state, named in told_now.items():
            if not named:
                continue
            if first["rule"] is None:
                own[state].extend((which, d, c, label, k) for d, c, k in named)
            else:
                items.append(_master_note(state, which, table, key, label, first["rule"], named,
                                          through=each))
    return [*(_own_note(state, rows) for state, rows in own.items() if rows), *items]


def _item(ja: str, en: str, named: list[tuple[str, str, str]],
          about: dict[str, dict[str, str]]) -> dict[str, Any]:
    """``about``: each dispatch's own sentence, for its row of followups/CYCLE.csv and its
    `haken explain` (the note names five; blind follow-ups check, session 15)."""
    item = {"kind": KIND, "ja": ja, "en": en, "dispatch_ids": sorted({d for d, _, _ in named}),
            "keys": sorted({k for _, _, k in named})}
    return {**item, "about": about} if about else item


_SETTLE = ("支払済みの派遣は再精算しません。支払額や支払の可否が変わる修正なら、差額の精算や"
           "返還を別途手続きしてください",
           "a paid dispatch is not settled again. If it changes the amount or whether the "
           "dispatch was payable, settle any difference or reclaim separately")
_BACK = ("先にお知らせした差額の精算や返還は要りません",
         "the difference told earlier needs no settling")


Which = tuple[int, Any]  # a correction: its order (seq) and its row in the file (or None)


def _own_note(state: str, rows: list[tuple[Which, str, str, str, str]]) -> dict[str, Any]:
    """One note for the corrections of paid dispatches' own rows, in this state."""
    from haken_batch.followups import listed

    def said(each_ja: list[str], each_en: list[str], many: bool) -> dict[str, str]:
        ja, en = listed(each_ja, each_en)
        plural, verb = ("s", "") if many else ("", "s")
        if state == "back":
            return {"ja": f"事務局修正 {ja} で、値が支払時の値に戻りました。{_BACK[0]}",
                    "en": f"correction{plural} {en} set{verb} the value back to the one paid "
                          f"on: {_BACK[1]}"}
        return {"ja": f"事務局修正 {ja} は支払額に反映されません: {_SETTLE[0]}",
                "en": f"correction{plural} {en} change{verb} no payment: {_SETTLE[1]}"}

    each = []
    for s, d, c, lb, _ in rows:
        ja, en = correction_named(*s)
        each.append((d, f"{ja}（派遣 {d} の「{lb}」、{c} に支払済み）",
                     f"{en} (dispatch {d}, {lb}, paid in {c})"))
    whole = said([j for _, j, _ in each], [e for _, _, e in each], len(rows) > 1)
    about = {d: said([j for o, j, _ in each if o == d], [e for o, _, e in each if o == d],
                     sum(1 for o, _, _ in each if o == d) > 1)
             for d in sorted({d for d, _, _ in each})}
    return _item(whole["ja"], whole["en"], [(d, c, k) for _, d, c, _, k in rows], about)


def _master_note(state: str, which: Which, table: str, key: str, label: str, rule: str,
                 named: list[tuple[str, str, str]], *, through: bool = False
                 ) -> dict[str, Any]:
    """``through``: a column that acts through the dispatching institution. Its "back" is
    its effect (with 所属機関ID and 機関種別 judged together, another correction may have
    set it back while its own value stays: helper review), not its value."""
    from haken_batch.followups import pairs_listed

    who_ja, who_en = ("専門家", "expert") if table == "experts" else ("機関", "institution")
    paid_ja, paid_en = pairs_listed([(d, c) for d, c, _ in named])
    named_ja, named_en = correction_named(*which)
    what_ja = f"事務局修正 {named_ja}（{who_ja} {key} の「{label}」、{rule}）"
    what_en = f"correction {named_en} ({who_en} {key}, {label}, {rule})"
    if state == "back" and through:
        back_ja, back_en = _BACK
        ja = (f"{what_ja} について、その後の修正と合わせて、支払済みの派遣 {paid_ja} が支払の"
              f"対象から除外されるかどうかは支払時と同じに戻りました。{back_ja}")
        en = (f"{what_en}: with the corrections since, whether the dispatches already paid "
              f"({paid_en}) are excluded is again as when paid; {back_en}")
    elif state == "back":
        back_ja, back_en = _BACK
        ja = f"{what_ja} で、支払済みの派遣 {paid_ja} の支払時の値に戻りました。{back_ja}"
        en = (f"{what_en} sets the value back to the one the dispatches already paid were "
              f"paid on: {paid_en}; {back_en}")
    else:
        means_ja, means_en = _CONSEQUENCE.get(rule, _EXCLUSION)
        todo_ja, todo_en = _TODO.get(rule, _REFUND)
        ja = (f"{what_ja} は、支払済みの派遣 {paid_ja} に関わります（{means_ja}）。"
              f"支払済みの派遣は再精算しません。{todo_ja}")
        en = (f"{what_en} bears on dispatches already paid: {paid_en} ({means_en}); a paid "
              f"dispatch is not settled again. {todo_en}")
    return _item(ja, en, named, {})
