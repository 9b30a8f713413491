"""A parameter's value as a clerk reads it: 31,680 円/日, はい, IT活用: 5, 10.21%.

`rules show` and `haken explain` printed the YAML's Python values ('True bool',
"{'IT活用': 5} count", '31680 yen/day', '2042 1/10000': blind clerk check). The units are
the ``unit`` of rules/parameters/*.yaml; one without a reading is left out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_UNITS = {  # unit -> (ja, en); "" = the value says it all
    "yen": ("円", "yen"), "yen/day": ("円/日", "yen/day"), "yen/hour": ("円/時", "yen/hour"),
    "yen/km": ("円/km", "yen/km"), "yen/night": ("円/泊", "yen/night"),
    "minutes": ("分", "minutes"), "count": ("件", ""), "count/week": ("件/週", "a week"),
    "dispatches": ("件", "dispatches"), "nights": ("泊", "nights"), "km": ("km", "km"),
    "m": ("m", "m"), "month": ("月", "(month)"), "day of month": ("日", "(day of month)"),
    "decimals": ("桁", "decimals"),
}
_PLAIN = {"code", "date", "formula", "list", "list of MM-DD", "bool"}


def shown(value: Any, unit: str | None, lang: str = "ja") -> str:
    """``value`` with its unit, in ``lang`` (ja, en)."""
    ja = lang != "en"
    if unit == "1/10000" and isinstance(value, int) and not isinstance(value, bool):
        return f"{Decimal(value) / 100}%"
    if isinstance(value, bool):
        return ("はい" if value else "いいえ") if ja else ("yes" if value else "no")
    if isinstance(value, dict):
        return ("、" if ja else ", ").join(f"{k}: {shown(v, None, lang)}"
                                          for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ("、" if ja else ", ").join(shown(v, None, lang) for v in value)
    if isinstance(value, int) and unit not in ("code", "date", "month", "day of month"):
        text = f"{value:,}"
    else:
        text = str(value)
    if not unit or unit in _PLAIN or unit not in _UNITS:
        return text
    word = _UNITS[unit][0 if ja else 1]
    if not word:
        return text
    return f"{text}{word}" if ja else f"{text} {word}"
