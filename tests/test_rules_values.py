"""Rule parameter values are checked against their unit when the rules load (every command).

Blind red team, round 3: tax.rate_low_bp 10210 (102.1 %) and fee.hourly_rate -5280 settled
with exit 0 and negative nets (304 payees left out of the Zengin file, the ledger saying
paid); "5280" and 5280.5 ended in a polars traceback (exit 1); `rules show` took a 999.99 %
rate and unknown names, and a missing tax.yaml was caught by settle only.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.errors import RulesError
from haken_batch.rules import load_rules
from haken_batch.rules.expected import OPTIONAL, OWN, PARAMETERS
from haken_batch.rules.units import UNITS

REPO = Path(__file__).resolve().parents[1]
PAYER = str(REPO / "samples" / "payer.demo.yaml")


def _rules(tmp: Path, group: str, old: str, new: str) -> Path:
    """A copy of the bundled rules with one line of ``parameters/<group>.yaml`` replaced."""
    root = tmp / "rules"
    shutil.copytree(REPO / "rules", root)
    path = root / "parameters" / f"{group}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return root


def _without(tmp: Path, group: str, key: str) -> Path:
    """A copy of the bundled rules without the parameter ``<group>.<key>`` (its whole block)."""
    root = tmp / "rules"
    shutil.copytree(REPO / "rules", root)
    path = root / "parameters" / f"{group}.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(rf"(?ms)^{key}:\n.*?(?=^\S|\Z)", text)
    assert block is not None
    path.write_text(text.replace(block.group(0), ""), encoding="utf-8")
    return root


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def _date_line(path: Path, block: str) -> int:
    """The line number of the ``2021-04-01:`` key inside ``block`` as written in ``path``."""
    text = path.read_text(encoding="utf-8")
    first = text[:text.index(block)].count("\n") + 1
    inner = next(i for i, line in enumerate(block.splitlines()) if "2021-04-01:" in line)
    return first + inner


# (test id, file, parameter, the line as bundled, the mistyped line, the value as shown)
BAD = [
    ("R-TAX-1_rate_102_percent", "tax", "tax.rate_low_bp",
     "    2021-04-01: 1021\n", "    2021-04-01: 10210\n", "10210"),
    ("R-TAX-1_rate_999_percent", "tax", "tax.rate_high_bp",
     "    2021-04-01: 2042\n", "    2021-04-01: 99999\n", "99999"),
    ("R-TAX-1_rate_exactly_100_percent", "tax", "tax.rate_low_bp",
     "    2021-04-01: 1021\n", "    2021-04-01: 10000\n", "10000"),
    ("R-FEE-1_negative_rate", "fee", "fee.hourly_rate",
     "    2021-04-01: 5280\n", "    2021-04-01: -5280\n", "-5280"),
    ("R-FEE-1_rate_as_text", "fee", "fee.hourly_rate",
     "    2021-04-01: 5280\n", '    2021-04-01: "5280"\n', '"5280"'),
    ("R-FEE-1_rate_with_decimals", "fee", "fee.hourly_rate",
     "    2021-04-01: 5280\n", "    2021-04-01: 5280.5\n", "5280.5"),
    ("R-FEE-1_rate_beyond_64_bits", "fee", "fee.hourly_rate",  # was a polars overflow
     "    2021-04-01: 5280\n", "    2021-04-01: 100000000000000000000\n",
     "100000000000000000000"),
    ("R-CHK-3_infinite_radius", "check", "check.earth_radius_m",
     "    2021-04-01: 6371008.8\n", "    2021-04-01: .inf\n", "inf"),
    ("R-FEE-2_unit_of_0_minutes", "fee", "fee.unit_minutes",
     "    2021-04-01: 30\n", "    2021-04-01: 0\n", "0"),
    ("R-FEE-3_cap_as_decimal", "fee", "fee.daily_cap",
     "    2021-04-01: 31680\n", "    2021-04-01: 31680.0\n", "31680.0"),
    ("R-FEE-1_unknown_formula", "fee", "fee.formula",
     "    2021-04-01: hourly_capped\n", "    2021-04-01: hourly_caped\n", '"hourly_caped"'),
    ("R-TRV-9_negative_per_diem", "travel", "travel.per_diem",
     "    2021-04-01: 1100\n", "    2021-04-01: -1100\n", "-1100"),
    ("R-TRV-4_switch_as_text", "travel", "travel.air_requires_receipt",
     "    2021-04-01: true\nboat_high_speed_requires_receipt:\n",
     '    2021-04-01: "true"\nboat_high_speed_requires_receipt:\n', '"true"'),
    ("R-LIM-1_negative_count_per_issue", "limit", "limit.per_company_by_issue_category",
     "    2021-04-01:\n      IT活用: 5\n", "    2021-04-01:\n      IT活用: -5\n", "-5"),
    ("R-PER-2_no_such_day", "program", "program.payment_deadline",
     '    2021-04-01: "2022-03-31"\n', '    2021-04-01: "2022-02-30"\n', '"2022-02-30"'),
    ("R-DAY-1_no_such_closed_day", "payment", "payment.bank_closed_days",
     '    2021-04-01: ["12-31", "01-01", "01-02", "01-03"]\n',
     '    2021-04-01: ["12-32", "01-01", "01-02", "01-03"]\n', "12-32"),
    ("R-TAX-4_due_day_not_in_every_month", "tax", "tax.due_day",
     "    2021-04-01: 10\n", "    2021-04-01: 31\n", "31"),
]


@pytest.mark.parametrize(("group", "name", "old", "new", "shown"),
                         [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_R_rules_a_bad_value_is_refused_at_load_naming_file_parameter_date_value(
        tmp_path: Path, group: str, name: str, old: str, new: str, shown: str) -> None:
    root = _rules(tmp_path, group, old, new)
    with pytest.raises(RulesError) as info:
        load_rules(root)
    err = info.value
    assert err.exit_code == 2
    path = root / "parameters" / f"{group}.yaml"
    line = _date_line(path, new)
    assert err.where == f"{path}:{line}"  # the very line of the dated value
    for lang in ("ja", "en"):
        text = err.message(lang)
        assert f"{group}.yaml:{line}" in text and name in text, text
        assert "2021-04-01" in text and shown in text, text
    assert "使えません" in err.ja and "書いてください" in err.ja
    assert "expected" in err.en


def test_R_TAX_1_the_message_says_why_a_rate_stays_below_100_percent(tmp_path: Path) -> None:
    root = _rules(tmp_path, "tax", "    2021-04-01: 1021\n", "    2021-04-01: 10210\n")
    with pytest.raises(RulesError) as info:
        load_rules(root)
    assert "R-TAX-1" in info.value.ja and "100%未満" in info.value.ja
    assert "0〜9,999の整数" in info.value.ja
    assert "below 100 %" in info.value.en


def test_R_FEE_3_a_later_dated_value_is_checked_too(tmp_path: Path) -> None:
    root = _rules(tmp_path, "fee", "    2021-04-01: 31680\n",
                  "    2021-04-01: 31680\n    2022-04-01: -1\n    2023-04-01: null\n")
    with pytest.raises(RulesError) as info:
        load_rules(root)
    path = root / "parameters" / "fee.yaml"
    assert info.value.where == f"{path}:{_line_of(path, '2022-04-01: -1')}"
    assert "2022-04-01" in info.value.ja and "fee.daily_cap" in info.value.ja


def test_R_FEE_1_an_unknown_parameter_name_is_refused_with_the_likely_one(tmp_path: Path) -> None:
    root = _rules(tmp_path, "fee", "hourly_rate:\n", "hourly_rat:\n")
    with pytest.raises(RulesError) as info:
        load_rules(root)
    assert "fee.hourly_rat" in info.value.ja and "fee.hourly_rate" in info.value.ja
    assert "did you mean fee.hourly_rate" in info.value.en
    assert info.value.where is not None and "fee.yaml:" in info.value.where


def test_R_TAX_1_a_missing_rules_file_is_refused_at_load(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root)
    (root / "parameters" / "tax.yaml").unlink()
    with pytest.raises(RulesError) as info:
        load_rules(root)
    assert "parameters/tax.yaml" in info.value.ja and "tax.rate_low_bp" in info.value.ja
    assert info.value.where == str(root / "parameters" / "tax.yaml")


def test_R_TAX_1_a_missing_parameter_is_refused_at_load(tmp_path: Path) -> None:
    root = _without(tmp_path, "tax", "rate_high_bp")
    with pytest.raises(RulesError) as info:
        load_rules(root)
    assert "tax.rate_high_bp" in info.value.ja and "tax.yaml" in str(info.value.where)


def test_R_TAX_1_a_changed_unit_is_refused(tmp_path: Path) -> None:
    old = "  reference: R-TAX-1\n  unit: 1/10000\n  values:\n    2021-04-01: 1021\n"
    root = _rules(tmp_path, "tax", old, old.replace("1/10000", '"%"').replace("1021", "10.21"))
    with pytest.raises(RulesError) as info:
        load_rules(root)
    assert "tax.rate_low_bp" in info.value.ja and "1/10000" in info.value.ja
    assert "%" in info.value.ja


def test_R_TAX_5_a_parameter_nothing_reads_yet_may_be_absent(tmp_path: Path) -> None:
    root = _without(tmp_path, "tax", "annual_report_min_yen")
    assert "tax.annual_report_min_yen" not in load_rules(root).parameters


def test_R_rules_the_tables_cover_every_bundled_parameter_and_unit(rules) -> None:
    assert set(rules.parameters) == set(PARAMETERS)
    assert {p.unit for p in rules.parameters.values()} <= set(UNITS)
    assert set(PARAMETERS.values()) <= set(UNITS)
    assert set(OWN) <= set(PARAMETERS) and set(PARAMETERS) >= OPTIONAL


# --- through the CLI: exit 2, one message, no traceback, nothing written ---------------


def _flat(output: str) -> str:
    """The terminal's text without the line breaks it wrapped at (Japanese has no spaces)."""
    return output.replace("\n", "")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from haken_batch.samplegen import generate, write_tables

    folder = tmp_path_factory.mktemp("data")
    write_tables(generate(60, 3), folder)
    return folder


def test_R_TAX_1_rules_show_refuses_a_102_percent_rate(tmp_path: Path) -> None:
    root = _rules(tmp_path, "tax", "    2021-04-01: 1021\n", "    2021-04-01: 10210\n")
    result = CliRunner().invoke(app, ["rules", "show", "--rules", str(root)])
    assert result.exit_code == 2, result.output
    said = _flat(result.output)
    assert "Traceback" not in said
    assert "tax.rate_low_bp" in said and "10210" in said
    assert "2021-04-01" in said and "tax.yaml" in said
    en = CliRunner().invoke(app, ["rules", "show", "--rules", str(root), "--lang", "en"])
    assert en.exit_code == 2 and "is not allowed" in " ".join(en.output.split())


def test_R_TAX_1_rules_show_refuses_a_missing_tax_file(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(REPO / "rules", root)
    (root / "parameters" / "tax.yaml").unlink()
    result = CliRunner().invoke(app, ["rules", "show", "--rules", str(root)])
    assert result.exit_code == 2 and "parameters/tax.yaml" in _flat(result.output)


@pytest.mark.parametrize("new", ["-5280", '"5280"', "5280.5"])
def test_R_FEE_1_settle_refuses_a_bad_hourly_rate_and_writes_nothing(
        tmp_path: Path, data_dir: Path, new: str) -> None:
    root = _rules(tmp_path, "fee", "    2021-04-01: 5280\n", f"    2021-04-01: {new}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data_dir), "--out",
                                      str(out), "--payer", PAYER, "--rules", str(root),
                                      "--no-documents"])
    assert result.exit_code == 2, result.output
    said = _flat(result.output)
    assert "Traceback" not in said and "polars" not in said
    assert "fee.hourly_rate" in said and new.strip('"') in said
    assert not (out / "2021-10").exists()
