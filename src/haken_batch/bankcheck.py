"""R-VAL-2: bank data that cannot be paid (stub; the Zengin work fills it in).

``unpayable_experts(experts, rules)`` returns one row per problem:
expert_id, column, value_masked, rule_id ("R-VAL-2"), message_ja, message_en.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.rules import RuleBook


def unpayable_experts(experts: pl.DataFrame, rules: RuleBook) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        schema={"expert_id": pl.String, "column": pl.String, "value_masked": pl.String,
                "rule_id": pl.String, "message_ja": pl.String, "message_en": pl.String}
    )
