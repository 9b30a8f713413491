"""The settle summary's 保留理由 lists every hold rule with what its hold means (ids alone
told the clerk nothing, and a top five left a third of the holds out: blind clerk checks),
from templates/hold_reasons.yaml; explain tells what to do (todo)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.hold_reasons import meanings as hold_reasons
from sample_runs import PAYER, SAMPLES

RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "spec" / "rules.md"


def test_every_catalogued_rule_exists_and_reads_in_both_languages() -> None:
    import yaml

    from haken_batch.resources import templates_dir

    raw = yaml.safe_load((templates_dir() / "hold_reasons.yaml").read_text("utf-8"))
    for rule, entry in raw.items():  # a comma in a flow mapping once cut the English
        assert set(entry) == {"ja", "en", "todo_ja", "todo_en"}, rule
        assert all(isinstance(v, str) and v for v in entry.values()), rule
    ja, en = hold_reasons("ja"), hold_reasons("en")
    assert set(ja) == set(en) and all(ja.values()) and all(en.values())
    assert en["R-CHK-5"] == ("a travel document (receipt, boarding pass, reason) or the "
                             "rental-car review is missing")
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
    for rule in rules:  # every rule, not a top five
        counted = sum(rule in cell.split(";") for cell in held["根拠ルール"])
        assert f"│ {rule} │ {counted:>4} │ {hold_reasons('ja')[rule]}" in res.stdout, rule


def test_explain_of_a_held_dispatch_says_what_to_do(tmp_path: Path) -> None:
    from haken_batch import cycle, explain
    from haken_batch.hold_reasons import todos
    from sample_runs import sample_options

    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out))
    held = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False).filter(
        pl.col("判定") == "held")
    for dispatch_id, rules in held.select("派遣ID", "根拠ルール").rows()[:6]:
        story = explain.story(out, dispatch_id)
        text, en = explain.render(story), explain.render(story, "en")
        for rule in rules.split(";"):
            assert f"対処（{rule}）: {todos('ja')[rule]}" in text
            assert f"To do ({rule}): {todos('en')[rule]}" in en


def _summary(top_holds: list[tuple[str, int]]) -> dict[str, object]:
    yen = dict.fromkeys(("fee", "transport", "per_diem", "lodging", "withholding"), 0)
    return {"cycle": "2021-10", "cutoff": "2021-10-31", "transfer_date": "2021-11-19",
            "counts": {"paid": 1, "held": 1}, "considered": 2, "payees": 1, "transfers": 1,
            "flags": 0, "top_holds": top_holds,
            "yen": {**yen, "gross": 18_580_287, "net": 16_855_730}}


def _column(text: str, index: int) -> str:
    """The cells of one column of the hold table, top to bottom, joined without spaces."""
    cells = [line.split("│")[index] for line in text.splitlines()
             if line.startswith("│ ") and line.count("│") == 4]
    return "".join("".join(cells).split())


def test_summary_folds_a_long_hold_reason_instead_of_cutting_it(monkeypatch, capsys) -> None:
    """cron mails the summary at 80 columns: a reason cut with … explained nothing."""
    from haken_batch.cli.render_settle import render_summary

    for lang in ("ja", "en"):
        rules = sorted(hold_reasons(lang), key=lambda r: -len(hold_reasons(lang)[r]))
        for width in (80, 40):
            monkeypatch.setenv("COLUMNS", str(width))
            render_summary(_summary([(r, 1) for r in rules]), lang)
            out = capsys.readouterr().out
            assert "…" not in out
            assert _column(out, 3) == "".join(
                "".join(hold_reasons(lang)[r].split()) for r in rules), (lang, width)
            assert "18,580,287" in out and "16,855,730" in out  # amounts never cut


def test_summary_folds_a_long_status_label_at_30_columns(monkeypatch, capsys) -> None:
    """「保留（うち前回から継続 …）」 was cut with … at 30 columns (helper review)."""
    from haken_batch.cli.render_settle import render_summary

    summary = {**_summary([]), "carried": {"held": 1234}}
    monkeypatch.setenv("COLUMNS", "30")
    render_summary(summary, "ja")
    out = capsys.readouterr().out
    assert "…" not in out
    labels = "".join(line.split("│")[1] for line in out.splitlines()
                     if line.startswith("│") and line.count("│") == 3)
    assert "保留（うち前回から継続1,234）" in "".join(labels.split())


def test_summary_says_why_payees_and_transfers_differ(monkeypatch, capsys) -> None:
    """An expert whose cycle totals 0 yen has a payment row but no transfer: 329 payees
    beside 328 transfers was unexplained (blind clerk check)."""
    from haken_batch.cli.render_settle import render_summary

    monkeypatch.setenv("COLUMNS", "200")
    render_summary({**_summary([]), "payees": 329, "transfers": 328}, "ja")
    assert "振込 328 件（支払額 0 円の 1 人は振込なし）" in capsys.readouterr().out
    render_summary({**_summary([]), "payees": 2, "transfers": 2}, "en")
    assert "no transfer" not in capsys.readouterr().out
