"""The corrections table (事務局修正): the only way a clerk changes data (input-contract.md).

Corrections are applied on load, to the exported text, in the order of their 修正日時 (then
file order), before the cells are read; so a corrected value is parsed and validated like
the column. Every touched cell is remembered (seq, table, key, column, old, new, reason,
corrected_by, corrected_at) for the explanation trail. A correction naming an unknown
table, key or column, without a reason or author, with a time that cannot be read,
changing a key column, or with a value the column cannot read, is a finding and changes
nothing (never silently ignored); the rows it aimed at are held (``refused``), since the
clerk meant them to change before being paid.
``key`` names the row as exported (``D-1;2`` for two-part keys).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from haken_batch.load.codes import Codes
from haken_batch.load.findings import ERROR, concat_issues, one_issue
from haken_batch.load.normalize import key_expr
from haken_batch.load.spec import CORRECTIONS, TABLE_ORDER, ColumnMap, TableSpec, fold

REFUSED_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(), "key": pl.String(), "row": pl.Int64(),
    "message_ja": pl.String(), "message_en": pl.String(),
    # what the correction asked (項目 and 修正後の値 as written) and why it was refused,
    # for `haken explain` (the messages above hold the dispatch, R-VAL-1)
    "column": pl.String(), "value": pl.String(), "why_ja": pl.String(), "why_en": pl.String(),
}
TRAIL_SCHEMA: dict[str, pl.DataType] = {
    "seq": pl.Int64(), "table": pl.String(), "key": pl.String(), "column": pl.String(),
    "old": pl.String(), "new": pl.String(), "reason": pl.String(),
    "corrected_by": pl.String(), "corrected_at": pl.Datetime("us"),
    # the row of the corrections file as Excel shows it (the header is row 1), as refused
    # corrections are named; ``seq`` counts data rows. Not written to corrections_applied.csv
    "row": pl.Int64(),
}

# A correction is named to the clerk by its row in the corrections file as Excel shows it
# (the header is row 1), as `validate` and corrections_rejected.csv name it: an order
# ("#8", "2件目") counted rows the clerk could not find (docs review). By its order only
# where no row is known (a trail built by tests).
_ROW_JA, _ROW_EN, _ORDER = "{}行目", "in row {}", "#{}"


def correction_named(seq: int, row: int | None) -> tuple[str, str]:
    """(ja, en) naming of one correction: 「9行目」 / "in row 9"."""
    if row is None:
        return _ORDER.format(seq), _ORDER.format(seq)
    return _ROW_JA.format(row), _ROW_EN.format(row)


def correction_named_expr(seq: str, row: str) -> tuple[pl.Expr, pl.Expr]:
    """:func:`correction_named` over the columns ``seq`` and ``row`` of a frame."""
    def named(template: str) -> pl.Expr:
        return (pl.when(pl.col(row).is_not_null()).then(pl.format(template, pl.col(row)))
                .otherwise(pl.format(_ORDER, pl.col(seq))))
    return named(_ROW_JA), named(_ROW_EN)


def empty_trail() -> pl.DataFrame:
    return pl.DataFrame(schema=TRAIL_SCHEMA)


def empty_refused() -> pl.DataFrame:
    return pl.DataFrame(schema=REFUSED_SCHEMA)


def _issue(idx: int, column: str, value: Any, ja: str, en: str) -> pl.DataFrame:
    return one_issue(table=CORRECTIONS, column=column, value=None if value is None else str(value),
                     rule_id="R-VAL-1", severity=ERROR, ja=ja, en=en, idx=idx)


def _refused(table: str | None, key: str | None, row: int | None, seq: int,
             issue: pl.DataFrame, column: str | None, value: str | None) -> pl.DataFrame:
    """The row a refused correction aimed at (when its table is known), to be held; the
    correction named as :func:`correction_named` does."""
    first = issue.row(0, named=True)
    where_ja, where_en = correction_named(seq, row)
    where_en += " of the corrections file" if row is not None else ""
    return pl.DataFrame(
        {"table": [table], "key": [key], "row": [row],
         "message_ja": [f"事務局修正（{where_ja}）を適用できませんでした: {first['message_ja']}"],
         "message_en": [f"correction {where_en} could not be applied: {first['message_en']}"],
         "column": [column], "value": [value],
         "why_ja": [first["message_ja"]], "why_en": [first["message_en"]]},
        schema=REFUSED_SCHEMA)


def _out_of_file_order(valid: list[dict[str, Any]]) -> list[pl.DataFrame]:
    """A warning on each correction that a row above it in the file overrides, because its
    修正日時 is earlier: by design (a sheet sorted in Excel must not change the result), but
    a mistyped date (2021/10/5 for 2021/11/5) reversed two corrections of a cell without a
    word (blind clerk check, session 18). ``valid`` is in the order applied."""
    from haken_batch.load.findings import WARNING

    last: dict[tuple[str, str, str], dict[str, Any]] = {}
    for v in valid:
        last[(v["table"], str(v["key"]).strip(), v["column"])] = v
    found = []
    for v in valid:
        winner = last[(v["table"], str(v["key"]).strip(), v["column"])]
        if v["seq"] > winner["seq"]:
            at = winner.get("row") or winner["seq"]
            if winner["corrected_at"] is None:  # it wins for having no time (review)
                why_ja = f"{at}行目の同じ項目への修正は修正日時がないため最後に適用され"
                why_en = (f"the correction of the same cell on row {at} has no time, so it "
                          "is applied last")
            else:
                why_ja = f"同じ項目への {at}行目の修正より前の日時のため先に適用され"
                why_en = (f"earlier than the correction of the same cell on row {at}, so "
                          "applied before it")
            found.append(one_issue(
                table=CORRECTIONS, column="corrected_at",
                value=None if v["corrected_at"] is None else str(v["corrected_at"]),
                rule_id="R-VAL-1", severity=WARNING, idx=v["idx"],
                ja=f"修正日時: {why_ja}、{at}行目の値が残ります（修正日時の順に適用します。"
                   "日時の入力誤りや入れ忘れでないか確認してください）",
                en=f"corrected_at: {why_en}: row {at}'s value stays (corrections apply in the "
                   "order of their time; check the time is not mistyped or missing)"))
    return found


def apply_corrections(frames: dict[str, pl.DataFrame], corrections: pl.DataFrame,
                      cmap: ColumnMap, codes: Codes,
                      unreadable_times: dict[int, str | None] | None = None,
                      ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame,
                                 pl.DataFrame]:
    """Frames (text, English names) with corrections applied, the trail, the issues, and the
    rows refused corrections aimed at (REFUSED_SCHEMA: their dispatches are held).

    ``corrections`` is the normalised corrections table (text columns, typed corrected_at);
    ``unreadable_times``: idx -> 修正日時 as written, of its rows whose time could not be read.
    The loop runs over corrections (a clerk's handful), never over the data rows.
    """
    from haken_batch.load.normalize import PARSE_MESSAGES, read_column

    unreadable_times = unreadable_times or {}
    issues: list[pl.DataFrame] = []
    # each refused correction with the cell it aimed at (table, key, column or None, seq)
    refused: list[tuple[pl.DataFrame, tuple[str, str, str | None, int]]] = []

    def refuse(table: str, key: str, row: int | None, seq: int, issue: pl.DataFrame,
               written: str | None, value: str | None, column: str | None) -> None:
        refused.append((_refused(table, key, row, seq, issue, written, value),
                        (table, key.strip(), column, seq)))

    valid: list[dict[str, Any]] = []
    for seq, c in enumerate(corrections.iter_rows(named=True), start=1):
        idx = int(c["idx"])
        found = cmap.table_for_stem(c["table"] or "")
        table = found if found in TABLE_ORDER else None
        spec = cmap.tables[table] if table is not None else None
        col = spec.by_header().get(fold(c["column"] or "")) if spec is not None else None
        parts = (c["key"] or "").split(";")
        blank_key = not any(p.strip() for p in parts)
        value = (c["value"] or "").strip()
        problem: tuple[str, Any, str, str] | None = None
        if not c["reason"]:
            problem = ("reason", None, "理由: 修正には理由が必要です（適用しませんでした）",
                       "reason: a correction needs a reason (not applied)")
        elif not c["corrected_by"]:
            problem = ("corrected_by", None,
                       "修正者: 修正には修正者が必要です（適用しませんでした）",
                       "corrected_by: a correction needs its author (not applied)")
        elif idx in unreadable_times:
            problem = ("corrected_at", unreadable_times[idx],
                       "修正日時: 日時として読めません（適用しませんでした）",
                       "corrected_at: not a readable date and time (not applied)")
        elif spec is None:
            # the names it takes, as the clerk may write them (lifecycle check: not listed)
            names = [cmap.tables[t] for t in TABLE_ORDER]
            problem = ("table", c["table"],
                       "対象表: そのような表はありません（"
                       + "、".join(f"{t.name}（{t.ja}）" for t in names)
                       + " のいずれか。適用しませんでした）",
                       "table: no such table (one of "
                       + ", ".join(t.name for t in names) + "; not applied)")
        elif col is None:
            near = _closest(str(c["column"] or ""), spec)
            problem = ("column", c["column"],
                       f"項目: 表「{spec.ja}」にそのような項目はありません"
                       + (f"（「{near}」のことですか）" if near else "")
                       + "（適用しませんでした。項目名は rules/columns.yaml の見出し）",
                       f"column: table {table!r} has no such column"
                       + (f" (did you mean {near!r}?)" if near else "")
                       + " (not applied; the column names are the headers of "
                         "rules/columns.yaml)")
        elif blank_key:
            # a blank キー matched no row and crashed on the way to saying so
            want = ";".join(spec.column(k).label for k in spec.key)
            problem = ("key", c["key"],
                       f"キー: 空欄です。修正する行の {want} を書いてください"
                       "（適用しませんでした）",
                       f"key: blank; give the {';'.join(spec.key)} of the row to correct "
                       "(not applied)")
        elif len(parts) != len(spec.key):
            want = ";".join(spec.column(k).label for k in spec.key)
            problem = ("key", c["key"],
                       f"キー: 表「{spec.ja}」のキーは {want} の形式です（適用しませんでした）",
                       f"key: the key of {table!r} is written {';'.join(spec.key)} "
                       "(not applied)")
        elif col.name in spec.key:
            problem = ("column", c["column"],
                       f"項目: キーの列「{col.label}」は修正できません。行を移す修正は"
                       "できないため、元のシステムで直してください（適用しませんでした）",
                       f"column: the key column {col.name!r} cannot be corrected; a row "
                       "cannot be moved by a correction (not applied)")
        elif value and read_column(pl.DataFrame({col.name: [value]}), col, codes)[0] is None:
            why_ja, why_en = PARSE_MESSAGES.get(col.kind, ("", ""))
            problem = ("value", c["value"],
                       f"修正後の値: 「{col.label}」の値として読めません"
                       + (f"（{why_ja}）" if why_ja else "") + "（適用しませんでした）",
                       f"value: not a readable value of {col.name!r}"
                       + (f" ({why_en})" if why_en else "") + " (not applied)")
        if problem is not None:
            issue = _issue(idx, *problem)
            issues.append(issue)
            if table is not None and not blank_key:
                refuse(table, c["key"], c.get("row"), seq, issue, c["column"], c["value"],
                       col.name if col else None)
            continue
        assert table is not None and spec is not None and col is not None
        valid.append({"seq": seq, "idx": idx, "row": c.get("row"), "table": table,
                      "key": c["key"], "written": c["column"],
                      "parts": parts, "column": col.name, "value": c["value"],
                      "reason": c["reason"], "corrected_by": c["corrected_by"],
                      "corrected_at": c["corrected_at"]})
    # "applied in order": by 修正日時, then file order (a sheet sorted by 派遣ID in Excel must
    # not change which of two corrections of a cell wins); a blank time after the timed ones
    valid.sort(key=lambda v: (v["corrected_at"] is None, v["corrected_at"] or 0, v["seq"]))
    issues.extend(_out_of_file_order(valid))
    trail: list[dict[str, Any]] = []
    applied: dict[tuple[str, str, str], int] = {}  # (table, key, column) -> last file row applied
    out = dict(frames)
    for table in TABLE_ORDER:
        mine = [v for v in valid if v["table"] == table]
        if not mine:
            continue
        spec = cmap.tables[table]
        frame = out[table]
        # The correction's key, read like the table's key cells (line_no ２ = 2, …).
        wanted = pl.DataFrame({k: [v["parts"][i] for v in mine] for i, k in enumerate(spec.key)},
                              schema=dict.fromkeys(spec.key, pl.String))
        wanted = wanted.with_columns(pl.all().str.strip_chars())
        wanted_keys = wanted.select(key_expr(spec, codes).alias("_key")).get_column("_key")
        # The key in half width (NFKC), only to say so when the key as written finds no row:
        # ids are compared as written (docs/readings.md, R-VAL-1, an id in full width)
        folded = (wanted.with_columns(pl.all().str.normalize("NFKC").str.strip_chars())
                  .select(key_expr(spec, codes).alias("_folded")).get_column("_folded"))
        have = frame.select(pl.col("idx"), key_expr(spec, codes).alias("_key"))
        matches = (pl.DataFrame({"n": range(len(mine)), "_key": wanted_keys, "_folded": folded})
                   .join(have, on="_key", how="left")
                   .join(have.select(pl.col("_key").alias("_folded"), pl.lit(True).alias("_near"))
                         .unique(), on="_folded", how="left")
                   .group_by("n").agg(pl.col("idx").drop_nulls().sort(), pl.first("_key"),
                                      pl.first("_folded"), pl.col("_near").any())
                   .sort("n"))
        current: dict[tuple[str, int], str | None] = {}
        for v, m in zip(mine, matches.iter_rows(named=True), strict=True):
            if not m["idx"]:
                near = m["_folded"] if m["_near"] else None
                issue = _issue(v["idx"], "key", v["key"],
                               f"キー: 表「{spec.ja}」にこのキーの行はありません"
                               + (f"（全角の文字があります。半角の「{near}」なら行があります）"
                                  if near else "") + "（適用しませんでした）",
                               f"key: no row of {table!r} has this key"
                               + (f" (it has full-width characters; {near!r} in half width "
                                  "has a row)" if near else "") + " (not applied)")
                issues.append(issue)
                refuse(table, v["key"], v.get("row"), v["seq"], issue, v["written"],
                       v["value"], v["column"])
                continue
            cell_key = (table, v["key"].strip(), v["column"])
            applied[cell_key] = max(applied.get(cell_key, 0), v["seq"])
            for row_idx in m["idx"]:
                cell = (v["column"], int(row_idx))
                if cell not in current:
                    current[cell] = frame.get_column(v["column"])[int(row_idx)]
                trail.append({"seq": v["seq"], "table": table, "key": m["_key"],
                              "column": v["column"], "old": current[cell], "new": v["value"],
                              "reason": v["reason"], "corrected_by": v["corrected_by"],
                              "corrected_at": v["corrected_at"], "row": v.get("row")})
                current[cell] = v["value"]
        updates: dict[str, pl.Series] = {}
        for (column, row_idx), value in current.items():
            series = updates.get(column, frame.get_column(column).clone())
            updates[column] = series.scatter(row_idx, value)
        if updates:
            out[table] = frame.with_columns(list(updates.values()))
    trail_frame = (pl.DataFrame(trail, schema=TRAIL_SCHEMA) if trail else empty_trail())
    # A refused correction followed in the file by an applied one of the same cell (the
    # clerk's file grows month by month and the bad row stays) is superseded: still a
    # finding, no longer a hold (blind corrections check: it held its dispatch for good).
    holds = [frame for frame, (table, key, column, seq) in refused
             if column is None or applied.get((table, key, column), 0) < seq]
    refused_frame = pl.concat(holds).sort("row") if holds else empty_refused()
    return (out, trail_frame.sort(["seq", "table", "key", "column"]), concat_issues(issues),
            refused_frame)


def canonical_trail(trail: pl.DataFrame, cmap: ColumnMap, codes: Codes) -> pl.DataFrame:
    """old/new as the column reads them (16:00 and Excel's 1899-12-31 16:00:00 -> 16:00:00).

    A value the column cannot read stays as written, so the trail still shows it.
    """
    from haken_batch.load.normalize import read_column

    if trail.height == 0:
        return trail
    parts = []
    for (table, column), group in trail.group_by("table", "column", maintain_order=True):
        col = cmap.tables[str(table)].column(str(column))
        out = group
        for side in ("old", "new"):
            given = pl.col(side).str.strip_chars()
            out = out.with_columns(  # an empty cell is null, whether CSV or Excel
                pl.when(given.str.len_bytes() == 0).then(None).otherwise(given).alias(side))
            cells = out.select(pl.col(side).alias(col.name))
            typed = read_column(cells, col, codes)
            if isinstance(typed.dtype, pl.List):
                text = typed.list.join(";")
            elif isinstance(typed.dtype, pl.Datetime):
                text = typed.dt.to_string("%Y-%m-%d %H:%M:%S")
            else:
                text = typed.cast(pl.String)
            out = out.with_columns(pl.coalesce(text, pl.col(side)).alias(side))
        parts.append(out)
    return pl.concat(parts).sort(["seq", "table", "key", "column"])


def _closest(written: str, spec: TableSpec) -> str | None:
    """The column label nearest to a mistyped 項目 (開始時間 → 開始時刻), if any is close."""
    import difflib

    labels = [c.label for c in spec.columns]
    found = difflib.get_close_matches(written.strip(), labels, n=1, cutoff=0.5)
    return found[0] if found else None
