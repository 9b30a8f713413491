"""`haken explain` (R-DATA-1): the story of a capped, a held and a corrected dispatch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import explain
from haken_batch.cli.app import app
from haken_batch.explain import ExplainError
from test_archive_fixture import ENGINE, settled


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settled(tmp_path_factory.mktemp("explain"))


def test_R_FEE_3_capped_dispatch_shows_the_day_shared_with_the_other_dispatch(out: Path) -> None:
    s = explain.story(out, "D-02", engine=ENGINE)
    assert s["cycle"] == "2021-10" and s["decision"]["status"] == "paid"
    assert [(e["dispatch_id"], e["fee"]) for e in s["day"]["dispatches"]] == [
        ("D-01", 15840), ("D-02", 15840)]
    assert s["day"]["daily_cap"] == 31680 and s["day"]["fee_paid_that_day"] == 31680
    assert s["lines"][0]["claimed"] == 21120 and s["lines"][0]["paid"] == 15840
    cap = next(f for f in s["findings"] if f["rule_id"] == "R-FEE-3")
    assert {"name": "fee.daily_cap", "value": 31680} .items() <= cap["parameters"][0].items()
    assert cap["parameters"][0]["since"] == "2021-04-01"
    assert s["money"]["zengin_files"] == ["zengin_20211119.txt"]
    assert s["money"]["payment"]["net"] == 28446
    text = explain.render(s, "ja")
    assert "D-01（2021-10 支払）謝金 15,840 円" in text
    assert "fee.daily_cap = 31,680円/日（2021-04-01 から適用" in text
    assert "振込指定日 2021-11-19" in text


def test_R_CHK_6_held_dispatch_tells_the_check_and_where_the_money_did_not_go(out: Path) -> None:
    s = explain.story(out, "D-03", engine=ENGINE)
    assert s["cycle"] == "2021-11"  # the latest cycle that lists it
    assert s["history"] == [{"cycle": "2021-10", "status": "held"},
                            {"cycle": "2021-11", "status": "held"}]
    assert s["checks"] == [{"rule_id": "R-CHK-6", "line_no": None, "outcome": "hold",
                            "detail": "company_confirmed", "detail_en": "company_confirmed",
                            "parameters": [], "effect": None,  # a hold that holds
                            "line_label": None, "line_label_en": None}]
    assert s["money"]["zengin_files"] == [] and s["money"]["payment"] is None
    text = explain.render(s, "ja")
    assert "R-CHK-6: 保留" in text and "保留のため支払っていません" in text
    assert "2021-10 保留 → 2021-11 保留" in text
    earlier = explain.story(out, "D-03", cycle="2021-10", engine=ENGINE)
    assert earlier["cycle"] == "2021-10"


def test_corrected_dispatch_tells_who_when_why_old_new(out: Path) -> None:
    s = explain.story(out, "D-04", engine=ENGINE)
    assert s["corrections"] == [{
        "seq": 1, "file": "corrections.csv", "row": None,  # a trail without its file row
        "table": "dispatches", "key": "D-04", "column": "minutes",
        "table_ja": "dispatches", "label": "minutes", "kind": None,  # no column map here
        "old": "60",
        "new": "90", "reason": "報告書の転記誤り", "who": "事務局A", "when": "2021-10-26T10:00:00"}]
    text = explain.render(s, "ja")
    assert ("#1 2021-10-26T10:00:00 事務局A: dispatches D-04 の minutes を「60」→「90」"
            "（理由: 報告書の転記誤り）") in text
    assert "7,920" in text


def test_R_DATA_2_personal_data_is_masked(out: Path) -> None:
    s = explain.story(out, "D-01", engine=ENGINE)
    text = explain.render(s, "ja") + json.dumps(s, ensure_ascii=False)
    assert "太郎" not in text and "1234567" not in text and "あおば" not in text
    assert "山田 **" in text and "****567" in text


def test_unknown_dispatch_or_cycle_is_a_clear_error(out: Path) -> None:
    with pytest.raises(ExplainError, match="D-99"):
        explain.story(out, "D-99", engine=ENGINE)
    with pytest.raises(ExplainError, match="2021-11"):
        explain.story(out, "D-01", cycle="2021-11", engine=ENGINE)


def test_explain_cli_text_json_and_english(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "haken_batch.cycle", ENGINE)
    runner = CliRunner()
    res = runner.invoke(app, ["explain", "D-02", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "派遣 D-02 の精算経緯" in res.output
    js = runner.invoke(app, ["explain", "D-02", "--out", str(out), "--format", "json"])
    assert json.loads(js.output)["decision"]["rules"] == "R-FEE-3"
    en = runner.invoke(app, ["explain", "D-02", "--out", str(out), "--lang", "en"])
    assert "Where the money went" in en.output
    missing = runner.invoke(app, ["explain", "D-99", "--out", str(out)])
    assert missing.exit_code == 2 and "D-99" in missing.output
