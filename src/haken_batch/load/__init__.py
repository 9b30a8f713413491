"""Load a data folder into a ``Dataset`` (docs/design.md "Dataset").

read (text cells) -> headers (column map) -> corrections (on the text) -> normalise (types)
-> validate (contract, references, bank check) -> findings. Only a structural fault
(unreadable file, missing required column, missing table or sheet) raises; everything else is
a finding and the row stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from haken_batch.load.read import SourceFile

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.load.spec import ColumnMap
    from haken_batch.rules import RuleBook

__all__ = ["Dataset", "SourceFile", "load_dataset"]


@dataclass(frozen=True)
class Dataset:
    """Typed tables, validation findings, the corrections trail and where each table came from.

    tables:      experts, institutions, dispatches, reports, checkins, travel_claims; English
                 column names plus ``_row`` (Excel row: header 1, first data row 2)
    findings:    file, sheet, row, column, value, table, key, rule_id, severity, message_ja,
                 message_en (sorted by file, sheet, row, column, rule_id)
    corrections: seq, table, key, column, old, new, reason, corrected_by, corrected_at
    sources:     table -> SourceFile (path, sheet, encoding, sha256); ``corrections`` too when
                 present
    my_number_columns: (file［sheet］, where, where in English) of every column that looks
                 like a My Number (dropped unread, reported as a finding; a cell in a
                 contract column names its rows: 理由（7行目）, 理由 (row 7)); settle refuses
                 while there is one
    error_cells: table, key, column (English name) of every error finding on one cell of a
                 keyed row: what settle needs to hold a dispatch for a cell it cannot trust
    refused_corrections: table, key, row, message_ja, message_en of the rows a correction
                 that could not be applied aimed at (their dispatches are held, R-VAL-1);
                 column, value (as written), why_ja, why_en of that correction (explain)
    """

    tables: dict[str, pl.DataFrame]
    findings: pl.DataFrame
    corrections: pl.DataFrame
    sources: dict[str, SourceFile]
    my_number_columns: tuple[tuple[str, str, str], ...] = ()
    error_cells: pl.DataFrame | None = None
    refused_corrections: pl.DataFrame | None = None

    def errors(self) -> pl.DataFrame:
        import polars as pl

        return self.findings.filter(pl.col("severity") == "error")


def load_dataset(data_dir: Path, rules: RuleBook, *, lang: str = "ja",
                 on_read: Callable[[Path], None] | None = None) -> Dataset:
    """Read, correct, type and validate the exports of ``data_dir``.

    ``lang`` is kept for symmetry with the CLI: findings always carry both languages.
    ``on_read(path)`` is told of each export as soon as it has been read.
    """
    import polars as pl

    from haken_batch.load.codes import codes_from
    from haken_batch.load.corrections import (
        apply_corrections,
        canonical_trail,
        empty_refused,
        empty_trail,
    )
    from haken_batch.load.findings import (
        ERROR,
        WARNING,
        TableInfo,
        concat_issues,
        finalize,
        one_issue,
    )
    from haken_batch.load.headers import MY_NUMBER_FINDING_JA, map_headers
    from haken_batch.load.normalize import normalize_table, typed_key_expr
    from haken_batch.load.read import read_folder
    from haken_batch.load.spec import CORRECTIONS, TABLE_ORDER, column_map
    from haken_batch.parallel import ordered_map
    from haken_batch.validate import validate_tables

    cmap = column_map(rules.columns, where=str(Path(rules.root) / "columns.yaml"))
    codes = codes_from(rules)
    raws, unused = read_folder(Path(data_dir), cmap, on_read)
    issues: list[pl.DataFrame] = []
    extra_info: dict[str, TableInfo] = {}
    my_number: set[tuple[str, str, str]] = set()
    for u in unused:
        label = f"{u.path.name}［{u.sheet}］" if u.sheet else u.path.name
        for column in _my_number_columns_of_sheet(u.frame, cmap):
            # the workbook is archived whole: a My Number on a sheet that is not a table
            # went into archive/inputs (hostile check, session 22)
            my_number.add((label, column, column))
            issues.append(one_issue(
                table=f"?{label}", column=column, value="＊＊＊＊", rule_id="R-VAL-1",
                severity=ERROR, ja=MY_NUMBER_FINDING_JA,
                en="a column that looks like a My Number (individual number); it was dropped "
                   "unread. Remove it from the export"))
        issues.append(one_issue(
            table=f"?{label}", column=None, value=None, rule_id="R-VAL-1", severity=WARNING,
            ja="表として認識できないファイル／シートです（無視しました）",
            en="not a table of the input contract (ignored)"))
        extra_info[f"?{label}"] = TableInfo(file=u.path.name, sheet=u.sheet, labels={},
                                            secret=frozenset(),
                                            rows=pl.DataFrame(schema={"idx": pl.Int64,
                                                                      "row": pl.Int64,
                                                                      "key": pl.String}))
    text: dict[str, pl.DataFrame] = {}
    labels: dict[str, dict[str, str]] = {}
    sources = {t: raws[t].source for t in raws}
    for table in list(raws):
        # pop: each export's text as read is dropped once mapped (a copy: rechunked), so
        # only one table is held twice at a time (memory at 1,000,000 dispatches)
        raw = raws.pop(table)
        mapped = map_headers(raw, cmap.tables[table], cmap)
        text[table] = mapped.frame
        labels[table] = mapped.labels
        issues.append(mapped.issues)
        my_number.update((_named(raw.source), ja, en) for ja, en in mapped.my_number_columns)
        del raw
    trail = empty_trail()
    refused = empty_refused()
    if CORRECTIONS in text:
        # a correction may carry one too (項目 マイナンバー, or in its value or reason): the
        # archive keeps corrections.csv byte for byte, so the run is refused like a column
        my_number.update((_named(sources[CORRECTIONS]), f"{row}行目", f"row {row}")
                         for row in _my_number_corrections(text[CORRECTIONS], cmap))
        corr, corr_issues = normalize_table(text[CORRECTIONS], cmap.tables[CORRECTIONS], codes)
        # a 修正日時 that cannot be read refuses its correction (reported there, once)
        no_time = set(corr.filter(pl.col("corrected_at").is_null()).get_column("idx").to_list())
        bad_time = (pl.col("column") == "corrected_at") & pl.col("idx").is_in(sorted(no_time))
        unreadable_times = dict(corr_issues.filter(bad_time).select("idx", "value").rows())
        issues.append(corr_issues.filter(~bad_time))
        text, trail, applied_issues, refused = apply_corrections(text, corr, cmap, codes,
                                                                 unreadable_times)
        trail = canonical_trail(trail, cmap, codes)
        issues.append(applied_issues)
    if "experts" in text:  # ゆうちょ 記号番号 -> 店番 / 口座番号 (zengin.md), before typing
        from haken_batch.load.accounts import convert

        text["experts"], account_issues = convert(text["experts"], codes)
        issues.append(account_issues)
    else:
        account_issues = None
    typed: dict[str, pl.DataFrame] = {}
    unreadable: list[pl.DataFrame] = []
    # tables are typed independently, two or more at a time; a table's text is dropped
    # (popped inside its job) as soon as it is typed
    def type_table(table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        return normalize_table(text.pop(table), cmap.tables[table], codes)

    for table, (frame, parse_issues) in zip(
            TABLE_ORDER, ordered_map(type_table, TABLE_ORDER), strict=True):
        typed[table] = frame
        issues.append(parse_issues)
        unreadable.append(parse_issues)
    issues.append(validate_tables(typed, cmap, codes, rules, concat_issues(unreadable)))
    merged = _explained_accounts(concat_issues(issues), account_issues)
    info = dict(extra_info)
    for table, source in sources.items():
        spec = cmap.tables[table]
        frame = typed[table] if table in typed else text[table]
        key = typed_key_expr(spec) if spec.key else pl.lit(None, pl.String)
        info[table] = TableInfo(
            file=source.path.name, sheet=source.sheet, labels=labels[table],
            secret=frozenset(c.name for c in spec.columns if c.secret),
            rows=frame.select("idx", "row", key.alias("key")))
    findings = finalize(merged, info).with_columns(
        # a file that is no table has no table name
        pl.when(pl.col("table").str.starts_with("?")).then(None).otherwise(pl.col("table"))
        .alias("table"))
    findings = _name_corrections(findings, trail, labels)
    tables = {
        t: typed[t].select([c.name for c in cmap.tables[t].columns] + [pl.col("row").alias("_row")])
        for t in TABLE_ORDER
    }
    return Dataset(tables=tables, findings=findings, corrections=trail, sources=sources,
                   my_number_columns=tuple(sorted(my_number)),
                   error_cells=_error_cells(findings, labels), refused_corrections=refused)


def _name_corrections(findings: pl.DataFrame, trail: pl.DataFrame,
                      labels: dict[str, dict[str, str]]) -> pl.DataFrame:
    """A finding on a cell a correction wrote says so: the export's row holds another value,
    and the clerk should look at corrections.csv, not at the export."""
    import polars as pl

    from haken_batch.load.corrections import correction_named_expr

    if trail.height == 0 or findings.height == 0:
        return findings
    cells = pl.concat([
        trail.filter(pl.col("table") == table).select(
            "table", "key",
            pl.col("column").replace_strict(by_name, default=None, return_dtype=pl.String),
            "seq", pl.col("row") if "row" in trail.columns else pl.lit(None, pl.Int64))
        for table, by_name in sorted(labels.items())])
    last = (cells.drop_nulls(["table", "key", "column", "seq"]).sort("seq")
            .group_by("table", "key", "column").agg(pl.col("seq").last(), pl.col("row").last()))
    named_ja, named_en = correction_named_expr("_seq", "_row")
    return (findings.join(last.rename({"seq": "_seq", "row": "_row"}),
                          on=["table", "key", "column"], how="left", nulls_equal=False,
                          maintain_order="left")
            .with_columns(
                pl.when(pl.col("_seq").is_not_null())
                .then(pl.format("{}（事務局修正 {} による値）", pl.col("message_ja"), named_ja))
                .otherwise(pl.col("message_ja")).alias("message_ja"),
                pl.when(pl.col("_seq").is_not_null())
                .then(pl.format("{} (value set by the correction {})", pl.col("message_en"),
                                named_en))
                .otherwise(pl.col("message_en")).alias("message_en"))
            .drop("_seq", "_row"))


def _explained_accounts(issues: pl.DataFrame,
                        account_issues: pl.DataFrame | None) -> pl.DataFrame:
    """A ゆうちょ 記号番号 left unconverted has its own error saying why (which cell disagrees,
    what cannot be converted): the contract's 「7桁の数字」 on the same cell is dropped, as it
    sent the clerk to the wrong cell and listed the expert twice in holds.csv (review,
    session 19)."""
    import polars as pl

    from haken_batch.load.findings import ERROR

    if account_issues is None or account_issues.height == 0:
        return issues
    ours = account_issues.filter(pl.col("severity") == ERROR)
    if ours.height == 0:
        return issues
    same_cell = ((pl.col("table") == "experts") & (pl.col("column") == "account_number")
                 & (pl.col("severity") == ERROR)
                 & pl.col("idx").is_in(ours.get_column("idx").implode()))
    return pl.concat([issues.filter(~same_cell.fill_null(False)), ours])


def _named(source: SourceFile) -> str:
    """A file as the clerk finds it: a workbook's sheet too (the rows are the sheet's)."""
    return f"{source.path.name}［{source.sheet}］" if source.sheet else source.path.name


def _my_number_corrections(frame: pl.DataFrame, cmap: ColumnMap) -> list[int]:
    """The row of every correction whose 項目 names a My Number or whose text holds one."""
    import polars as pl

    from haken_batch.load.my_number import written_in

    found = []
    fields = [c for c in frame.columns if c not in ("idx", "row")]
    for row in frame.iter_rows(named=True):
        label = str(row.get("column") or "")
        cells = pl.Series([str(row.get(c) or "") for c in fields])  # every field of it
        if (label and cmap.looks_like_my_number_header(label)) or written_in(cells):
            found.append(int(row["row"]))
    return found


def _error_cells(findings: pl.DataFrame, labels: dict[str, dict[str, str]]) -> pl.DataFrame:
    """table, key, column (English) of the error findings on a cell of a keyed row."""
    import polars as pl

    from haken_batch.load.findings import ERROR

    errors = findings.filter((pl.col("severity") == ERROR) & pl.col("key").is_not_null()
                             & pl.col("column").is_not_null())
    parts = [errors.filter(pl.col("table") == table).select(
                 "table", "key",
                 pl.col("column").replace_strict({v: k for k, v in by_name.items()},
                                                 default=None, return_dtype=pl.String))
             for table, by_name in sorted(labels.items())]
    frame = pl.concat(parts) if parts else pl.DataFrame(
        schema={"table": pl.String, "key": pl.String, "column": pl.String})
    return frame.filter(pl.col("column").is_not_null()).unique().sort("table", "key", "column")


def _my_number_columns_of_sheet(frame: pl.DataFrame | None, cmap: ColumnMap) -> list[str]:
    """The columns of an ignored sheet (cells as text, header row first) that look like a
    My Number: named so in their first filled cell, or written with one in half of the
    rest (headers.looks_like_my_number, as for a column of a table). Named by position, and
    by the header when it holds no digit (never the number itself)."""
    import polars as pl

    from haken_batch.load.headers import looks_like_my_number

    found: list[str] = []
    if frame is None:
        return found
    for pos, name in enumerate(frame.columns):
        filled = frame.get_column(name).cast(pl.String).drop_nulls().str.strip_chars()
        filled = filled.filter(filled != "")
        if filled.len() == 0:
            continue
        header = str(filled[0])
        if looks_like_my_number(filled.slice(1), header, cmap) or \
                looks_like_my_number(filled, "", cmap):
            plain = not any(ch.isdigit() for ch in header)
            found.append(f"{pos + 1}列目（{header[:20]}）" if plain else f"{pos + 1}列目")
    return found
