"""Code lists of `rules/codes/*.yaml` in the shapes the loader and the contract need."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from haken_batch.errors import RulesError
from haken_batch.rules import RuleBook


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True)
class Codes:
    lists: dict[str, tuple[str, ...]]  # code list name -> allowed canonical values
    aliases: dict[str, dict[str, str]]  # code list name -> NFKC spelling -> canonical value
    institution_kinds: tuple[int, ...]
    account_types: dict[str, int]  # NFKC label or code -> Zengin code

    def account_type_name(self, code: int) -> str:
        """普通 for 1: the label rules/codes/enums.yaml gives the code ('' if none)."""
        return next((label for label, c in self.account_types.items()
                     if c == code and not label.isdigit()), "")

    def allowed(self, name: str) -> tuple[str, ...]:
        try:
            return self.lists[name]
        except KeyError:
            raise RulesError(f"コード表「{name}」がルールにありません",
                             f"no code list {name!r} in the rules") from None


def _names(items: Any, key: str = "name") -> tuple[str, ...]:
    return tuple(str(i[key]) for i in items)


def codes_from(rules: RuleBook) -> Codes:
    enums = rules.code("enums")
    lists: dict[str, tuple[str, ...]] = {
        k: tuple(str(x) for x in v) for k, v in enums.items() if isinstance(v, list)
    }
    prefectures = _names(rules.code("prefectures")["prefectures"])
    lists["prefectures"] = prefectures
    lists["issue_categories"] = _names(rules.code("issue_categories")["issue_categories"])
    lists["qualifications"] = _names(rules.code("qualifications")["qualifications"])
    jsic = rules.code("jsic")["jsic"]
    lists["jsic"] = _names(jsic, "code")
    aliases: dict[str, dict[str, str]] = {
        name: {nfkc(v): v for v in values} for name, values in lists.items()
    }
    # 東京 -> 東京都, 大阪 -> 大阪府, JIS code 13 -> 東京都 (北海道 has no suffix to drop).
    pref = aliases["prefectures"]
    for item in rules.code("prefectures")["prefectures"]:
        full = str(item["name"])
        if full[-1] in "都府県" and full != "北海道":
            pref[nfkc(full[:-1])] = full
        pref[str(item["code"])] = full
        pref[str(int(item["code"]))] = full
    letters = aliases["jsic"]
    for item in jsic:
        letters[nfkc(str(item["name"]))] = str(item["code"])
        letters[str(item["code"]).lower()] = str(item["code"])
    kinds = tuple(int(k["code"]) for k in rules.code("institution_kinds")["institution_kinds"])
    account: dict[str, int] = {}
    for label, code in (enums.get("account_type") or {}).items():
        account[nfkc(str(label))] = int(code)
        account[nfkc(f"{label}預金")] = int(code)
        account[str(int(code))] = int(code)
    # fee_class: 1号/2号, also written 1 / 2.
    if "fee_class" in aliases:
        for canonical in lists["fee_class"]:
            aliases["fee_class"][canonical.rstrip("号")] = canonical
    return Codes(lists=lists, aliases=aliases, institution_kinds=kinds, account_types=account)
