"""Settling a cycle again replaces its outputs; when the transfer file changes, the summary
says so (the earlier file may already be at the bank). Found by a blind clerk check: 329
transfers became 330 under the same file name, without a word."""

from __future__ import annotations

import shutil
from pathlib import Path

from haken_batch import cycle
from sample_runs import SAMPLES, sample_options


def _settle(data: Path, out: Path, cycle_: str = "2021-10"):
    return cycle.settle_cycle(sample_options(out, cycle_, data))


def _replaced(run) -> list[str]:
    return [ja for ja, _en in run.notes if "前回の結果を置き換え" in ja]


def test_settling_again_with_the_same_result_says_nothing_more(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert not _replaced(_settle(SAMPLES, out))
    assert not _replaced(_settle(SAMPLES, out))


def test_a_changed_transfer_file_on_settling_again_is_said_loudly(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    _settle(data, out)
    ledger = (out / "2021-10" / "payments.csv").read_text(encoding="utf-8-sig").splitlines()
    expert = ledger[1].split(",")[0]
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:  # a clerk's late fix
        f.write(f"experts,{expert},口座番号,7654321,口座の確認,事務局 試験,2021/11/01 10:00\n")
    said = _replaced(_settle(data, out))
    assert len(said) == 1 and "全銀ファイルの内容が変わりました" in said[0]


def test_a_skipped_month_is_said_and_the_refusal_says_how_to_undo(tmp_path: Path) -> None:
    """A mistyped cycle (2021-12 for 2021-11) was accepted without a word, and 2021-11 was
    then refused with no way out named (blind clerk check)."""
    import pytest

    from haken_batch.errors import CycleError

    out = tmp_path / "out"
    _settle(SAMPLES, out, "2021-10")
    said = [ja for ja, _en in _settle(SAMPLES, out, "2021-12").notes if "飛ばして" in ja]
    assert len(said) == 1 and "2021-11 までの月を飛ばしています" in said[0]
    with pytest.raises(CycleError) as refused:
        _settle(SAMPLES, out, "2021-11")
    told = f'haken discard 2021-12 --out {out} --by "氏名"'
    assert f"{told} で取り消して" in refused.value.ja
    # typed as told (the hint named no --out nor --by, and stopped: docs review)
    import shlex

    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    done = CliRunner().invoke(app, shlex.split(told.replace("氏名", "事務局 佐藤"))[1:])
    assert done.exit_code == 0, done.output
    assert not (out / "2021-12" / "manifest.json").exists()
    _settle(SAMPLES, out, "2021-11")


def test_the_next_month_is_no_skip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _settle(SAMPLES, out, "2021-12")
    assert not [ja for ja, _en in _settle(SAMPLES, out, "2022-01").notes if "飛ばして" in ja]


def test_explain_does_not_show_a_rule_as_both_held_and_passed(tmp_path: Path) -> None:
    """'R-VAL-2: 保留（…）' followed by 'R-VAL-2: 適合（…）' for the same dispatch (blind clerk
    check): the rule that held it is not listed as passed too."""
    from haken_batch import explain

    out = tmp_path / "out"
    _settle(SAMPLES, out, "2021-10")
    story = explain.story(out, "D21-P077")
    outcomes = {(c["rule_id"], c["line_no"]): set() for c in story["checks"]}
    for c in story["checks"]:
        outcomes[(c["rule_id"], c["line_no"])].add(c["outcome"])
    assert outcomes[("R-VAL-2", None)] == {"hold"}
    assert not any("pass" in o and len(o) > 1 for o in outcomes.values())
    assert "確認済" in explain.render(story) and "適合" not in explain.render(story)


def test_explain_names_the_real_mistake(tmp_path: Path) -> None:
    """A missing folder, a mistyped --cycle and a lower-case id all read as 'the dispatch is
    in no cycle' (blind clerk check)."""
    import pytest

    from haken_batch import explain
    from haken_batch.errors import HakenError

    with pytest.raises(HakenError) as nofolder:
        explain.deciding_cycle(tmp_path / "nosuch", "D21-P053")
    assert "出力フォルダ" in nofolder.value.ja
    out = tmp_path / "out"
    _settle(SAMPLES, out, "2021-10")
    with pytest.raises(HakenError) as badcycle:
        explain.deciding_cycle(out, "D21-P053", "2021/10")
    assert "2021/10" in badcycle.value.ja and "YYYY-MM" in badcycle.value.ja
    with pytest.raises(HakenError) as lower:
        explain.deciding_cycle(out, "d21-p053")
    assert "大文字の D21-P053 ならあります" in lower.value.ja


def test_the_summary_counts_holds_carried_from_the_previous_cycle(tmp_path: Path) -> None:
    """保留 21 and 対象外 5 in November were mostly October's, and a clerk could not tell new
    cases from carried ones (blind clerk check, round 2)."""
    import polars as pl

    out = tmp_path / "out"
    october = _settle(SAMPLES, out, "2021-10")
    november = _settle(SAMPLES, out, "2021-11")
    facts = cycle.summary(november)
    both = october.settlement.dispatches.select("dispatch_id", pl.col("status").alias("oct"))
    joined = november.settlement.dispatches.join(both, on="dispatch_id")
    for status in ("held", "excluded"):
        expected = joined.filter((pl.col("status") == status) & (pl.col("oct") == status)).height
        assert expected > 0 and facts["carried"][status] == expected
    assert cycle.summary(october)["carried"] == {}


def test_settling_again_with_other_rules_names_the_changed_files(tmp_path: Path) -> None:
    """An audit-size edit changed audit_sample.csv without a word, and a rate edit said only
    that the transfer changed (blind red-team check, round 3)."""
    repo = Path(__file__).resolve().parents[1]
    rules, out = tmp_path / "rules", tmp_path / "out"
    shutil.copytree(repo / "rules", rules)
    first = cycle.settle_cycle(sample_options(out, "2021-10", SAMPLES, rules_dir=rules))
    assert not [ja for ja, _ in first.notes if "ルールのファイルが変わって" in ja]
    audit = rules / "parameters" / "audit.yaml"
    audit.write_text(audit.read_text().replace("2021-04-01: 10\n", "2021-04-01: 5\n", 1))
    again = cycle.settle_cycle(sample_options(out, "2021-10", SAMPLES, rules_dir=rules))
    said = [ja for ja, _ in again.notes if "ルールのファイルが変わって" in ja]
    assert len(said) == 1 and "parameters/audit.yaml" in said[0], again.notes


def test_settling_again_says_a_new_transfer_date_and_the_documents_it_dropped(
        tmp_path: Path) -> None:
    """Settled again with another transfer date and --no-documents: the note said 振込総額
    16,855,730 円 → 16,855,730 円, and the notices and KPI workbook were gone without a word
    (blind clerk check)."""
    import datetime as dt

    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, documents=True))
    again = cycle.settle_cycle(sample_options(out, transfer_date=dt.date(2021, 11, 18)))
    said = " ".join(ja for ja, _ in again.notes)
    assert "振込総額は同じ" in said
    assert "ファイル zengin_20211119.txt → zengin_20211118.txt" in said
    assert "今回のファイルは送らないでください" in said and "差額" not in said
    dropped = [ja for ja, _ in again.notes if "今回の精算では作られていません" in ja]
    assert len(dropped) == 1 and "notices" in dropped[0] and "kpi_2021-10.xlsx" in dropped[0]
    assert "zengin_" not in dropped[0]
    third = cycle.settle_cycle(sample_options(out, transfer_date=dt.date(2021, 11, 18)))
    assert not [ja for ja, _ in third.notes if "今回の精算では作られていません" in ja]


def test_the_discard_command_quotes_a_folder_with_a_space() -> None:
    import shlex

    from haken_batch.discarding import command

    ja, en = command("2021-12", Path("/data/事務局 共有/out"))
    assert ja == "haken discard 2021-12 --out '/data/事務局 共有/out' --by \"氏名\""
    assert shlex.split(en)[4] == "/data/事務局 共有/out"
    assert command("2021-12")[0] == 'haken discard 2021-12 --out 出力先 --by "氏名"'
