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

from haken_batch.errors import StructuralError
from haken_batch.outdir import cycle_dirs
from haken_batch.settle.engine import EXCLUDED_SCHEMA, LEDGER_SCHEMA, empty_excluded, empty_ledger

LEDGER_NAME = "ledger.csv"
EXCLUDED_NAME = "excluded.csv"  # what a cycle excluded: an exclusion is final


def _english_names(table: str = "ledger") -> dict[str, str]:
    """Header (Japanese or English) -> English column name, from templates/csv_headers.yaml."""
    from haken_batch.emit.csvs import headers

    return {ja: en for en, ja in headers(table).items()} | {en: en for en in headers(table)}


def _raw(path: Path) -> pl.DataFrame:
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise StructuralError(
            f"前のサイクルの記録 {path} を読めません（{exc}）",
            f"cannot read an earlier cycle's record {path} ({exc})",
            where=str(path),
        ) from None
    return raw


def read_ledger(path: Path) -> pl.DataFrame:
    """One cycle's ledger.csv (Japanese or English headers) as LEDGER_SCHEMA."""
    raw = _raw(path)
    names = _english_names()
    raw = raw.rename(
        {c: names[c.lstrip("\ufeff")] for c in raw.columns if c.lstrip("\ufeff") in names}
    )
    missing = [c for c in LEDGER_SCHEMA if c not in raw.columns and c != "trip_km"]
    if missing:
        raise StructuralError(
            f"台帳 {path} に列 {missing} がありません",
            f"the ledger {path} lacks columns {missing}",
            where=str(path),
        )
    if "trip_km" not in raw.columns:
        raw = raw.with_columns(pl.lit(None, pl.String()).alias("trip_km"))
    try:
        return raw.select(
            pl.col("cycle"),
            pl.col("dispatch_id"),
            pl.col("expert_id"),
            pl.col("support_date").str.to_date("%Y-%m-%d"),
            pl.col("start_time").str.to_time("%H:%M:%S"),
            *(
                pl.col(c).cast(pl.Int64)
                for c in (
                    "fee",
                    "transport",
                    "per_diem",
                    "lodging",
                    "total",
                    "face_to_face_minutes",
                )
            ),
            pl.col("trip_km").cast(pl.Float64),
        )
    except pl.exceptions.PolarsError as exc:
        raise StructuralError(
            f"台帳 {path} の値が不正です（{exc}）",
            f"the ledger {path} has a bad value ({exc})",
            where=str(path),
        ) from None


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
    raw = _raw(path)
    names = _english_names("excluded")
    raw = raw.rename(
        {c: names[c.lstrip("\ufeff")] for c in raw.columns if c.lstrip("\ufeff") in names}
    )
    missing = [c for c in EXCLUDED_SCHEMA if c not in raw.columns]
    if missing:
        raise StructuralError(
            f"対象外の記録 {path} に列 {missing} がありません",
            f"the record of exclusions {path} lacks columns {missing}",
            where=str(path),
        )
    try:
        return raw.select(
            pl.col("cycle"), pl.col("dispatch_id"), pl.col("expert_id"),
            pl.col("support_date").str.to_date("%Y-%m-%d"), pl.col("rules").fill_null(""),
        )
    except pl.exceptions.PolarsError as exc:
        raise StructuralError(
            f"対象外の記録 {path} の値が不正です（{exc}）",
            f"the record of exclusions {path} has a bad value ({exc})",
            where=str(path),
        ) from None


def previous_excluded(out: Path, cycle: str) -> pl.DataFrame:
    """The union of OUT/*/excluded.csv of every other settled cycle (cycles settled before
    the file existed have none: nothing to add)."""
    frames = [read_excluded(Path(out) / c / EXCLUDED_NAME) for c in settled_cycles(out)
              if c != cycle and (Path(out) / c / EXCLUDED_NAME).is_file()]
    if not frames:
        return empty_excluded()
    return pl.concat(frames).sort(["cycle", "dispatch_id"])
