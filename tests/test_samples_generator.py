"""The seeded generator (haken samples generate): reproducible, sized, on contract, realistic."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.samplegen import Shape, generate
from haken_batch.samplegen import refdata as R
from haken_batch.samplegen.contract import TABLES
from haken_batch.samplegen.writer import csv_bytes

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "spec" / "input-contract.md"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return generate(2000, 11)


def _all_bytes(tables: dict[str, pl.DataFrame]) -> dict[str, bytes]:
    return {t: csv_bytes(t, df) for t, df in tables.items()}


def test_same_seed_gives_identical_bytes() -> None:
    assert _all_bytes(generate(700, 5)) == _all_bytes(generate(700, 5))


def test_different_seed_gives_different_data() -> None:
    a, b = _all_bytes(generate(700, 5)), _all_bytes(generate(700, 6))
    assert a["dispatches"] != b["dispatches"]
    assert a["reports"] != b["reports"]


@settings(max_examples=8, deadline=None)
@given(n=st.integers(min_value=1, max_value=400), seed=st.integers(min_value=0, max_value=2**31))
def test_any_size_has_n_unique_dispatches_and_consistent_references(n: int, seed: int) -> None:
    t = generate(n, seed)
    d = t["dispatches"]
    assert d.height == n and d["dispatch_id"].n_unique() == n
    assert set(t["reports"]["dispatch_id"]) <= set(d["dispatch_id"])
    assert set(t["checkins"]["dispatch_id"]) <= set(t["reports"]["dispatch_id"])
    assert set(t["travel_claims"]["dispatch_id"]) <= set(t["reports"]["dispatch_id"])
    assert set(d["expert_id"]) <= set(t["experts"]["expert_id"])
    assert set(d["institution_id"]) <= set(t["institutions"]["institution_id"])


def test_experts_scale_with_dispatches_and_never_fall_below_a_few_hundred() -> None:
    assert generate(50, 1)["experts"].height == 300
    assert generate(11_500, 1, Shape(anomaly_rate=0))["experts"].height == 7_000


def test_out_of_range_size_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(0, 1)
    with pytest.raises(ValueError):
        generate(1_000_001, 1)


def _contract_labels() -> dict[str, list[tuple[str, str]]]:
    text = CONTRACT.read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        name = block.split()[0]
        rows = re.findall(r"^\| ([^|]+?) \| ([a-z_]+) \|", block, flags=re.M)
        if name in TABLES and rows:
            out[name] = [(n, lab) for lab, n in rows if lab != "label"]
    return out


def test_every_table_has_exactly_the_contract_headers(small: dict[str, pl.DataFrame]) -> None:
    contract = _contract_labels()
    assert set(contract) == set(TABLES)
    for table, cols in contract.items():
        assert list(TABLES[table]) == cols, table
        if table in small:
            header = csv_bytes(table, small[table]).decode(
                "cp932" if table == "experts" else "utf-8-sig"
            )
            assert header.splitlines()[0].split(",") == [lab for _, lab in cols]


def test_encodings_exercise_detection(small: dict[str, pl.DataFrame]) -> None:
    experts = csv_bytes("experts", small["experts"])
    assert not experts.startswith(b"\xef\xbb\xbf") and b"\r\n" in experts
    with pytest.raises(UnicodeDecodeError):
        experts.decode("utf-8")
    experts.decode("cp932")
    for table in ("institutions", "dispatches", "reports", "checkins", "travel_claims"):
        assert csv_bytes(table, small[table]).startswith(b"\xef\xbb\xbf")


def test_one_support_per_expert_per_day_and_no_company_over_three_without_anomalies() -> None:
    t = generate(3000, 2, Shape(anomaly_rate=0))
    d = t["dispatches"].filter(pl.col("status") != "キャンセル")
    assert d.select(pl.struct("expert_id", "scheduled_on").is_duplicated().sum()).item() == 0
    assert t["dispatches"].group_by("company_id").len()["len"].max() <= 3


def test_reports_are_plausible(small: dict[str, pl.DataFrame]) -> None:
    r = small["reports"]
    span = (r["end_time"].cast(pl.Int64) - r["start_time"].cast(pl.Int64)) // 60_000_000_000
    assert (span > 0).all() and (r["face_to_face_minutes"] <= span).all()
    assert r["start_time"].min() >= dt.time(9, 0) and r["end_time"].max() <= dt.time(18, 0)
    assert r["place_lat"].is_between(24, 46).all() and r["place_lon"].is_between(122, 146).all()
    assert (r["trip_km"] >= 0).all()
    approved = r.filter(pl.col("approved_at").is_not_null())
    assert (approved["approved_at"].dt.date() > approved["support_date"]).all()
    assert approved["approved_at"].max() <= dt.datetime(2021, 12, 6, 9, 0)


def test_approvals_spread_so_every_monthly_cycle_has_work(small: dict[str, pl.DataFrame]) -> None:
    months = small["reports"]["approved_at"].drop_nulls().dt.strftime("%Y-%m").unique().to_list()
    assert {f"2021-{m:02d}" for m in range(4, 12)} <= set(months)


def test_checkin_precedes_checkout_and_lines_are_numbered(small: dict[str, pl.DataFrame]) -> None:
    c = small["checkins"]
    wide = c.pivot(on="event", index="dispatch_id", values="at")
    assert (wide["チェックイン"] < wide["チェックアウト"]).all()
    lines = small["travel_claims"].group_by("dispatch_id").agg(pl.col("line_no"))
    assert all(v == list(range(1, len(v) + 1)) for v in lines["line_no"].to_list())


def test_every_mode_of_the_contract_appears_at_scale() -> None:
    modes = set(generate(20_000, 3)["travel_claims"]["mode"].unique())
    assert modes == {"鉄道", "航空", "船", "バス", "タクシー", "私有車", "レンタカー", "宿泊"}


def test_anomalies_are_planted_at_the_requested_rate() -> None:
    t = generate(5000, 4, Shape(anomaly_rate=0.02))
    assert t["checkins"].filter(pl.col("signed") == False).height > 0  # noqa: E712
    assert not t["reports"]["company_confirmed"].all()
    clean = generate(5000, 4, Shape(anomaly_rate=0.0))
    assert clean["reports"]["company_confirmed"].all()


def test_corporate_numbers_carry_a_valid_check_digit(small: dict[str, pl.DataFrame]) -> None:
    for cid in small["dispatches"]["company_id"].unique().to_list()[:300]:
        if cid.startswith("C"):
            continue
        digits = [int(x) for x in cid[1:]][::-1]  # P_1 is the rightmost
        total = sum(d * (1 if i % 2 == 0 else 2) for i, d in enumerate(digits))
        assert int(cid[0]) == 9 - total % 9


def test_bank_branch_pairs_exist_in_zengin_code() -> None:
    from zengin_code import Bank

    for pair in R.BANK_BRANCHES:
        assert pair[4:] in Bank.all[pair[:4]].branches, pair


def test_cli_generate_writes_csv_and_is_reproducible(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        res = runner.invoke(
            app,
            [
                "samples",
                "generate",
                "--dispatches",
                "300",
                "--seed",
                "9",
                "--out",
                str(tmp_path / name),
            ],
        )
        assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(f"{t}.csv" for t in TABLES if t != "corrections")
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_cli_generate_xlsx_has_japanese_sheets(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    res = CliRunner().invoke(
        app, ["samples", "generate", "-n", "50", "--out", str(tmp_path), "--file-format", "xlsx"]
    )
    assert res.exit_code == 0, res.output
    wb = load_workbook(tmp_path / "haken_export.xlsx", read_only=True)
    assert wb.sheetnames == [
        "専門家",
        "派遣可能機関",
        "派遣案件",
        "支援実績報告",
        "チェックイン・チェックアウト",
        "旅費請求明細",
    ]


def test_cli_refuses_a_bad_size_with_a_message_and_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["samples", "generate", "-n", "0", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "派遣件数" in res.output and "Traceback" not in res.output


@pytest.mark.slow
def test_one_million_dispatches_generate(tmp_path: Path) -> None:
    t = generate(1_000_000, 1)
    assert t["dispatches"].height == 1_000_000


def test_cli_generate_never_overwrites_exports_unasked(tmp_path: Path) -> None:
    """A clerk's real exports in --out were replaced by synthetic ones without a word
    (blind clerk check); now nothing is written unless --replace."""
    real = tmp_path / "experts.csv"
    real.write_text("専門家ID\nE-REAL\n", encoding="utf-8")
    args = ["samples", "generate", "-n", "50", "--out", str(tmp_path)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "--replace" in res.output
    assert real.read_text(encoding="utf-8") == "専門家ID\nE-REAL\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experts.csv"]
    assert CliRunner().invoke(app, [*args, "--replace"]).exit_code == 0
    assert b"E-REAL" not in real.read_bytes()


def test_cli_format_is_the_summary_format_as_in_every_command(tmp_path: Path) -> None:
    """--format is text|json everywhere; the exports' kind is --file-format (it was --format
    here, with --output for the summary: blind clerk check)."""
    import json

    res = CliRunner().invoke(app, ["samples", "generate", "-n", "50", "--out", str(tmp_path),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["seed"] == 1 and summary["rows"]["dispatches"] == 50
    assert sorted(Path(f).name for f in summary["files"]) == sorted(
        p.name for p in tmp_path.iterdir() if p.suffix == ".csv")


def test_cli_generate_refuses_a_negative_seed_and_settled_folders(tmp_path: Path) -> None:
    """--seed -1 was a numpy traceback; --replace --out OUT/2021-10 wrote sample exports
    into a closed cycle (hostile check, session 22)."""
    runner = CliRunner()
    gen = ["samples", "generate", "-n", "50"]
    res = runner.invoke(app, [*gen, "--seed", "-1", "--out", str(tmp_path / "s")])
    assert res.exit_code == 2 and "乱数の種" in res.output and not (tmp_path / "s").exists()
    cycle_dir = tmp_path / "OUT" / "2021-10"
    cycle_dir.mkdir(parents=True)
    (cycle_dir / "manifest.json").write_text("{}")
    (tmp_path / "OUT" / ".haken-history.csv").write_text("h")
    for target in (cycle_dir, tmp_path / "OUT", tmp_path / "OUT" / "new"):
        res = runner.invoke(app, [*gen, "--replace", "--out", str(target)])
        assert res.exit_code == 2 and "精算の出力フォルダ" in res.output, res.output
    assert sorted(p.name for p in cycle_dir.iterdir()) == ["manifest.json"]


def test_cli_generate_replace_in_the_other_format_leaves_one_set_of_exports(
        tmp_path: Path) -> None:
    runner = CliRunner()
    gen = ["samples", "generate", "-n", "50", "--out", str(tmp_path)]
    assert runner.invoke(app, gen).exit_code == 0
    res = runner.invoke(app, [*gen, "--replace", "--file-format", "xlsx"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["haken_export.xlsx"]
    assert runner.invoke(app, ["validate", "--data", str(tmp_path), "--out",
                               str(tmp_path.parent / "f.csv")]).exit_code in (0, 1)
