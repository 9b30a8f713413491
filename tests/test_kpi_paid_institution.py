"""R-RPT-1/R-RPT-2: a paid dispatch counts, in every later cumulative, for the institution its
paying cycle recorded (ledger.csv 申請機関ID), so the months add up to the cumulative and an
institution's "amount used" never moves afterwards. Found by a blind KPI check: a later
export that named another institution, or no longer listed the case, moved the yen (and
the statements' cumulative went down from one month to the next)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle
from haken_batch.kpi import source
from haken_batch.kpi.facts import paid_facts
from haken_batch.run import Options
from sample_runs import SAMPLES, sample_options


def _options(data: Path, out: Path, cycle_: str) -> Options:
    return sample_options(out, cycle_, data, headers="en")


def _paid(out: Path, cycle_: str) -> pl.DataFrame:
    d = pl.read_csv(out / cycle_ / "dispatches.csv", infer_schema=False)
    return d.filter(pl.col("status") == "paid").select("dispatch_id", "institution_id")


def _edit_dispatches(data: Path, moved: str, to: str, dropped: str) -> None:
    """The 2021-11 export names another institution for ``moved`` and lacks ``dropped``."""
    path = data / "dispatches.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == dropped:
            continue
        if cells[0] == moved:
            cells[1] = to
        out.append(",".join(cells))
    path.write_text("".join(out), encoding="utf-8")


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(SAMPLES, data, dirs_exist_ok=True)
    out = tmp_path_factory.mktemp("out")
    cycle.settle_cycle(_options(data, out, "2021-10"))
    paid = _paid(out, "2021-10").filter(pl.col("institution_id").str.starts_with("YR"))
    moved, dropped = paid.row(0, named=True), paid.row(1, named=True)
    other = next(i for i in sorted(set(paid.get_column("institution_id")))
                 if i != moved["institution_id"])
    _edit_dispatches(data, moved["dispatch_id"], other, dropped["dispatch_id"])
    run = cycle.settle_cycle(_options(data, out, "2021-11"))
    return data, out, run, moved, dropped, other


def _facts(out: Path, data: Path) -> pl.DataFrame:
    return paid_facts(source.load(out, "2021-11", data).inputs)


def test_R_RPT_1_a_paid_dispatch_keeps_its_institution(settled) -> None:
    data, out, _run, moved, dropped, other = settled
    facts = _facts(out, data)
    at = dict(zip(facts.get_column("dispatch_id"), facts.get_column("institution_id"),
                  strict=True))
    assert at[moved["dispatch_id"]] == moved["institution_id"] != other
    assert at[dropped["dispatch_id"]] == dropped["institution_id"]
    gone = facts.filter(pl.col("dispatch_id") == dropped["dispatch_id"])
    assert gone.get_column("company_id").to_list() == [None]  # attributes unknown, yen kept


def test_R_RPT_2_the_months_add_up_to_the_cumulative(settled) -> None:
    data, out, *_ = settled
    facts = _facts(out, data)
    months = (pl.concat([_paid(out, "2021-10"), _paid(out, "2021-11")])
              .group_by("institution_id").len().sort("institution_id"))
    cumulative = facts.group_by("institution_id").len().sort("institution_id")
    assert cumulative.to_dicts() == months.to_dicts()


def test_a_paid_dispatch_missing_from_the_export_is_named_in_the_summary(settled) -> None:
    *_, run, _moved, dropped, _other = settled
    said = [ja for ja, _en in run.notes if "エクスポートにありません" in ja]
    assert len(said) == 1 and f"{dropped['dispatch_id']}（2021-10）" in said[0]


def test_a_ledger_of_an_earlier_version_falls_back_to_the_export(settled, tmp_path) -> None:
    """Control: without the recorded institution (ledgers written before it was recorded)
    the current export's institution is used, as before."""
    data, out, _run, moved, _dropped, other = settled
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    path = copy / "2021-10" / "ledger.csv"
    path.chmod(0o600)
    pl.read_csv(path, infer_schema=False).drop("institution_id").write_csv(path)
    facts = _facts(copy, data)
    row = facts.filter(pl.col("dispatch_id") == moved["dispatch_id"])
    assert row.get_column("institution_id").to_list() == [other]


def test_a_blank_attribute_reads_unknown_in_the_company_list(settled) -> None:
    """The 定義 sheet says a missing value shows as 不明; the breakdowns did, the list of
    supported companies left the cell empty (blind KPI check)."""
    from haken_batch.kpi.inputs import UNKNOWN
    from haken_batch.kpi.tables import companies_month

    data, out, *_ = settled
    inp = source.load(out, "2021-11", data).inputs
    facts = paid_facts(inp).with_columns(
        pl.lit(None, pl.String).alias(c) for c in ("industry", "company_class"))
    listed = companies_month(facts, inp)
    assert listed.height > 0
    assert set(listed.get_column("industry")) == {UNKNOWN}
    assert set(listed.get_column("company_class")) == {UNKNOWN}
