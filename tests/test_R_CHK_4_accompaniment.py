"""R-CHK-4: accompaniment and its reason. A flag, never a hold: not recorded, "no" without a
reason, a reason that is no ground for it (the Reading's lists in check.yaml, from a blind
check of the flags, session 12), and a time that contradicts 有/無."""

from __future__ import annotations

from typing import Any

import polars as pl

from scenarios.builder import engine_rules, run_cycles, with_overrides

__all__ = ["engine_rules"]  # the fixture

CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    # dispatch: (report cells, the R-CHK-4 message expected, None = no flag)
    "D01": ({"accompanied": False}, "機関の同行なし、理由の記載なし"),
    "D02": ({"accompanied": False, "no_accompany_reason": "-"}, "機関の同行なし、理由の記載なし"),
    "D03": ({"accompanied": False, "no_accompany_reason": " 特になし。"},
            "機関の同行なし、理由が同行しない理由になっていないおそれ（理由: 特になし。）"),
    "D04": ({"accompanied": False, "no_accompany_reason": "ｎ／ａ"},
            "機関の同行なし、理由が同行しない理由になっていないおそれ（理由: ｎ／ａ）"),
    "D05": ({"accompanied": False, "no_accompany_reason": "面倒だったため"},
            "機関の同行なし、理由が同行しない理由になっていないおそれ（理由: 面倒だったため）"),
    "D06": ({"accompanied": True, "accompany_minutes": 0}, "機関の同行ありだが、同行時間が0分"),
    "D07": ({"accompanied": False, "no_accompany_reason": "日程が合わず", "accompany_minutes": 120},
            "機関の同行なしだが、同行時間120分の記録がある"),
    "D08": ({"accompanied": None}, "機関の同行の有無が記録されていない"),
    # 同行時間(分) is optional in the contract: a blank one is no flag (an export without
    # the column would flag every 有)
    "D12": ({"accompanied": True, "accompany_minutes": None}, None),
    # a plausible reason that merely contains a listed phrase of the whole-match list
    "D09": ({"accompanied": False, "no_accompany_reason": "同行できる職員なし（人員不足）"}, None),
    "D10": ({"accompanied": True, "accompany_minutes": 60}, None),
    "D11": ({"accompanied": False, "no_accompany_reason": "担当者が別件で不在"}, None),
}


def _spec() -> dict[str, Any]:
    ids = sorted(CASES)
    return {
        "experts": [{"expert_id": f"E{d}"} for d in ids],
        "dispatches": [{"dispatch_id": d, "expert_id": f"E{d}", **CASES[d][0]} for d in ids],
    }


def _flags(settlement: Any) -> dict[str, str]:
    f = settlement.findings.filter(pl.col("rule_id") == "R-CHK-4")
    assert set(f.get_column("severity")) <= {"flag"}
    return dict(zip(f.get_column("dispatch_id"), f.get_column("message"), strict=True))


def test_R_CHK_4_each_case_flags_with_its_reason_and_pays(engine_rules: Any) -> None:
    [s] = run_cycles(_spec(), engine_rules)
    flags = _flags(s)
    assert flags == {d: msg for d, (_, msg) in CASES.items() if msg is not None}
    status = dict(zip(s.dispatches["dispatch_id"], s.dispatches["status"], strict=True))
    assert set(status.values()) == {"paid"}  # a flag never holds


def test_R_CHK_4_the_lists_are_parameters(engine_rules: Any) -> None:
    """A clerk extends the lists in check.yaml; emptied, only the missing reason is left."""
    rules = with_overrides(engine_rules, {"check.accompaniment_empty_reasons": ["日程が合わず"],
                                          "check.accompaniment_implausible_words": ["別件"]})
    [s] = run_cycles(_spec(), rules)
    flags = _flags(s)
    # the reason is named before the contradicting time (one finding per dispatch)
    assert flags["D07"].endswith("おそれ（理由: 日程が合わず）")
    assert flags["D11"].endswith("（理由: 担当者が別件で不在）")
    assert "D03" not in flags and "D05" not in flags
    assert flags["D02"] == "機関の同行なし、理由の記載なし"
