"""The experts' account cells, on their text, before typing.

ゆうちょ銀行 accounts given as 記号番号 (zengin.md "Bank master": accept 記号番号 if an
export carries it): a row of bank 9900 whose 口座番号 reads as 記号 (5
digits, first 0 or 1) and 番号 (up to 8 digits, after a hyphen or a space, or 13 digits in
one run) gets the 店番, 預金種目 and 7-digit 口座番号 a 総合振込 file needs
(``bankmaster.yucho_to_zengin``), with a warning that says so. A 店番 or 預金種目 the export
gives that disagrees with the 記号 is left alone (the account stays unreadable and holds,
R-VAL-2; an error says which cells disagree), and so is a 記号番号 the rule cannot
convert (with its reason, an error).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import polars as pl

from haken_batch.bankmaster import YUCHO_BANK_CODE, YuchoError, yucho_to_zengin
from haken_batch.load.codes import Codes
from haken_batch.load.findings import ERROR, WARNING, concat_issues, issues_for

_KIGOU_BANGOU = re.compile(r"^([01][0-9]{4})(?:[-‐−ー\s]+([0-9]{1,8})|([0-9]{8}))$")
_RULE = "R-VAL-2"


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


# the English of the account types' labels (the labels and codes: rules/codes/enums.yaml)
_TYPE_NAMES_EN = {"普通": "ordinary", "当座": "current", "貯蓄": "savings"}


def _cell(text: str, width: int) -> str:
    """A cell as written, when it can be a branch code or an account type; longer text is
    not echoed (a column shifted in the export could put an account number there)."""
    return text if len(text) <= width else "（伏せます）"


def _type_named(codes: Codes, code: int, en: bool = False) -> str:
    """普通（1）, or ordinary (1)."""
    name = codes.account_type_name(code)
    return f"{_TYPE_NAMES_EN.get(name, name)} ({code})" if en else f"{name}（{code}）"


def _disagreement(account: Any, codes: Codes, branch: str | None,
                  kind: str | None) -> dict[str, str]:
    """ja, en of a 記号番号 whose 店番 or 預金種目 the row gives otherwise: only the cells
    that disagree are named, an account type by its name and code."""
    t = account.account_type
    gives_ja = [f"店番 {account.branch_code}"] if branch is not None else []
    gives_en = [f"branch {account.branch_code}"] if branch is not None else []
    says_ja = [f"店番 {_cell(branch, 4)}"] if branch is not None else []
    says_en = [f"branch {_cell(branch, 4)}"] if branch is not None else []
    if kind is not None:
        given = codes.account_types.get(kind)
        gives_ja.append(f"預金種目 {_type_named(codes, t)}")
        gives_en.append(f"account type {_type_named(codes, t, en=True)}")
        says_ja.append(f"預金種目 {_type_named(codes, given) if given else _cell(kind, 4)}")
        says_en.append(
            f"account type {_type_named(codes, given, en=True) if given else _cell(kind, 4)}")
    return {
        "ja": f"ゆうちょ銀行の記号番号は全銀の{'・'.join(gives_ja)} になりますが、この行は"
              f"{'・'.join(says_ja)} です。通帳で確かめ、事務局修正でどちらかを直してください",
        "en": f"the Japan Post Bank 記号番号 gives {' and '.join(gives_en)}, but this row says "
              f"{' and '.join(says_en)}: check the passbook and correct one of them"}


def _split(account: str | None) -> tuple[str, str] | None:
    hit = _KIGOU_BANGOU.match(_text(account))
    return None if hit is None else (hit.group(1), hit.group(2) or hit.group(3))


def convert(frame: pl.DataFrame, codes: Codes) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(experts text with 記号番号 converted, findings). ``frame`` is the experts' text
    (String columns, ``idx``); a frame without the bank columns is returned as it is."""
    need = {"bank_code", "branch_code", "account_type", "account_number", "idx"}
    if not need <= set(frame.columns):
        return frame, concat_issues([])
    bank = pl.col("bank_code").str.normalize("NFKC").str.strip_chars()
    plain = pl.col("account_number").str.normalize("NFKC").str.strip_chars()
    rows = (frame.filter((bank == YUCHO_BANK_CODE) & (plain.str.len_chars() > 7))
            .select(*sorted(need)).to_dicts())  # a 記号番号 is longer than any account
    done, issues = [], []
    for r in rows:
        parts = _split(r["account_number"])
        if parts is None:
            continue
        value = pl.DataFrame({"idx": [r["idx"]], "value": [r["account_number"]]})
        try:
            account = yucho_to_zengin(*parts)
        except YuchoError as exc:
            issues.append(issues_for(value, table="experts", column="account_number",
                                     rule_id=_RULE, severity=ERROR, ja=exc.ja, en=exc.en))
            continue
        branch, kind = _text(r["branch_code"]), _text(r["account_type"])
        given_kind = codes.account_types.get(kind) if kind else None
        branch_off = bool(branch) and branch != account.branch_code
        kind_off = bool(kind) and given_kind != account.account_type
        if branch_off or kind_off:
            # the export says otherwise: not ours to overrule, but said as what it is (the
            # 7-digit error alone sent the clerk to the wrong cell; independent-data check)
            issues.append(issues_for(
                value, table="experts", column="account_number", rule_id=_RULE, severity=ERROR,
                **_disagreement(account, codes, branch if branch_off else None,
                                kind if kind_off else None)))
            continue
        done.append({"idx": r["idx"], "_branch": account.branch_code,
                     "_type": str(account.account_type), "_number": account.account_number})
        issues.append(issues_for(
            value, table="experts", column="account_number", rule_id=_RULE, severity=WARNING,
            ja=f"ゆうちょ銀行の記号番号を全銀の店番 {account.branch_code}・預金種目 "
               f"{account.account_type}・口座番号（7桁）に変換しました",
            en=f"Japan Post Bank 記号番号 converted to Zengin branch {account.branch_code}, "
               f"account type {account.account_type} and a 7-digit account number"))
    if not done:
        return frame, concat_issues(issues)
    new = pl.DataFrame(done, schema={"idx": frame.schema["idx"], "_branch": pl.String,
                                     "_type": pl.String, "_number": pl.String})
    out = (frame.join(new, on="idx", how="left")
           .with_columns(pl.coalesce("_branch", "branch_code").alias("branch_code"),
                         pl.coalesce("_type", "account_type").alias("account_type"),
                         pl.coalesce("_number", "account_number").alias("account_number"))
           .select(frame.columns))
    return out, concat_issues(issues)

