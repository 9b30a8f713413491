"""The bundled FY2021 sample: committed files = script output, planted cases cover the rules."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from haken_batch.samplegen import fy2021
from haken_batch.samplegen import planted as P
from haken_batch.samplegen.contract import TABLE_LABELS, TABLES

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "spec" / "rules.md"
RULE_ID = re.compile(r"\bR-[A-Z]+-\d+\b")


@pytest.fixture(scope="module")
def sample() -> fy2021.Sample:
    return fy2021.build()


@pytest.fixture(scope="module")
def outputs(sample: fy2021.Sample) -> dict[str, bytes]:
    return fy2021.outputs(sample)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / "expected-fy2021.yaml").read_text(encoding="utf-8"))


def test_committed_sample_equals_the_script_output(outputs: dict[str, bytes]) -> None:
    stale = [rel for rel, data in outputs.items() if (SAMPLES / rel).read_bytes() != data]
    assert not stale, f"run `python samples/make_fy2021.py` and commit: {stale}"


def test_committed_workbook_equals_the_script_output(sample: fy2021.Sample, tmp_path: Path) -> None:
    from haken_batch.samplegen.writer import write_xlsx

    tables = {t: sample.tables[t] for t in fy2021.CSV_TABLES}
    fresh = write_xlsx(tables, tmp_path / "haken_fy2021.xlsx", sample.overrides)
    assert fresh.read_bytes() == (SAMPLES / "fy2021-xlsx" / "haken_fy2021.xlsx").read_bytes()


def test_workbook_holds_the_same_rows_as_the_csvs(sample: fy2021.Sample) -> None:
    import fastexcel

    book = fastexcel.read_excel(str(SAMPLES / "fy2021-xlsx" / "haken_fy2021.xlsx"))
    assert book.sheet_names == [TABLE_LABELS[t] for t in fy2021.CSV_TABLES]
    for table in fy2021.CSV_TABLES:
        sheet = book.load_sheet(TABLE_LABELS[table], dtypes="string")
        assert sheet.available_columns()[0].name == TABLES[table][0][1]
        assert [c.name for c in sheet.available_columns()] == [lab for _, lab in TABLES[table]]
        assert sheet.height == sample.tables[table].height, table


def test_workbook_has_real_excel_dates_and_the_planted_text_cells() -> None:
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLES / "fy2021-xlsx" / "haken_fy2021.xlsx", read_only=True)
    ws = wb["支援実績報告"]
    rows = list(ws.iter_rows(min_row=2, max_row=3, values_only=True))
    assert isinstance(rows[0][1], dt.datetime) and isinstance(rows[0][2], dt.time)
    texts = {
        (r[0], r[1])
        for r in wb["支援実績報告"].iter_rows(min_row=2, values_only=True)
        if isinstance(r[1], str)
    }
    assert ("D21-P073", "2021-09-31") in texts


def test_background_size_and_shape(sample: fy2021.Sample) -> None:
    t = sample.tables
    assert 1000 <= t["dispatches"].height <= 1300
    assert 300 <= t["experts"].height <= 600
    inst = t["institutions"]
    yorozu = inst.filter(pl.col("channel") == "よろず支援拠点")
    assert (
        yorozu.height == 47
        and yorozu["prefecture"].n_unique() == 47
        and yorozu["kind"].null_count() == 47
    )
    pf = inst.filter(pl.col("channel") == "地域プラットフォーム")
    assert pf["platform_id"].n_unique() >= 5
    assert (
        pf.group_by("platform_id")
        .agg(pl.col("is_representative").sum())["is_representative"]
        .to_list()
        == [1] * pf["platform_id"].n_unique()
    )
    assert pf["kind"].n_unique() >= 8
    dates = t["reports"]["support_date"]
    assert dates.filter(dates >= dt.date(2021, 4, 1)).min().month == 4 and dates.max().month in (
        11,
        12,
    )
    november = t["reports"].filter(pl.col("approved_at").dt.strftime("%Y-%m") == "2021-11").height
    assert november > 80
    assert t["reports"]["approved_at"].null_count() > 0


def _rule_ids() -> set[str]:
    return set(RULE_ID.findall(RULES_MD.read_text(encoding="utf-8")))


def _covered(expected: dict[str, Any]) -> set[str]:
    ids = set()
    for c in expected["cases"]:
        ids |= {c["rule"], *c["also"], *c["rules_any"], *c["flags"]}
    for t in expected["tax"]:
        ids |= set(t["rules"])
    ids |= {v["rule_id"] for v in expected["validation"]}
    return ids


def test_every_settlement_triggerable_rule_has_a_planted_case(expected: dict[str, Any]) -> None:
    ids = _rule_ids()
    not_triggerable = set(expected["not_triggerable"])
    assert not_triggerable <= ids, "not_triggerable names a rule that rules.md does not have"
    missing = ids - not_triggerable - _covered(expected)
    assert not missing, f"rules with no planted case: {sorted(missing)}"


def test_readme_names_every_rule_and_every_planted_dispatch(sample: fy2021.Sample) -> None:
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert not {r for r in _rule_ids() if r not in text}
    assert all(c.id in text for c in sample.cases)


def test_expected_totals_add_up_and_non_paid_pay_nothing(expected: dict[str, Any]) -> None:
    for c in expected["cases"]:
        assert c["total"] == c["fee"] + c["transport"] + c["per_diem"] + c["lodging"], c[
            "dispatch_id"
        ]
        if c["status"] != "paid":
            assert c["total"] == 0, c["dispatch_id"]
        assert c["status"] in ("paid", "held", "excluded")


def test_R_FEE_2_boundaries_are_planted(expected: dict[str, Any]) -> None:
    fee = {
        c["dispatch_id"]: c["fee"] for c in expected["cases"] if c["rule"] in ("R-FEE-1", "R-FEE-2")
    }
    assert fee == {"D21-P001": 0, "D21-P002": 2640, "D21-P003": 2640, "D21-P004": 5280}


def test_R_TAX_1_withholding_expectations_follow_the_formula(expected: dict[str, Any]) -> None:
    for t in expected["tax"]:
        gross = t["gross"]
        if t["payee_type"] == "法人":
            want = 0
        elif gross <= 1_000_000:
            want = gross * 1021 // 10000
        else:
            want = (102_100 * 10000 + (gross - 1_000_000) * 2042) // 10000
        assert t["withholding"] == want and t["net"] == gross - want, t["expert_id"]
        paid = sum(
            c["total"]
            for c in expected["cases"]
            if c["expert_id"] == t["expert_id"] and c["cycle"] == t["cycle"]
        )
        assert paid == gross, t["expert_id"]
    assert any(t["gross"] > 1_000_000 for t in expected["tax"])


def test_validation_findings_point_at_the_planted_cells(expected: dict[str, Any]) -> None:
    for v in expected["validation"]:
        path = SAMPLES / "fy2021" / v["file"]
        enc = "cp932" if v["file"] == "experts.csv" else "utf-8-sig"
        df = pl.read_csv(path, encoding="utf8" if enc != "cp932" else "cp932", infer_schema=False)
        assert str(df[v["row"] - 2, v["column"]]) == str(v["value"]), v


def test_corrections_file_matches_the_planted_corrections(expected: dict[str, Any]) -> None:
    df = pl.read_csv(SAMPLES / "fy2021" / "corrections.csv", infer_schema=False)
    assert df.height == len(P.CORRECTIONS) == len(expected["corrections"])
    assert df["理由"].null_count() == 0 and df["修正者"].null_count() == 0


def test_planted_bank_data_is_real_except_the_broken_on_purpose() -> None:
    from zengin_code import Bank

    for e in P.EXPERTS:
        if e.id == "EP032":
            assert e.bank not in Bank.all
            continue
        assert e.branch in Bank.all[e.bank].branches, e.id


def test_R_CHK_3_planted_positions_straddle_500_m() -> None:
    import math

    radius = 6_371_008.8
    by_id = {c.id: c for c in P.cases()}
    assert radius * math.radians(by_id["D21-P038"].checkin_dlat) > 500
    assert radius * math.radians(by_id["D21-P039"].checkin_dlat) <= 500
