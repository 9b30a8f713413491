"""Invariants over generated fiscal years: every level of the KPI frames adds up to the
settlement and the ledger, and the sheet list in docs/kpi.md is complete."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haken_batch.emit import kpi
from haken_batch.kpi import synthetic
from haken_batch.kpi.tables import all_tables
from test_kpi_scenario import kpi_rules

REPO = Path(__file__).resolve().parents[1]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(0, 400),
       cycle=st.sampled_from(["2021-04", "2021-10", "2022-03"]))
def test_every_level_reconciles_with_settlement_and_ledger(tmp_path_factory, seed, n, cycle):
    rules = kpi_rules(tmp_path_factory.getbasetemp())
    year = synthetic.generate(rules, cycle=cycle, dispatches=n, institutions=30, experts=40,
                              seed=seed)
    t = all_tables(synthetic.inputs(rules, year, cycle))
    paid = year.decisions.filter(pl.col("status") == "paid")
    month = (paid.height, int(paid["total"].sum()))
    cum = (month[0] + year.previous.height, month[1] + int(year.previous["total"].sum()))
    for name in ("institution", "expert"):
        total = t[name].tail(1).row(0, named=True)
        assert (total["month_count"], total["month_total"]) == month, name
        assert (total["cum_count"], total["cum_total"]) == cum, name
    # every generated institution is a よろず支援拠点 or a platform member: together, the whole
    both = [t[k].tail(1).row(0, named=True) for k in ("yorozu", "platform")]
    assert sum(b["cum_total"] for b in both) == cum[1]
    assert sum(b["month_count"] for b in both) == month[0]
    for key in ("issue", "industry", "kind", "bureau", "prefecture", "company_class"):
        assert int(t[key]["month"].sum()) == month[0], key
        assert int(t[key]["cumulative"].sum()) == cum[0], key
    assert int(t["qualification"]["cumulative"].sum()) >= cum[0]
    fee_travel = t["expert"].tail(1).row(0, named=True)
    assert fee_travel["cum_fee"] + fee_travel["cum_travel"] == fee_travel["cum_total"]
    assert int(t["companies"]["month_count"].sum()) == month[0]


def test_docs_kpi_md_has_one_line_per_sheet():
    text = (REPO / "docs" / "kpi.md").read_text(encoding="utf-8")
    for name in kpi.SHEET_NAMES:
        assert f"| {name} |" in text, name
