"""`haken explain` of a dispatch whose support date is not a date (held, R-VAL-1) or lies
before the rules begin (excluded, R-PER-1): the story is told, with no 空欄 standing in for
a period or a rate (blind clerk check: a jinja traceback, and 「期間 空欄〜空欄」)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import cycle, explain
from haken_batch.cli.app import app
from sample_runs import sample_options


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dates") / "out"
    cycle.settle_cycle(sample_options(folder))
    return folder


def test_R_VAL_1_a_support_date_not_a_date_is_explained_without_a_day(out: Path) -> None:
    res = CliRunner().invoke(app, ["explain", "D21-P073", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "支援日が日付として読めないため、示せません" in res.output
    assert "空欄×空欄" not in res.output and "空欄〜空欄" not in res.output
    english = CliRunner().invoke(app, ["explain", "D21-P073", "--out", str(out),
                                       "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "The support date is not a readable date" in english.output


def test_R_PER_1_a_blank_date_is_not_judged_inside_the_period(out: Path) -> None:
    text = explain.render(explain.story(out, "D21-P073"))
    assert "期間は判定していません" in text and "謝金は計算していません" in text


def test_R_PER_1_a_date_before_the_rules_is_outside_without_blank_bounds(out: Path) -> None:
    text = explain.render(explain.story(out, "D21-P019"))
    assert "支援日 2021-03-31 はルールの最初の適用日より前で、派遣実施期間の外" in text
    assert "空欄" not in text.replace("支援日が空欄か", "")  # no blank stands for a value


@pytest.mark.parametrize(("dispatch_id", "why"), [
    ("D21-0000020", "（2021-10 の入力ではキャンセルです。キャンセルは精算しません）"),
    ("D21-0000196", "（2021-10 の入力では支援実績報告がありません）"),
    ("D21-0000082", "（2021-10 の入力では報告が機関に承認されていません）"),
    ("D21-0000036", "（報告の承認（2021-11-06）が 2021-10 の締日 2021-10-31 より後です。"),
    ("D21-9999999", "（2021-10 の入力では派遣案件にもありません）"),
])
def test_a_dispatch_in_no_cycle_is_told_why(out: Path, dispatch_id: str, why: str) -> None:
    """A dispatch cancelled before payment was only 'in no cycle' (blind clerk check): the
    latest cycle's archived inputs say why it was not considered."""
    from haken_batch.errors import HakenError

    with pytest.raises(HakenError) as told:
        explain.deciding_cycle(out, dispatch_id)
    assert f"派遣 {dispatch_id} は {out} のどのサイクルにもありません{why}" in told.value.ja


def test_R_LIM_1_a_held_dispatch_lists_the_dispatches_counted(out: Path) -> None:
    """The hold's advice pointed at a list the clerk did not have (blind clerk check)."""
    story = explain.story(out, "D21-P024")
    assert [(c["rank"], c["dispatch_id"], c["status"]) for c in story["counted"]] == [
        (1, "D21-P021", "paid"), (2, "D21-P022", "paid"), (3, "D21-P023", "paid"),
        (4, "D21-P024", "held")]
    text = explain.render(story)
    assert "数えた派遣（R-LIM-1、同じ企業・同じ年度、支援日順）:" in text
    assert "    4. D21-P024（2021-09-09、2021-10 保留） ← この派遣" in text
    assert "Dispatches counted (R-LIM-1" in explain.render(story, "en")
