"""The parameters the code reads, the unit each is written in, and the check at load.

``load_rules`` (the one place every command goes through, `rules show` included) refuses:
a name the code does not read (a typo whose value would silently not apply), a missing
parameter or file (it failed mid-`settle`, or never in `rules show`), a unit other than
the one the code computes in, and a value of the wrong type or range for its unit
(``units.UNITS``). A withholding rate of 10210 bp (102.1 %) settled with exit 0 and left
304 payees with a negative net out of the Zengin file while the ledger said paid; "5280"
ended in a polars traceback (blind red team, round 3).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from haken_batch.errors import RulesError
from haken_batch.rules.units import UNITS, Kind, described, expected, fits

if TYPE_CHECKING:
    from haken_batch.rules.book import Parameter

PARAMETERS: dict[str, str] = {  # name -> unit it is written in
    "audit.field_visits_per_week": "count/week",
    "audit.sample_experts": "count",
    "audit.sample_flag_weight": "count",
    "audit.sample_institutions": "count",
    "check.accompaniment_empty_reasons": "list",
    "check.accompaniment_implausible_words": "list",
    "check.distance_decimals": "decimals",
    "check.distance_tolerance_m": "m",
    "check.earth_radius_m": "m",
    "check.overlap_list_max": "dispatches",
    "check.time_tolerance_minutes": "minutes",
    "fee.daily_cap": "yen/day",
    "fee.formula": "formula",
    "fee.hourly_rate": "yen/hour",
    "fee.unit_minutes": "minutes",
    "fee.web_meeting_requires_approval": "bool",
    "limit.honour_exception_flag": "bool",
    "limit.per_company_by_issue_category": "count",
    "limit.per_company_per_year": "count",
    "payment.bank_closed_days": "list of MM-DD",
    "payment.cutoff_day": "day of month",
    "payment.transfer_day_of_next_month": "day of month",
    "program.dispatch_period_end": "date",
    "program.dispatch_period_start": "date",
    "program.fiscal_year_start_month": "month",
    "program.payment_deadline": "date",
    "tax.annual_report_min_yen": "yen",
    "tax.default_fee_class": "code",
    "tax.due_day": "day of month",
    "tax.office_closed_days": "list of MM-DD",
    "tax.rate_high_bp": "1/10000",
    "tax.rate_low_bp": "1/10000",
    "tax.threshold": "yen",
    "tax.travel_in_base": "bool",
    "tax.withhold_corporations": "bool",
    "travel.air_requires_boarding_pass": "bool",
    "travel.air_requires_receipt": "bool",
    "travel.boat_high_speed_requires_receipt": "bool",
    "travel.express_min_one_way_km": "km",
    "travel.lodging_cap_per_night": "yen/night",
    "travel.lodging_excluded_types": "list",
    "travel.lodging_flag_min_nights": "nights",
    "travel.lodging_requires_receipt": "bool",
    "travel.per_diem": "yen/day",
    "travel.per_diem_min_face_minutes": "minutes",
    "travel.per_diem_min_trip_km": "km",
    "travel.private_car_yen_per_km": "yen/km",
    "travel.taxi_requires_reason": "bool",
    "travel.taxi_requires_receipt": "bool",
}

# Known but read by nothing yet (R-TAX-5, docs/readings.md): may be absent.
OPTIONAL = frozenset({"tax.annual_report_min_yen"})


@dataclass(frozen=True)
class Own:
    """A parameter's own kind where its unit's is not enough, and why (said in the message)."""

    kind: Kind
    why_ja: str
    why_en: str


_RATE = Own(Kind("int", 0, 9_999),
            "源泉徴収税率は100%未満: 徴収額が支払額を超えないため",
            "a withholding rate is below 100 %: the tax never exceeds the payment")

OWN: dict[str, Own] = {
    "tax.rate_low_bp": _RATE,
    "tax.rate_high_bp": _RATE,
    "tax.due_day": Own(Kind("int", 1, 28), "どの月にもある日。法定は10日",
                       "a day every month has (the law's is the 10th)"),
    "payment.cutoff_day": Own(Kind("int", 0, 31), "0 はサイクル月の末日",
                              "0 is the cycle month's last day"),
    "fee.unit_minutes": Own(Kind("int", 1, 24 * 60), "支援時間をこの単位で割るため 0 は不可",
                            "support time is divided by it, so never 0"),
    "check.earth_radius_m": Own(Kind("number", 1), "0 ではどの位置も同じ場所になるため",
                                "with 0 every place would be the same place"),
    "audit.sample_flag_weight": Own(Kind("int", 1, 99), "重み w は w 回の抽選の最小値",
                                    "a weight w is the least of w draws"),
    "tax.default_fee_class": Own(Kind("choice", choices=("1号", "2号")),
                                 "源泉徴収の集計の区分", "the classes of the withholding summary"),
    "limit.per_company_by_issue_category": Own(Kind("int_map", 0, 99_999), "経営課題ごとの回数上限",
                                               "a limit per management issue"),
}


def check(parameters: dict[str, Parameter], root: Path) -> None:
    """Raise a RulesError for the first name, unit or value the code cannot use."""
    for name in sorted(parameters):
        if name not in PARAMETERS:
            _unknown(parameters[name])
    for name in sorted(parameters):
        _check_parameter(parameters[name])
    missing = sorted(set(PARAMETERS) - set(parameters) - OPTIONAL)
    if missing:
        _missing(missing, root)


def _check_parameter(p: Parameter) -> None:
    unit = PARAMETERS[p.name]
    if p.unit != unit:
        found = f"「{p.unit}」" if p.unit else "なし"
        raise RulesError(
            f"パラメータ「{p.name}」の単位（unit）は「{unit}」です（このファイルでは{found}）。"
            "単位を変えると値の意味が変わるため、プログラムの単位で書いてください",
            f"parameter {p.name!r}: unit must be {unit!r} (found {p.unit!r}); the code "
            "computes in that unit", where=p.source)
    own = OWN.get(p.name)
    kind = own.kind if own else UNITS[unit]
    for start, value in p.values:
        if value is None or fits(value, kind):  # null ends the value (book.py)
            continue
        why_ja = f"（{own.why_ja}）" if own else ""
        why_en = f" ({own.why_en})" if own else ""
        ref = f"{p.reference}、" if p.reference else ""
        ref_en = f"{p.reference}, " if p.reference else ""
        day = start.isoformat()
        raise RulesError(
            f"パラメータ「{p.name}」（{ref}単位 {unit}）の {day} からの値 "
            f"{described(value)}は使えません。{expected(kind)}で書いてください{why_ja}",
            f"parameter {p.name!r} ({ref_en}unit {unit}), value from {day}: "
            f"{described(value, 'en')} is not allowed; expected {expected(kind, 'en')}{why_en}",
            where=_value_where(p.source, day))


def _unknown(p: Parameter) -> None:
    group, key = p.name.split(".", 1)
    known = sorted(n.split(".", 1)[1] for n in PARAMETERS if n.startswith(f"{group}."))
    near = difflib.get_close_matches(key, known, n=1)
    hint_ja = f"「{group}.{near[0]}」の書き間違いではありませんか。" if near else ""
    hint_en = f" (did you mean {group}.{near[0]}?)" if near else ""
    listed = ", ".join(known) if known else "なし"
    raise RulesError(
        f"パラメータ「{p.name}」はプログラムが読まない名前です（値が使われないまま精算されるため"
        f"止めます）。{hint_ja}{group}.yaml に書ける名前: {listed}",
        f"parameter {p.name!r} is not one the code reads (its value would silently not apply)"
        f"{hint_en}; {group}.yaml takes: {', '.join(known) or 'nothing'}",
        where=p.source)


def _missing(names: list[str], root: Path) -> None:
    group = names[0].split(".", 1)[0]
    path = root / "parameters" / f"{group}.yaml"
    of_group = [n for n in names if n.startswith(f"{group}.")]
    listed = ", ".join(of_group)
    if not path.exists():
        raise RulesError(
            f"ルールファイル parameters/{group}.yaml がありません（必要なパラメータ: {listed}）",
            f"rules file parameters/{group}.yaml is missing (it holds: {listed})",
            where=str(path))
    raise RulesError(f"parameters/{group}.yaml に必要なパラメータがありません: {listed}",
                     f"parameters/{group}.yaml lacks required parameters: {listed}",
                     where=str(path))


def _value_where(source: str, day: str) -> str:
    """``file:line`` of the ``day:`` key under the parameter at ``source`` (``file:line``)."""
    found = re.match(r"^(.*):(\d+)$", source)
    if not found:
        return source
    path, first = Path(found.group(1)), int(found.group(2))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return source
    for n in range(first, len(lines)):
        text = lines[n].strip()
        if text.startswith((f"{day}:", f"'{day}':", f'"{day}":')):
            return f"{path}:{n + 1}"
        if lines[n] and not lines[n][0].isspace() and not text.startswith("#"):
            break  # the next parameter
    return source
