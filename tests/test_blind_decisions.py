"""Decisions checked against a model written blind from rules.md (session 6).

tests/fixtures/blind_decisions/appended/ holds 156 hand-made cases (dispatches D21-X…, each
with its own expert and company unless it tests an interaction), appended to the bundled
samples: the R-CHK-3 tolerances to the second and around 500 m, R-CHK-2 with and without a
declaration, R-CHK-6, R-FEE-4, R-EXC-1..4 with the kinds ①–④ exception, R-CHK-5 travel
papers, R-TRV-4/8, R-CHK-7 overlaps (touching, cancelled, unapproved, an empty slot),
R-LIM-1 ranks (IT category, exceptions, cancelled, same-day ids, applied-only dispatches),
the cut-off at 23:59 JST and in UTC, R-PER-1's last day, bank data (R-VAL-2).

expected.csv is what that model decided, cycle by cycle, from 2021-11 to 2022-02. Where the
tool follows a documented reading instead (docs/readings.md), the row gives the tool's
decision and names the reading; those 6 dispatches are the only ones.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "fixtures" / "blind_decisions"
SAMPLES = ROOT / "samples" / "fy2021"
PAYER = ROOT / "samples" / "payer.demo.yaml"
CYCLES = ("2021-11", "2021-12", "2022-01", "2022-02")


def _expected() -> list[dict[str, str]]:
    with (CASES / "expected.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> dict[str, dict[str, dict[str, str]]]:
    """cycle -> dispatch id -> the dispatches.csv row, for the D21-X cases."""
    work = tmp_path_factory.mktemp("blind")
    data = work / "data"
    shutil.copytree(SAMPLES, data)
    for part in sorted((CASES / "appended").iterdir()):
        with (data / part.name).open("ab") as f:
            f.write(part.read_bytes())
    out, got = work / "out", {}
    for cycle in CYCLES:
        result = CliRunner().invoke(app, ["settle", cycle, "--data", str(data), "--out",
                                          str(out), "--payer", str(PAYER), "--no-documents",
                                          "--headers", "en", "--quiet"])
        assert result.exit_code == 0, (cycle, result.output)
        text = (out / cycle / "dispatches.csv").read_text(encoding="utf-8-sig")
        got[cycle] = {r["dispatch_id"]: r for r in csv.DictReader(io.StringIO(text))
                      if r["dispatch_id"].startswith("D21-X")}
    return got


@pytest.mark.parametrize("cycle", CYCLES)
def test_R_CHK_R_EXC_R_LIM_statuses_agree_with_the_blind_model(cycle, decided) -> None:
    want = {r["dispatch_id"]: r for r in _expected() if r["cycle"] == cycle}
    got = decided[cycle]
    assert sorted(got) == sorted(want), "considered set"
    wrong = []
    for dispatch_id, w in want.items():
        g = got[dispatch_id]
        rules_ok = set(filter(None, w["rules"].split(";"))) <= set(g["rules"].split(";"))
        if g["status"] != w["status"] or not rules_ok:
            wrong.append((dispatch_id, w["case"], w["status"], w["rules"], g["status"], g["rules"]))
    assert not wrong, wrong


def test_only_documented_readings_differ_from_the_blind_model() -> None:
    readings = {r["dispatch_id"]: r["reading"] for r in _expected() if r["reading"]}
    assert len(readings) == 6
    text = (ROOT / "docs" / "readings.md").read_text(encoding="utf-8")
    for reading in readings.values():
        assert reading.endswith("(docs/readings.md)")
    for rule in ("R-CHK-7, overlaps", "R-TRV-7, no measured distance", "R-CHK-3",
                 "an approval timestamp in doubt"):
        assert rule in text
