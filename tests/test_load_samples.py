"""The bundled samples load, CSV and workbook alike, with exactly the planted findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from haken_batch.load import load_dataset

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PLANTED = [  # samples/README.md "Planted validation findings"
    ("checkins", 2058, "種別", "R-VAL-1"), ("checkins", 2059, "種別", "R-VAL-1"),
    ("experts", 453, "金融機関コード", "R-VAL-2"), ("experts", 454, "口座番号", "R-VAL-2"),
    ("experts", 455, "口座名義カナ", "R-VAL-2"), ("reports", 1101, "支援日", "R-VAL-1"),
    ("reports", 1102, "開始時刻", "R-VAL-1"), ("travel_claims", 1840, "運賃", "R-VAL-1"),
    ("travel_claims", 1900, "派遣ID", "R-VAL-1"),
]


@pytest.fixture(scope="module")
def csv_data(rules):
    if not (SAMPLES / "fy2021" / "dispatches.csv").exists():
        pytest.skip("samples/fy2021 not built")
    return load_dataset(SAMPLES / "fy2021", rules)


def test_R_VAL_samples_report_exactly_the_planted_findings(csv_data) -> None:
    got = csv_data.findings.select("table", "row", "column", "rule_id").sort(
        "table", "row").rows()
    assert got == sorted(PLANTED)
    assert set(csv_data.findings.get_column("severity")) == {"error"}
    assert csv_data.corrections.height > 0


def test_samples_workbook_equals_csv(csv_data, rules) -> None:
    books = sorted((SAMPLES / "fy2021-xlsx").glob("*.xlsx"))
    if not books:
        pytest.skip("samples/fy2021-xlsx not built")
    book = load_dataset(books[0].parent, rules)
    for table, frame in csv_data.tables.items():
        assert_frame_equal(frame, book.tables[table])
    assert_frame_equal(csv_data.corrections, book.corrections)
