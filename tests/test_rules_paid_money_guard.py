"""Defence in depth (R-PAY-2): a negative amount or net is never written as paid.

The loader refuses absurd rule values (test_rules_values.py); here a rule book that slipped
past it (built in memory) must still stop the run with exit 2, leave the settled cycle
folder as it was, and never let the Zengin emitter drop a negative net while the ledger
says paid (blind red team, round 3: 304 payees unpaid for good, exit 0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import haken_batch.rules as rules_pkg
from haken_batch.cli.app import app
from haken_batch.emit import zengin
from haken_batch.errors import RulesError
from haken_batch.rules import RuleBook, load_rules
from haken_batch.settle.guard import require_paid_dispatches, require_payments

REPO = Path(__file__).resolve().parents[1]
PAYER = str(REPO / "samples" / "payer.demo.yaml")


def _past_the_loader(name: str, value: Any) -> RuleBook:
    """The bundled rules with ``name`` set to ``value`` from 2021-04-01, unchecked."""
    book = load_rules(REPO / "rules")
    params = dict(book.parameters)
    params[name] = dataclasses.replace(params[name], values=((dt.date(2021, 4, 1), value),))
    return dataclasses.replace(book, parameters=params)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from haken_batch.samplegen import generate, write_tables

    folder = tmp_path_factory.mktemp("data")
    write_tables(generate(60, 3), folder)
    return folder


def _settle(data_dir: Path, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data_dir), "--out",
                                    str(out), "--payer", PAYER, "--no-documents", *extra])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("name", "value", "said"), [
    ("tax.rate_low_bp", 10210, "源泉徴収額"),  # 102.1 %: withholding above the gross
    ("fee.hourly_rate", -5280, "謝金"),  # a negative fee on a paid dispatch
], ids=["R-TAX-1_rate_above_100_percent", "R-FEE-1_negative_rate"])
def test_R_PAY_2_a_negative_payment_stops_settle_and_keeps_the_settled_cycle(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        name: str, value: int, said: str) -> None:
    out = tmp_path / "out"
    good = _settle(data_dir, out, "-q")
    assert good.exit_code == 0, good.output
    before = _snapshot(out)
    monkeypatch.setattr(rules_pkg, "load_rules", lambda _root=None: _past_the_loader(name, value))
    result = _settle(data_dir, out)
    assert result.exit_code == 2, result.output
    text = result.output.replace("\n", "")
    assert "Traceback" not in text and "R-PAY-2" in text and said in text
    assert "精算を中止しました" in text
    assert _snapshot(out) == before  # the earlier run's files, ledger included, untouched
    en = _settle(data_dir, out, "--lang", "en")
    assert en.exit_code == 2 and "the run stopped" in " ".join(en.output.split())


def test_R_PAY_2_a_negative_payment_on_a_first_run_leaves_no_cycle_folder(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(rules_pkg, "load_rules",
                        lambda _root=None: _past_the_loader("tax.rate_low_bp", 10210))
    assert _settle(data_dir, out).exit_code == 2
    assert not (out / "2021-10").exists()


def _payments(**row: int) -> pl.DataFrame:
    base = {"expert_id": "E-1", "dispatch_count": 1, "fee": 10_000, "transport": 0,
            "per_diem": 0, "lodging": 0, "gross": 10_000, "withholding": 1_021, "net": 8_979}
    return pl.DataFrame([base | row])


def test_R_PAY_2_withholding_above_the_gross_is_refused() -> None:
    require_payments(_payments())
    require_payments(_payments(fee=0, gross=0, withholding=0, net=0))  # 0 yen is a payment
    with pytest.raises(RulesError) as info:
        require_payments(_payments(withholding=10_210, net=-210))
    assert info.value.exit_code == 2
    assert "E-1" in info.value.ja and "-210" in info.value.ja and "10,210" in info.value.ja


def test_R_PAY_2_a_negative_amount_on_a_paid_dispatch_is_refused() -> None:
    frame = pl.DataFrame({"dispatch_id": ["D-1", "D-2"], "status": ["held", "paid"],
                          "support_date": [dt.date(2021, 10, 5)] * 2, "fee": [-1, 5_280],
                          "transport": [0, -440], "per_diem": [0, 0], "lodging": [0, 0],
                          "total": [-1, 4_840]})
    with pytest.raises(RulesError) as info:
        require_paid_dispatches(frame)
    assert "D-2" in info.value.ja and "交通費" in info.value.ja and "-440" in info.value.ja
    require_paid_dispatches(frame.filter(pl.col("status") == "held"))  # unpaid: not money


def test_R_PAY_2_the_zengin_emitter_refuses_a_negative_net_instead_of_dropping_it() -> None:
    experts = pl.DataFrame({c: ["E-1"] if c == "expert_id" else ["x"]
                            for c in ("expert_id", "bank_code", "branch_code", "account_type",
                                      "account_number", "account_holder_kana")})
    with pytest.raises(RulesError):
        zengin.transfers(_payments(withholding=10_210, net=-210), experts)
    assert zengin.transfers(_payments(), experts).height == 1
