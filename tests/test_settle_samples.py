"""The bundled samples settled by the engine vs samples/expected-fy2021.yaml (hand-computed).

2021-10 is settled first, then 2021-11 in the same OUT, as the expectations assume. Every
disagreement is listed (not just the first), so both sides can be judged against rules.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from haken_batch import cycle
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
EXPECTED = SAMPLES / "expected-fy2021.yaml"
MONEY = ("fee", "transport", "per_diem", "lodging", "total")

pytestmark = pytest.mark.skipif(
    not EXPECTED.is_file() or not (SAMPLES / "fy2021").is_dir(),
    reason="samples/fy2021 and expected-fy2021.yaml not present",
)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("out")
    runs = {}
    for c in ("2021-10", "2021-11"):
        runs[c] = cycle.settle_cycle(
            Options(
                cycle=c,
                data_dir=SAMPLES / "fy2021",
                out_dir=out,
                payer_file=SAMPLES / "payer.demo.yaml",
                documents=False,
            )
        ).settlement
    return runs


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


def _disagreements(settled: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    problems = []
    for case in expected["cases"]:
        did, c = case["dispatch_id"], str(case.get("cycle"))
        if case.get("status") not in ("paid", "held", "excluded"):
            if c in settled:  # e.g. cancelled: never considered
                ids = settled[c].dispatches.get_column("dispatch_id")
                if did in ids.to_list():
                    problems.append(f"{did}: expected not considered, got a row")
            continue
        s = settled[c]
        rows = s.dispatches.filter(pl.col("dispatch_id") == did).to_dicts()
        if not rows:
            problems.append(f"{did} ({c}): not considered; expected {case['status']}")
            continue
        row = rows[0]
        got = {k: row[k] for k in ("status", *MONEY)}
        want = {k: case[k] for k in ("status", *MONEY)}
        if got != want:
            problems.append(
                f"{did} ({c}, {case['rule']}): expected {want}, got {got} rules={row['rules']!r}"
            )
        rules = set(filter(None, (row["rules"] or "").split(";")))
        if case.get("rules_any") and not rules & set(case["rules_any"]):
            problems.append(f"{did}: rules {sorted(rules)} has none of {case['rules_any']}")
        flags = set(
            s.findings.filter(
                (pl.col("dispatch_id") == did) & (pl.col("severity") == "flag")
            ).get_column("rule_id")
        )
        missing = set(case.get("flags") or []) - flags
        if missing:
            problems.append(f"{did}: flags {sorted(missing)} missing (have {sorted(flags)})")
    for t in expected.get("tax", []):
        p = (
            settled[str(t["cycle"])]
            .payments.filter(pl.col("expert_id") == t["expert_id"])
            .to_dicts()
        )
        want = {k: t[k] for k in ("gross", "withholding", "net")}
        got = {k: p[0][k] for k in want} if p else None
        if got != want:
            problems.append(f"payment {t['expert_id']} ({t['cycle']}): expected {want}, got {got}")
    return problems


def test_samples_settle_as_hand_computed(settled: dict[str, Any], expected: dict[str, Any]) -> None:
    problems = _disagreements(settled, expected)
    assert not problems, "\n".join(problems)


def test_background_triggers_no_hold(settled: dict[str, Any]) -> None:
    """samples/README.md: the generated background is clean (no hold, no exclusion)."""
    d = settled["2021-10"].dispatches
    bad = d.filter(~pl.col("dispatch_id").str.starts_with("D21-P") & (pl.col("status") != "paid"))
    assert bad.height == 0, bad.select("dispatch_id", "status", "rules").to_dicts()[:10]
