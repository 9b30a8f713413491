"""R-VAL-2: the validator's findings already carry the bank check, so the engine does not
run ``bankcheck.unpayable_experts`` a second time. Pinned on the bundled samples, which
plant three experts with unusable bank data (unknown bank, bad account number, holder name
not writable in Zengin kana)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from haken_batch.bankcheck import unpayable_experts
from haken_batch.load import load_dataset
from haken_batch.rules import load_rules
from haken_batch.settle.engine import empty_ledger, settle

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "fy2021"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples/fy2021 not present")


def test_R_VAL_2_validator_findings_hold_exactly_what_the_bank_check_would() -> None:
    rules = load_rules(None)
    data = load_dataset(SAMPLES, rules)
    bank = unpayable_experts(data.tables["experts"], rules).select("expert_id", "message_ja")
    assert bank.height > 0, "the samples should plant unusable bank data"
    kw = {
        "cycle": "2021-11",
        "cutoff": dt.date(2021, 11, 30),
        "transfer_date": dt.date(2021, 12, 20),
        "previous": empty_ledger(),
    }
    default = settle(data, rules, **kw)  # type: ignore[arg-type]
    twice = settle(data, rules, unpayable=bank, **kw)  # type: ignore[arg-type]
    assert default.dispatches.equals(twice.dispatches)
    assert default.payments.equals(twice.payments)
    assert default.findings.equals(twice.findings)
    held = default.dispatches.filter(pl.col("expert_id").is_in(bank["expert_id"].implode()))
    assert held.height > 0
    assert set(held["status"]) == {"held"}
    assert all("R-VAL-2" in r for r in held["rules"])
