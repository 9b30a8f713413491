"""R-VAL-2: bank data that cannot be paid, one masked row per problem."""

from __future__ import annotations

import polars as pl
import pytest

from haken_batch.bankcheck import COLUMNS, mask_account, unpayable_experts


def experts(**override: object) -> pl.DataFrame:
    row = {"expert_id": "E0001", "bank_code": "0001", "branch_code": "001",
           "account_type": 1, "account_number": "1234567",
           "account_holder_kana": "ヤマダ　タロウ", "name": "山田 太郎"}
    row.update(override)
    return pl.DataFrame([row], schema={"expert_id": pl.String, "bank_code": pl.String,
                                       "branch_code": pl.String, "account_type": pl.Int64,
                                       "account_number": pl.String,
                                       "account_holder_kana": pl.String, "name": pl.String})


def one(frame: pl.DataFrame) -> dict:
    assert frame.height == 1, frame
    return frame.row(0, named=True)


def test_R_VAL_2_good_bank_data_gives_no_row(rules) -> None:
    out = unpayable_experts(experts(), rules)
    assert out.columns == list(COLUMNS) and out.height == 0


def test_R_VAL_2_unknown_bank_code(rules) -> None:
    row = one(unpayable_experts(experts(bank_code="9999"), rules))
    assert (row["column"], row["value_masked"], row["rule_id"]) == ("bank_code", "9999", "R-VAL-2")
    assert "zengin-code" in row["message_en"] and row["message_ja"]


def test_R_VAL_2_unknown_branch_of_a_known_bank(rules) -> None:
    row = one(unpayable_experts(experts(branch_code="999"), rules))
    assert row["column"] == "branch_code" and row["value_masked"] == "0001-999"


@pytest.mark.parametrize(("column", "value"), [("bank_code", "001"), ("bank_code", "00a1"),
                                               ("branch_code", "1"), ("branch_code", "0010")])
def test_R_VAL_2_codes_of_the_wrong_shape(rules, column: str, value: str) -> None:
    row = one(unpayable_experts(experts(**{column: value}), rules))
    assert row["column"] == column and "digits" in row["message_en"]


def test_R_VAL_2_account_number_of_8_digits_is_masked(rules) -> None:
    row = one(unpayable_experts(experts(account_number="12345678"), rules))
    assert row["column"] == "account_number"
    assert row["value_masked"] == "*****678"
    assert "12345" not in row["message_ja"] + row["message_en"]


@pytest.mark.parametrize("value", ["12-3456", "abc", "１２３"])
def test_R_VAL_2_account_number_not_digits(rules, value: str) -> None:
    row = one(unpayable_experts(experts(account_number=value), rules))
    assert row["column"] == "account_number"


def test_R_VAL_2_yucho_kigou_bangou_gets_a_conversion_hint(rules) -> None:
    row = one(unpayable_experts(experts(bank_code="9900", branch_code="018",
                                        account_number="12345671"), rules))
    assert row["column"] == "account_number" and "記号番号" in row["message_ja"]


def test_R_VAL_2_short_account_numbers_are_accepted(rules) -> None:
    assert unpayable_experts(experts(account_number="123"), rules).height == 0


def test_R_VAL_2_bad_account_type(rules) -> None:
    row = one(unpayable_experts(experts(account_type=3), rules))
    assert row["column"] == "account_type" and "1/2/4" in row["message_ja"]


@pytest.mark.parametrize(("holder", "fragment"), [("山田太郎", "kanji"), ("スズキ・ハナコ", "・"),
                                                  ("ヤマダ,タロウ", "not allowed")])
def test_R_VAL_2_holder_name_that_cannot_be_written(rules, holder: str, fragment: str) -> None:
    row = one(unpayable_experts(experts(account_holder_kana=holder), rules))
    assert row["column"] == "account_holder_kana"
    assert fragment in row["message_en"]
    assert row["value_masked"] == holder[0] + "*" * (len(holder) - 1)


def test_R_VAL_2_holder_name_longer_than_30_bytes(rules) -> None:
    holder = "ガ" * 16  # 32 bytes once ﾞ is its own byte
    row = one(unpayable_experts(experts(account_holder_kana=holder), rules))
    assert "32 bytes" in row["message_en"]


def test_R_VAL_2_holder_name_of_exactly_30_bytes_is_fine(rules) -> None:
    assert unpayable_experts(experts(account_holder_kana="ガ" * 15), rules).height == 0


@pytest.mark.parametrize("column", ["bank_code", "branch_code", "account_type",
                                    "account_number", "account_holder_kana"])
def test_R_VAL_2_missing_values(rules, column: str) -> None:
    rows = unpayable_experts(experts(**{column: None}), rules)
    assert column in rows["column"].to_list()
    assert "missing" in rows.filter(pl.col("column") == column)["message_en"][0]


def test_R_VAL_2_each_expert_and_problem_once_sorted(rules) -> None:
    frame = pl.concat([
        experts(expert_id="E3", account_number="12345678", account_holder_kana="山"),
        experts(expert_id="E1"),
        experts(expert_id="E2", bank_code="9999"),
    ])
    out = unpayable_experts(frame, rules)
    assert out.select("expert_id", "column").rows() == [
        ("E2", "bank_code"), ("E3", "account_holder_kana"), ("E3", "account_number")]


def test_mask_account() -> None:
    assert mask_account("1234567") == "****567"
    assert mask_account("12") == "**"
    assert mask_account(None) == ""


def test_R_VAL_2_scales_over_many_experts(rules) -> None:
    n = 5000
    frame = pl.DataFrame({
        "expert_id": [f"E{i:05d}" for i in range(n)], "bank_code": ["0005"] * n,
        "branch_code": ["001"] * n, "account_type": [1] * n,
        "account_number": [f"{i:07d}" if i % 100 else f"{i:08d}" for i in range(n)],
        "account_holder_kana": [f"ヤマダ　{'タロウ' if i % 250 else '太郎'}" for i in range(n)],
    })
    out = unpayable_experts(frame, rules)
    assert out.filter(pl.col("column") == "account_number").height == 50
    assert out.filter(pl.col("column") == "account_holder_kana").height == 20
