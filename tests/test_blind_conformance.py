"""A data set written blind from the input contract, priced by hand, in many legal forms.

tests/fixtures/blind/ was made in session 6 by someone who read only input-contract.md,
rules.md and zengin.md (not this code): 8 experts, 25 dispatches, every dispatch priced by
hand in expected.md (R-FEE-2/3, R-TRV-3/4/7/9/10, R-EXC-3 with the kind ② exception,
R-EXC-4, R-LIM-1, R-TAX-1 on both sides of 1,000,000 yen, corrections, the cut-off at 23:59
JST). expected_*.csv are its tables, transcribed. The x sets add 4 experts and 6 dispatches.

Each folder is the same data in another legal form (UTF-8 with and without BOM, CP932,
Japanese file names, every boolean spelling, full-width digits, thousands separators, UTC
offsets, shuffled and extra columns, workbooks with typed or text cells). Every form must
load without an error finding, settle to the hand figures, and write the same bytes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.load import load_dataset

BLIND = Path(__file__).resolve().parent / "fixtures" / "blind"
PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"
BASE = ["v01_base", "v02_bom_ja_hai", "v03_cp932_10_slash", "v05_maru_fw_Z",
        "v07_order_extra_dropopt", "v08_xlsx_typed_en", "v09_xlsx_str_ja"]
EXTENDED = ["x01_base", "x03_xlsx_num"]
SAME_BYTES = ("dispatches.csv", "payments.csv", "lines.csv", "ledger.csv",
              "withholding_summary.csv")
MONEY = ("fee", "transport", "per_diem", "lodging", "total")


def _expected(name: str) -> list[dict[str, str]]:
    with (BLIND / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def settled(tmp_path_factory, rules) -> dict[str, Path]:
    """Each form settled for 2021-10 and then 2021-11 on the same OUT."""
    outs = {}
    for form in BASE + EXTENDED:
        out = tmp_path_factory.mktemp(form)
        for cycle in ("2021-10", "2021-11"):
            result = CliRunner().invoke(app, [
                "settle", cycle, "--data", str(BLIND / form), "--out", str(out),
                "--payer", str(PAYER), "--no-documents", "--headers", "en", "--quiet"])
            assert result.exit_code == 0, (form, cycle, result.output)
        outs[form] = out
    return outs


@pytest.mark.parametrize("form", BASE + EXTENDED)
def test_R_VAL_1_every_legal_form_loads_without_an_error(form, rules) -> None:
    data = load_dataset(BLIND / form, rules)
    assert data.errors().height == 0, data.errors().to_dicts()


@pytest.mark.parametrize("form", BASE + EXTENDED)
def test_R_FEE_R_TRV_R_LIM_R_EXC_each_form_settles_to_the_hand_figures(form, settled) -> None:
    sets = {"base"} if form in BASE else {"base", "ext"}
    # the hand figures of the x sets are for 2021-10
    for cycle in ("2021-10", "2021-11") if form in BASE else ("2021-10",):
        want = {r["dispatch_id"]: r for r in _expected("expected_dispatches.csv")
                if r["cycle"] == cycle and r["set"] in sets}
        got = {r["dispatch_id"]: r for r in _rows(settled[form] / cycle / "dispatches.csv")}
        for dispatch_id, w in want.items():
            g = got[dispatch_id]
            assert g["status"] == w["status"], (cycle, dispatch_id, g)
            assert [int(g[m]) for m in MONEY] == [int(w[m]) for m in MONEY], (cycle, dispatch_id)
            if w["rule"]:
                assert w["rule"] in g["rules"].split(";"), (cycle, dispatch_id, g["rules"])
        # the hand tables list the cycle's new decisions; a dispatch excluded earlier comes
        # back excluded at 0 yen (docs/readings.md, "Excluded dispatches in later cycles")
        for dispatch_id in got.keys() - want.keys():
            assert got[dispatch_id]["status"] == "excluded", (cycle, dispatch_id)
            assert int(got[dispatch_id]["total"]) == 0


@pytest.mark.parametrize("form", BASE + EXTENDED)
def test_R_TAX_1_R_PAY_1_each_form_pays_the_hand_figures(form, settled) -> None:
    sets = {"base"} if form in BASE else {"base", "ext"}
    for cycle in ("2021-10", "2021-11") if form in BASE else ("2021-10",):
        want = {r["expert_id"]: [int(r[k]) for k in ("gross", "withholding", "net")]
                for r in _expected("expected_payments.csv")
                if r["cycle"] == cycle and r["set"] in sets}
        got = {r["expert_id"]: [int(r[k]) for k in ("gross", "withholding", "net")]
               for r in _rows(settled[form] / cycle / "payments.csv")}
        assert got == want, cycle
        zengin = next((settled[form] / cycle).glob("zengin_*.txt")).read_bytes()
        records = zengin.split(b"\r\n")
        trailer = next(r for r in records if r[:1] == b"8")
        assert int(trailer[1:7]) == sum(1 for v in want.values() if v[2] > 0)
        assert int(trailer[7:19]) == sum(v[2] for v in want.values())


@pytest.mark.parametrize("forms", [BASE, EXTENDED], ids=["base", "extended"])
def test_every_form_of_one_data_set_writes_the_same_bytes(forms, settled) -> None:
    for cycle in ("2021-10", "2021-11"):
        first = settled[forms[0]] / cycle
        for form in forms[1:]:
            for name in SAME_BYTES:
                assert (settled[form] / cycle / name).read_bytes() == \
                    (first / name).read_bytes(), (form, cycle, name)
            zengin = [p.read_bytes() for p in sorted((settled[form] / cycle).glob("zengin_*"))]
            assert zengin == [p.read_bytes() for p in sorted(first.glob("zengin_*"))]
