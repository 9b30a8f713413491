"""emit/zengin.py: the cycle's transfer file equals the payments, never a half-written file."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from haken_batch import zengin_format as zf
from haken_batch.emit import zengin
from haken_batch.errors import ConfigError, RulesError
from haken_batch.payer import load_payer
from haken_batch.run import CycleRun, Options, Settlement

REPO = Path(__file__).resolve().parents[1]
BANKS = [("0001", "001"), ("0005", "001"), ("0009", "001"), ("0033", "002"), ("9900", "018")]



@pytest.fixture(scope="module")
def payer():
    return load_payer(REPO / "samples" / "payer.demo.yaml")


def make_experts(ids: list[str]) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame({
        "expert_id": ids,
        "bank_code": [BANKS[i % len(BANKS)][0] for i in range(n)],
        "branch_code": [BANKS[i % len(BANKS)][1] for i in range(n)],
        "account_type": pl.Series([1 + (i % 2) for i in range(n)], dtype=pl.Int64),
        "account_number": [f"{i * 7 % 10**7:07d}" for i in range(n)],
        "account_holder_kana": [["ヤマダ　タロウ", "カブシキガイシャ　ミライ", "スズキ　ヨーコ",
                                 "ｷｬﾉﾝ ｼﾞﾛｳ", "さとう　はなこ"][i % 5] for i in range(n)],
    })


def make_run(rules, payer, experts: pl.DataFrame, payments: pl.DataFrame, *,
             transfer: dt.date = dt.date(2021, 11, 19), cycle: str = "2021-10") -> CycleRun:
    settlement = Settlement(
        cycle=cycle, cutoff=dt.date(2021, 10, 31), transfer_date=transfer,
        dispatches=pl.DataFrame(), lines=pl.DataFrame(), findings=pl.DataFrame(),
        payments=payments, ledger=pl.DataFrame(),
    )
    options = Options(cycle=cycle, data_dir=Path("."), out_dir=Path("."))
    return CycleRun(options=options, rules=rules,
                    data=SimpleNamespace(tables={"experts": experts}),  # type: ignore[arg-type]
                    settlement=settlement, payer=payer, previous=pl.DataFrame())


def payments_for(ids: list[str], nets: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"expert_id": ids, "gross": nets, "net": nets},
                        schema={"expert_id": pl.String, "gross": pl.Int64, "net": pl.Int64})


def test_trailer_count_and_total_equal_the_payments(rules, payer, tmp_path: Path) -> None:
    ids = ["E003", "E001", "E002", "E004", "E005"]
    payments = payments_for(ids, [30000, 12345, 0, 999999, 1])
    zengin.emit(make_run(rules, payer, make_experts(ids), payments), tmp_path)
    parsed = zf.parse((tmp_path / "zengin_20211119.txt").read_bytes())
    assert parsed.ok, [p.message() for p in parsed.problems]
    assert parsed.trailer == zf.Trailer(4, payments["net"].sum())
    assert parsed.computed_total == payments.filter(pl.col("net") > 0)["net"].sum()


def test_one_record_per_positive_net_sorted_by_expert_id(rules, payer, tmp_path: Path) -> None:
    ids = ["E003", "E001", "E002"]
    experts = make_experts(ids)
    zengin.emit(make_run(rules, payer, experts, payments_for(ids, [300, 100, 0])), tmp_path)
    parsed = zf.parse((tmp_path / "zengin_20211119.txt").read_bytes())
    assert [r.amount for r in parsed.records] == [100, 300]  # E001, E003; E002 has 0
    first = experts.filter(pl.col("expert_id") == "E001").row(0, named=True)
    assert parsed.records[0].account_number == first["account_number"]


def test_header_carries_the_payer_and_transfer_date(rules, payer, tmp_path: Path) -> None:
    ids = ["E1"]
    zengin.emit(make_run(rules, payer, make_experts(ids), payments_for(ids, [5])), tmp_path)
    header = zf.parse((tmp_path / "zengin_20211119.txt").read_bytes()).header
    assert header is not None
    assert (header.requester_code, header.requester_name, header.transfer_date) == (
        "1234567890", "ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ", "1119")
    assert (header.bank_code, header.branch_code, header.account_number) == (
        "0001", "001", "1234567")


def test_names_banks_and_codes_in_the_records(rules, payer, tmp_path: Path) -> None:
    ids = ["000123", "E0002", "12345678901"]
    zengin.emit(make_run(rules, payer, make_experts(ids), payments_for(ids, [1, 2, 3])), tmp_path)
    records = zf.parse((tmp_path / "zengin_20211119.txt").read_bytes()).records
    by_amount = {r.amount: r for r in records}
    assert by_amount[1].name == "ﾔﾏﾀﾞ ﾀﾛｳ" and by_amount[1].customer_code1 == "0000000123"
    assert by_amount[2].name == "ｶ)ﾐﾗｲ" and by_amount[2].customer_code1 == ""  # not digits
    assert by_amount[3].customer_code1 == ""  # 11 digits do not fit N10
    assert by_amount[1].bank_name == "ﾐｽﾞﾎ" and by_amount[1].branch_name == "ﾄｳｷﾖｳ"
    assert by_amount[1].clearing_house == "0000" and by_amount[1].new_code == "0"
    assert by_amount[1].transfer_kind == "7"


def test_file_reads_with_the_independent_reader(rules, payer, tmp_path: Path) -> None:
    from test_zengin_format import independent_read

    ids = [f"{i:04d}" for i in range(1, 8)]
    zengin.emit(make_run(rules, payer, make_experts(ids), payments_for(ids, list(range(1, 8)))),
                tmp_path)
    recs = independent_read((tmp_path / "zengin_20211119.txt").read_bytes())
    data = [r for r in recs if r["kind"] == "2"]
    assert [int(r["amount"]) for r in data] == list(range(1, 8))
    assert recs[-2]["count"] == "000007" and int(recs[-2]["total"]) == 28


def test_same_inputs_same_bytes(rules, payer, tmp_path: Path) -> None:
    ids = ["E1", "E2", "E3"]
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, [1, 2, 3]))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    zengin.emit(run, tmp_path / "a")
    zengin.emit(run, tmp_path / "b")
    for name in ("zengin_20211119.txt", "zengin_check.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_R_VAL_2_unpayable_expert_with_a_payment_is_a_bug_and_writes_nothing(
        rules, payer, tmp_path: Path) -> None:
    ids = ["E1", "E2"]
    experts = make_experts(ids).with_columns(
        pl.when(pl.col("expert_id") == "E2").then(pl.lit("12345678"))
        .otherwise(pl.col("account_number")).alias("account_number"))
    with pytest.raises(zengin.ZenginEmitBug, match="E2:account_number"):
        zengin.emit(make_run(rules, payer, experts, payments_for(ids, [1, 2])), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_payment_without_an_expert_is_a_bug(rules, payer, tmp_path: Path) -> None:
    with pytest.raises(zengin.ZenginEmitBug):
        zengin.emit(make_run(rules, payer, make_experts(["E1"]),
                             payments_for(["E1", "E9"], [1, 2])), tmp_path)


def test_split_at_max_records(rules, payer, tmp_path: Path) -> None:
    from dataclasses import replace

    small = replace(payer, zengin=replace(payer.zengin, max_records=3))
    ids = [f"E{i}" for i in range(7)]
    zengin.emit(make_run(rules, small, make_experts(ids), payments_for(ids, [10] * 7)), tmp_path)
    parts = sorted(p.name for p in tmp_path.glob("zengin_2*.txt"))
    assert parts == ["zengin_20211119_01.txt", "zengin_20211119_02.txt",
                     "zengin_20211119_03.txt"]
    trailers = [zf.parse((tmp_path / p).read_bytes()).trailer for p in parts]
    assert [t.count for t in trailers if t] == [3, 3, 1]
    assert sum(t.total for t in trailers if t) == 70


def test_options_separator_none_eof_spaces(rules, payer, tmp_path: Path) -> None:
    from dataclasses import replace

    custom = replace(payer, zengin=replace(payer.zengin, separator="none", eof_byte=True,
                                           clearing_house="", bank_names=False,
                                           transfer_kind=" "))
    zengin.emit(make_run(rules, custom, make_experts(["1"]), payments_for(["1"], [9])), tmp_path)
    data = (tmp_path / "zengin_20211119.txt").read_bytes()
    assert len(data) == 4 * 120 + 1 and data[-1:] == b"\x1a"
    record = zf.parse(data).records[0]
    assert record.clearing_house == "" and record.bank_name == "" and record.transfer_kind == " "


def test_no_positive_payment_means_no_file(rules, payer, tmp_path: Path) -> None:
    ids = ["E1"]
    zengin.emit(make_run(rules, payer, make_experts(ids), payments_for(ids, [0])), tmp_path)
    assert not list(tmp_path.glob("zengin_2*.txt"))
    assert (tmp_path / "zengin_check.csv").read_text(encoding="utf-8-sig").count("\n") == 1


def test_check_list_masks_account_numbers(rules, payer, tmp_path: Path) -> None:
    ids = ["E1", "E2"]
    experts = make_experts(ids).with_columns(account_number=pl.Series(["7654321", "0001234"]))
    zengin.emit(make_run(rules, payer, experts, payments_for(ids, [5, 6])), tmp_path)
    text = (tmp_path / "zengin_check.csv").read_text(encoding="utf-8-sig")
    assert "7654321" not in text and "****321" in text and "****234" in text
    assert text.splitlines()[0].startswith("ファイル,No,専門家ID")


def test_R_DAY_1_transfer_date_on_a_holiday_is_refused(rules, payer, tmp_path: Path) -> None:
    ids = ["E1"]
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, [5]),
                   transfer=dt.date(2021, 11, 23))  # 勤労感謝の日
    with pytest.raises(ConfigError, match="R-DAY-1"):
        zengin.emit(run, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_R_PER_2_transfer_after_the_deadline_is_refused(rules, payer, tmp_path: Path) -> None:
    ids = ["E1"]
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, [5]),
                   transfer=dt.date(2022, 4, 20), cycle="2022-03")
    with pytest.raises(ConfigError, match="R-PER-2"):
        zengin.emit(run, tmp_path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-5, 2_000_000), min_size=1, max_size=40))
def test_property_trailer_equals_net_sum(rules, payer, tmp_path: Path, nets: list[int]) -> None:
    ids = [f"X{i:03d}" for i in range(len(nets))]
    folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, nets))
    if any(n < 0 for n in nets):  # refused, never left out (the ledger would say paid)
        with pytest.raises(RulesError, match="R-PAY-2"):
            zengin.emit(run, folder)
        assert list(folder.iterdir()) == []
        return
    zengin.emit(run, folder)
    positive = [n for n in nets if n > 0]
    files = list(folder.glob("zengin_2*.txt"))
    if not positive:
        assert files == []
        return
    parsed = zf.parse(files[0].read_bytes())
    assert parsed.ok
    assert parsed.trailer == zf.Trailer(len(positive), sum(positive))


@pytest.mark.slow
def test_speed_10000_experts_under_one_second(rules, payer, tmp_path: Path) -> None:
    ids = [f"{i:06d}" for i in range(10_000)]
    nets = [1000 + i for i in range(10_000)]
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, nets))
    zengin.emit(run, tmp_path)  # warm the bank master and imports
    # CPU time of this process: the wall clock on a shared CI box measures the neighbours.
    start = time.process_time()
    zengin.emit(run, tmp_path)
    elapsed = time.process_time() - start
    assert elapsed < 1.0, f"{elapsed:.2f} s CPU"


@pytest.mark.slow
def test_sample_cycle_file_equals_payments_csv(tmp_path: Path) -> None:
    """End to end on the bundled sample: settle 2021-10, then read the file two ways."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app
    from test_zengin_format import independent_read

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10",
                                      "--data", str(REPO / "samples" / "fy2021"),
                                      "--out", str(out), "--payer",
                                      str(REPO / "samples" / "payer.demo.yaml"), "--no-documents",
                                      "--headers", "en", "--quiet"])
    assert result.exit_code == 0, result.output
    folder = out / "2021-10"
    payments = pl.read_csv(folder / "payments.csv")
    data = next(folder.glob("zengin_2*.txt")).read_bytes()
    shown = CliRunner().invoke(app, ["zengin", "show", str(next(folder.glob("zengin_2*.txt"))),
                                     "--format", "json"])
    assert shown.exit_code == 0
    recs = independent_read(data)
    trailer = next(r for r in recs if r["kind"] == "8")
    assert int(trailer["count"]) == payments.filter(pl.col("net") > 0).height
    assert int(trailer["total"]) == payments["net"].sum()


_HOLDER = st.text(st.sampled_from(list("アイウカガキャッパーヴヰ　 ・山ABcd12()-.,ｦﾞ")), max_size=34)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holder=_HOLDER, number=st.text(st.sampled_from(list("0123456789a")), max_size=9),
       acc_type=st.sampled_from([1, 2, 3, 4, 9]),
       bank=st.sampled_from([("0001", "001"), ("0005", "999"), ("9999", "001"), ("00", "1")]))
@example(holder="キャノン　ヨーコ", number="123", acc_type=1, bank=("0001", "001"))
def test_property_what_R_VAL_2_passes_the_writer_accepts(
        rules, payer, holder: str, number: str, acc_type: int, bank: tuple[str, str]) -> None:
    """The bank check is at least as strict as the file: no payable expert breaks the writer."""
    from haken_batch.bankcheck import unpayable_experts

    experts = pl.DataFrame({"expert_id": ["E1"], "bank_code": [bank[0]], "branch_code": [bank[1]],
                            "account_type": [acc_type], "account_number": [number],
                            "account_holder_kana": [holder]})
    if unpayable_experts(experts, rules).height:
        return
    frame = zengin.transfers(payments_for(["E1"], [100]), experts)
    records = zengin.build_records(frame, payer)
    files = zengin.render(records, payer, dt.date(2021, 11, 19))
    assert zf.parse(files[0]).records[0].amount == 100


# -- the bulk path (polars-formatted records) equals the record-by-record writer ----------

def _both(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    fast.mkdir()
    slow.mkdir()
    zengin.emit(run, fast)
    with monkeypatch.context() as m:
        m.setattr(zengin, "_bulk_records", lambda *a: None)
        zengin.emit(run, slow)
    return ({p.name: p.read_bytes() for p in fast.iterdir()},
            {p.name: p.read_bytes() for p in slow.iterdir()})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nets=st.lists(st.integers(1, 10**9), min_size=1, max_size=40),
       separator=st.sampled_from(["crlf", "none"]), eof=st.booleans(),
       bank_names=st.booleans(), customer=st.sampled_from(["expert_id", "none"]),
       split=st.integers(1, 50))
def test_bulk_path_writes_the_same_bytes_as_the_record_writer(
        rules, payer, tmp_path_factory: pytest.TempPathFactory, nets: list[int], separator: str,
        eof: bool, bank_names: bool, customer: str, split: int) -> None:
    ids = [f"{i:03d}" if i % 3 else f"E{i}" for i in range(len(nets))]
    custom = replace(payer, zengin=replace(payer.zengin, separator=separator, eof_byte=eof,
                                           bank_names=bank_names, customer_code=customer,
                                           max_records=split))
    run = make_run(rules, custom, make_experts(ids), payments_for(ids, nets))
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = _both(run, tmp_path_factory.mktemp("z"), mp)
    assert fast == slow
    assert any(name.endswith(".txt") for name in fast)


def test_bulk_path_is_taken_for_ordinary_data(rules, payer) -> None:
    ids = [str(i) for i in range(1, 21)]
    run = make_run(rules, payer, make_experts(ids), payments_for(ids, list(range(1, 21))))
    frame = zengin.transfers(run.settlement.payments, run.data.tables["experts"])
    from haken_batch.bankcheck import convert_names

    names = convert_names(frame["account_holder_kana"].unique().to_list())
    table = zengin._bulk_records(frame, names, payer)
    assert table is not None
    files = zengin._bulk_render(table, payer, run.settlement.transfer_date)
    assert files is not None and len(files) == 1 and len(files[0]) == (20 + 3) * 122
