"""R-CHK-7: overlapping approved times of one expert hold every dispatch involved.

Up to check.overlap_list_max overlapping dispatches of an expert-day, each message lists
the others; above it the ids are not joined pairwise (that grows with the square of the
group) and the message gives the count instead.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from scenarios.builder import engine_rules, run_cycles, with_overrides

__all__ = ["engine_rules"]  # the fixture

LIST_MAX = "check.overlap_list_max"


def _same_time(n: int, prefix: str = "D") -> dict[str, Any]:
    """``n`` dispatches of expert E1 on the same day, 10:00-12:00, plus one at 13:00."""
    rows = [
        {"dispatch_id": f"{prefix}{i:04d}", "start_time": "10:00", "end_time": "12:00"}
        for i in range(1, n + 1)
    ]
    rows.append({"dispatch_id": "Z0001", "start_time": "13:00", "end_time": "14:00"})
    return {"dispatches": rows}


def _chk7(s: Any) -> dict[str, tuple[str, str]]:
    rows = s.extra["checks"].filter(pl.col("rule_id") == "R-CHK-7")
    return {r["dispatch_id"]: (r["outcome"], r["message"]) for r in rows.iter_rows(named=True)}


def _settle(spec: dict[str, Any], rules: Any) -> Any:
    (s,) = run_cycles(spec, rules)
    return s


def test_R_CHK_7_group_under_the_limit_lists_the_other_ids(engine_rules: Any) -> None:
    s = _settle(_same_time(2), with_overrides(engine_rules, {LIST_MAX: 3}))
    got = _chk7(s)
    assert got["D0001"] == ("hold", "同じ専門家の派遣 D0002 と承認時間が重なる")
    assert got["D0002"] == ("hold", "同じ専門家の派遣 D0001 と承認時間が重なる")
    assert got["Z0001"][0] == "pass"


def test_R_CHK_7_an_end_before_its_start_overlaps_nothing(engine_rules: Any) -> None:
    """11:00-10:30 is an empty slot (an R-VAL-1 finding of its own report): it must not
    hold the expert's valid 10:00-12:00 dispatch of that day (R-VAL-1 holds only the
    dispatches a failing row touches)."""
    spec = {"dispatches": [
        {"dispatch_id": "D0001", "start_time": "10:00", "end_time": "12:00"},
        {"dispatch_id": "D0002", "start_time": "11:00", "end_time": "10:30"},
    ]}
    got = _chk7(_settle(spec, engine_rules))
    assert {k: v[0] for k, v in got.items()} == {"D0001": "pass", "D0002": "pass"}


def test_R_CHK_7_group_at_the_limit_lists_the_other_ids(engine_rules: Any) -> None:
    s = _settle(_same_time(3), with_overrides(engine_rules, {LIST_MAX: 3}))
    got = _chk7(s)
    assert got["D0002"] == ("hold", "同じ専門家の派遣 D0001;D0003 と承認時間が重なる")
    assert {k: v[0] for k, v in got.items()} == {
        "D0001": "hold",
        "D0002": "hold",
        "D0003": "hold",
        "Z0001": "pass",
    }


def test_R_CHK_7_group_above_the_limit_holds_all_with_the_count(engine_rules: Any) -> None:
    s = _settle(_same_time(4), with_overrides(engine_rules, {LIST_MAX: 3}))
    got = _chk7(s)
    message = "同じ専門家の同日の派遣 4 件で承認時間が重なる（一覧は省略）"
    assert {k: v for k, v in got.items() if k != "Z0001"} == {
        f"D{i:04d}": ("hold", message) for i in range(1, 5)
    }
    assert got["Z0001"][0] == "pass"
    status = dict(s.dispatches.select("dispatch_id", "status").iter_rows())
    assert status == {"D0001": "held", "D0002": "held", "D0003": "held", "D0004": "held"} | {
        "Z0001": "paid"
    }
    found = s.findings.filter(pl.col("rule_id") == "R-CHK-7")
    assert found.height == 4 and set(found.get_column("message")) == {message}


def test_R_CHK_7_only_the_overlapping_ones_count(engine_rules: Any) -> None:
    # a chain 10-12, 11-13, 12-14 plus two apart: three overlap (B with A and C), two do not
    spec = {
        "dispatches": [
            {"dispatch_id": "A", "start_time": "10:00", "end_time": "12:00"},
            {"dispatch_id": "B", "start_time": "11:00", "end_time": "13:00"},
            {"dispatch_id": "C", "start_time": "12:00", "end_time": "14:00"},
            {"dispatch_id": "X", "start_time": "15:00", "end_time": "16:00"},
            {"dispatch_id": "Y", "start_time": "16:00", "end_time": "17:00"},
        ]
    }
    listed = _chk7(_settle(spec, with_overrides(engine_rules, {LIST_MAX: 3})))
    assert listed["A"] == ("hold", "同じ専門家の派遣 B と承認時間が重なる")
    assert listed["B"] == ("hold", "同じ専門家の派遣 A;C と承認時間が重なる")
    assert listed["X"][0] == listed["Y"][0] == "pass"
    counted = _chk7(_settle(spec, with_overrides(engine_rules, {LIST_MAX: 2})))
    message = "同じ専門家の同日の派遣 3 件で承認時間が重なる（一覧は省略）"
    assert counted["A"] == counted["B"] == counted["C"] == ("hold", message)
    assert counted["X"][0] == counted["Y"][0] == "pass"


def test_R_CHK_7_three_thousand_at_once_settle_without_the_pairwise_join(
    engine_rules: Any,
) -> None:
    # one expert, one day, 3,000 reports at the same time: 9M pairs if joined pairwise
    n = 3000
    s = _settle(_same_time(n), engine_rules)
    got = _chk7(s)
    assert len(got) == n + 1
    message = f"同じ専門家の同日の派遣 {n} 件で承認時間が重なる（一覧は省略）"
    held = [k for k, v in got.items() if v == ("hold", message)]
    assert len(held) == n
    assert s.dispatches.height == n + 1
    assert s.dispatches.filter(pl.col("status") == "held").height == n
    assert s.findings.filter(pl.col("rule_id") == "R-CHK-7").height == n
