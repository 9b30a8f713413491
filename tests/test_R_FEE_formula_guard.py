"""R-FEE-1..3 are the hourly formula; FY2022 switches to a flat fee per visit (fee.yaml says
so). Until that formula is built, a support date under another formula stops the run with a
clear message instead of being paid by the hour."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from haken_batch import cycle
from haken_batch.errors import RulesError
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]


def _rules_with_flat_fee_from(tmp: Path, day: str) -> Path:
    root = tmp / "rules"
    shutil.copytree(REPO / "rules", root)
    fee = root / "parameters" / "fee.yaml"
    text = fee.read_text(encoding="utf-8")
    old = "    2021-04-01: hourly_capped\n"
    assert old in text
    fee.write_text(text.replace(old, old + f"    {day}: flat_per_visit\n"), encoding="utf-8")
    return root


def _settle(tmp: Path, rules_dir: Path) -> None:
    cycle.settle_cycle(Options(
        cycle="2021-10", data_dir=REPO / "samples" / "fy2021", out_dir=tmp / "out",
        rules_dir=rules_dir, payer_file=REPO / "samples" / "payer.demo.yaml",
        documents=False))  # type: ignore[call-arg]


def test_R_FEE_1_a_formula_not_built_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as err:
        _settle(tmp_path, _rules_with_flat_fee_from(tmp_path, "2021-09-01"))
    assert "flat_per_visit" in err.value.ja and "fee.yaml" in err.value.ja
    assert "not implemented" in err.value.en
    assert not (tmp_path / "out" / "2021-10").exists()


def test_R_FEE_1_a_formula_dated_after_every_support_date_changes_nothing(tmp_path: Path) -> None:
    _settle(tmp_path, _rules_with_flat_fee_from(tmp_path, "2022-04-01"))
    assert (tmp_path / "out" / "2021-10" / "payments.csv").is_file()
