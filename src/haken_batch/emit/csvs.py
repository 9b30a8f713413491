"""The settlement CSVs (issue 6 item 7): dispatches, payments, lines, findings, ledger,
excluded; and holds.csv, the held dispatches as a to-do list (holds.py).

UTF-8 with BOM (Excel opens it), ``\\n`` line ends, Japanese headers by default
(templates/csv_headers.yaml; ``--headers en`` gives the English names in the same order),
integer yen, text cells neutralised against formula injection (textsafe), sorted by key.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from haken_batch import textsafe
from haken_batch.resources import templates_dir
from haken_batch.rules.yaml_loader import load_yaml

if TYPE_CHECKING:
    from haken_batch.run import CycleRun, Settlement

FILES = {  # file -> (Settlement attribute, sort key)
    "dispatches.csv": ("dispatches", ["dispatch_id"]),
    "payments.csv": ("payments", ["expert_id"]),
    # every column: a claim numbered like another line still sorts the same way each run
    "lines.csv": (
        "lines",
        ["dispatch_id", "line_no", "item", "claimed", "paid", "rule_id", "note"],
    ),
    "findings.csv": ("findings", ["dispatch_id", "line_no", "rule_id", "severity", "message"]),
    "ledger.csv": ("ledger", ["dispatch_id"]),
    "excluded.csv": ("excluded", ["dispatch_id"]),
}


@cache
def _all_headers() -> dict[str, dict[str, str]]:
    body = load_yaml(templates_dir() / "csv_headers.yaml")
    return {str(k): {str(en): str(ja) for en, ja in v.items()} for k, v in body.items()}


def headers(table: str) -> dict[str, str]:
    """English column name -> Japanese label, in file order."""
    return dict(_all_headers()[table])


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell passed through the rule of ``textsafe.neutralize`` (vectorised)."""
    return frame.with_columns(
        pl.when(pl.col(c) == "")
        .then(pl.lit(None, pl.String()))  # an empty cell, not ""
        .otherwise(textsafe.guarded(pl.col(c)))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def _prepared(frame: pl.DataFrame, table: str, sort_key: list[str], lang: str) -> pl.DataFrame:
    names = headers(table)
    out = neutralized(frame.select(list(names))).sort(sort_key, nulls_last=False)
    return out if lang == "en" else out.rename(names)


def _write(frame: pl.DataFrame, target: BinaryIO) -> None:
    frame.write_csv(target, include_bom=True, line_terminator="\n", date_format="%Y-%m-%d",
                    time_format="%H:%M:%S", datetime_format="%Y-%m-%d %H:%M:%S")


def csv_bytes(frame: pl.DataFrame, table: str, sort_key: list[str], lang: str = "ja") -> bytes:
    buf = io.BytesIO()
    _write(_prepared(frame, table, sort_key, lang), buf)
    return buf.getvalue()


def write_settlement(settlement: Settlement, folder: Path, lang: str = "ja") -> list[Path]:
    written = []
    for name, (attr, key) in FILES.items():
        path = Path(folder) / name
        # straight to the file: no copy of a 2,500,000-line text in memory. Opened by
        # Python, not by polars: polars encodes a path as UTF-8, so under a Shift_JIS or
        # EUC-JP locale it missed a folder named in Japanese (出力/) that Python had made.
        with path.open("wb") as fh:
            _write(_prepared(getattr(settlement, attr), name.removesuffix(".csv"), key, lang),
                   fh)
        written.append(path)
    return written


def write_holds(run: CycleRun, folder: Path) -> Path:
    """holds.csv. Its text is Japanese whatever the headers, as findings.csv's is."""
    from haken_batch import hold_reasons, holds
    from haken_batch.archive import HOLDS_NAME

    s = run.settlement
    earlier = holds.earlier_holds(Path(run.options.out_dir), run.options.cycle,
                                  headers("holds"))
    frame = holds.holds(s.dispatches, s.findings, run.data.tables.get("institutions"),
                        hold_reasons.todos("ja"), run.options.cycle, earlier)
    path = Path(folder) / HOLDS_NAME
    with path.open("wb") as fh:
        _write(_prepared(frame, "holds", holds.SORT_KEY, run.options.headers), fh)
    return path


def emit(run: CycleRun, folder: Path) -> None:
    write_settlement(run.settlement, folder, run.options.headers)
    write_holds(run, folder)
