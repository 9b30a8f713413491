"""The pandera models agree with rules/columns.yaml and the design's types."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch.contract import MODELS, schema_for
from haken_batch.load.codes import codes_from
from haken_batch.load.spec import TABLE_ORDER, column_map


@pytest.fixture(scope="module")
def env(rules):
    return column_map(rules.columns), codes_from(rules)


@pytest.mark.parametrize("table", TABLE_ORDER)
def test_model_columns_are_the_column_map(table, env) -> None:
    cmap, _ = env
    model_cols = list(MODELS[table].to_schema().columns)
    assert model_cols == [c.name for c in cmap.tables[table].columns]


def test_unique_keys_are_declared(env) -> None:
    cmap, _ = env
    for table in TABLE_ORDER:
        schema = MODELS[table].to_schema()
        key = cmap.tables[table].key
        if len(key) == 1:
            assert schema.columns[key[0]].unique
        else:
            assert list(schema.unique) == list(key)


def test_schema_for_adds_rule_driven_checks(env) -> None:
    cmap, codes = env
    schema = schema_for("experts", cmap, codes)
    names = {c.name for c in schema.columns["bank_code"].checks}
    assert "digits" in names
    assert schema.columns["expert_id"].nullable is False
    assert schema.columns["fee_class"].nullable is True
    assert "code_list" in {c.name for c in schema.columns["prefecture"].checks}


def test_lazy_validation_collects_every_failure(env) -> None:
    import pandera.errors as pa_errors

    cmap, codes = env
    schema = schema_for("institutions", cmap, codes)
    frame = pl.DataFrame({
        "institution_id": ["I-1", "I-1"], "name": ["a", None], "channel": ["x", "よろず支援拠点"],
        "kind": [None, 99], "platform_id": [None, None], "platform_name": [None, None],
        "is_representative": [False, False], "prefecture": ["東京都", "東京都"],
        "email": [None, None]},
        schema_overrides={"kind": pl.Int64, "platform_id": pl.String, "platform_name": pl.String,
                          "email": pl.String})
    with pytest.raises(pa_errors.SchemaErrors) as info:
        schema.validate(frame, lazy=True)
    checks = sorted(set(info.value.failure_cases.get_column("check").to_list()))
    assert checks == ["code_list", "field_uniqueness", "not_nullable"]


# --- the fast paths of the contract give pandera's findings ---------------------------------

_ID_CHARS = ["c", "o", "n", "C", "O", "N", "l", "p", "t", "1", "9", "a", "u", "x", "s", "i",
             ".", "\n", " ", "ſ", "ı", "ß", "ﬃ", "İ", "ǅ"]
_RESERVED_SETS = [
    frozenset({"CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"}),
    frozenset({"SS", "FFI", "I", "S", "CO"}),  # upper-casing makes these from ß, ﬃ, ı, ſ
    frozenset({"X"}),
    frozenset(),
]


def _plain_reserved(values: list[str], reserved: frozenset[str]) -> list[bool]:
    """The reserved-name test as it was before the fast path (every id upper-cased)."""
    return pl.Series(values, dtype=pl.String).to_frame("c").select(
        pl.col("c").str.to_uppercase().str.replace(r"\..*$", "").is_in(sorted(reserved))
    ).to_series().to_list()


@pytest.mark.parametrize("reserved", _RESERVED_SETS)
def test_reserved_id_fast_path_examples(reserved) -> None:
    from haken_batch.contract import reserved_id

    values = ["con", "Con.txt", "CON.", ".con", "nul.tar.gz", "AUX\n.x", "aux.x\ny", "COM9..",
              "lpt1 ", "ſ", "ß", "ß.txt", "ﬃ", "ﬃ.a", "ı", "co.n", "x" * 70, "xx.con", "",
              ".", "..", "\n", "s\n", "PRN\n"]
    got = pl.DataFrame({"c": values}).select(reserved_id(pl.col("c"), reserved)).to_series()
    assert got.to_list() == _plain_reserved(values, reserved)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.text(alphabet=st.sampled_from(_ID_CHARS), max_size=9), min_size=1,
                       max_size=40),
       reserved=st.sampled_from(_RESERVED_SETS))
def test_reserved_id_is_the_plain_upper_cased_lookup(values, reserved) -> None:
    from haken_batch.contract import reserved_id

    got = pl.DataFrame({"c": values}, schema={"c": pl.String}).select(
        reserved_id(pl.col("c"), reserved)).to_series()
    assert got.to_list() == _plain_reserved(values, reserved)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["D-1", "D-2", "", "d-1"])),
                               st.one_of(st.none(), st.integers(0, 3))), max_size=12))
def test_surely_distinct_never_misses_a_duplicate(rows) -> None:
    from haken_batch.contract import _surely_distinct

    frame = pl.DataFrame(rows, schema={"k": pl.String, "n": pl.Int64}, orient="row")
    for key in (["k"], ["n"], ["k", "n"]):
        if _surely_distinct(frame, key):
            assert not frame.select(key).is_duplicated().any()
    if not frame.select("k", "n").is_duplicated().any() and frame.height:
        assert _surely_distinct(frame, ["k", "n"])  # no collision in such small frames


def test_surely_distinct_leaves_floats_to_pandera() -> None:
    from haken_batch.contract import _surely_distinct

    assert not _surely_distinct(pl.DataFrame({"f": [0.0, -0.0]}), ["f"])
    assert not _surely_distinct(pl.DataFrame({"f": [1.0, 2.0]}), ["f"])
    assert not _surely_distinct(pl.DataFrame({"k": ["a"]}), ["missing"])
