"""Export headers -> English column names, through the column map of `rules/columns.yaml`.

A renamed header is a YAML edit. Extra columns are ignored and reported once (warning); a
missing required column stops the run (StructuralError naming the file and the label); a
missing optional column becomes an empty column. A column that looks like a My Number
(個人番号) is dropped unread and reported: the tool never keeps or echoes the number (issue 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from haken_batch.errors import StructuralError
from haken_batch.load.findings import (
    ERROR,
    WARNING,
    concat_issues,
    empty_issues,
    issues_for,
    one_issue,
)
from haken_batch.load.my_number import cells_with_one, written_in
from haken_batch.load.read import RawTable, is_blank_header
from haken_batch.load.spec import CORRECTIONS, ColumnMap, ColumnSpec, TableSpec, fold
from haken_batch.load.xlsx_errors import SheetMarks


@dataclass(frozen=True)
class Mapped:
    frame: pl.DataFrame  # English names in spec order (String) + idx + row
    labels: dict[str, str]  # English name -> header as written
    issues: pl.DataFrame
    # (ja, en) of the columns, or a column's rows, that look like a My Number: 理由（5行目） /
    # 理由 (row 5). A whole column is dropped unread; `cycle.prepare` refuses to settle (and
    # so to archive the raw export) on either.
    my_number_columns: tuple[tuple[str, str], ...] = ()


# The message of the finding on a My-Number-looking column (the refusal reads
# ``Mapped.my_number_columns``, never this text).
MY_NUMBER_IN_CELL_JA = ("マイナンバー（個人番号）と思われる番号がこの列のセル（{rows}）に書かれて"
                        "います。エクスポートから削除してください（あるうちは精算しません）")
_ROWS_NAMED = 5


def _rows_named(rows: list[int]) -> tuple[str, str]:
    """'5行目', '5・9行目', '5・9・… 行目ほか N 件' (ja, en) of the rows of a sheet."""
    shown, more = rows[:_ROWS_NAMED], len(rows) - _ROWS_NAMED
    ja = "・".join(str(r) for r in shown) + "行目" + (f"ほか {more} 件" if more > 0 else "")
    en = ("row " if len(rows) == 1 else "rows ") + ", ".join(str(r) for r in shown) + (
        f" and {more} more" if more > 0 else "")
    return ja, en
MY_NUMBER_FINDING_JA = ("マイナンバー（個人番号）と思われる列です。この列は読み込まず破棄しました。"
                        "エクスポートから削除してください")


def _where(raw: RawTable) -> str:
    src = raw.source
    return f"{src.path.name}［{src.sheet}］" if src.sheet else src.path.name


def map_headers(raw: RawTable, spec: TableSpec, cmap: ColumnMap) -> Mapped:
    lookup = spec.by_header()
    chosen: dict[str, str] = {}  # English name -> raw column (c0..)
    labels: dict[str, str] = {}
    issues = []
    my_number: list[tuple[str, str]] = []
    unknown: list[str] = []  # headers no column took (a renamed one is among them)
    present = set(raw.frame.columns)  # without the columns of neither header nor value
    for pos, header in enumerate(raw.headers):
        source_col = f"c{pos}"
        if source_col not in present:
            continue
        col = lookup.get(fold(header)) if header else None
        if col is not None:
            if col.name in chosen:
                raise StructuralError(
                    f"列「{col.label}」が2回あります（「{labels[col.name]}」と「{header}」）",
                    f"column {col.label!r} appears twice ({labels[col.name]!r} and {header!r})",
                    where=_where(raw))
            chosen[col.name] = source_col
            labels[col.name] = header
            continue
        if looks_like_my_number(raw.frame.get_column(source_col), header, cmap):
            named = header or f"({pos + 1}列目)"
            my_number.append((named, header or f"(column {pos + 1})"))
            issues.append(one_issue(
                table=spec.name, column=named, value="＊＊＊＊",
                rule_id="R-VAL-1", severity=ERROR,
                ja=MY_NUMBER_FINDING_JA,
                en="a column that looks like a My Number (individual number); it was dropped "
                   "unread. Remove it from the export"))
            continue
        name = header if not is_blank_header(header) else f"({pos + 1}列目)"
        unknown.append(name)
        issues.append(one_issue(
            table=spec.name, column=name, value=None, rule_id="R-VAL-1", severity=WARNING,
            ja="契約にない列です（無視しました）。列名の変更なら、rules/columns.yaml で"
               "元の見出し（キー）をこの名前に書き換えてください",
            en="a column not in the input contract (ignored); if it is a renamed header, "
               "change the old header (the key) in rules/columns.yaml to this one"))
    # one typed into a cell of a contract column (corrections: row by row, load_dataset)
    if spec.name != CORRECTIONS:
        by_source = {source: name for name, source in chosen.items()}
        for source, cells in cells_with_one(raw.frame, list(by_source)).items():
            # the rows, as the sheet shows them: one cell among thousands is found by its
            # row, never by its value (masked; independent-data check, session 19)
            rows = [pos + 1 + raw.marks.header_row for pos in cells]
            ja_rows, en_rows = _rows_named(rows)
            label = labels[by_source[source]]
            my_number.append((f"{label}（{ja_rows}）", f"{label} ({en_rows})"))
            issues.append(one_issue(
                table=spec.name, column=by_source[source], value="＊＊＊＊", rule_id="R-VAL-1",
                severity=ERROR, ja=MY_NUMBER_IN_CELL_JA.format(rows=ja_rows),
                en=f"a cell of this column ({en_rows}) holds what looks like a My Number "
                   "(individual number); remove it from the export (nothing is settled while "
                   "it is there)"))
    missing = [c for c in spec.columns if c.name not in chosen and c.required]
    if missing:
        c = missing[0]
        others = "、".join(m.label for m in missing[1:])
        more_ja = f"（ほかに {others}）" if others else ""
        more_en = f" (also {', '.join(m.label for m in missing[1:])})" if others else ""
        below = _header_row_below(raw, lookup)
        if below is not None:
            hint_ja = (f"。見出しが {below}行目にあるようです。見出しは1行目に置いてください"
                       "（上のタイトル行・空行を削除）")
            hint_en = (f"; the headers seem to be on row {below}: put them on row 1 (delete the "
                       "title or blank rows above)")
        elif len(raw.headers) == 1 and any(d in raw.headers[0] for d in ("\t", ";", "|")):
            hint_ja = "。区切りがカンマではないようです（CSV はカンマ区切りで保存してください）"
            hint_en = "; the file does not seem to be comma-separated (save it as CSV)"
        elif unknown:
            shown = "」「".join(unknown[:5])
            hint_ja = (f"。契約にない見出し「{shown}」があります。列名が変わったのなら、"
                       f"rules/columns.yaml で「{c.label}」の見出し（キー）を新しい名前に"
                       "書き換えてください（行の追加ではなく書き換え）")
            hint_en = (f"; headers not in the contract: {', '.join(unknown[:5])}. If a header "
                       f"was renamed, change the key {c.label!r} in rules/columns.yaml to the "
                       "new header (replace it, do not add a line)")
        else:
            hint_ja = hint_en = ""
        raise StructuralError(f"必須の列「{c.label}」（{c.name}）がありません{more_ja}{hint_ja}",
                              f"required column {c.label!r} ({c.name}) is missing{more_en}"
                              f"{hint_en}",
                              where=_where(raw))
    exprs = []
    for c in spec.columns:
        if c.name in chosen:
            exprs.append(pl.col(chosen[c.name]).cast(pl.String).alias(c.name))
        else:
            exprs.append(pl.lit(None, pl.String).alias(c.name))
            labels[c.name] = c.label
    footer = export_footer(raw.frame)
    if footer is not None:
        issues.append(_footer_issue(spec.name, raw.frame, footer))
    frame = (raw.frame if footer is None else raw.frame.head(footer)).select(
        *exprs,
        # The row the clerk sees in Excel: header = 1, first data row = 2 (a sheet's header
        # lower down when blank rows stand above it, which the reader skips)
        (pl.int_range(pl.len(), dtype=pl.Int64) + 1 + raw.marks.header_row).alias("row"),
    )
    # A wholly blank line (trailing rows of an Excel sheet, an empty CSV line) is no record;
    # dropping it keeps the Excel row numbers of the others.
    names = [c.name for c in spec.columns]
    # A blank line is blank in its first column too: that one column (cheap) names the only
    # rows the every-column test (about 1 s at 1,000,000 rows) needs to look at.
    first_blank = frame.select(_blank(names[0])).to_series()
    if first_blank.any():
        at = first_blank.arg_true()
        blank = frame[at].select(pl.all_horizontal([_blank(n) for n in names])).to_series()
        if blank.any():
            gone = at.filter(blank)
            issues.append(_blank_rows_issue(spec.name, frame, gone))
            frame = frame.filter(pl.repeat(True, frame.height, eager=True).scatter(gone, False))
    frame = frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("idx")).select(*names, "idx", "row")
    if raw.marks:
        issues.append(_mark_issues(raw, spec, chosen, frame))
    return Mapped(frame=frame, labels=labels, issues=concat_issues(issues),
                  my_number_columns=tuple(my_number))


def _blank_rows_issue(table: str, frame: pl.DataFrame, gone: pl.Series) -> pl.DataFrame:
    """One warning for blank rows between records: a row cleared in Excel (its cells
    deleted, not the row) left a travel line unpaid without a word, as if it had never been
    claimed (Excel round-trip check, session 20). Blank rows after the last record are an
    Excel sheet's tail and say nothing."""
    records = (~pl.repeat(False, frame.height, eager=True).scatter(gone, True)).arg_true()
    inside = gone.filter(gone < records.max()) if records.len() else gone.clear()
    if inside.len() == 0:
        return empty_issues()
    rows = frame.get_column("row").gather(inside).to_list()
    shown = "、".join(str(r) for r in rows[:5]) + ("など" if len(rows) > 5 else "")
    return one_issue(
        table=table, column=None, value=None, rule_id="R-VAL-1", severity=WARNING,
        ja=(f"記録の間に空の行が {len(rows)} 行あります（{shown}行目）。行を削除したのでは"
            "なく内容だけを消したのなら、その行の記録は読まれていません。元のエクスポートと"
            "比べて確かめてください"),
        en=(f"{len(rows)} blank row(s) between records (row {', '.join(map(str, rows[:5]))}"
            f"{' …' if len(rows) > 5 else ''}). If a row's contents were cleared rather than "
            "the row deleted, that record was not read: compare with the original export"))


_FOOTER_TAIL = 20  # a report footer is a few lines; the test looks at no more than this


def _blank(name: str) -> pl.Expr:
    """A cell that is empty or white space (a column of nulls only, too: its type is Null)."""
    return pl.col(name).is_null() | (pl.col(name).cast(pl.String).str.strip_chars() == "")


def export_footer(frame: pl.DataFrame) -> int | None:
    """Where a trailing footer starts (a frame position), or None.

    A Salesforce Classic report exported as CSV ends with a blank line and then lines of one
    field each: "Copyright (c) 2000-2021 salesforce.com, inc. …", "Confidential Information
    - Do Not Distribute", "Generated By: <user> <time>", the org's name. Each became error
    findings of every column, every month, in every file. A footer is: at the end of the
    table, a wholly blank row followed only by rows that fill the first column alone, at
    least one of them. A row with another column filled ends it, so a data row is never
    taken: rows that fill only the first column *before* the blank row stay data (and
    errors). The caller says which rows were skipped (a warning); the archive keeps them.
    """
    if frame.height == 0 or frame.width == 0:
        return None
    tail = frame.tail(min(frame.height, _FOOTER_TAIL))
    first, rest = tail.columns[0], tail.columns[1:]
    flags = tail.select(
        (pl.all_horizontal([_blank(c) for c in rest]) if rest else pl.lit(True)).alias("alone"),
        _blank(first).alias("blank"),
    ).rows()
    start = len(flags)
    while start > 0 and flags[start - 1][0]:  # rows that fill at most the first column
        start -= 1
    sep = next((i for i in range(start, len(flags)) if flags[i][1]), None)
    if sep is None or all(blank for _alone, blank in flags[sep:]):
        return None  # no blank row before them, or only blank rows (dropped anyway)
    return frame.height - len(flags) + sep


def _footer_issue(table: str, frame: pl.DataFrame, at: int) -> pl.DataFrame:
    """One warning naming the rows skipped as the footer (their text is not echoed: a
    "Generated By" line names a person)."""
    written = (frame.slice(at).with_row_index("pos")
               .filter(~_blank(frame.columns[0])).get_column("pos"))
    first, last = at + int(written[0]) + 2, frame.height + 1  # rows as the clerk counts them
    return one_issue(
        table=table, column=None, value=None, rule_id="R-VAL-1", severity=WARNING,
        ja=f"末尾の {written.len()} 行（{first}〜{last}行目）は、空行の後に1列目だけが書かれた"
           "行のため、エクスポートのフッター（Salesforce のレポートの著作権表示・出力者の行"
           "など）とみなして読み飛ばしました。データの行なら、エクスポートを確かめてください",
        en=f"the last {written.len()} rows (rows {first}–{last}) follow a blank row and fill "
           "only the first column: read as the export's footer (a Salesforce report's "
           "copyright and 'Generated By' lines) and skipped; if they are data, check the "
           "export")


def _header_row_below(raw: RawTable, lookup: dict[str, ColumnSpec], rows: int = 5) -> int | None:
    """The Excel row (2…) of a row near the top that holds at least two of the table's
    headers: a title line above the headers (blind Excel check), not a renamed column."""
    for pos, values in enumerate(raw.frame.head(rows).iter_rows()):
        known = {lookup[fold(v)].name for v in values
                 if isinstance(v, str) and v.strip() and fold(v) in lookup}
        if len(known) >= 2:
            return pos + 2
    return None


def _mark_issues(raw: RawTable, spec: TableSpec, chosen: dict[str, str],
                 frame: pl.DataFrame) -> pl.DataFrame:
    """A finding (R-VAL-1, error: it holds what its row touches) for each error cell and
    formula without a saved result in a column of the contract (an extra column is ignored
    with its contents), and for each lower row of a merged range (filled with the top value
    by the reader, so its key names the dispatch that must wait)."""
    by_position = {int(source[1:]): name for name, source in chosen.items()}
    idx_of = dict(frame.select("row", "idx").iter_rows())
    found = []
    for cell in raw.marks.errors:
        name = by_position.get(cell.column)
        if name is None or cell.row not in idx_of:
            continue
        if cell.kind == "no_value":
            ja = (f"数式の計算結果が保存されていません（セル {cell.ref}）。Excel で開いて"
                  "保存し直すか、値で貼り付けてください")
            en = (f"a formula saved without its result (cell {cell.ref}); open and save the "
                  "book in Excel, or paste values")
        else:
            ja = (f"Excel のエラー値「{cell.value or 'エラー'}」です（セル {cell.ref}）。"
                  "数式を直すか、値で貼り付けてください")
            en = (f"the Excel error {cell.value or 'value'} (cell {cell.ref}); fix the formula "
                  "or paste values")
        found.append(one_issue(table=spec.name, column=name, value=cell.value or None,
                               rule_id="R-VAL-1", severity=ERROR, ja=ja, en=en,
                               idx=idx_of[cell.row]))
    for m in raw.marks.merged:
        names = [by_position[c] for c in range(m.first_column, m.last_column + 1)
                 if c in by_position]
        if not names:
            continue
        for row in range(m.first_row + 1, m.last_row + 1):
            if row in idx_of:
                found.append(one_issue(
                    table=spec.name, column=names[0], value=None, rule_id="R-VAL-1",
                    severity=ERROR, idx=idx_of[row],
                    ja=(f"結合されたセル（{m.ref}）の2行目以降です。結合を解除して、"
                        "各行に値を入れてください"),
                    en=(f"a lower row of the merged cells {m.ref}; unmerge them and fill in "
                        "every row")))
    found += _long_row_issues(raw.marks, spec.name, idx_of)
    return concat_issues(found)


def _long_row_issues(marks: SheetMarks, table: str, idx_of: dict[int, int]
                     ) -> list[pl.DataFrame]:
    """CSV records longer than the header: an error of each row with a value beyond it (its
    cells may be shifted: a comma inside an unquoted value), one warning for the rows whose
    extra fields are all empty (a trailing comma: nothing lost)."""
    # the value beyond the header is not echoed: shifted, it may be an account number or a
    # name that its own column would have masked
    w = marks.width
    why = [(marks.long_rows, "（見出しのない列に値があります）。値の中のカンマ",
            f"{w}; a value is beyond it). A comma inside a value"),
           (marks.uneven_tails,
            "（ほかの多くの行より長く、余分な列は空）。引用符のない値の中のカンマ（1,110 など）",
            f"{w}), longer than most rows, with empty fields beyond it. A comma inside an "
            "unquoted value (1,110)")]
    # one frame per kind, not per row (a whole file of long rows: 1,000,000 of them)
    found = [issues_for(
        pl.DataFrame({"idx": [idx_of[r] for r in rows if r in idx_of], "value": None},
                     schema={"idx": pl.Int64(), "value": pl.String()}),
        table=table, column=None, rule_id="R-VAL-1", severity=ERROR,
        ja=(f"見出し行（{w}列）より列が多い行です{ja}で列がずれているおそれがあるため、この行が"
            "関わる派遣は保留します。システムでこの行を確かめ、エクスポートを出し直してください"),
        en=(f"the row has more fields than the header ({en} may have shifted its cells, so "
            "what the row touches is held. Check the record in the system and export again"))
        for rows, ja, en in why]
    if marks.blank_tails:
        n, first = len(marks.blank_tails), marks.blank_tails[0]
        found.append(one_issue(
            table=table, column=None, value=None, rule_id="R-VAL-1", severity=WARNING,
            ja=(f"{n} 行（最初は {first}行目）は見出し行（{marks.width}列）より列が多いですが、"
                "余分な列は空なので無視しました"),
            en=(f"{n} row(s) (the first is row {first}) have more fields than the header "
                f"({marks.width}); the extra fields are empty and were ignored")))
    return found


def looks_like_my_number(values: pl.Series, header: str, cmap: ColumnMap) -> bool:
    """A column named like a My Number, or written with one, or half of whose cells are one."""
    if header and cmap.looks_like_my_number_header(header):
        return True
    if written_in(values):  # one written into the text of an extra column (備考)
        return True
    text = values.cast(pl.String)
    # NFKC leaves an ASCII cell as it is (bytes = characters): only the other cells are
    # normalised, the costly part (about 0.2 s per 1,000,000 cells); nulls drop out here.
    ascii_ = text.str.len_bytes() == text.str.len_chars()
    if ascii_.all(ignore_nulls=True):
        cells = text.drop_nulls()
    else:
        cells = pl.concat([text.filter(ascii_), text.filter(~ascii_).str.normalize("NFKC")])
    cells = cells.str.strip_chars()
    cells = cells.filter(cells != "")
    if cells.len() == 0:
        return False
    hits = cells.str.contains(cmap.my_number_values).sum()
    return bool(hits * 2 >= cells.len())
