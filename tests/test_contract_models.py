"""The pandera models agree with rules/columns.yaml and the design's types."""

from __future__ import annotations

import polars as pl
import pytest

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
