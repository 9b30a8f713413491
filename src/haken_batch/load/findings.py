"""Findings as data: the issue frames the checks produce, and the final findings frame.

Checks (parsing, pandera failure cases, references, corrections) produce *issues*: one row per
failing cell with the table, the row position ``idx`` in that table's frame, the column's
English name, the value and the messages. ``finalize`` adds what the clerk needs: file, sheet,
Excel row, the column label as written in the export, and the row's key
(docs/design.md "Dataset"). Messages never embed the value (it has its own column and may be
personal data); secret columns (account number, My Number) are masked here once and for all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(), "idx": pl.Int64(), "column": pl.String(), "value": pl.String(),
    "rule_id": pl.String(), "severity": pl.String(), "message_ja": pl.String(),
    "message_en": pl.String(),
}
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(), "sheet": pl.String(), "row": pl.Int64(), "column": pl.String(),
    "value": pl.String(), "table": pl.String(), "key": pl.String(), "rule_id": pl.String(),
    "severity": pl.String(), "message_ja": pl.String(), "message_en": pl.String(),
}
FINDING_COLUMNS = tuple(FINDING_SCHEMA)
ERROR, WARNING = "error", "warning"
MASK = "＊＊＊＊"
CONTROL_RX = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issues_for(rows: pl.DataFrame, *, table: str, column: str | None, rule_id: str,
               severity: str, ja: str | pl.Expr, en: str | pl.Expr) -> pl.DataFrame:
    """Issues for the rows of ``rows`` (columns ``idx`` and ``value``): one message for all,
    or an expression over ``rows`` that words each row's own. ``column`` None: the row's."""
    return rows.select(
        pl.lit(table, pl.String).alias("table"),
        pl.col("idx").cast(pl.Int64),
        pl.lit(column, pl.String).alias("column"),
        pl.col("value").cast(pl.String),
        pl.lit(rule_id, pl.String).alias("rule_id"),
        pl.lit(severity, pl.String).alias("severity"),
        (ja if isinstance(ja, pl.Expr) else pl.lit(ja, pl.String)).alias("message_ja"),
        (en if isinstance(en, pl.Expr) else pl.lit(en, pl.String)).alias("message_en"),
    )


def one_issue(*, table: str, column: str | None, value: str | None, rule_id: str,
              severity: str, ja: str, en: str, idx: int | None = None) -> pl.DataFrame:
    return pl.DataFrame([{"table": table, "idx": idx, "column": column, "value": value,
                          "rule_id": rule_id, "severity": severity, "message_ja": ja,
                          "message_en": en}], schema=ISSUE_SCHEMA)


def concat_issues(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [p.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    return pl.concat(frames, how="vertical") if frames else empty_issues()


@dataclass(frozen=True)
class TableInfo:
    """What ``finalize`` needs per table: its file and its header labels."""

    file: str
    sheet: str | None
    labels: dict[str, str]  # English name -> header as written in the export
    secret: frozenset[str]  # English names whose values are never echoed
    rows: pl.DataFrame  # idx, row, key (one per row of the table)


def finalize(issues: pl.DataFrame, info: dict[str, TableInfo]) -> pl.DataFrame:
    """The findings frame of docs/design.md, sorted by file, row, column, rule."""
    if issues.height == 0:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    meta = pl.DataFrame(
        [{"table": t, "file": i.file, "sheet": i.sheet} for t, i in info.items()],
        schema={"table": pl.String, "file": pl.String, "sheet": pl.String})
    labels = pl.DataFrame(
        [{"table": t, "column": n, "label": lab} for t, i in info.items()
         for n, lab in i.labels.items()],
        schema={"table": pl.String, "column": pl.String, "label": pl.String})
    secrets = pl.DataFrame(
        [{"table": t, "column": n, "secret": True} for t, i in info.items() for n in i.secret],
        schema={"table": pl.String, "column": pl.String, "secret": pl.Boolean})
    rows = pl.concat(
        [i.rows.select(pl.lit(t, pl.String).alias("table"), pl.col("idx").cast(pl.Int64),
                       pl.col("row").cast(pl.Int64), pl.col("key").cast(pl.String))
         for t, i in info.items()], how="vertical")
    out = (
        issues.lazy()
        .join(meta.lazy(), on="table", how="left")
        .join(labels.lazy(), on=["table", "column"], how="left")
        .join(secrets.lazy(), on=["table", "column"], how="left")
        .join(rows.lazy(), on=["table", "idx"], how="left")
        .with_columns(
            pl.coalesce("label", "column").alias("column"),
            pl.when(pl.col("secret").fill_null(False) & pl.col("value").is_not_null())
            .then(pl.lit(MASK))
            # control characters (ANSI escapes …) never reach a terminal or a CSV cell
            .otherwise(pl.col("value").str.replace_all(CONTROL_RX, "�"))
            .alias("value"),
        )
        .select(FINDING_COLUMNS)
        .unique(maintain_order=True)
        .sort(["file", "sheet", "row", "column", "rule_id", "message_ja", "value"],
              nulls_last=True)
        .collect()
    )
    return _my_numbers_masked(out).cast(FINDING_SCHEMA)  # type: ignore[arg-type]


def _my_numbers_masked(findings: pl.DataFrame) -> pl.DataFrame:
    """A value that is a My Number (12 digits, right check digit) is masked in every
    finding, whatever the column: the My Number finding masked its own, but a range or
    date finding on the same cell (従業員数 123456789018) showed it (hostile check, session
    22). Only the few cells of 12 digits are checked digit by digit."""
    from haken_batch.privacy import MY_NUMBER_GAPS, looks_like_my_number

    digits = pl.col("value").str.normalize("NFKC").str.replace_all(MY_NUMBER_GAPS, "")
    maybe = findings.select(digits.str.contains(r"^[0-9]{12}$").fill_null(False)).to_series()
    if not maybe.any():
        return findings
    hit = [bool(m) and looks_like_my_number(v) for m, v in zip(maybe, findings["value"],
                                                                strict=True)]
    if not any(hit):
        return findings
    values = findings["value"].to_list()

    def masked(column: str) -> pl.Series:  # a message may quote the value too
        return pl.Series(column, [m.replace(v, MASK) if h and m and v else m for h, m, v in
                                  zip(hit, findings[column].to_list(), values, strict=True)],
                         dtype=pl.String)

    return findings.with_columns(
        masked("message_ja"), masked("message_en"),
        pl.Series("value", [MASK if h else v for h, v in zip(hit, values, strict=True)],
                  dtype=pl.String))
