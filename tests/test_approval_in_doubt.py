"""R-VAL-1 on the approval timestamp: a report whose 機関承認日時 is written but unreadable
or implausible is considered in the cycle and held, not left out of every cycle unseen.

A blank approval still means "not approved yet" (R-CHK-6): such a dispatch is not
considered at all, and comes in the cycle after its approval.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.cases import BASE, edit
from haken_batch.cli.app import app

RULES = "rules"  # dispatches.csv column (English headers): the rule ids behind the status
PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"


def _data(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path / "data")
    return tmp_path / "data"


def _settle(data: Path, out: Path) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                      str(out), "--payer", str(PAYER), "--no-documents",
                                      "--headers", "en", "--quiet"])
    assert result.exit_code == 0, result.output
    text = (out / "2021-10" / "dispatches.csv").read_text(encoding="utf-8-sig")
    return {r["dispatch_id"]: r for r in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("value", ["9999-12-31T23:59:00-12:00",  # year 10000 in JST
                                   "昨日の夕方",  # words
                                   "2201-10-26 10:00"])  # a typo for 2021: implausible
def test_R_VAL_1_an_approval_in_doubt_holds_the_dispatch_in_the_cycle(
        value: str, tmp_path: Path) -> None:
    data = _data(tmp_path)
    edit(data, "reports", 2, "機関承認日時", value)
    rows = _settle(data, tmp_path / "out")
    assert rows["D0001"]["status"] == "held"
    assert "R-VAL-1" in rows["D0001"][RULES]
    assert {rows[d]["status"] for d in ("D0002", "D0003")} == {"paid"}


def test_R_CHK_6_a_blank_approval_is_not_considered(tmp_path: Path) -> None:
    data = _data(tmp_path)
    edit(data, "reports", 2, "機関承認日時", "")
    rows = _settle(data, tmp_path / "out")
    assert "D0001" not in rows
    assert {rows[d]["status"] for d in ("D0002", "D0003")} == {"paid"}


def test_R_VAL_1_an_approval_in_doubt_waits_for_its_support_date(tmp_path: Path) -> None:
    """A report supported after the cut-off cannot have been approved by it: in doubt or
    not, it is not this cycle's (else it would be held in every cycle from April on)."""
    data = _data(tmp_path)
    edit(data, "reports", 2, "支援日", "2021-11-05")
    edit(data, "reports", 2, "機関承認日時", "昨日の夕方")
    rows = _settle(data, tmp_path / "out")
    assert "D0001" not in rows
    assert {rows[d]["status"] for d in ("D0002", "D0003")} == {"paid"}
