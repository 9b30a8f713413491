"""An exclusion is final ("Decisions" in rules.md): a dispatch an earlier cycle excluded is
never paid later, also when a later correction removes the reason (found by a blind fee
check: R-EXC-4 corrected to 0 after 2021-10 paid the dispatch in 2021-11)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle, ledger
from haken_batch.run import Options
from haken_batch.verify import verify_cycle
from sample_runs import SAMPLES, sample_options


def _options(data: Path, out: Path, cycle_: str) -> Options:
    return sample_options(out, cycle_, data, headers="en")


def _excluded_for_own_request(out: Path) -> str:
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    hit = d.filter((pl.col("status") == "excluded") & (pl.col("rules") == "R-EXC-4"))
    assert hit.height, "the samples should exclude a dispatch under R-EXC-4 in 2021-10"
    return str(hit.get_column("dispatch_id")[0])


def _lift_the_reason(data: Path, dispatch_id: str) -> None:
    """A clerk's correction says the dispatch was not at the expert's own request."""
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write(f"dispatches,{dispatch_id},専門家からの要請,0,要請の記録誤り,事務局 試験,"
                "2021/11/02 10:00\n")


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(SAMPLES, data, dirs_exist_ok=True)
    out = tmp_path_factory.mktemp("out")
    cycle.settle_cycle(_options(data, out, "2021-10"))
    dispatch_id = _excluded_for_own_request(out)
    _lift_the_reason(data, dispatch_id)
    cycle.settle_cycle(_options(data, out, "2021-11"))
    return out, dispatch_id


def _row(out: Path, cycle_: str, dispatch_id: str) -> dict[str, str]:
    d = pl.read_csv(out / cycle_ / "dispatches.csv", infer_schema=False)
    return d.filter(pl.col("dispatch_id") == dispatch_id).row(0, named=True)


def test_an_exclusion_stays_final_after_its_reason_is_corrected(settled) -> None:
    out, dispatch_id = settled
    row = _row(out, "2021-11", dispatch_id)
    assert (row["status"], row["total"], row["rules"]) == ("excluded", "0", "R-EXC-4")
    f = pl.read_csv(out / "2021-11" / "findings.csv", infer_schema=False)
    said = f.filter(pl.col("dispatch_id") == dispatch_id).get_column("message").to_list()
    assert any("2021-10" in m for m in said), said
    assert dispatch_id not in ledger.previous_ledger(out, "2021-12").get_column(
        "dispatch_id").to_list()


def test_excluded_csv_lists_each_cycles_exclusions(settled) -> None:
    out, dispatch_id = settled
    before = ledger.previous_excluded(out, "2021-12")
    assert set(before.get_column("cycle")) == {"2021-10", "2021-11"}
    mine = before.filter(pl.col("dispatch_id") == dispatch_id)
    assert mine.get_column("rules").to_list() == ["R-EXC-4", "R-EXC-4"]
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    assert (before.filter(pl.col("cycle") == "2021-10").height
            == d.filter(pl.col("status") == "excluded").height)


def test_without_the_record_the_corrected_dispatch_would_be_paid(settled, tmp_path,
                                                                monkeypatch) -> None:
    """The control: it is excluded.csv of 2021-10 that keeps the dispatch excluded. (A
    removed excluded.csv now stops the run before anything is paid, ``history``; the control
    switches that guard off to show what it guards.)"""
    from haken_batch import history
    from haken_batch.errors import CycleError

    out, dispatch_id = settled
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "2021-11")
    (copy / "2021-10" / "excluded.csv").unlink()
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    _lift_the_reason(data, dispatch_id)
    (copy / history.HISTORY_NAME).unlink()  # 2021-11 removed on purpose
    with pytest.raises(CycleError, match=r"excluded\.csv"):
        cycle.settle_cycle(_options(data, copy, "2021-11"))
    monkeypatch.setattr(history, "check_before_settling", lambda out, cycle: None)
    cycle.settle_cycle(_options(data, copy, "2021-11"))
    assert _row(copy, "2021-11", dispatch_id)["status"] == "paid"


def test_verify_rebuilds_the_final_exclusion_and_notices_a_changed_record(settled,
                                                                         tmp_path) -> None:
    out, _ = settled
    assert verify_cycle(out / "2021-11").ok
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    path = copy / "2021-10" / "excluded.csv"
    path.write_bytes(path.read_bytes().replace(b"R-EXC-4", b"R-EXC-1", 1))
    assert not verify_cycle(copy / "2021-11").ok


def test_a_lifted_exclusion_is_told_once_as_a_followup(settled, tmp_path) -> None:
    """The clerk's correction removed the only reason, and the dispatch stayed excluded
    without a word on the terminal (noticed in session 17): the cycle now tells it as the
    follow-up ``excluded_final`` (kept in the manifest), once; a dispatch still excluded for
    a reason the data gives is not named."""
    import json

    out, dispatch_id = settled
    items = json.loads((out / "2021-11" / "manifest.json").read_text())["followups"]
    told = [f for f in items if f["kind"] == "excluded_final"]
    assert [f["dispatch_ids"] for f in told] == [[dispatch_id]]
    assert f"{dispatch_id}（2021-10 R-EXC-4）" in told[0]["ja"]
    assert "対象外は最終" in told[0]["ja"] and "exclusion is final" in told[0]["en"]
    excluded = pl.read_csv(out / "2021-11" / "dispatches.csv", infer_schema=False).filter(
        pl.col("status") == "excluded")
    assert excluded.height > 1  # others, still with their reason, are not told
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    _lift_the_reason(data, dispatch_id)
    cycle.settle_cycle(_options(data, copy, "2021-12"))
    later = json.loads((copy / "2021-12" / "manifest.json").read_text())["followups"]
    assert not [f for f in later if f["kind"] == "excluded_final"]
    assert _row(copy, "2021-12", dispatch_id)["status"] == "excluded"
