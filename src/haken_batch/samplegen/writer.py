"""Write generated frames as the dispatch system exports them: CSV per table, or one workbook.

The exports are deliberately not uniform, as real ones are not: each table has its own
boolean spelling (有/無, ○, 1/0, はい/いいえ, TRUE/FALSE), date style (`2021/10/05` or ISO),
timestamps with or without a `+09:00` offset, yen with thousands separators in the travel
claims, and ``experts.csv`` is CP932 with CRLF (Excel on Windows) while the others are UTF-8
with a BOM. The loader must read all of it (input-contract.md).

``overrides`` plant raw cell text that a typed frame cannot hold (``2021-09-31``, ``25:00``,
``abc`` in a yen column): ``{(table, key_values, column): text}``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from haken_batch.samplegen.contract import KEYS, TABLE_LABELS, TABLES
from haken_batch.textsafe import guarded, neutralize

Overrides = dict[tuple[str, tuple[str, ...], str], str]

EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Style:
    true: str
    false: str
    date: str
    timestamp: str
    thousands: bool = False
    encoding: str = "utf-8-sig"
    newline: str = "\n"


STYLES: dict[str, Style] = {
    "experts": Style("有", "無", "%Y/%m/%d", "%Y/%m/%d %H:%M", encoding="cp932", newline="\r\n"),
    "institutions": Style("○", "", "%Y-%m-%d", "%Y-%m-%d %H:%M"),
    "dispatches": Style("1", "0", "%Y/%m/%d", "%Y/%m/%d %H:%M"),
    "reports": Style("はい", "いいえ", "%Y-%m-%d", "%Y/%m/%d %H:%M"),
    "checkins": Style("TRUE", "FALSE", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S+09:00"),
    "travel_claims": Style("有", "無", "%Y-%m-%d", "%Y-%m-%d %H:%M", thousands=True),
    "corrections": Style("有", "無", "%Y-%m-%d", "%Y/%m/%d %H:%M"),
}
ACCOUNT_TYPES = {1: "普通", 2: "当座", 4: "貯蓄"}
YEN = {"fare", "express_fee", "reserved_fee", "round_trip_fare", "amount", "approved_amount"}


def _thousands(col: pl.Expr) -> pl.Expr:
    """31680 → "31,680" (non-negative yen below 1e9, as on a claim line)."""

    def z3(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.String).str.zfill(3)

    return (
        pl.when(col < 1000)
        .then(col.cast(pl.String))
        .when(col < 1_000_000)
        .then(pl.format("{},{}", col // 1000, z3(col % 1000)))
        .otherwise(pl.format("{},{},{}", col // 1_000_000, z3(col // 1000 % 1000), z3(col % 1000)))
    )


def _text(table: str, name: str, dtype: pl.DataType) -> pl.Expr:
    st = STYLES[table]
    c = pl.col(name)
    if dtype == pl.Boolean:
        return pl.when(c).then(pl.lit(st.true)).when(~c).then(pl.lit(st.false))
    if dtype == pl.Date:
        iso = c.cast(pl.String)
        return iso.str.replace_all("-", "/", literal=True) if st.date == "%Y/%m/%d" else iso
    if dtype == pl.Time:
        return c.dt.strftime("%H:%M")
    if isinstance(dtype, pl.Datetime):
        return c.dt.strftime(st.timestamp)
    if name == "account_type":
        return c.replace_strict(
            list(ACCOUNT_TYPES), list(ACCOUNT_TYPES.values()), default=c.cast(pl.String)
        )
    if name in YEN and st.thousands:
        return _thousands(c)
    if dtype == pl.String:
        return guarded(c)  # the CSV injection guard (textsafe)
    return c.cast(pl.String)


def _key_mask(table: str, key: tuple[str, ...]) -> pl.Expr:
    mask = pl.lit(True)
    for name, value in zip(KEYS[table], key, strict=True):
        mask = mask & (pl.col(name).cast(pl.String) == value)
    return mask


def format_table(table: str, df: pl.DataFrame, overrides: Overrides | None = None) -> pl.DataFrame:
    """A typed frame → all-text columns under the contract's Japanese labels, in order."""
    exprs = []
    for name, lab in TABLES[table]:
        e = _text(table, name, df.schema[name])
        for (t, key, column), raw in (overrides or {}).items():
            if t == table and column == name:
                e = pl.when(_key_mask(table, key)).then(pl.lit(raw)).otherwise(e)
        exprs.append(e.alias(lab))
    return df.select(exprs)


def csv_bytes(table: str, df: pl.DataFrame, overrides: Overrides | None = None) -> bytes:
    st = STYLES[table]
    buf = io.BytesIO()
    format_table(table, df, overrides).write_csv(buf, null_value="", line_terminator=st.newline)
    raw = buf.getvalue()  # UTF-8 without BOM
    if st.encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + raw
    return raw.decode("utf-8").encode(st.encoding)


def write_table_csv(
    table: str,
    df: pl.DataFrame,
    path: Path,
    overrides: Overrides | None = None,
    chunk_rows: int = 200_000,
) -> Path:
    """Stream one table to ``path`` in its export encoding (chunks keep memory flat at 1M rows)."""
    st = STYLES[table]
    with path.open("wb") as fh:
        if st.encoding == "utf-8-sig":
            fh.write(b"\xef\xbb\xbf")
        for start in range(0, max(df.height, 1), chunk_rows):
            part = format_table(table, df.slice(start, chunk_rows), overrides)
            buf = io.BytesIO()
            part.write_csv(
                buf, include_header=start == 0, null_value="", line_terminator=st.newline
            )
            raw = buf.getvalue()
            fh.write(raw if st.encoding == "utf-8-sig" else raw.decode("utf-8").encode(st.encoding))
    return path


def write_csv(
    tables: dict[str, pl.DataFrame], out: Path, overrides: Overrides | None = None
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [write_table_csv(t, df, out / f"{t}.csv", overrides) for t, df in tables.items()]


def write_xlsx(
    tables: dict[str, pl.DataFrame], path: Path, overrides: Overrides | None = None
) -> Path:
    """One workbook, a sheet per table (Japanese sheet names), real Excel dates and times.

    Repeatable: fixed document properties; cells are written row by row (xlsxwriter's
    constant-memory mode), so very large tables are slow — CSV is the benchmark format.
    """
    import xlsxwriter

    for table, df in tables.items():
        if df.height + 1 > EXCEL_MAX_ROWS:
            raise ValueError(
                f"{table}: {df.height} rows do not fit in one Excel sheet; use --format csv"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"created": dt.datetime(2021, 12, 6, 9, 0), "author": "専門家派遣システム"})
    fmt_date = wb.add_format({"num_format": "yyyy/mm/dd"})
    fmt_time = wb.add_format({"num_format": "hh:mm"})
    fmt_ts = wb.add_format({"num_format": "yyyy/mm/dd hh:mm:ss"})
    head = wb.add_format({"bold": True})
    for table, df in tables.items():
        ws = wb.add_worksheet(TABLE_LABELS[table])
        st = STYLES[table]
        names = [n for n, _ in TABLES[table]]
        ws.write_row(0, 0, [lab for _, lab in TABLES[table]], head)
        cell_over: dict[tuple[int, int], str] = {}
        if overrides:
            keys = (
                df.select(
                    pl.concat_str(
                        [pl.col(k).cast(pl.String) for k in KEYS[table]], separator="\x1f"
                    )
                    if KEYS[table]
                    else pl.lit("")
                )
                .to_series()
                .to_list()
            )
            for (t, key, column), raw in overrides.items():
                if t != table:
                    continue
                for r, k in enumerate(keys):
                    if k == "\x1f".join(key):
                        cell_over[(r, names.index(column))] = raw
        for r, row in enumerate(df.select(names).iter_rows()):
            for j, v in enumerate(row):
                if (r, j) in cell_over:
                    ws.write_string(r + 1, j, cell_over[(r, j)])
                elif v is None:
                    continue
                elif isinstance(v, bool):
                    if st.true if v else st.false:
                        ws.write_string(r + 1, j, st.true if v else st.false)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r + 1, j, v, fmt_ts)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r + 1, j, dt.datetime(v.year, v.month, v.day), fmt_date)
                elif isinstance(v, dt.time):
                    ws.write_datetime(r + 1, j, v, fmt_time)
                elif names[j] == "account_type" and isinstance(v, int):
                    ws.write_string(r + 1, j, ACCOUNT_TYPES.get(v, str(v)))
                elif isinstance(v, int | float):
                    ws.write_number(r + 1, j, v)
                else:
                    ws.write_string(r + 1, j, neutralize(str(v)))
    wb.close()
    return path


def write_tables(
    tables: dict[str, pl.DataFrame], out: Path, fmt: str = "csv", overrides: Overrides | None = None
) -> list[Path]:
    if fmt == "xlsx":
        return [write_xlsx(tables, out / "haken_export.xlsx", overrides)]
    return write_csv(tables, out, overrides)
