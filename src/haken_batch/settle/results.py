"""The one shape every check returns: what was evaluated for a dispatch (or a claim line).

``dispatch_id, line_no, rule_id, outcome, message, message_en`` — ``outcome`` is ``pass``,
``hold``, ``exclude``, ``reduce`` or ``flag``; ``line_no`` is null for a dispatch-level check,
0 for the fee line and the claim's own number for a travel line. ``message`` (Japanese, for
the clerk) and its English twin ``message_en`` (``--lang en``) carry the same parameter values
used, so `haken explain` can tell the story without recomputing. Data values embedded in
them (ids, 鉄道, 民泊...) stay as the export wrote them in both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import polars as pl

OUTCOMES = ("pass", "flag", "reduce", "hold", "exclude")
SCHEMA = pl.Schema(
    {
        "dispatch_id": pl.String(),
        "line_no": pl.Int64(),
        "rule_id": pl.String(),
        "outcome": pl.String(),
        "message": pl.String(),
        "message_en": pl.String(),
    }
)
OK_JA, OK_EN = "問題なし", "no problem"


@dataclass(frozen=True)
class Check:
    """One rule evaluated over a frame; rows are built only when asked (see ``rows``)."""

    frame: pl.LazyFrame
    rule_id: str | pl.Expr
    failed: pl.Expr
    outcome: str | pl.Expr
    message: pl.Expr
    message_en: pl.Expr
    ok_message: pl.Expr
    ok_message_en: pl.Expr
    line_no: pl.Expr


Part = Check | pl.LazyFrame


def _expr(value: pl.Expr | str) -> pl.Expr:
    return pl.lit(value) if isinstance(value, str) else value


def result(
    frame: pl.LazyFrame | pl.DataFrame,
    rule_id: str | pl.Expr,
    failed: pl.Expr,
    outcome: str | pl.Expr,
    message: pl.Expr,
    message_en: pl.Expr,
    *,
    ok_message: pl.Expr | str = OK_JA,
    ok_message_en: pl.Expr | str = OK_EN,
    line_no: pl.Expr | None = None,
) -> Check:
    """A check: ``outcome`` where ``failed`` is true, else ``pass``.

    ``message``/``ok_message`` are Japanese, ``message_en``/``ok_message_en`` their English
    twins with the same values. ``rule_id`` and ``outcome`` may be expressions (a travel
    line's rule depends on its mode). A null ``failed`` (data missing) counts as passed here:
    the missing data itself is a validation finding (R-VAL-1) and holds the dispatch through
    the validator.
    """
    return Check(
        frame=frame.lazy(),
        rule_id=rule_id,
        failed=failed.fill_null(False),
        outcome=outcome,
        message=message,
        message_en=message_en,
        ok_message=_expr(ok_message),
        ok_message_en=_expr(ok_message_en),
        line_no=line_no if line_no is not None else pl.lit(None, pl.Int64()),
    )


def rows(part: Part, keep_pass: bool = True) -> pl.LazyFrame:
    """The result rows of a check; without ``keep_pass`` the passing rows are dropped before
    their messages (both languages) are built (scale runs keep only what is not a pass)."""
    if isinstance(part, pl.LazyFrame):
        lf = part.select(list(SCHEMA)).cast(SCHEMA)
        return lf if keep_pass else lf.filter(pl.col("outcome") != "pass")
    c = part
    lf = c.frame.with_columns(c.failed.alias("_failed"))
    if not keep_pass:
        lf = lf.filter(pl.col("_failed"))
    return lf.select(
        pl.col("dispatch_id").cast(pl.String),
        c.line_no.cast(pl.Int64).alias("line_no"),
        _expr(c.rule_id).cast(pl.String).alias("rule_id"),
        pl.when(pl.col("_failed"))
        .then(_expr(c.outcome))
        .otherwise(pl.lit("pass"))
        .alias("outcome"),
        pl.when(pl.col("_failed"))
        .then(c.message)
        .otherwise(c.ok_message)
        .cast(pl.String)
        .alias("message"),
        pl.when(pl.col("_failed"))
        .then(c.message_en)
        .otherwise(c.ok_message_en)
        .cast(pl.String)
        .alias("message_en"),
    )


def empty() -> pl.LazyFrame:
    return pl.DataFrame(schema=SCHEMA).lazy()


def txt(expr: pl.Expr) -> pl.Expr:
    """A value as text for a message (null shows as 空欄)."""
    return expr.cast(pl.String).fill_null("空欄")


def txt_en(expr: pl.Expr) -> pl.Expr:
    """A value as text for an English message (null shows as "blank")."""
    return expr.cast(pl.String).fill_null("blank")


def _grouped(expr: pl.Expr) -> pl.Expr:
    """Integer yen with thousands separators (12,000), as every table and notice shows them:
    a reason reading 「請求12000円 → 9800円」 beside 9,800 (independent check, session 19)."""
    digits = (expr.cast(pl.Int64).abs().cast(pl.String).str.reverse()
              .str.replace_all(r"([0-9]{3})", "${1},").str.strip_chars_end(",").str.reverse())
    return pl.when(expr < 0).then(pl.lit("-") + digits).otherwise(digits)


UM_PER_KM = 1_000_000_000  # micrometres
_MAX_KM = 2**30  # a leg stays under 2^60 micrometres, so a route's sum stays in Int64


def micrometres(km: pl.Expr) -> pl.Expr:
    """A distance in whole micrometres: integers add up exactly (33.3 + 33.3 + 33.4 km is
    100 km, not 99.999…), and a distance written with up to 9 decimals keeps its value
    (99.9999999 km stays under 100 km: rounding to the millimetre paid it as 100)."""
    # Beyond the limit (an absurd export, already an error finding of R-VAL-1) the leg has no
    # usable distance: null, which holds the dispatch, instead of overflowing Int64.
    # not strict: polars casts every row of the branch, the masked ones too (10^13 km
    # stopped a settle with a polars error once the messages wrote distances this way)
    return pl.when(km.abs() <= _MAX_KM).then(
        (km * UM_PER_KM).round(0).cast(pl.Int64, strict=False))


def km_text(um: pl.Expr) -> pl.Expr:
    """Whole micrometres as km for a message, grouped like yen and without binary noise:
    1,226.4, not 1226.4000000000001; 100, not 100.0 (a notice printed 「全行程2263.2km」
    beside 「13,450」, independent check of session 21)."""
    size = um.abs()
    whole = pl.format("{}{}", pl.when(um < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                      _grouped(size // UM_PER_KM))
    frac = (size % UM_PER_KM).cast(pl.String).str.zfill(9).str.strip_chars_end("0")
    return pl.when(frac == "").then(whole).otherwise(pl.format("{}.{}", whole, frac))


def km_txt(km: pl.Expr) -> pl.Expr:
    """A distance in km as text for a message: 1,226.4 (null shows as 空欄)."""
    return km_text(micrometres(km)).fill_null("空欄")


def exact_km(km: pl.Expr, en: bool = False) -> pl.Expr:
    """``km_txt`` where that is the value itself, else the value as read (99.99999999999999
    is not 100: a threshold compared with it must not read as met)."""
    um = micrometres(km)
    same = (um.cast(pl.Float64) / UM_PER_KM) == km
    return pl.when(same | um.is_null()).then(km_txt_en(km) if en else km_txt(km)) \
        .otherwise(km.cast(pl.String))


def km_txt_en(km: pl.Expr) -> pl.Expr:
    """A distance in km as text for an English message: 1,226.4 (null shows as "blank")."""
    return km_text(micrometres(km)).fill_null("blank")


def cycle_txt(cycle: pl.Expr) -> pl.Expr:
    """A cycle as an expert reads it on a notice: 2021年10月精算分, not 「サイクル 2021-10」
    (the secretariat's word; independent check of the documents, session 21)."""
    return pl.format("{}年{}月精算分", cycle.str.slice(0, 4),
                     cycle.str.slice(5, 2).cast(pl.Int32, strict=False))


def yen_txt(expr: pl.Expr) -> pl.Expr:
    """Yen as text for a message: 12,000 (null shows as 空欄)."""
    return _grouped(expr).fill_null("空欄")


def yen_txt_en(expr: pl.Expr) -> pl.Expr:
    """Yen as text for an English message: 12,000 (null shows as "blank")."""
    return _grouped(expr).fill_null("blank")


NOTES = pl.Struct({"note": pl.String(), "note_en": pl.String()})


_ENGLISH_NOTES: ContextVar[bool] = ContextVar("haken_english_notes", default=True)


@contextmanager
def english_notes(on: bool) -> Iterator[None]:
    """Whether ``both`` builds the English twin of each line note. A run without documents
    writes only Japanese files and is never explained from memory (``explain`` re-runs with
    documents), so it skips them: at 1,000,000 dispatches the 2.5M English notes cost
    ≈ 3 s and ≈ 0.2 GiB."""
    token = _ENGLISH_NOTES.set(on)
    try:
        yield
    finally:
        _ENGLISH_NOTES.reset(token)


def both(ja: pl.Expr, en: pl.Expr) -> pl.Expr:
    """A Japanese note and its English twin as one value (dtype ``NOTES``) for ``cases``:
    one pass over the rows builds both languages (``.struct.unnest()`` gives the two
    columns ``note`` and ``note_en``); the twin is null inside ``english_notes(False)``."""
    english = en.cast(pl.String) if _ENGLISH_NOTES.get() else pl.lit(None, pl.String)
    return pl.struct(ja.cast(pl.String).alias("note"), english.alias("note_en"))


def cases(
    frame: pl.DataFrame,
    branches: Sequence[tuple[pl.Expr, pl.Expr]],
    otherwise: pl.Expr,
    dtype: pl.DataType | None = None,
) -> pl.Series:
    """``pl.when(c1).then(v1).when(c2).then(v2)...otherwise(o)`` over ``frame``, each value
    computed only on the rows that take its branch (a null condition is false, as in
    ``when``). polars computes every branch on every row, and formatting the text of the
    branches a row does not take is most of the cost of a note column on a million rows.

    The values must be row-wise expressions (no aggregation, window or shift): they see only
    their branch's rows. Same values, same row order as the ``when`` chain.
    """
    dtype = dtype or pl.String()
    pick: pl.Expr = pl.lit(len(branches), pl.Int32())
    for i, (cond, _) in reversed(list(enumerate(branches))):
        pick = pl.when(cond).then(pl.lit(i, pl.Int32())).otherwise(pick)
    lf = frame.with_columns(
        pick.alias("_case"),
        pl.int_range(pl.len(), dtype=pl.Int64()).alias("_at"),
    ).lazy()
    values = [*(v for _, v in branches), otherwise]
    pieces = pl.collect_all(
        lf.filter(pl.col("_case") == i).select("_at", v.cast(dtype).alias("_v"))
        for i, v in enumerate(values)
    )
    out = pl.concat(pieces).sort("_at").get_column("_v")
    return out.alias("_v")
