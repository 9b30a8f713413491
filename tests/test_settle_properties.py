"""Property tests of the settlement (issue 6 item 9, issue 7 item 5) over generated data.

Totals reconcile at every level; net = gross - withholding; permuting input rows changes no
output byte; no dispatch is paid twice over a sequence of cycles; splitting the approvals
over two cycles pays the same gross as settling them in one (cap and per diem across cycles).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haken_batch.emit.csvs import FILES, csv_bytes
from haken_batch.settle.engine import empty_ledger, settle
from scenarios.builder import Data, build, engine_rules, run_cycles

__all__ = ["engine_rules"]
SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

MODES = st.sampled_from(
    [
        {"mode": "鉄道", "fare": 1980, "express_fee": 1290, "one_way_km": 120.0},
        {"mode": "鉄道", "fare": 860, "express_fee": 650, "one_way_km": 60.0},
        {"mode": "バス", "fare": 620},
        {"mode": "タクシー", "amount": 2300, "reason": "公共交通なし"},
        {"mode": "私有車", "distance_km": 33.7},
        {"mode": "宿泊", "amount": 11800, "nights": 1, "lodging_type": "ホテル・旅館"},
        {"mode": "宿泊", "amount": 4000, "nights": 2, "lodging_type": "民泊"},
        {"mode": "航空", "fare": 31000, "round_trip_fare": 26000},
    ]
)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 9))
    experts = [
        {"expert_id": f"E{i}", "payee_type": draw(st.sampled_from(["個人", "個人", "法人"]))}
        for i in range(1, 4)
    ]
    dispatches, claims = [], []
    for i in range(n):
        start = draw(st.integers(16, 34))  # half hours: 08:00 .. 17:00
        length = draw(st.integers(1, 8))
        minutes = draw(st.integers(0, length * 30))
        did = f"D{i:02d}"
        dispatches.append(
            {
                "dispatch_id": did,
                "expert_id": draw(st.sampled_from(["E1", "E2", "E3"])),
                "company_id": draw(st.sampled_from(["C1", "C2", "C3", "C4"])),
                "issue_category": draw(st.sampled_from(["経営改善", "IT活用"])),
                "support_date": draw(st.sampled_from(["2021-10-05", "2021-10-06"])),
                "start_time": f"{start // 2:02d}:{start % 2 * 30:02d}",
                "end_time": f"{(start + length) // 2:02d}:{(start + length) % 2 * 30:02d}",
                "face_to_face_minutes": minutes,
                "trip_km": draw(st.sampled_from([12.0, 99.9, 100.0, 180.0])),
                "company_confirmed": draw(st.booleans()) or draw(st.booleans()),
                "approved_at": draw(st.sampled_from(["2021-10-20 10:00", "2021-11-10 10:00"])),
            }
        )
        for line in range(1, draw(st.integers(0, 2)) + 1):
            claims.append({"dispatch_id": did, "line_no": line, **draw(MODES)})
    return {
        "experts": experts,
        "dispatches": dispatches,
        "travel_claims": claims,
        "cycles": [{"cycle": "2021-10"}, {"cycle": "2021-11"}],
    }


def _sums(frame: pl.DataFrame, by: str, cols: list[str]) -> dict[str, tuple[int, ...]]:
    agg = frame.group_by(by).agg(pl.col(c).sum() for c in cols).sort(by)
    return {r[0]: tuple(r[1:]) for r in agg.iter_rows()}


@SETTINGS
@given(spec=scenarios())
def test_totals_reconcile_and_net_is_gross_minus_withholding(
    spec: dict[str, Any], engine_rules: Any
) -> None:
    for s in run_cycles(spec, engine_rules):
        d = s.dispatches
        # lines -> dispatch totals
        line_sum = _sums(s.lines, "dispatch_id", ["paid"])
        for row in d.iter_rows(named=True):
            assert line_sum.get(row["dispatch_id"], (0,))[0] == row["total"]
            assert row["total"] == row["fee"] + row["transport"] + row["per_diem"] + row["lodging"]
            if row["status"] != "paid":
                assert row["total"] == 0
        # dispatch totals -> payments
        money = ["fee", "transport", "per_diem", "lodging", "total"]
        by_expert = _sums(d.filter(pl.col("status") == "paid"), "expert_id", money)
        pays = {r["expert_id"]: r for r in s.payments.iter_rows(named=True)}
        assert set(pays) == set(by_expert)
        for expert, sums in by_expert.items():
            p = pays[expert]
            assert (p["fee"], p["transport"], p["per_diem"], p["lodging"], p["gross"]) == sums
            assert p["net"] == p["gross"] - p["withholding"]
            assert 0 <= p["withholding"] <= p["gross"]
        # the ledger is exactly the paid dispatches
        assert s.ledger.get_column("dispatch_id").to_list() == (
            d.filter(pl.col("status") == "paid").get_column("dispatch_id").to_list()
        )


def _outputs(data: Data, rules: Any) -> dict[str, bytes]:
    s = settle(
        data,
        rules,
        cycle="2021-11",
        cutoff=dt.date(2021, 11, 30),
        transfer_date=dt.date(2021, 12, 20),
        previous=empty_ledger(),
        touched=_no_touched(),
        unpayable=_no_bank(),
    )
    return {
        name: csv_bytes(getattr(s, attr), name.removesuffix(".csv"), key)
        for name, (attr, key) in FILES.items()
    }


def _no_touched() -> pl.DataFrame:
    return pl.DataFrame(
        schema={c: pl.String() for c in ("dispatch_id", "rule_id", "message_ja", "message_en")}
    )


def _no_bank() -> pl.DataFrame:
    return pl.DataFrame(schema={"expert_id": pl.String(), "message_ja": pl.String()})


@SETTINGS
@given(spec=scenarios(), seed=st.integers(0, 2**16))
def test_shuffling_input_rows_changes_no_output_byte(
    spec: dict[str, Any], seed: int, engine_rules: Any
) -> None:
    data = build(spec)
    shuffled = Data(
        tables={k: v.sample(fraction=1.0, shuffle=True, seed=seed) for k, v in data.tables.items()}
    )
    assert _outputs(data, engine_rules) == _outputs(shuffled, engine_rules)


@SETTINGS
@given(spec=scenarios())
def test_no_dispatch_is_paid_twice_over_cycles(spec: dict[str, Any], engine_rules: Any) -> None:
    spec = {**spec, "cycles": [{"cycle": c} for c in ("2021-10", "2021-11", "2021-12", "2022-01")]}
    ledgers = pl.concat([s.ledger for s in run_cycles(spec, engine_rules)])
    ids = ledgers.get_column("dispatch_id")
    assert ids.n_unique() == ids.len()


@SETTINGS
@given(spec=scenarios())
def test_splitting_approvals_over_two_cycles_pays_the_same_gross(
    spec: dict[str, Any], engine_rules: Any
) -> None:
    split = run_cycles(spec, engine_rules)  # October, then November
    one = run_cycles({**spec, "cycles": [{"cycle": "2021-11"}]}, engine_rules)

    def paid(results: list[Any]) -> dict[str, int]:
        led = pl.concat([s.ledger for s in results])
        return {
            r[0]: r[1] for r in led.group_by("expert_id").agg(pl.col("total").sum()).iter_rows()
        }

    assert paid(split) == paid(one)
    ids = lambda rs: sorted(pl.concat([s.ledger for s in rs]).get_column("dispatch_id").to_list())  # noqa: E731
    assert ids(split) == ids(one)
