"""R-CHK-2, R-CHK-3 and R-CHK-6 from a value the contract refused (R-VAL-1).

A cell that fails validation keeps the value it was read as (a latitude of 95, a longitude
of 200, a check-in in 2201): compared, it gave an R-CHK-3 hold of "6,595,955 m" beside the
R-VAL-1 hold of its row. Such a value is missing for the checks, as a blank is: the dispatch
stays held by R-VAL-1, only the nonsense R-CHK-3 item goes and the message says what was not
compared; a real difference (a check-in 30 minutes late) still holds. R-CHK-6 holds on a
refused 従事証明確認 as on a blank one (nothing says it was checked), saying why; R-CHK-2 on
a refused 署名 or 誓約書提出 likewise (it said 「署名なし」).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle
from haken_batch.settle.checks import refused_inputs
from sample_runs import sample_options

CASES = Path(__file__).resolve().parent / "fixtures" / "explain_cases"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """explain_cases with HOLD-AND-RED's check-in at latitude 95 (its time, 30 minutes after
    the approved start, is a real R-CHK-3 difference), AIR-UP checked in on time at longitude
    200 and out on time at the place, and AIR-UP's 従事証明確認, check-out 署名, 誓約書提出
    and 同行有無 unreadable (たぶん)."""
    data = tmp_path_factory.mktemp("refused") / "data"
    shutil.copytree(CASES, data)
    checkins = _rows(data / "checkins.csv")
    checkins[0]["lat"] = "95"  # HOLD-AND-RED's check-in
    here = {"lat": "35.681236", "lon": "139.767125", "dispatch_id": "AIR-UP"}
    checkins += [{**here, "lon": "200", "signed": "FALSE", "event": "チェックイン",
                  "at": "2021-10-05T10:00:00"},
                 {**here, "signed": "たぶん", "event": "チェックアウト",
                  "at": "2021-10-05T11:00:00"}]
    _write(data / "checkins.csv", checkins)
    reports = _rows(data / "reports.csv")
    for r in reports:
        if r["dispatch_id"] == "AIR-UP":
            r["company_confirmed"] = "たぶん"
            r["declaration_submitted"] = "多分"
            r["accompanied"] = "不明"
    _write(data / "reports.csv", reports)
    out = tmp_path_factory.mktemp("refused-out") / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data=data))
    return out / "2021-10"


def _findings(folder: Path, dispatch_id: str) -> dict[str, str]:
    return {r["ルールID"]: r["内容"] for r in _rows(folder / "findings.csv")
            if r["派遣ID"] == dispatch_id}


def test_R_CHK_3_R_VAL_1_a_refused_latitude_gives_no_distance(settled: Path) -> None:
    found = _findings(settled, "HOLD-AND-RED")
    assert "緯度: 範囲外の値です" in found["R-VAL-1"]  # held for the row, as before
    assert found["R-CHK-3"] == ("チェックイン時刻が承認開始と30分差（許容 15分・500m）。"
                                "チェックイン位置は検証エラーの値のため比較せず（R-VAL-1）")
    assert "m（" not in found["R-CHK-3"].split("（許容")[0]  # no distance from latitude 95


def test_R_CHK_3_R_VAL_1_a_refused_longitude_alone_holds_by_R_VAL_1_only(
        settled: Path) -> None:
    found = _findings(settled, "AIR-UP")
    assert "R-CHK-3" not in found  # it was a hold of some 5,000 km
    assert "経度: 範囲外の値です" in found["R-VAL-1"]
    status = {r["派遣ID"]: r["判定"] for r in _rows(settled / "dispatches.csv")}
    assert status["AIR-UP"] == "held" and status["HOLD-AND-RED"] == "held"


def test_R_CHK_6_R_VAL_1_a_refused_confirmation_holds_and_says_why(settled: Path) -> None:
    found = _findings(settled, "AIR-UP")
    assert found["R-CHK-6"] == ("企業の従事証明（メール）の確認が分からない"
                                "（従事証明確認の値が検証エラー、R-VAL-1）")
    assert "従事証明確認" in found["R-VAL-1"]


def test_R_CHK_3_refused_inputs_flags_the_cells_of_each_event() -> None:
    cells = pl.DataFrame({
        "table": ["checkins", "checkins", "reports", "reports", "experts"],
        "key": ["D-1;チェックイン", "D-2;チェックアウト", "D-3", "D-3", "D-1"],
        "column": ["lat", "at", "place_lon", "company_confirmed", "lat"]})
    flags = refused_inputs(cells).sort("dispatch_id")
    on = {row["dispatch_id"]: {k for k, v in row.items() if v is True}
          for row in flags.to_dicts()}
    assert on == {"D-1": {"_bad_ci_pos"}, "D-2": {"_bad_co_at"},
                  "D-3": {"_bad_place", "_bad_confirmed"}}
    assert refused_inputs(None).height == 0


def test_R_CHK_2_R_VAL_1_a_refused_signature_and_declaration_hold_and_say_why(
        settled: Path) -> None:
    found = _findings(settled, "AIR-UP")
    assert found["R-CHK-2"] == ("署名が不明（署名の値が検証エラー）、支援実施証明兼再発防止誓約書"
                                "の提出が不明（誓約書提出の値が検証エラー、R-VAL-1）")
    assert "署名" in found["R-VAL-1"] and "誓約書提出" in found["R-VAL-1"]


def test_R_CHK_4_R_VAL_1_a_refused_accompaniment_is_flagged_as_unreadable(
        settled: Path) -> None:
    found = _findings(settled, "AIR-UP")
    assert found["R-CHK-4"] == ("機関の同行の有無が分からない（同行有無の値が検証エラー、"
                                "R-VAL-1）")
