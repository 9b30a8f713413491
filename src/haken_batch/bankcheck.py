"""R-VAL-2: bank data that cannot be paid holds all of that expert's dispatches.

``unpayable_experts(experts, rules)`` returns one row per problem, sorted by expert_id and
column: expert_id, column, value_masked, rule_id ("R-VAL-2"), message_ja, message_en.

Checked: bank code (4 digits, in the ``zengin-code`` master), branch code (3 digits, in the
master for that bank), account type (a Zengin code of ``rules/codes/enums.yaml``
account_type), account number (1–7 digits), holder kana (present, writable in the Zengin name
class after conversion, at most 30 bytes). Values are masked: an account number shows only
its last 3 digits, a holder name only its first character.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from haken_batch.kana import KanaError, byte_len, to_zengin_name
from haken_batch.privacy import mask_account  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.rules import RuleBook

RULE_ID = "R-VAL-2"
HOLDER_NAME_BYTES = 30  # 受取人名 C(30), zengin.md data record offset 50
COLUMNS = ("expert_id", "column", "value_masked", "rule_id", "message_ja", "message_en")
_INPUT = ("bank_code", "branch_code", "account_type", "account_number", "account_holder_kana")


def mask_account_expr(col: str) -> pl.Expr:
    """``mask_account`` as a polars expression."""
    import polars as pl

    length = pl.col(col).str.len_chars()
    return (
        pl.when(length > 3)
        .then(pl.col(col).str.slice(-3).str.pad_start(length, "*"))
        .otherwise(pl.lit("").str.pad_start(length, "*"))
    )


def mask_name_expr(col: str) -> pl.Expr:
    import polars as pl

    return pl.col(col).str.slice(0, 1).str.pad_end(pl.col(col).str.len_chars(), "*")


@functools.lru_cache(maxsize=1 << 20)
def _converted(name: str) -> str | KanaError:
    # the validator and the Zengin writer convert the same holders in one run
    try:
        return to_zengin_name(name)
    except KanaError as exc:
        return exc


def convert_names(names: Iterable[str | None]) -> dict[str, str | KanaError]:
    """Each distinct holder name → its Zengin form, or the KanaError that stops it."""
    return {name: _converted(name) for name in names if name is not None}


def _name_problems(names: Iterable[str | None],
                   converted: dict[str, str | KanaError] | None = None) -> pl.DataFrame:
    """name → (message_ja, message_en) for every distinct holder name that cannot be paid."""
    import polars as pl

    rows: dict[str, list[str]] = {"account_holder_kana": [], "message_ja": [], "message_en": []}
    names = list(names)
    known = converted or {}
    todo = convert_names(n for n in names if n not in known)
    for name, result in {n: known[n] if n in known else todo[n]
                         for n in names if n is not None}.items():
        if isinstance(result, KanaError):
            ja = f"口座名義カナを全銀カナにできません：{result.ja}"
            en = f"account holder kana cannot be written in Zengin kana: {result.en}"
        elif byte_len(result) > HOLDER_NAME_BYTES:
            ja = (f"口座名義カナが全銀の受取人名 {HOLDER_NAME_BYTES} バイトを超えます"
                  f"（変換後 {byte_len(result)} バイト。銀行に登録された略称を入力してください）")
            en = (f"account holder kana is {byte_len(result)} bytes in Zengin form, more than"
                  f" {HOLDER_NAME_BYTES} (enter the abbreviated name the bank holds)")
        else:
            continue
        rows["account_holder_kana"].append(name)
        rows["message_ja"].append(ja)
        rows["message_en"].append(en)
    return pl.DataFrame(rows, schema={k: pl.String for k in rows})


def unpayable_experts(experts: pl.DataFrame, rules: RuleBook,
                      converted: dict[str, str | KanaError] | None = None) -> pl.DataFrame:
    """R-VAL-2 findings; ``converted`` (holder → ``convert_names`` result) saves converting
    the names a caller already converted."""
    import polars as pl

    from haken_batch import bankmaster

    account_types = sorted({int(v) for v in dict(rules.code("enums")["account_type"]).values()})
    frame = experts.select(
        pl.col("expert_id").cast(pl.String),
        *[
            (pl.col(c) if c in experts.columns else pl.lit(None)).cast(pl.String)
            .str.strip_chars().alias(c)
            for c in _INPUT
        ],
    )
    known_banks = bankmaster.banks_frame()["bank_code"]
    asked = frame.get_column("bank_code").drop_nulls().unique().to_list()
    known_branches = bankmaster.branches_frame(asked).with_columns(_known=pl.lit(True))
    frame = frame.join(known_branches, on=["bank_code", "branch_code"], how="left").with_columns(
        pl.col("_known").fill_null(False)
    )

    def empty(col: str) -> pl.Expr:
        return pl.col(col).is_null() | (pl.col(col) == "")

    bad_number = ~empty("account_number") & ~pl.col("account_number").str.contains(
        r"^[0-9]{1,7}$")
    bank_ok = pl.col("bank_code").str.contains(r"^[0-9]{4}$")
    branch_ok = pl.col("branch_code").str.contains(r"^[0-9]{3}$")
    checks: list[tuple[str, pl.Expr, pl.Expr, str, str]] = [
        ("bank_code", empty("bank_code"), pl.lit(""),
         "金融機関コードがありません", "bank code is missing"),
        ("bank_code", ~empty("bank_code") & ~bank_ok, pl.col("bank_code"),
         "金融機関コードが4桁の数字ではありません", "bank code is not 4 digits"),
        ("bank_code", bank_ok & ~pl.col("bank_code").is_in(known_banks.implode()),
         pl.col("bank_code"),
         f"金融機関コードが全銀の金融機関マスタ（zengin-code {bankmaster.version()}）にありません",
         f"bank code is not in the bank master (zengin-code {bankmaster.version()})"),
        ("branch_code", empty("branch_code"), pl.lit(""),
         "支店コードがありません", "branch code is missing"),
        ("branch_code", ~empty("branch_code") & ~branch_ok, pl.col("branch_code"),
         "支店コードが3桁の数字ではありません", "branch code is not 3 digits"),
        ("branch_code",
         bank_ok & branch_ok & pl.col("bank_code").is_in(known_banks.implode()) & ~pl.col("_known"),
         pl.col("bank_code") + "-" + pl.col("branch_code"),
         "支店コードがその金融機関の支店マスタにありません（統廃合・記入誤りを確認してください）",
         "branch code is not a branch of that bank in the master (merged or mistyped?)"),
        ("account_type", empty("account_type"), pl.lit(""),
         "預金種目がありません", "account type is missing"),
        ("account_type",
         ~empty("account_type") & ~pl.col("account_type").is_in([str(t) for t in account_types]),
         pl.col("account_type"),
         f"預金種目が全銀コード {'/'.join(map(str, account_types))} のいずれでもありません",
         f"account type is not one of the Zengin codes {account_types}"),
        ("account_number", empty("account_number"), pl.lit(""),
         "口座番号がありません", "account number is missing"),
        ("account_number",
         bad_number & (pl.col("bank_code") != bankmaster.YUCHO_BANK_CODE).fill_null(True),
         mask_account_expr("account_number"),
         "口座番号が1〜7桁の数字ではありません", "account number is not 1 to 7 digits"),
        ("account_number",
         bad_number & (pl.col("bank_code") == bankmaster.YUCHO_BANK_CODE).fill_null(False),
         mask_account_expr("account_number"),
         "口座番号が1〜7桁の数字ではありません（ゆうちょ銀行の記号番号は「記号-番号」の形なら"
         "店番・口座番号に変換します。支店コード・預金種目を入れるときは記号に合うものに"
         "してください）",
         "account number is not 1 to 7 digits (a Japan Post Bank 記号番号 written as"
         " 記号-番号 is converted to branch and account; a branch code or account type given"
         " must match the 記号)"),
        ("account_holder_kana", empty("account_holder_kana"), pl.lit(""),
         "口座名義カナがありません", "account holder kana is missing"),
    ]
    parts = [
        frame.filter(cond).select(
            "expert_id", pl.lit(col).alias("column"),
            value.fill_null("").alias("value_masked"),
            pl.lit(RULE_ID).alias("rule_id"), pl.lit(ja).alias("message_ja"),
            pl.lit(en).alias("message_en"),
        )
        for col, cond, value, ja, en in checks
    ]
    names = frame.filter(~empty("account_holder_kana"))
    bad_names = _name_problems(names["account_holder_kana"].unique().sort().to_list(), converted)
    parts.append(
        names.join(bad_names, on="account_holder_kana", how="inner").select(
            "expert_id", pl.lit("account_holder_kana").alias("column"),
            mask_name_expr("account_holder_kana").alias("value_masked"),
            pl.lit(RULE_ID).alias("rule_id"), "message_ja", "message_en",
        )
    )
    return pl.concat(parts, how="vertical").select(COLUMNS).sort(
        ["expert_id", "column", "message_en"]
    )
