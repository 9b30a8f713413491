"""Columns that fail in (nearly) every row alike: the mark of a file re-saved through Excel.

Excel writes a cell as it shows it: a check-in time formatted mm:ss.0 is saved as
「53:32.0」 in every row. Each row is an error of its own and holds its dispatch, settle
exits 0 (holds are normal) and the terminal counted 2,121 errors with 875 of 942
dispatches held under R-VAL-1 and no word of the cause (Excel round-trip check, session
20). One line per such column says which column of which file, and what to do: export
again. The row findings stay as they are; this only summarises them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from haken_batch.load.findings import ERROR

if TYPE_CHECKING:
    from haken_batch.load import Dataset

# a column is told when at least this share of its table's rows fail with one message, and
# at least _MIN_ROWS of them (two failing rows of three are a clerk's typos, not a re-save)
_SHARE = 0.9
_MIN_ROWS = 5


def whole_columns(findings: pl.DataFrame, rows: dict[str, int]) -> list[dict[str, Any]]:
    """[{file, sheet, table, column, failing, rows, empty, message_ja, message_en}], one per
    column of an input table whose rows nearly all fail with the same message (``empty``:
    every failing cell is blank); sorted by file and column. ``rows``: each table's row
    count."""
    if findings.height == 0:
        return []
    counts = (findings.filter((pl.col("severity") == ERROR) & pl.col("row").is_not_null()
                              & pl.col("column").is_not_null() & pl.col("table").is_in(list(rows)))
              .group_by("file", "sheet", "table", "column", "message_ja", "message_en")
              .agg(pl.col("row").n_unique().alias("failing"),
                   pl.col("value").is_null().all().alias("empty"))
              .with_columns(pl.col("table").replace_strict(rows, return_dtype=pl.Int64)
                            .alias("rows")))
    told = counts.filter((pl.col("failing") >= _MIN_ROWS)
                         & (pl.col("failing") >= pl.col("rows") * _SHARE))
    cols = ["file", "sheet", "table", "column", "failing", "rows", "empty", "message_ja",
            "message_en"]
    return told.select(cols).sort("file", "sheet", "column", "message_ja",
                                  nulls_last=False).to_dicts()


def whole_columns_in(dataset: Dataset) -> list[dict[str, Any]]:
    """:func:`whole_columns` of a loaded dataset (validate's and settle's summaries)."""
    return whole_columns(dataset.findings, {t: f.height for t, f in dataset.tables.items()})


def told(item: dict[str, Any], lang: str) -> str:
    """One line for the clerk about one column of :func:`whole_columns`."""
    sheet = item.get("sheet")
    en = lang == "en"
    where = item["file"] + ((f" [{sheet}]" if en else f"［{sheet}］") if sheet else "")
    if item.get("empty"):
        # a column the export left empty, not one Excel rewrote (review, session 21)
        if en:
            return (f"column {item['column']} of {where} is empty in {item['failing']:,} of "
                    f"{item['rows']:,} rows ({item['message_en']}): check that the export "
                    "includes it, and export again")
        return (f"{where} の列「{item['column']}」は {item['rows']:,} 行中 {item['failing']:,} "
                f"行が空です（{item['message_ja']}）。エクスポートにこの列が含まれているか"
                "確かめて、出力し直してください")
    if en:
        return (f"column {item['column']} of {where}: {item['failing']:,} of {item['rows']:,} "
                f"rows have the same finding ({item['message_en']}). The same finding down a "
                "whole column usually means the file was opened and saved in Excel: export it "
                "again from the source system rather than correcting row by row")
    return (f"{where} の列「{item['column']}」は {item['rows']:,} 行中 {item['failing']:,} 行に"
            f"同じ指摘があります（{item['message_ja']}）。列全体に同じ指摘があるのは、"
            "Excel で開いて保存したファイルによくあることです。1行ずつ直さず、元のシステムから"
            "出力し直してください")
