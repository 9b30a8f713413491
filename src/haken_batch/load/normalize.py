"""Text cells -> typed columns, vectorised (docs/design.md "Types after normalisation").

Every kind of `rules/columns.yaml` has one polars expression here. A cell that cannot be read
becomes null and yields a finding (R-VAL-1, R-VAL-2 for bank fields); the row stays. Values
that parse but are outside a code list are kept as text so the contract (pandera) reports
them with their value.
"""

from __future__ import annotations

import unicodedata

import polars as pl

from haken_batch.load.codes import Codes
from haken_batch.load.findings import ERROR, concat_issues, issues_for
from haken_batch.load.spec import ColumnSpec, TableSpec

# 有り / 無し / 済み as a clerk types them too (有り was refused: blind clerk check)
_TRUE = ("有", "有り", "あり", "はい", "1", "TRUE", "○", "〇", "◯", "Y", "YES", "済", "済み", "T")
_FALSE = ("無", "無し", "なし", "いいえ", "0", "FALSE", "×", "N", "NO", "-", "F")

_D = "[0-9]"  # not \d: in Rust regex \d also matches full-width digits
_DATE_RX = (rf"^({_D}{{4}})[-/.年]({_D}{{1,2}})[-/.月]({_D}{{1,2}})日?"
            r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$")
_SERIAL_RX = r"^[0-9]{5}(?:\.0+)?$"  # an Excel date serial (1899-12-30 based)
# Excel hands a time-only cell over as "1899-12-31 13:30:00": the date part is dropped.
_TIME_RX = (rf"^(?:{_D}{{4}}-{_D}{{2}}-{_D}{{2}}[ T])?({_D}{{1,2}}):({_D}{{1,2}})"
            rf"(?::({_D}{{1,2}})(?:\.{_D}+)?)?$")
_TS_RX = (rf"^({_D}{{4}})[-/]({_D}{{1,2}})[-/]({_D}{{1,2}})"
          rf"(?:[ T]({_D}{{1,2}}):({_D}{{2}})(?::({_D}{{2}})(?:\.{_D}+)?)?)?"
          rf"\s*(Z|[+-]{_D}{{2}}:?{_D}{{2}})?$")
_JST_MINUTES = 9 * 60

# Expectation shown when a cell cannot be read, per kind (ja, en).
PARSE_MESSAGES: dict[str, tuple[str, str]] = {
    "int": ("整数として読めません", "not a whole number"),
    "yen": ("金額（円、整数）として読めません", "not an amount in whole yen"),
    "float": ("数値として読めません", "not a number"),
    "date": ("存在しない日付か、日付の形式ではありません（YYYY-MM-DD または YYYY/MM/DD）",
             "not an existing date (YYYY-MM-DD or YYYY/MM/DD)"),
    "time": ("存在しない時刻か、時刻の形式ではありません（HH:MM、00:00〜23:59）",
             "not an existing time of day (HH:MM, 00:00-23:59)"),
    "timestamp": ("日時として読めません（YYYY-MM-DD HH:MM または ISO 8601）",
                  "not a timestamp (YYYY-MM-DD HH:MM or ISO 8601)"),
    "bool": ("有/無・はい/いいえ・1/0・TRUE/FALSE・○/空欄 のいずれかではありません",
             "not a yes/no value (有/無, はい/いいえ, 1/0, TRUE/FALSE, ○/blank)"),
    "inst_kind": ("機関種別は 1〜12（①〜⑫）の番号で入力してください",
                  "institution kind must be a number 1-12 (① to ⑫)"),
    "account_type": ("預金種目は 普通・当座・貯蓄（または 1・2・4）のいずれかです",
                     "account type must be 普通, 当座 or 貯蓄 (or 1, 2, 4)"),
}


def _digits(e: pl.Expr) -> pl.Expr:
    """NFKC (full-width digits), no thousands separators or yen sign, no Excel '.0'."""
    return (e.str.normalize("NFKC").str.replace_all(r"[,\s]", "").str.strip_suffix("円")
            .str.replace(r"^\+", "").str.replace(r"^(-?[0-9]+)\.0+$", "${1}"))


def _int(e: pl.Expr) -> pl.Expr:
    s = _digits(e)
    return pl.when(s.str.contains(r"^-?[0-9]{1,18}$")).then(s.cast(pl.Int64, strict=False))


def _float(e: pl.Expr) -> pl.Expr:
    s = _digits(e)
    ok = s.str.contains(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")
    return _finite(pl.when(ok).then(s.cast(pl.Float64, strict=False)))


def _finite(x: pl.Expr) -> pl.Expr:
    """A number of 309 digits or more reads as inf: unreadable, not an endless distance."""
    return pl.when(x.is_finite()).then(x)


# Combining marks that NFC folds into the letter before them: macOS writes ガ as カ + U+3099.
_DECOMPOSED_RX = "[\u0300-\u036f\u3099\u309a]"


def _composed(e: pl.Expr) -> pl.Expr:
    """Names and kana in composed form (NFC), so a decomposed ガ is the Shift_JIS ガ of
    notices and Zengin, not two characters, one of them outside Shift_JIS. Only cells with a
    combining mark are normalised (the search costs a quarter of normalising every cell)."""
    return pl.when(e.str.contains(_DECOMPOSED_RX)).then(e.str.normalize("NFC")).otherwise(e)


def _pad2(e: pl.Expr) -> pl.Expr:
    return e.str.zfill(2)


def _staged(frame: pl.DataFrame, name: str, rx: str) -> pl.DataFrame:
    """NFKC and the regex groups computed once, as columns ``_s`` and ``_g`` (struct)."""
    return (frame.select(pl.col(name).str.normalize("NFKC").alias("_s"))
            .with_columns(pl.col("_s").str.extract_groups(rx).alias("_g")))


def _field(i: int) -> pl.Expr:
    return pl.col("_g").struct[i]


def _date_from_groups() -> pl.Expr:
    text = pl.concat_str([_field(0), pl.lit("-"), _pad2(_field(1)), pl.lit("-"),
                          _pad2(_field(2))])
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    s = pl.col("_s")
    serial = pl.when(s.str.contains(_SERIAL_RX)).then(
        pl.date(1899, 12, 30) + pl.duration(days=s.str.replace(r"\..*$", "")
                                            .cast(pl.Int64, strict=False)))
    return pl.coalesce(parsed, serial.cast(pl.Date))


def _time_from_groups() -> pl.Expr:
    text = pl.concat_str([_pad2(_field(0)), pl.lit(":"), _pad2(_field(1)), pl.lit(":"),
                          _pad2(_field(2).fill_null("00"))])
    # "25:00" typed in Excel is a duration of more than a day, handed over as
    # "1900-01-01 01:00:00": not a time of day (the CSV's 25:00 is refused too; a time was
    # read as 01:00 without a word: blind Excel check). Day 0 is 1899-12-30/31.
    over_a_day = pl.col("_s").str.starts_with("1900-")
    return pl.when(over_a_day).then(None).otherwise(text.str.to_time("%H:%M:%S", strict=False))


def _timestamp_from_groups() -> pl.Expr:
    """Naive Datetime("us") in JST; an explicit offset (Z, +00:00) is converted to JST."""
    text = pl.concat_str([
        _field(0), pl.lit("-"), _pad2(_field(1)), pl.lit("-"), _pad2(_field(2)),
        pl.lit(" "), _pad2(_field(3).fill_null("00")), pl.lit(":"),
        _field(4).fill_null("00"), pl.lit(":"), _pad2(_field(5).fill_null("00")),
    ])
    local = text.str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us", strict=False)
    off = _field(6).str.replace(":", "")
    off_minutes = (
        pl.when(off == "Z").then(pl.lit(0, pl.Int64))
        .when(off.is_not_null()).then(
            (off.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
             + off.str.slice(3, 2).cast(pl.Int64, strict=False))
            * pl.when(off.str.starts_with("-")).then(-1).otherwise(1))
    )
    shift = pl.when(off_minutes.is_not_null()).then(
        pl.duration(minutes=pl.lit(_JST_MINUTES) - off_minutes)).otherwise(pl.duration(minutes=0))
    return _in_calendar(local + shift)


def _in_calendar(at: pl.Expr) -> pl.Expr:
    """An offset can carry 9999-12-31 into year 10000, which polars holds but Python's
    datetime (findings, corrections, the ledger) cannot: such a cell is unreadable."""
    return pl.when(at.dt.year().is_between(1, 9999)).then(at)


_GROUPED = {"date": (_DATE_RX, _date_from_groups), "time": (_TIME_RX, _time_from_groups),
            "timestamp": (_TS_RX, _timestamp_from_groups)}


def _read_grouped(frame: pl.DataFrame, name: str, kind: str) -> pl.Series:
    rx, build = _GROUPED[kind]
    return _staged(frame, name, rx).select(build().alias(name)).to_series()


def _bool(e: pl.Expr, col: ColumnSpec) -> pl.Expr:
    mapping = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
    value = e.str.normalize("NFKC").str.to_uppercase().replace_strict(
        mapping, default=None, return_dtype=pl.Boolean)
    if col.blank_null:
        return value
    return pl.when(e.is_null()).then(pl.lit(False)).otherwise(value)


def _list(e: pl.Expr) -> pl.Expr:
    parts = (e.str.replace_all("；", ";").str.split(";")
             .list.eval(pl.element().str.strip_chars())
             .list.eval(pl.element().filter(pl.element() != "")))
    return pl.when(e.is_null()).then(pl.lit([], pl.List(pl.String))).otherwise(parts)


def _aliased(e: pl.Expr, aliases: dict[str, str]) -> pl.Expr:
    """Known spellings -> canonical value; anything else stays (NFKC) for the contract to flag."""
    s = e.str.normalize("NFKC").str.strip_chars()
    return s.replace(aliases)


def value_expr(col: ColumnSpec, codes: Codes, source: pl.Expr | None = None) -> pl.Expr:
    """The typed value of one column from its (trimmed, empty = null) text."""
    e = pl.col(col.name) if source is None else source
    kind = col.kind
    if kind in ("name", "kana"):
        return _composed(e)
    if kind in ("id", "text"):
        return e
    if kind in ("int", "yen"):
        return _int(e)
    if kind == "float":
        return _float(e)
    if kind in _GROUPED:
        raise ValueError(f"{kind} is read with read_column (staged), not as one expression")
    if kind == "bool":
        return _bool(e, col)
    if kind == "list":
        return _list(e)
    if kind == "enum" or kind == "fee_class":
        return _aliased(e, codes.aliases[col.codes or "fee_class"])
    if kind == "prefecture":
        return _aliased(e, codes.aliases["prefectures"])
    if kind == "jsic":
        return _aliased(e, codes.aliases["jsic"])
    if kind == "inst_kind":
        return _int(e)
    if kind == "account_type":
        return (e.str.normalize("NFKC").str.strip_chars()
                .replace_strict(codes.account_types, default=None, return_dtype=pl.Int64))
    if kind == "digits":
        # digits only: a sign, a point, a space or a comma inside is an error, never dropped
        # ('-1' was paid to account 0000001, '876 5432' to 8765432: blind red-team check)
        # NFKC only for half- and full-width digits: it also reads '¹' and '①' as digits
        # (795787¹ was paid to 7957871: blind red-team check, round 2)
        plain = e.str.contains("^[\\s\u3000]*[0-9０-９]+[\\s\u3000]*$")
        s = pl.when(plain).then(e.str.normalize("NFKC").str.strip_chars()).otherwise(e)
        width = int(col.width or 0)
        # Excel drops leading zeros of a code typed as a number: pad what is short.
        short = s.str.contains(rf"^[0-9]{{1,{width}}}$")
        return pl.when(short).then(s.str.zfill(width)).otherwise(s)
    raise ValueError(kind)


def key_expr(spec: TableSpec, codes: Codes) -> pl.Expr:
    """The row key as text (``D-1;2`` for two-part keys) read from the exported text cells."""
    parts = [value_expr(spec.column(k), codes,
                        pl.col(k).str.strip_chars().replace("", None)).cast(pl.String)
             for k in spec.key]
    return pl.concat_str(parts, separator=";")


def typed_key_expr(spec: TableSpec) -> pl.Expr:
    """The row key as text from the typed frame (same spelling as ``key_expr``)."""
    return pl.concat_str([pl.col(k).cast(pl.String) for k in spec.key], separator=";")


_TS_FAST = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
            "%Y/%m/%d %H:%M:%S")
_TS_ZONED = "%Y-%m-%dT%H:%M:%S%#z"
_JST_SUFFIX = "+09:00"


# A plain thousands-grouped integer as written ("1,020", "-12,345,678"): at most 18 digits, as
# the full reading allows (a 19-digit number that fits Int64 is still not a whole yen there).
_GROUPED_INT_RX = r"^-?[0-9]{1,3}(?:,[0-9]{3}){1,5}$"


def fast_tiers(col: ColumnSpec, codes: Codes) -> list[pl.Expr]:
    """Cheap readings of the common spellings; null where they fail.

    Real exports are mostly canonical (2021-10-05, 13:30, 31680), so the full expression
    (NFKC, regex groups) runs only on the few cells the fast tiers leave null. Each tier
    after the first reads only what the tiers before it left (a timestamp column in the
    check-in app's ISO spelling is parsed once, not once per known format). The tiers of a
    column never read one cell two ways (each format or pattern excludes the others'
    spellings), so their order changes only the time, never the values: ``ordered_tiers``
    puts first the tier that reads most of a small sample of the column.
    """
    e = pl.col(col.name)
    kind = col.kind
    if kind in ("int", "yen", "inst_kind"):
        # as written; then thousands separators (the travel-claims export writes "1,020")
        grouped = pl.when(e.str.contains(_GROUPED_INT_RX)).then(
            e.str.replace_all(",", "", literal=True).cast(pl.Int64, strict=False))
        return [e.cast(pl.Int64, strict=False), grouped]
    if kind == "float":  # digits and points only (no 1e5, +1, inf); a huge one is null in full too
        return [_finite(pl.when(e.str.contains(r"^-?[0-9.]+$"))
                        .then(e.cast(pl.Float64, strict=False)))]
    if kind == "date":
        return [e.str.to_date(f, strict=False) for f in ("%Y-%m-%d", "%Y/%m/%d")]
    if kind == "time":
        return [e.str.to_time(f, strict=False) for f in ("%H:%M", "%H:%M:%S")]
    if kind == "timestamp":
        # ISO 8601 with an offset (the check-in app's spelling): UTC wall time + 9 h = JST
        zoned = _in_calendar(e.str.to_datetime(_TS_ZONED, time_unit="us", strict=False)
                             .dt.replace_time_zone(None) + pl.duration(minutes=_JST_MINUTES))
        # ... and its usual offset, +09:00: the wall time is JST as written (a naive parse
        # costs a third of the zoned one)
        jst = pl.when(e.str.ends_with(_JST_SUFFIX)).then(
            e.str.strip_suffix(_JST_SUFFIX).str.to_datetime(_TS_FAST[1], time_unit="us",
                                                            strict=False))
        return [e.str.to_datetime(_TS_FAST[0], time_unit="us", strict=False), jst, zoned,
                *(e.str.to_datetime(f, time_unit="us", strict=False) for f in _TS_FAST[1:])]
    if kind in ("enum", "fee_class", "prefecture", "jsic"):
        name = {"prefecture": "prefectures", "jsic": "jsic"}.get(kind, col.codes or "fee_class")
        return [pl.when(e.is_in(list(codes.allowed(name)))).then(e)]
    if kind == "digits":
        width = int(col.width or 0)
        # full width as written; shorter (Excel dropped the leading zeros): padded, as in full
        exact = pl.when(e.str.contains(rf"^[0-9]{{{width}}}$")).then(e)
        if width < 2:
            return [exact]
        return [exact, pl.when(e.str.contains(rf"^[0-9]{{1,{width - 1}}}$"))
                .then(e.str.zfill(width))]
    if kind == "account_type":  # the listed spellings as written (NFKC and trimmed already)
        plain = {k: v for k, v in codes.account_types.items()
                 if unicodedata.normalize("NFKC", k) == k and k.strip() == k}
        return [e.replace_strict(plain, default=None, return_dtype=pl.Int64)]
    if kind == "bool":  # the usual spellings as written; blanks are settled in read_column
        common = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False),
                  "true": True, "false": False, "True": True, "False": False}
        return [e.replace_strict(common, default=None, return_dtype=pl.Boolean)]
    return []


_SAMPLE = 256  # cells of a column read by every tier to choose their order


def ordered_tiers(raw: pl.Series, col: ColumnSpec, codes: Codes) -> list[pl.Expr]:
    """``fast_tiers`` with the one that reads most of an even sample of ``raw`` first.

    A column in one spelling (approval times "2021/09/10 14:09", check-ins in ISO with an
    offset) is then read by one parse of every cell instead of failing through the tiers
    before its own. Ties keep the listed order.
    """
    tiers = fast_tiers(col, codes)
    if len(tiers) < 2 or raw.len() == 0:
        return tiers
    sample = raw.gather_every(max(1, raw.len() // _SAMPLE)).to_frame(col.name)
    hits = sample.select([t.is_not_null().sum().alias(str(i))
                          for i, t in enumerate(tiers)]).row(0)
    order = sorted(range(len(tiers)), key=lambda i: -hits[i])
    return [tiers[i] for i in order]


def trimmed(e: pl.Expr) -> pl.Expr:
    """The cell without surrounding blanks (full-width too); an empty cell is null."""
    return e.str.strip_chars().replace("", None)  # cheaper than a when/then on the length


def _blank(raw: pl.Series) -> pl.Series:
    """Cells that are empty as exported (CSV gives "", Excel null)."""
    return raw.is_null() | (raw == "")


def _read(frame: pl.DataFrame, col: ColumnSpec, codes: Codes,
          values: pl.Series | None = None,
          tiers: list[pl.Expr] | None = None) -> tuple[pl.Series, pl.Series | None]:
    """Typed values of one column and the mask of cells that could not be read (or None).

    The fast path reads every cell as written; only the cells it leaves null (a blank
    around the value, full-width digits, Excel serials, other spellings) are trimmed and read
    in full. Trimming a million cells per column costs more than the fast path itself.
    ``values`` is what ``tiers[0]`` (or, for a kind without tiers, the full reading) gave for
    every cell; ``tiers`` default to ``ordered_tiers`` of the column.
    """
    raw = frame.get_column(col.name)
    if tiers is None:
        tiers = ordered_tiers(raw, col, codes)
    if not tiers:  # text and lists: trimmed, then one expression
        if values is None:
            values = frame.select(value_expr(col, codes, trimmed(pl.col(col.name)))
                                  .alias(col.name)).to_series()
        if col.kind not in PARSE_MESSAGES:
            return values.alias(col.name), None
        written = frame.select(trimmed(pl.col(col.name)).is_not_null()).to_series()
        return values.alias(col.name), values.is_null() & written
    if values is None:
        values = frame.select(tiers[0].alias(col.name)).to_series()
    bad: pl.Series | None = None
    # Every tier reads a null cell as null: when the values have no more nulls than the cells
    # (both counts known without a pass), each null value is an empty cell and every written
    # cell is read, so no mask is computed (most columns of a CSV export).
    need = None
    if values.null_count() > raw.null_count():
        written = ~_blank(raw)
        need = values.is_null() & written
    for tier in tiers[1:]:
        if need is None or not need.any():
            break
        values = values.scatter(need.arg_true(), frame.select(raw).filter(need)
                                .select(tier.alias(col.name)).to_series())
        need = values.is_null() & written
    if need is not None and need.any():
        rest = frame.select(raw).filter(need).select(trimmed(pl.col(col.name)).alias(col.name))
        if col.kind in _GROUPED:
            slow = _read_grouped(rest, col.name, col.kind)
        else:
            slow = rest.select(value_expr(col, codes).alias(col.name)).to_series()
        if slow.dtype != values.dtype:  # e.g. enum text kept as text, fast path all-null
            values = values.cast(slow.dtype)
        at = need.arg_true()
        values = values.scatter(at, slow)
        unread = rest.get_column(col.name).is_not_null() & slow.is_null()
        if unread.any():
            bad = pl.repeat(False, len(raw), eager=True).scatter(at.filter(unread), True)
    if col.kind == "bool" and not col.blank_null:  # ○/空欄: a blank cell is "no"
        if bad is None:  # every written cell was read: the nulls are the blank cells
            values = values.fill_null(False)
        else:
            values = pl.select(pl.when(_blank(raw)).then(False).otherwise(values)).to_series()
    return values.alias(col.name), bad


def read_column(frame: pl.DataFrame, col: ColumnSpec, codes: Codes) -> pl.Series:
    """One column's typed values from its text cells (as exported: blanks around are fine)."""
    return _read(frame, col, codes)[0]


# A list cell as the export writes it: items without blanks, ";" between, or an empty cell.
_PLAIN_LIST_RX = r"^(?:[^;；\s]+(?:;[^;；\s]+)*)?$"


def _plain_lists(frame: pl.DataFrame, spec: TableSpec) -> set[str]:
    """The list columns whose every cell is plain: split on ";" as written, nothing to trim."""
    names = [c.name for c in spec.columns if c.kind == "list"]
    if not names:
        return set()
    row = frame.select([pl.col(n).str.contains(_PLAIN_LIST_RX).all().alias(n)
                        for n in names]).row(0)
    return {n for n, plain in zip(names, row, strict=True) if plain}


def _first_expr(col: ColumnSpec, codes: Codes, tiers: list[pl.Expr],
                plain_list: bool = False) -> pl.Expr:
    if tiers:
        return tiers[0]
    e = pl.col(col.name)
    if plain_list:  # what _list gives on such cells, without its per-item strip and filter
        return pl.when(e.is_null() | (e == "")).then(pl.lit([], pl.List(pl.String))).otherwise(
            e.str.split(";"))
    return value_expr(col, codes, trimmed(e))


def normalize_table(frame: pl.DataFrame, spec: TableSpec,
                    codes: Codes) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed frame (same rows, same order) and the issues of cells that could not be read."""
    tiers = {c.name: ordered_tiers(frame.get_column(c.name), c, codes) for c in spec.columns}
    # One parallel pass over every column (fast paths), then the few cells that need more.
    plain = _plain_lists(frame, spec)
    first = frame.select([_first_expr(c, codes, tiers[c.name], c.name in plain).alias(c.name)
                          for c in spec.columns])
    columns, parts = [], []
    for c in spec.columns:
        values, bad_mask = _read(frame, c, codes, first.get_column(c.name), tiers[c.name])
        columns.append(values)
        if bad_mask is None or not bad_mask.any():
            continue
        bad = frame.filter(bad_mask).select("idx", pl.col(c.name).str.strip_chars()
                                            .alias("value"))
        ja, en = PARSE_MESSAGES[c.kind]
        parts.append(issues_for(bad, table=spec.name, column=c.name, rule_id=c.rule_id,
                                severity=ERROR, ja=f"{c.label}: {ja}", en=f"{c.name}: {en}"))
    parts.append(_excel_error_texts(frame, spec))
    return frame.with_columns(columns), concat_issues(parts)


# What Excel writes into a CSV for a cell it could not compute: a name saved from Excel as
# 「#NAME?」 (+Style read as a formula) was taken as the company's name (Excel round-trip
# check, session 20); an xlsx keeps the error as such and is held the same way.
EXCEL_ERROR_TEXTS = ("#NAME?", "#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NUM!", "#NULL!",
                     "#SPILL!", "#CALC!", "#GETTING_DATA")
_FREE_TEXT = ("text", "name", "kana")  # the other kinds refuse such a cell when read


def _excel_error_texts(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """An error of every free-text cell that holds an Excel error value as its text."""
    columns = [c for c in spec.columns
               if c.kind in _FREE_TEXT and frame.schema.get(c.name) == pl.String]
    if not columns:
        return concat_issues([])
    # one parallel pass finds the columns with a '#' at all (a byte search: 0.2 s at
    # 100,000 rows when every cell was stripped and compared); only those are looked at
    marked = frame.select(pl.col(c.name).str.contains("#", literal=True).any()
                          for c in columns).row(0)
    parts = []
    for c, any_hash in zip(columns, marked, strict=True):
        if not any_hash:
            continue
        cell = pl.col(c.name).str.strip_chars()
        hit = frame.filter(pl.col(c.name).str.contains("#", literal=True)
                           & cell.is_in(EXCEL_ERROR_TEXTS))
        if hit.height:
            parts.append(issues_for(
                hit.select("idx", cell.alias("value")), table=spec.name, column=c.name,
                rule_id=c.rule_id, severity=ERROR,
                ja=f"{c.label}: Excel のエラー値です（Excel で開いて保存すると、= + - @ で始まる"
                   "値は数式として読まれます）。元のシステムの値に直してください",
                en=f"{c.name}: an Excel error value (opened and saved in Excel, a value "
                   "beginning with = + - @ is read as a formula); put back the source "
                   "system's value"))
    return concat_issues(parts)
