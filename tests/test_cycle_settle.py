"""`cycle.settle_cycle` end to end on generated exports: ledger, re-runs, refusals, CSV format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle, ledger
from haken_batch.emit.csvs import headers
from haken_batch.errors import CycleError
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
PAYER = REPO / "samples" / "payer.demo.yaml"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from haken_batch.samplegen import generate, write_tables

    folder = tmp_path_factory.mktemp("data")
    write_tables(generate(300, 11), folder)
    return folder


def _options(data: Path, out: Path, cycle_: str = "2021-10", **kw: object) -> Options:
    return Options(
        cycle=cycle_, data_dir=data, out_dir=out, payer_file=PAYER, documents=False, **kw
    )  # type: ignore[arg-type]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


RUNS: dict[str, object] = {}


@pytest.fixture(scope="module")
def two_cycles(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    cycle.settle_cycle(_options(data_dir, out, "2021-10"))
    RUNS["2021-11"] = cycle.settle_cycle(_options(data_dir, out, "2021-11"))
    return out


@pytest.fixture(scope="module")
def en_out(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("en")
    cycle.settle_cycle(_options(data_dir, out, headers="en"))
    return out


def test_rerunning_a_cycle_gives_identical_bytes(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(_options(data_dir, out))
    first = _files(out / "2021-10")
    cycle.settle_cycle(_options(data_dir, out))
    assert _files(out / "2021-10") == first
    assert "ledger.csv" in first and "dispatches.csv" in first


def test_no_dispatch_paid_twice_across_cycles(two_cycles: Path) -> None:
    both = ledger.previous_ledger(two_cycles, "none")
    assert both.height > 0
    assert both.get_column("dispatch_id").n_unique() == both.height
    assert set(both.get_column("cycle")) == {"2021-10", "2021-11"}


def test_settling_an_earlier_cycle_after_a_later_one_is_refused(
    two_cycles: Path, data_dir: Path
) -> None:
    before = _files(two_cycles / "2021-10")
    with pytest.raises(CycleError) as err:
        cycle.settle_cycle(_options(data_dir, two_cycles, "2021-10"))
    assert "2021-11" in err.value.ja and "2021-11" in err.value.en
    assert _files(two_cycles / "2021-10") == before


def test_a_closed_cycle_is_refused(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(_options(data_dir, out))
    (out / "2021-10" / "CLOSED.json").write_text("{}")
    before = _files(out / "2021-10")
    with pytest.raises(CycleError, match="closed"):
        cycle.settle_cycle(_options(data_dir, out))
    assert _files(out / "2021-10") == before


def test_R_PER_2_transfer_after_the_payment_deadline_is_refused(
    data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with pytest.raises(CycleError, match="R-PER-2"):  # default: 2022-04-20
        cycle.settle_cycle(_options(data_dir, out, "2022-03"))
    assert not (out / "2022-03").exists()
    run = cycle.settle_cycle(_options(data_dir, out, "2022-03", transfer_date=dt.date(2022, 3, 31)))
    assert run.settlement.transfer_date == dt.date(2022, 3, 31)


def test_R_DAY_1_a_transfer_date_on_a_holiday_moves_to_the_previous_business_day(
    data_dir: Path, tmp_path: Path
) -> None:
    opts = _options(data_dir, tmp_path, transfer_date=dt.date(2021, 11, 23))  # 勤労感謝の日
    from haken_batch.rules import load_rules

    _, transfer = cycle.resolve_dates(opts, load_rules())
    assert transfer == dt.date(2021, 11, 22)


def test_ledger_csv_round_trips_with_either_headers(two_cycles: Path, en_out: Path) -> None:
    path = two_cycles / "2021-10" / "ledger.csv"
    ja = ledger.read_ledger(path)
    en = ledger.read_ledger(en_out / "2021-10" / "ledger.csv")
    assert ja.equals(en)
    assert ja.schema["support_date"] == pl.Date and ja.schema["fee"] == pl.Int64


def test_csvs_have_bom_japanese_headers_and_exact_english_names(
    two_cycles: Path, en_out: Path
) -> None:
    ja = (two_cycles / "2021-10" / "dispatches.csv").read_bytes()
    assert ja.startswith("\ufeff".encode())
    assert ja.decode("utf-8-sig").splitlines()[0] == ",".join(headers("dispatches").values())
    out = en_out
    expected = {
        "dispatches.csv": "dispatch_id,expert_id,institution_id,support_date,status,fee,"
        "transport,per_diem,lodging,total,rules",
        "payments.csv": "expert_id,dispatch_count,fee,transport,per_diem,lodging,gross,"
        "withholding,net",
        "lines.csv": "dispatch_id,line_no,item,claimed,paid,rule_id,note",
        "findings.csv": "dispatch_id,line_no,rule_id,severity,message",
        "holds.csv": "institution_id,institution_name,dispatch_id,support_date,expert_id,"
        "held_since,held_cycles,line_no,rule_id,message,todo",
    }
    for name, header in expected.items():
        text = (out / "2021-10" / name).read_bytes().decode("utf-8-sig")
        assert text.splitlines()[0] == header, name
        assert "\r" not in text


def test_csv_text_cells_are_neutralised() -> None:
    from haken_batch.emit.csvs import csv_bytes

    frame = pl.DataFrame(
        {
            "dispatch_id": ["=HYPERLINK(1)", "D2"],
            "line_no": [None, 1],
            "rule_id": ["R-X", "-1+1"],
            "severity": ["hold", "flag"],
            "message": ["@x", "ok"],
        }
    )
    text = csv_bytes(frame, "findings", ["dispatch_id"], "en").decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "'@x" in text and "'-1+1" in text


def test_summary_counts_and_yen_match_the_csvs(two_cycles: Path) -> None:
    run = RUNS["2021-11"]
    s = cycle.summary(run, two_cycles / "2021-11")  # type: ignore[arg-type]
    d = run.settlement.dispatches  # type: ignore[attr-defined]
    assert sum(s["counts"].values()) == d.height == s["considered"]  # type: ignore[attr-defined]
    assert s["yen"]["net"] == run.settlement.payments.get_column("net").sum()  # type: ignore[index]
    assert "payments.csv" in s["files"]  # type: ignore[operator]
    assert "archive/" in s["files"]  # folders too (notices/, statements/ were left out)
