"""`haken rules show`: every parameter in force, with nothing cut at a narrow terminal."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.rules import RuleBook
from haken_batch.rules.display import shown

ON = dt.date(2021, 10, 1)


def test_text_shows_every_description_whole_at_80_columns(rules: RuleBook) -> None:
    result = CliRunner().invoke(app, ["rules", "show", "--date", ON.isoformat()],
                                terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    in_force = rules.in_force(ON)
    assert f"({len(in_force)} 件)" in result.stdout
    for name, value in in_force.items():
        p = rules.parameter(name)
        assert f"{name}  {shown(value, p.unit)}" in result.stdout
        since = p.start_of_value_at(ON).isoformat()
        assert f"規則 {p.reference}・適用開始 {since}" in result.stdout
        for line in (p.description or "").splitlines():
            assert f"  {line}\n" in result.stdout, (name, line)
    assert "…" not in result.stdout


def test_english_shows_every_parameter_in_english(rules: RuleBook) -> None:
    """`--lang en` printed the Japanese page byte for byte (docs review, session 20)."""
    import re

    result = CliRunner().invoke(app, ["rules", "show", "--date", ON.isoformat(), "--lang",
                                      "en"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    in_force = rules.in_force(ON)
    assert f"rules in force on 2021-10-01 ({len(in_force)} parameters)" in result.stdout
    for name, value in in_force.items():
        p = rules.parameter(name)
        assert p.description_en, f"{name}: no description_en in {p.source}"
        assert f"{name}  {shown(value, p.unit, 'en')}" in result.stdout
        assert f"rule {p.reference}, since {p.start_of_value_at(ON).isoformat()}" in result.stdout
        assert f"  {p.description_en}\n" in result.stdout, name
    # Japanese only inside values and the program's own terms, never the page's words
    assert not re.search("規則|適用開始|時点のルール|件\\b", result.stdout)


def test_json_lists_the_same_parameters(rules: RuleBook) -> None:
    args = ["rules", "show", "--date", ON.isoformat(), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.stdout)["parameters"]]
    assert names == list(rules.in_force(ON))


def test_values_read_as_a_clerk_reads_them() -> None:
    """'True bool', "{'IT活用': 5} count", '31680 yen/day', '2042 1/10000' (blind clerk check)."""
    assert shown(31680, "yen/day") == "31,680円/日"
    assert shown(31680, "yen/day", "en") == "31,680 yen/day"
    assert shown(True, "bool") == "はい" and shown(False, "bool", "en") == "no"
    assert shown({"IT活用": 5}, "count") == "IT活用: 5"
    assert shown(2042, "1/10000") == "20.42%" and shown(1021, "1/10000") == "10.21%"
    assert shown(["12-31", "01-01"], "list of MM-DD") == "12-31、01-01"
    assert shown(20, "day of month") == "20日" and shown("2022-03-31", "date") == "2022-03-31"


def test_a_date_before_the_rules_says_when_they_begin() -> None:
    """A date before FY2021 printed 「0 件」 and nothing else (blind clerk check)."""
    result = CliRunner().invoke(app, ["rules", "show", "--date", "2021-03-01"])
    assert result.exit_code == 2
    assert "2021-03-01 時点のルールはありません（最初の適用日 2021-04-01）" in result.output
