"""The dated rule book: lookups at boundaries, the hardened loader's errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from haken_batch.errors import RulesError
from haken_batch.rules import load_rules

REPO = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path, body: str) -> Path:
    """The bundled parameters, with fee.hourly_rate written as ``body`` at the top of fee.yaml
    (a tree of made-up names is refused now: only the names the code reads load)."""
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules" / "parameters", root / "parameters")
    fee = root / "parameters" / "fee.yaml"
    text = fee.read_text(encoding="utf-8")
    start = text.index("hourly_rate:\n")
    end = text.index("\nunit_minutes:", start) + 1
    fee.write_text(body + text[:start] + text[end:], encoding="utf-8")
    return root


def test_value_at_takes_latest_start_on_or_before(tmp_path: Path) -> None:
    book = load_rules(_tree(tmp_path, """\
hourly_rate:
  description: x
  unit: yen/hour
  values:
    2021-04-01: 5280
    2022-04-01: 26400
"""))
    assert book.value_at("fee.hourly_rate", "2021-04-01") == 5280
    assert book.value_at("fee.hourly_rate", dt.date(2022, 3, 31)) == 5280
    assert book.value_at("fee.hourly_rate", dt.date(2022, 4, 1)) == 26400


def test_value_before_first_start_is_an_error(tmp_path: Path) -> None:
    body = "hourly_rate:\n  unit: yen/hour\n  values:\n    2021-04-01: 1\n"
    book = load_rules(_tree(tmp_path, body))
    with pytest.raises(RulesError, match="2021-03-31"):
        book.value_at("fee.hourly_rate", "2021-03-31")


def test_null_ends_a_value(tmp_path: Path) -> None:
    body = "hourly_rate:\n  unit: yen/hour\n  values:\n    2021-04-01: 1\n    2022-04-01: null\n"
    book = load_rules(_tree(tmp_path, body))
    assert book.value_at("fee.hourly_rate", "2022-03-31") == 1
    with pytest.raises(RulesError):
        book.value_at("fee.hourly_rate", "2022-04-01")
    assert "fee.hourly_rate" not in book.in_force("2022-04-01")


def test_duplicate_key_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "hourly_rate:\n  values:\n    2021-04-01: 1\n    2021-04-01: 2\n")
    with pytest.raises(RulesError) as info:
        load_rules(tree)
    assert info.value.where is not None and info.value.where.endswith("fee.yaml:4")


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="valeus"):
        load_rules(_tree(tmp_path, "hourly_rate:\n  valeus:\n    2021-04-01: 1\n"))


def test_dates_stay_strings_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="2021-02-30"):
        load_rules(_tree(tmp_path, "hourly_rate:\n  values:\n    2021-02-30: 1\n"))


def test_fy2021_holds_every_number_of_the_rules(rules) -> None:
    on = "2021-10-01"
    assert rules.value_at("fee.hourly_rate", on) == 5280
    assert rules.value_at("fee.unit_minutes", on) == 30
    assert rules.value_at("fee.daily_cap", on) == 31680
    assert rules.value_at("limit.per_company_per_year", on) == 3
    assert rules.value_at("limit.per_company_by_issue_category", on) == {"IT活用": 5}
    assert rules.value_at("travel.private_car_yen_per_km", on) == 37
    assert rules.value_at("travel.per_diem", on) == 1100
    assert rules.value_at("travel.lodging_cap_per_night", on) == 9800
    assert rules.value_at("check.time_tolerance_minutes", on) == 15
    assert rules.value_at("check.distance_tolerance_m", on) == 500
    assert rules.value_at("tax.rate_low_bp", on) == 1021
    assert rules.value_at("tax.rate_high_bp", on) == 2042
    assert rules.value_at("program.dispatch_period_end", on) == "2022-02-28"
    prefs = rules.code("prefectures")["prefectures"]
    assert len(prefs) == 47
    assert {p["name"]: p["bureau"] for p in prefs}["沖縄県"] == "沖縄総合事務局"
    kinds = rules.code("institution_kinds")["institution_kinds"]
    assert sorted(k["code"] for k in kinds if k["spared_by_exc3"]) == [1, 2, 3, 4]
