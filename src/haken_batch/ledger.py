"""The ledger: what each cycle paid, so that nothing is paid twice (issue 6 item 6).

Each cycle folder holds its own ``ledger.csv`` (written with the cycle's other outputs, so
it changes only together with them, see ``outdir``); the ledger of OUT is their union. It
keeps, per paid dispatch, the expert, day, start time, fee, per diem and amounts, and the
face-to-face minutes and trip distance that the daily cap (R-FEE-3) and the per diem
(R-TRV-9) of later cycles count.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from haken_batch.archive import EXCLUDED_NAME, LEDGER_NAME
from haken_batch.errors import StructuralError
from haken_batch.outdir import cycle_dirs
from haken_batch.settle.engine import EXCLUDED_SCHEMA, LEDGER_SCHEMA, empty_excluded, empty_ledger

_LEDGER = ("台帳", "the ledger")
_EXCLUDED = ("対象外の記録", "the record of exclusions")


def read_record(path: Path, names: dict[str, str], required: list[str],
                what: tuple[str, str]) -> pl.DataFrame:
    """A CSV a settled cycle wrote (Japanese or English headers; ``names``: English ->
    Japanese) with English column names, every cell text. A file that cannot be read or
    lacks a ``required`` column is a StructuralError naming it (``what``: ja, en)."""
    try:
        with open(path, "rb") as fh:  # by Python: polars opens a path as UTF-8 (emit/csvs)
            raw = pl.read_csv(fh, infer_schema=False, encoding="utf8")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise StructuralError(
            f"{what[0]} {path} を読めません（{exc}）",
            f"cannot read {what[1]} {path} ({exc})",
            where=str(path),
        ) from None
    english = {ja: en for en, ja in names.items()} | {en: en for en in names}
    raw = raw.rename(
        {c: english[c.lstrip("\ufeff")] for c in raw.columns if c.lstrip("\ufeff") in english}
    )
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise StructuralError(
            f"{what[0]} {path} に列 {missing} がありません",
            f"{what[1]} {path} lacks columns {missing}",
            where=str(path),
        )
    return raw


def _typed(raw: pl.DataFrame, path: Path, what: tuple[str, str],
           columns: list[pl.Expr]) -> pl.DataFrame:
    """``raw.select(columns)``; a value that does not read is a StructuralError naming it."""
    try:
        return raw.select(columns)
    except pl.exceptions.PolarsError as exc:
        raise StructuralError(
            f"{what[0]} {path} の値が不正です（{exc}）",
            f"{what[1]} {path} has a bad value ({exc})",
            where=str(path),
        ) from None


def _headers(table: str) -> dict[str, str]:
    """English name -> Japanese header of a settlement CSV (templates/csv_headers.yaml)."""
    from haken_batch.emit.csvs import headers

    return headers(table)


def read_ledger(path: Path) -> pl.DataFrame:
    """One cycle's ledger.csv (Japanese or English headers) as LEDGER_SCHEMA."""
    later = ("trip_km", "institution_id")  # columns that ledgers of earlier versions lack
    required = [c for c in LEDGER_SCHEMA if c not in later]
    raw = read_record(path, _headers("ledger"), required, _LEDGER)
    raw = raw.with_columns(pl.lit(None, pl.String()).alias(c) for c in later
                           if c not in raw.columns)
    money = ("fee", "transport", "per_diem", "lodging", "total", "face_to_face_minutes")
    return _typed(raw, path, _LEDGER, [
        pl.col("cycle"),
        pl.col("dispatch_id"),
        pl.col("expert_id"),
        pl.col("support_date").str.to_date("%Y-%m-%d"),
        pl.col("start_time").str.to_time("%H:%M:%S"),
        *(pl.col(c).cast(pl.Int64) for c in money),
        pl.col("trip_km").cast(pl.Float64),
        pl.col("institution_id"),
    ])


def settled_cycles(out: Path) -> list[str]:
    """Cycles of OUT that have a ledger (i.e. were settled), ascending."""
    if not Path(out).is_dir():
        return []
    return [p.name for p in cycle_dirs(Path(out)) if (p / LEDGER_NAME).is_file()]


def previous_ledger(out: Path, cycle: str) -> pl.DataFrame:
    """The union of OUT/*/ledger.csv of every OTHER cycle (what was already paid)."""
    frames = [read_ledger(Path(out) / c / LEDGER_NAME) for c in settled_cycles(out) if c != cycle]
    if not frames:
        return empty_ledger()
    return pl.concat(frames).sort(["cycle", "dispatch_id"])


def read_excluded(path: Path) -> pl.DataFrame:
    """One cycle's excluded.csv (Japanese or English headers) as EXCLUDED_SCHEMA."""
    raw = read_record(path, _headers("excluded"), list(EXCLUDED_SCHEMA), _EXCLUDED)
    return _typed(raw, path, _EXCLUDED, [
        pl.col("cycle"), pl.col("dispatch_id"), pl.col("expert_id"),
        pl.col("support_date").str.to_date("%Y-%m-%d"), pl.col("rules").fill_null(""),
    ])


def previous_excluded(out: Path, cycle: str) -> pl.DataFrame:
    """The union of OUT/*/excluded.csv of every other settled cycle (cycles settled before
    the file existed have none: nothing to add)."""
    frames = [read_excluded(Path(out) / c / EXCLUDED_NAME) for c in settled_cycles(out)
              if c != cycle and (Path(out) / c / EXCLUDED_NAME).is_file()]
    if not frames:
        return empty_excluded()
    return pl.concat(frames).sort(["cycle", "dispatch_id"])
