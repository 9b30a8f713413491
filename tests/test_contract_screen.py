"""The contract's one-pass screen leaves pandera nothing to miss.

``schema_for(..., frame)`` drops the checks that hold on every row of ``frame``. Whatever
the data, pandera must then report exactly the failures it reports with every check in
place: the same (column, check, row, value). The frames are the bundled samples, typed as
settle types them, with cells replaced by hypothesis (empty, out of range, off the code list,
formula-like, unsafe ids, NaN, end before start, …).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haken_batch.contract import schema_for, without_proven_keys
from haken_batch.load import load_dataset
from haken_batch.load.codes import codes_from
from haken_batch.load.spec import TABLE_ORDER, column_map

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "fy2021"

ODD: dict[str, list[object]] = {
    "String": [None, "", "=SUM(A1)", "＋1", "../x", "CON", "ZZ", "１２３", "abc", "東京都"],
    "Int64": [None, -1, 0, 13, 10**9],
    "Float64": [None, float("nan"), -1.0, 0.0, 1e9],
    "Date": [None, dt.date(1900, 1, 1), dt.date(2021, 10, 5), dt.date(2100, 1, 1)],
    "Datetime": [None, dt.datetime(1900, 1, 1), dt.datetime(2021, 10, 5, 9),
                 dt.datetime(2100, 1, 1)],
    "Time": [None, dt.time(0, 0), dt.time(9, 0), dt.time(23, 59)],
    "Boolean": [None, True, False],
    "List": [None, [], ["ZZ"], ["税理士"], ["I-404"]],
}


@pytest.fixture(scope="module")
def typed(rules):
    ds = load_dataset(SAMPLES, rules)
    cmap, codes = column_map(rules.columns), codes_from(rules)
    frames = {t: ds.tables[t].head(40).drop("_row").with_row_index("idx")
              for t in TABLE_ORDER}
    return frames, cmap, codes


def _failures(schema, frame: pl.DataFrame) -> set[tuple[str, str, int | None, str]]:
    import pandera.errors as pa_errors

    try:
        schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
        return {(str(r["column"]), str(r["check"]), r["index"], str(r["failure_case"]))
                for r in fc.iter_rows(named=True)}
    return set()


def _kind(dtype: pl.DataType) -> str:
    return "List" if isinstance(dtype, pl.List) else dtype.base_type().__name__


@pytest.mark.parametrize("table", TABLE_ORDER)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_R_VAL_1_screened_contract_reports_every_failure(table, typed, data) -> None:
    frames, cmap, codes = typed
    frame = frames[table]
    columns = [c for c in frame.columns if c != "idx"]
    cell = st.tuples(st.integers(0, frame.height - 1), st.sampled_from(columns))
    edits = data.draw(st.lists(cell, max_size=6))
    cells = {c: frame.get_column(c).to_list() for c in columns}
    for row, column in edits:
        cells[column][row] = data.draw(st.sampled_from(ODD[_kind(frame.schema[column])]))
    edited = pl.DataFrame({"idx": frame.get_column("idx"), **cells},
                          schema={"idx": frame.schema["idx"],
                                  **{c: frame.schema[c] for c in columns}})

    full = without_proven_keys(schema_for(table, cmap, codes), edited)
    screened = without_proven_keys(schema_for(table, cmap, codes, edited), edited)

    assert _failures(screened, edited) == _failures(full, edited)


def test_R_VAL_1_screen_drops_the_checks_that_hold(typed) -> None:
    """The point of the screen: on clean rows pandera is left with no rule check to run;
    one broken cell brings back exactly its column's check."""
    frames, cmap, codes = typed
    clean = frames["experts"]
    screened = schema_for("experts", cmap, codes, clean)
    assert all(not col.checks for col in screened.columns.values())
    assert all(col.nullable for col in screened.columns.values())

    broken = clean.with_columns(pl.when(pl.col("idx") == 3).then(pl.lit("12"))
                                .otherwise(pl.col("bank_code")).alias("bank_code"))
    screened = schema_for("experts", cmap, codes, broken)
    kept = {(name, c.name) for name, col in screened.columns.items() for c in col.checks}
    assert kept == {("bank_code", "digits")}
    assert _failures(screened, broken) == {("bank_code", "digits", 3, "12")}


def test_R_VAL_1_screen_counts_nan_as_empty_in_a_required_float(typed) -> None:
    """pandera's required check treats NaN as empty; so does the screen (a clerk may make
    a float column required in rules/columns.yaml, the shipped ones are optional)."""
    frames, cmap, codes = typed
    spec = cmap.tables["reports"]
    strict = dataclasses.replace(spec, columns=tuple(
        dataclasses.replace(c, nullable=False) if c.name == "trip_km" else c
        for c in spec.columns))
    cmap = dataclasses.replace(cmap, tables={**cmap.tables, "reports": strict})
    frame = frames["reports"].with_columns(
        pl.when(pl.col("idx") == 2).then(float("nan")).otherwise(pl.col("trip_km"))
        .alias("trip_km"))
    full = _failures(without_proven_keys(schema_for("reports", cmap, codes), frame), frame)
    screened = _failures(without_proven_keys(schema_for("reports", cmap, codes, frame), frame),
                         frame)
    assert ("trip_km", "not_nullable", 2, "NaN") in full
    assert screened == full
