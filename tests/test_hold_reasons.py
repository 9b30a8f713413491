"""The settle summary's 主な保留理由 says what each rule's hold means (ids alone told the
clerk nothing: blind clerk check), from templates/hold_reasons.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.cli.render_settle import hold_reasons
from sample_runs import PAYER, SAMPLES

RULES_MD = Path(__file__).resolve().parents[2] / "shared" / "spec" / "rules.md"


def test_every_catalogued_rule_exists_and_reads_in_both_languages() -> None:
    ja, en = hold_reasons("ja"), hold_reasons("en")
    assert set(ja) == set(en) and all(ja.values()) and all(en.values())
    if RULES_MD.is_file():  # the spec sits beside the repository in the workspace only
        known = set(re.findall(r"^- (R-[A-Z]+-\d+)", RULES_MD.read_text("utf-8"), re.M))
        assert set(ja) <= known


def test_summary_shows_the_meaning_of_every_hold_of_the_sample_month(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(SAMPLES), "--out",
                                   str(out), "--payer", str(PAYER), "--no-documents"],
                             terminal_width=100, env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    held = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False).filter(
        pl.col("判定") == "held")
    rules = {r for cell in held["根拠ルール"] for r in cell.split(";")}
    assert rules <= set(hold_reasons("ja")), rules - set(hold_reasons("ja"))
    for rule, meaning in hold_reasons("ja").items():
        if rule in rules and f"│ {rule} " in res.stdout:
            assert meaning in res.stdout
    assert "旅費の証拠書類（領収書・搭乗券・理由）がない" in res.stdout
