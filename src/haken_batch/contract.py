"""The input contract as pandera (polars backend) models, one per table.

The models fix what the contract fixes: each column's type after normalisation, the unique
keys, and the checks between columns of a row (end after start, face-to-face minutes within
the span, a platform constituent has a kind, a claim line has the cell its money comes
from). What a clerk may change lives in `rules/`:
``schema_for`` adds, per column of `rules/columns.yaml`, the required cells, the code lists
(rules/codes), the plausible ranges, the id pattern, the digit formats and the formula guard.
Every check has a name; validate.py turns failure cases into findings by (column, check).
"""
# No `from __future__ import annotations`: pandera reads these annotations at class creation.

import copy
from collections.abc import Callable
from typing import Any

import pandera.polars as pa
import polars as pl

from haken_batch.load.codes import Codes
from haken_batch.load.spec import ColumnMap, ColumnSpec
from haken_batch.travel_modes import AMOUNT_MODES, FARE_MODES

# Formula triggers (CSV injection) at the start of a name, also in full width (issue 7).
FORMULA_RX = r"^[=+\-@＝＋－＠\t\r]"


def _platform_member_kind() -> pl.Expr:
    # A constituent of a 地域プラットフォーム has a kind ① to ⑫ (R-EXC-3 needs it).
    return ((pl.col("channel") != "地域プラットフォーム") | pl.col("channel").is_null()
            | pl.col("kind").is_not_null())


def _end_after_start() -> pl.Expr:
    return (pl.col("start_time").is_null() | pl.col("end_time").is_null()
            | (pl.col("end_time") > pl.col("start_time")))


def _minutes_within_span() -> pl.Expr:
    nanos = pl.col("end_time").cast(pl.Int64) - pl.col("start_time").cast(pl.Int64)
    span = nanos // 60_000_000_000  # Time is nanoseconds since midnight
    # A span that is not positive is end_after_start's finding, not this one.
    return (pl.col("face_to_face_minutes").is_null() | span.is_null() | (span <= 0)
            | (pl.col("face_to_face_minutes") <= span))


def _fare_for_mode() -> pl.Expr:
    # Rail, air, boat and bus are paid from 運賃: a blank one is missing money, not 0 yen
    # (it was paid 0 with no finding; a private car's missing distance holds the same way).
    return ~pl.col("mode").is_in(FARE_MODES).fill_null(False) | pl.col("fare").is_not_null()


def _amount_for_mode() -> pl.Expr:
    # Taxi and lodging are paid from 金額, the amount actually paid (R-TRV-6, R-TRV-10).
    return ~pl.col("mode").is_in(AMOUNT_MODES).fill_null(False) | pl.col("amount").is_not_null()


# The models' dataframe checks by name (``_may_fail`` evaluates them without pandera).
FRAME_RULES: dict[str, Callable[[], pl.Expr]] = {
    "platform_member_kind": _platform_member_kind,
    "end_after_start": _end_after_start,
    "minutes_within_span": _minutes_within_span,
    "fare_for_mode": _fare_for_mode,
    "amount_for_mode": _amount_for_mode,
}


def _f(**kw: Any) -> Any:
    """A field whose emptiness is decided by rules/columns.yaml (``nullable``)."""
    return pa.Field(nullable=True, **kw)


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # row/idx bookkeeping columns ride along
        coerce = False  # types are made by the loader; a wrong type here is a bug


class Experts(_Base):
    expert_id: pl.String = _f(unique=True)
    name: pl.String = _f()
    name_kana: pl.String = _f()
    payee_type: pl.String = _f()
    fee_class: pl.String = _f()
    postal_code: pl.String = _f()
    address: pl.String = _f()
    prefecture: pl.String = _f()
    qualifications: pl.List(pl.String) = _f()  # type: ignore[valid-type]
    specialties: pl.List(pl.String) = _f()  # type: ignore[valid-type]
    recommending_institution_id: pl.String = _f()
    certified_support_org: pl.Boolean = _f()
    years_experience: pl.Int64 = _f()
    years_sme_support: pl.Int64 = _f()
    years_teaching: pl.Int64 = _f()
    terms_agreed: pl.Boolean = _f()
    registered_on: pl.Date = _f()
    commission_terms_agreed_on: pl.Date = _f()
    commission_accepted_on: pl.Date = _f()
    bank_code: pl.String = _f()
    branch_code: pl.String = _f()
    account_type: pl.Int64 = _f()
    account_number: pl.String = _f()
    account_holder_kana: pl.String = _f()
    public_salary_subsidy: pl.Boolean = _f()
    paid_by_institution_ids: pl.List(pl.String) = _f()  # type: ignore[valid-type]
    member_of_institution_ids: pl.List(pl.String) = _f()  # type: ignore[valid-type]
    my_number_on_file: pl.Boolean = _f()
    renew_next_year: pl.Boolean = _f()


class Institutions(_Base):
    institution_id: pl.String = _f(unique=True)
    name: pl.String = _f()
    channel: pl.String = _f()
    kind: pl.Int64 = _f()
    platform_id: pl.String = _f()
    platform_name: pl.String = _f()
    is_representative: pl.Boolean = _f()
    prefecture: pl.String = _f()
    email: pl.String = _f()

    @pa.dataframe_check(name="platform_member_kind")
    def _platform_member_kind(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_platform_member_kind())


class Dispatches(_Base):
    dispatch_id: pl.String = _f(unique=True)
    institution_id: pl.String = _f()
    expert_id: pl.String = _f()
    company_id: pl.String = _f()
    company_name: pl.String = _f()
    company_address: pl.String = _f()
    company_phone: pl.String = _f()
    company_prefecture: pl.String = _f()
    industry: pl.String = _f()
    employees: pl.Int64 = _f()
    company_class: pl.String = _f()
    issue_category: pl.String = _f()
    applied_on: pl.Date = _f()
    scheduled_on: pl.Date = _f()
    status: pl.String = _f()
    expert_initiated: pl.Boolean = _f()
    web_meeting: pl.Boolean = _f()
    web_meeting_approved: pl.Boolean = _f()
    limit_exception: pl.Boolean = _f()


class Reports(_Base):
    dispatch_id: pl.String = _f(unique=True)
    support_date: pl.Date = _f()
    start_time: pl.Time = _f()
    end_time: pl.Time = _f()
    face_to_face_minutes: pl.Int64 = _f()
    place_address: pl.String = _f()
    place_lat: pl.Float64 = _f()
    place_lon: pl.Float64 = _f()
    trip_km: pl.Float64 = _f()
    accompanied: pl.Boolean = _f()
    accompany_minutes: pl.Int64 = _f()
    no_accompany_reason: pl.String = _f()
    declaration_submitted: pl.Boolean = _f()
    company_confirmed: pl.Boolean = _f()
    approved_at: pl.Datetime = _f()

    @pa.dataframe_check(name="end_after_start")
    def _end_after_start(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_end_after_start())

    @pa.dataframe_check(name="minutes_within_span")
    def _minutes_within_span(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_minutes_within_span())


class Checkins(_Base):
    dispatch_id: pl.String = _f()
    event: pl.String = _f()
    at: pl.Datetime = _f()
    lat: pl.Float64 = _f()
    lon: pl.Float64 = _f()
    signed: pl.Boolean = _f()

    class Config:
        strict = False
        coerce = False
        unique = ["dispatch_id", "event"]  # noqa: RUF012


class TravelClaims(_Base):
    dispatch_id: pl.String = _f()
    line_no: pl.Int64 = _f()
    mode: pl.String = _f()
    used_on: pl.Date = _f()
    origin: pl.String = _f()
    destination: pl.String = _f()
    one_way_km: pl.Float64 = _f()
    fare: pl.Int64 = _f()
    express_fee: pl.Int64 = _f()
    reserved_fee: pl.Int64 = _f()
    round_trip_fare: pl.Int64 = _f()
    seat_class: pl.String = _f()
    high_speed_boat: pl.Boolean = _f()
    distance_km: pl.Float64 = _f()
    nights: pl.Int64 = _f()
    lodging_type: pl.String = _f()
    amount: pl.Int64 = _f()
    approved_amount: pl.Int64 = _f()
    receipt: pl.Boolean = _f()
    boarding_pass: pl.Boolean = _f()
    reason: pl.String = _f()

    class Config:
        strict = False
        coerce = False
        unique = ["dispatch_id", "line_no"]  # noqa: RUF012

    @pa.dataframe_check(name="fare_for_mode")
    def _fare_for_mode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_fare_for_mode())

    @pa.dataframe_check(name="amount_for_mode")
    def _amount_for_mode(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_amount_for_mode())


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "experts": Experts, "institutions": Institutions, "dispatches": Dispatches,
    "reports": Reports, "checkins": Checkins, "travel_claims": TravelClaims,
}
# Dataframe-level checks -> the column a finding names.
FRAME_CHECK_COLUMN = {
    "end_after_start": "end_time",
    "minutes_within_span": "face_to_face_minutes",
    "platform_member_kind": "kind",
    "fare_for_mode": "fare",
    "amount_for_mode": "amount",
}


def _check(name: str, expr: pl.Expr) -> pa.Check:
    """A named column check; empty cells pass (``required`` is a check of its own)."""
    return pa.Check(lambda data, e=expr: data.lazyframe.select(e), name=name)


def reserved_id(c: pl.Expr, reserved: frozenset[str]) -> pl.Expr:
    """``c.str.to_uppercase().str.replace(r"\\..*$", "").is_in(reserved)``, upper-casing only
    the ids that can be reserved (upper-casing them all was most of the id check's time at
    1,000,000 dispatches).

    Upper-casing maps each character to one or more and never makes a ``.``, so a reserved
    result of L characters or fewer (L: the longest reserved name) comes from an id at most L
    characters long or with a ``.`` among its first L + 1 characters; other ids are not
    upper-cased (null, then False). The same for every id that is not null.
    """
    if not reserved:
        return c.is_null() & pl.lit(False)  # False, one per row
    longest = max(len(r) for r in reserved)
    near = c.str.contains(rf"^(?s:.){{0,{longest}}}(?:\.|\z)")
    return (pl.when(near).then(c).str.to_uppercase().str.replace(r"\..*$", "")
            .is_in(sorted(reserved)).fill_null(False))


def column_rules(col: ColumnSpec, cmap: ColumnMap, codes: Codes) -> list[tuple[str, pl.Expr]]:
    """The rule-driven checks of one column as (name, expression), the expression True where
    a cell passes (names are the keys of validate.EXPECT; ``schema_for`` makes them checks)."""
    c = pl.col(col.name)
    ok_null = c.is_null()
    out: list[tuple[str, pl.Expr]] = []
    if col.kind in ("enum", "prefecture", "jsic", "fee_class"):
        allowed = codes.allowed({"prefecture": "prefectures", "jsic": "jsic",
                                 "fee_class": "fee_class"}.get(col.kind, col.codes or ""))
        out.append(("code_list", ok_null | c.is_in(list(allowed))))
    if col.kind == "list" and col.codes:
        allowed = codes.allowed(col.codes)
        out.append(("code_list", ok_null | c.list.eval(
            pl.element().is_in(list(allowed))).list.all()))
    if col.kind == "inst_kind":
        out.append(("code_list", ok_null | c.is_in(list(codes.institution_kinds))))
    if col.kind in ("int", "yen", "float"):
        low = 0 if col.kind == "yen" and col.min is None else col.min  # yen are never negative
        bounds = [c >= low] if low is not None else []
        bounds += [c <= col.max] if col.max is not None else []
        if bounds:
            out.append(("range", ok_null | pl.all_horizontal(bounds)))
    if col.kind == "date":
        low_d, high_d = pl.lit(cmap.date_min).str.to_date(), pl.lit(cmap.date_max).str.to_date()
        out.append(("plausible_date", ok_null | c.is_between(low_d, high_d)))
    if col.kind == "timestamp":
        low_t = pl.lit(cmap.date_min).str.to_datetime("%Y-%m-%d", time_unit="us")
        high_t = pl.lit(cmap.date_max + " 23:59:59").str.to_datetime("%Y-%m-%d %H:%M:%S",
                                                                      time_unit="us")
        out.append(("plausible_date", ok_null | c.is_between(low_t, high_t)))
    if col.kind == "digits":
        # [0-9], not \d: Rust regex \d also matches full-width digits
        pattern = rf"^[0-9]{{{int(col.width or 0)}}}$"
        out.append(("digits", ok_null | c.str.contains(pattern)))
    if col.kind == "id":
        out.append(("safe_id", ok_null | (
            c.str.contains(cmap.id_pattern) & ~c.str.contains("..", literal=True)
            & ~reserved_id(c, cmap.reserved_ids))))
    if col.kind in ("name", "kana"):
        out.append(("formula", ok_null | ~c.str.contains(FORMULA_RX)))
    return out


def schema_for(table: str, cmap: ColumnMap, codes: Codes,
               frame: pl.DataFrame | None = None) -> pa.DataFrameSchema:
    """The table's model as a schema, with the rule-driven checks of rules/columns.yaml.

    With ``frame``: only the checks that may fail on it. Every rule-driven check, required
    cell and frame check is first evaluated in one pass over ``frame`` (``_may_fail``); those
    that hold on every row are left out, so pandera validates the columns' types and runs
    only the checks that have something to report, each failure found as before. (pandera
    collects each check on its own: most of the contract's time on a month of data.)
    """
    schema = MODELS[table].to_schema()
    spec = cmap.tables[table]
    rules = {col.name: column_rules(col, cmap, codes) for col in spec.columns}
    required = {col.name for col in spec.columns if not col.nullable}
    failing = None if frame is None else _may_fail(schema, frame, rules, required)
    updates: dict[str, dict[str, Any]] = {}
    for col in spec.columns:
        mine = [_check(name, expr) for name, expr in rules[col.name]
                if failing is None or (col.name, name) in failing]
        nullable = col.nullable or (failing is not None and (col.name, _REQUIRED) not in failing)
        updates[col.name] = {"nullable": nullable,
                             "checks": list(schema.columns[col.name].checks) + mine}
    schema = schema.update_columns(updates)
    if failing is not None:
        schema.checks = [c for c in schema.checks
                         if c.name not in FRAME_RULES or (None, c.name) in failing]
    return schema


_REQUIRED = "\x00required"  # pandera's own nullable check, keyed like the named checks


def _may_fail(schema: pa.DataFrameSchema, frame: pl.DataFrame,
              rules: dict[str, list[tuple[str, pl.Expr]]],
              required: set[str]) -> set[tuple[str | None, str]]:
    """(column, check) of the checks that fail on some row of ``frame``, or may: a null
    outcome counts as a failure here (pandera would pass it), and anything this pass cannot
    evaluate (a column missing or of another type) keeps every check, for pandera to report.
    (None, name) is a frame check; (column, _REQUIRED) a column of ``required`` (not
    nullable) with an empty cell.
    """
    tests: dict[tuple[str | None, str], pl.Expr] = {}
    for name in schema.columns:
        for check, expr in rules.get(name, []):
            tests[(name, check)] = expr
        if name in required:
            present = pl.col(name).is_not_null()
            if name in frame.columns and frame.schema[name].is_float():
                present = present & pl.col(name).is_not_nan()  # pandera: NaN is empty too
            tests[(name, _REQUIRED)] = present
    for check in schema.checks:
        if check.name in FRAME_RULES:
            tests[(None, check.name)] = FRAME_RULES[check.name]()
    everything = set(tests) | {(None, c.name) for c in schema.checks}
    if not all(name in frame.columns for name in schema.columns):
        return everything
    keys = list(tests)
    try:
        held = frame.select(tests[k].fill_null(False).all().alias(str(i))
                            for i, k in enumerate(keys)).row(0)
    except pl.exceptions.PolarsError:
        return everything
    return {k for k, ok in zip(keys, held, strict=True) if ok is not True}


def _surely_distinct(frame: pl.DataFrame, columns: list[str]) -> bool:
    """True only if no two rows of ``frame`` share the values of ``columns``.

    Equal values hash alike, so distinct hashes prove distinct keys; a repeated hash (a real
    duplicate or a collision) says False, and pandera then looks. Only for types whose hash
    is a function of the value polars compares (not floats: -0.0 and NaN).
    """
    if not columns or any(c not in frame.columns for c in columns):
        return False
    for c in columns:
        dtype = frame.schema[c]
        if not (dtype == pl.String or dtype.is_integer() or dtype.is_temporal()
                or dtype == pl.Boolean):
            return False
    if frame.height < 2:
        return True
    hashed = pl.struct(columns).hash() if len(columns) > 1 else pl.col(columns[0]).hash()
    return bool(frame.select(hashed.n_unique()).item() == frame.height)


def without_proven_keys(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pa.DataFrameSchema:
    """``schema`` without the key uniqueness checks that cannot fail on ``frame``.

    pandera's uniqueness (``is_duplicated`` of the key, of the whole key row for a two-part
    key) was a third of the contract's time at 1,000,000 dispatches; a hash count proves
    most keys distinct at a fraction of it. Where it cannot, pandera checks as before, so the
    duplicate findings still come from pandera's failure cases.
    """
    proven = [name for name, col in schema.columns.items()
              if col.unique and _surely_distinct(frame, [name])]
    if proven:
        schema = schema.update_columns({name: {"unique": False} for name in proven})
    if schema.unique:
        sets = ([schema.unique] if all(isinstance(x, str) for x in schema.unique)
                else schema.unique)
        if all(_surely_distinct(frame, list(s)) for s in sets):
            schema = copy.copy(schema)  # the caller's schema keeps its key
            schema.unique = None
    return schema
