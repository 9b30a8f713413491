"""YAML scenarios (tests/scenarios/R-*.yaml): "these rows -> these statuses and yen".

Each scenario lists input rows (defaults fill the rest, see scenarios/builder.py) and, per
cycle, the expected dispatches (status, yen, rules), payments, lines and findings. Only
what a scenario names is compared; ``findings`` must be present (a fourth element
is the message), ``absent`` must not.
"""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.builder import engine_rules, load_scenarios, run_cycles, with_overrides

SCENARIOS = load_scenarios()
__all__ = ["engine_rules"]  # the fixture


def _by_key(frame: Any, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in frame.iter_rows(named=True)}


def _check_rows(actual: dict[Any, dict[str, Any]], expected: dict[Any, dict[str, Any]], what: str):
    for key, cols in (expected or {}).items():
        assert key in actual, f"{what}: no row {key!r}; have {sorted(map(str, actual))}"
        for col, value in cols.items():
            got = actual[key][col]
            assert got == value, f"{what} {key!r}.{col}: expected {value!r}, got {got!r}"


def check_cycle(s: Any, exp: dict[str, Any]) -> None:
    disp = _by_key(s.dispatches, "dispatch_id")
    _check_rows(disp, exp.get("dispatches"), f"{s.cycle} dispatches")
    if "considered" in exp:
        assert sorted(disp) == sorted(exp["considered"]), f"{s.cycle}: considered {sorted(disp)}"
    pays = _by_key(s.payments, "expert_id")
    _check_rows(pays, exp.get("payments"), f"{s.cycle} payments")
    if "payees" in exp:
        assert sorted(pays) == sorted(exp["payees"]), f"{s.cycle}: payees {sorted(pays)}"
    lines = {(r["dispatch_id"], r["line_no"]): r for r in s.lines.iter_rows(named=True)}
    for did, by_no in (exp.get("lines") or {}).items():
        _check_rows(
            {k[1]: v for k, v in lines.items() if k[0] == did}, by_no, f"{s.cycle} lines of {did}"
        )
    found = {
        (r["dispatch_id"], r["rule_id"], r["severity"]) for r in s.findings.iter_rows(named=True)
    }
    messages = {(r["dispatch_id"], r["rule_id"], r["severity"], r["message"])
                for r in s.findings.iter_rows(named=True)}
    for did, rule, severity, *message in exp.get("findings") or []:
        assert (did, rule, severity) in found, (
            f"{s.cycle}: finding {did} {rule} {severity} missing; {sorted(found)}"
        )
        if message:  # a fourth element: the Japanese message of that finding
            said = sorted(m[3] for m in messages if m[:3] == (did, rule, severity))
            assert message[0] in said, f"{s.cycle}: {did} {rule}: {message[0]!r} not in {said}"
    for did, rule in exp.get("absent") or []:
        hits = [f for f in found if f[0] == did and f[1] == rule]
        assert not hits, f"{s.cycle}: unexpected finding {hits}"


@pytest.mark.parametrize("spec", [s for _, s in SCENARIOS], ids=[n for n, _ in SCENARIOS])
def test_scenario(spec: dict[str, Any], engine_rules: Any) -> None:
    rules = with_overrides(engine_rules, spec.get("parameters") or {})
    results = run_cycles(spec, rules)
    cycles = spec.get("cycles") or [{"cycle": "2021-10", "expect": spec.get("expect", {})}]
    assert len(results) == len(cycles)
    for s, c in zip(results, cycles, strict=True):
        assert c.get("expect"), "a scenario without expectations asserts nothing"
        check_cycle(s, c["expect"])


def test_every_scenario_file_is_named_after_a_rule() -> None:
    assert SCENARIOS, "no scenarios found"
    for name, _spec in SCENARIOS:
        assert name.startswith("R-"), name
