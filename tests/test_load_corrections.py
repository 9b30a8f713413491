"""Corrections (事務局修正): applied on load, in order, every touched cell traced."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch.load import load_dataset

FIX = Path(__file__).parent / "fixtures" / "load"


HEADER = "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"


def with_corrections(rules, tmp_path: Path, *rows: str):
    """The good exports with a corrections.csv of ``rows`` (CSV lines after the header)."""
    data = tmp_path / "data"
    shutil.copytree(FIX / "good", data)
    (data / "corrections.csv").write_text(HEADER + "".join(f"{r}\n" for r in rows),
                                          encoding="utf-8")
    return load_dataset(data, rules)


@pytest.fixture(scope="module")
def corrected(rules, tmp_path_factory):
    data = tmp_path_factory.mktemp("corr") / "data"
    shutil.copytree(FIX / "good", data)
    shutil.copy(FIX / "corrections" / "corrections.csv", data / "corrections.csv")
    return load_dataset(data, rules)


def test_corrections_applied_in_order(corrected) -> None:
    reports = corrected.tables["reports"].filter(pl.col("dispatch_id") == "D-1")
    assert reports.get_column("end_time").to_list() == [dt.time(15, 0)]  # the later one wins
    claims = corrected.tables["travel_claims"].filter(
        (pl.col("dispatch_id") == "D-2") & (pl.col("line_no") == 2))
    assert claims.get_column("amount").to_list() == [9800]


def test_corrections_trail_remembers_every_touched_cell(corrected) -> None:
    trail = corrected.corrections
    assert trail.columns == ["seq", "table", "key", "column", "old", "new", "reason",
                             "corrected_by", "corrected_at", "row"]
    assert trail.select("seq", "row", "table", "key", "column", "old", "new").rows() == [
        (1, 2, "reports", "D-1", "end_time", "16:00:00", "15:30:00"),
        (2, 3, "reports", "D-1", "end_time", "15:30:00", "15:00:00"),
        (3, 4, "travel_claims", "D-2;2", "amount", "8800", "9800"),
        # seq 8, a value the column cannot read (25:00), is refused: not in the trail
    ]
    assert trail.get_column("corrected_at").to_list()[:2] == [
        dt.datetime(2021, 10, 20, 10, 0), dt.datetime(2021, 10, 21, 9, 0)]
    assert trail.get_column("reason")[0] == "機関に確認し終了時刻を訂正"
    assert trail.get_column("corrected_by")[2] == "事務局 鈴木"


def test_correction_with_unknown_key_or_column_is_a_finding(corrected) -> None:
    f = corrected.findings.filter(pl.col("table") == "corrections")
    assert f.select("file", "row", "column", "value", "severity").rows() == [
        ("corrections.csv", 5, "キー", "D-99", "error"),
        ("corrections.csv", 6, "項目", "色", "error"),
        ("corrections.csv", 7, "理由", None, "error"),
        ("corrections.csv", 8, "キー", "D-2;チェックアウト", "error"),
        ("corrections.csv", 9, "修正後の値", "2021/10/05 25:00", "error"),
    ]
    assert "このキーの行はありません" in f.get_column("message_ja")[0]
    assert "項目はありません" in f.get_column("message_ja")[1]
    assert "理由が必要" in f.get_column("message_ja")[2]


def test_correction_without_reason_changes_nothing(corrected) -> None:
    experts = corrected.tables["experts"].filter(pl.col("expert_id") == "E-002")
    assert experts.get_column("account_number").to_list() == ["0076543"]


def test_a_value_the_column_cannot_read_is_refused_and_holds_its_dispatch(corrected) -> None:
    """It used to be applied as a blank cell: the exported check-in time was lost, and the
    trail showed a change that never happened (found by a blind corrections check)."""
    f = corrected.findings.filter(pl.col("table") == "corrections")
    assert "「日時」の値として読めません" in f.get_column("message_ja")[4]
    checkin = corrected.tables["checkins"].filter(
        (pl.col("dispatch_id") == "D-1") & (pl.col("event") == "チェックイン"))
    assert checkin.get_column("at").to_list() == [dt.datetime(2021, 10, 5, 13, 28)]
    assert corrected.findings.filter(pl.col("table") == "checkins").height == 0


def test_a_refused_correction_holds_the_dispatches_it_aimed_at(corrected) -> None:
    """R-VAL-1: the clerk meant these rows to change before payment; paying them on the
    uncorrected data paid, in a blind check, 13,200 yen instead of 10,560."""
    from haken_batch.validate import touched_dispatches

    touched = touched_dispatches(corrected)
    held = dict(zip(touched.get_column("dispatch_id"), touched.get_column("message_ja"),
                    strict=True))
    # each named by its row in corrections.csv as Excel shows it, as validate names it (an
    # ordinal, "8件目", counted rows the clerk could not find)
    assert "事務局修正（9行目）を適用できませんでした" in held["D-1"]  # the unreadable time
    assert "事務局修正（6行目）" in held["D-1"]  # a column D-1 does not have
    assert "事務局修正（7行目）" in held["D-2"]  # E-002's account: no reason given
    assert "事務局修正（7行目）" in held["D-3"]  # (E-002's other dispatch)
    assert "事務局修正（8行目）" in held["D-2"]  # checkins D-2;チェックアウト has no row
    assert "件目" not in " ".join(held.values())
    en = dict(zip(touched.get_column("dispatch_id"), touched.get_column("message_en"),
                  strict=True))
    assert "correction in row 7 of the corrections file could not be applied" in en["D-3"]
    assert "D-4" not in held
    refused = corrected.refused_corrections
    assert refused.select("table", "key").rows() == [
        ("dispatches", "D-99"), ("dispatches", "D-1"), ("experts", "E-002"),
        ("checkins", "D-2;チェックアウト"), ("checkins", "D-1;チェックイン")]


def test_corrections_are_optional(rules) -> None:
    ds = load_dataset(FIX / "good", rules)
    assert ds.corrections.height == 0
    assert "corrections" not in ds.sources


def test_a_finding_on_a_corrected_cell_names_the_correction(rules, tmp_path) -> None:
    """The export's row holds another value than the one found at fault: the finding says
    which correction wrote it (found by a blind corrections check)."""
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "corpus" / "base", data)
    (data / "corrections.csv").write_text(
        "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
        "reports,D0001,対面支援時間(分),2000,確認,事務局A,2021/10/20 10:00\n", encoding="utf-8")
    f = load_dataset(data, rules).findings.filter(
        (pl.col("file") == "reports.csv") & (pl.col("column") == "対面支援時間(分)"))
    assert f.height == 2 and set(f.get_column("value")) == {"2000"}  # range, and the span
    # by its row in the corrections file (header = row 1), as a refused one is named
    assert all(m.endswith("（事務局修正 2行目 による値）") for m in f.get_column("message_ja"))
    assert all(m.endswith("(value set by the correction in row 2)")
               for m in f.get_column("message_en"))
    other = load_dataset(data, rules).findings.filter(pl.col("file") != "reports.csv")
    assert not any("による値" in m for m in other.get_column("message_ja"))


def test_a_mistyped_column_suggests_the_nearest_header(rules, tmp_path) -> None:
    """開始時間 for 開始時刻 was refused without a hint (blind clerk check)."""
    found = with_corrections(
        rules, tmp_path, "reports,D-1,開始時間,10:00,機関に確認,事務局 佐藤,2021/10/20 10:00",
    ).findings.filter(pl.col("table") == "corrections")
    assert found.get_column("value").to_list() == ["開始時間"]
    assert "「開始時刻」のことですか" in found.get_column("message_ja")[0]
    assert "did you mean '開始時刻'?" in found.get_column("message_en")[0]


def test_corrections_apply_in_the_order_of_their_time_not_of_the_file(rules, tmp_path) -> None:
    """A corrections sheet sorted in Excel (by 派遣ID, say) must not change which of two
    corrections of one cell wins: they apply by 修正日時, then file order; a correction
    without a time after the timed ones."""
    ds = with_corrections(rules, tmp_path,
                          "reports,D-1,終了時刻,15:00,再確認で再訂正,事務局 田中,2021/10/21 09:00",
                          "reports,D-1,終了時刻,15:30,機関に確認,事務局 田中,2021/10/20 10:00",
                          "reports,D-2,終了時刻,15:10,時刻なし,事務局 田中,",
                          "reports,D-2,終了時刻,15:20,時刻あり,事務局 田中,2021/10/22 10:00")
    ends = dict(ds.tables["reports"].select("dispatch_id", "end_time").iter_rows())
    assert ends["D-1"] == dt.time(15, 0)  # the later time, although first in the file
    assert ends["D-2"] == dt.time(15, 10)  # the blank time after the timed one
    trail = ds.corrections.filter(pl.col("key") == "D-1").select("seq", "old", "new").rows()
    assert trail == [(1, "15:30:00", "15:00:00"), (2, "16:00:00", "15:30:00")]
    # each row overridden by one above it is told (a mistyped date reversed two corrections
    # without a word: blind clerk check, session 18)
    told = (ds.findings.filter(pl.col("table") == "corrections")
            .select("row", "column", "severity", "message_ja").rows())
    assert [t[:3] for t in told] == [(3, "修正日時", "warning"), (5, "修正日時", "warning")]
    assert "2行目の値が残ります" in told[0][3] and "4行目の値が残ります" in told[1][3]
    assert "より前の日時" in told[0][3]
    assert "修正日時がないため最後に適用され" in told[1][3]  # row 4 wins for having none


def test_a_refused_correction_followed_by_an_applied_one_of_the_same_cell_holds_nothing(
        rules, tmp_path) -> None:
    """The corrections file grows month by month and a refused row stays in it: once a later
    row corrects the same cell, the refused one is still a finding but no longer holds its
    dispatch (blind corrections check: it held it for good). Another cell keeps its hold."""
    ds = with_corrections(rules, tmp_path,
                          "reports,D-1,終了時刻,16:30,,事務局 田中,2021/10/20 10:00",
                          "reports,D-2,終了時刻,16:30,,事務局 田中,2021/10/20 10:00",
                          "reports,D-1,終了時刻,16:30,機関に確認,事務局 田中,2021/11/04 10:00",
                          "reports,D-2,開始時刻,09:00,機関に確認,事務局 田中,2021/11/04 10:00")
    errors = ds.findings.filter((pl.col("table") == "corrections")
                                & (pl.col("severity") == "error"))
    assert errors.get_column("row").to_list() == [2, 3]  # both still findings
    assert ds.refused_corrections.get_column("key").to_list() == ["D-2"]  # only D-2 held
    from haken_batch.validate import touched_dispatches

    assert touched_dispatches(ds).get_column("dispatch_id").to_list() == ["D-2"]


def test_R_VAL_1_a_key_in_full_width_is_refused_and_names_its_half_width_row(
        rules, tmp_path) -> None:
    """Ids are compared as written (docs/readings.md), so Ｄ－１ is not D-1: refused, nothing
    applied, D-1 held (touched_dispatches folds it). The refusal said only 「このキーの行は
    ありません」 while the clerk could see D-1 in the export: it names the half-width key.
    A two-part key too (line ２ reads as 2 already); a key that folds to no row gets no hint."""
    ds = with_corrections(rules, tmp_path,
                          "reports,Ｄ－１,終了時刻,15:00,機関に確認,事務局 田中,2021/10/20 10:00",
                          "travel_claims,Ｄ－２;２,金額,9800,領収書,事務局 田中,2021/10/20 10:00",
                          "reports,Ｄ－９９,終了時刻,15:00,機関に確認,事務局 田中,2021/10/20 10:00")
    f = ds.findings.filter(pl.col("table") == "corrections").sort("row")
    ja, en = f.get_column("message_ja").to_list(), f.get_column("message_en").to_list()
    assert ja[0] == ("キー: 表「支援実績報告」にこのキーの行はありません（全角の文字があります。"
                     "半角の「D-1」なら行があります）（適用しませんでした）")
    assert en[0] == ("key: no row of 'reports' has this key (it has full-width characters; "
                     "'D-1' in half width has a row) (not applied)")
    assert "半角の「D-2;2」なら行があります" in ja[1]
    assert "'D-2;2' in half width has a row" in en[1]
    assert "全角" not in ja[2] and "half width" not in en[2]
    # the comparison stays as written: nothing applied, the dispatches aimed at are held
    assert ds.corrections.height == 0
    end = ds.tables["reports"].filter(pl.col("dispatch_id") == "D-1").get_column("end_time")
    assert end.to_list() == [dt.time(16, 0)]
    from haken_batch.validate import touched_dispatches

    assert {"D-1", "D-2"} <= set(touched_dispatches(ds).get_column("dispatch_id"))


def test_R_VAL_1_a_master_key_in_full_width_holds_that_experts_dispatches(
        rules, tmp_path) -> None:
    """A refused correction of the experts master keyed Ｅ－００２ holds E-002's dispatches,
    as a dispatch table's key in full width holds its dispatch: it held nothing, and E-002
    was paid on the row the clerk meant to correct (helper check, session 14)."""
    from haken_batch.validate import touched_dispatches

    ds = with_corrections(rules, tmp_path,
                          "experts,Ｅ－００２,区分,法人,法人と判明,事務局 田中,2021/10/20 10:00")
    assert ds.corrections.height == 0
    mine = ds.tables["dispatches"].filter(pl.col("expert_id") == "E-002")
    assert mine.height > 0
    assert set(mine.get_column("dispatch_id")) <= set(
        touched_dispatches(ds).get_column("dispatch_id"))


@pytest.mark.parametrize("key", ["", "  ", ";"])
def test_R_VAL_1_a_blank_key_is_a_finding_not_a_crash(rules, tmp_path, key) -> None:
    """A correction row whose キー was left blank crashed the load with an AttributeError
    traceback (found in session 18): it is refused, naming the key's columns; it holds
    nothing (it aims at no row)."""
    table = "checkins" if key == ";" else "reports"
    column = "署名" if key == ";" else "終了時刻"
    ds = with_corrections(rules, tmp_path,
                          f"{table},{key},{column},15:00,機関に確認,事務局 佐藤,2021/10/20 10:00")
    found = ds.findings.filter(pl.col("table") == "corrections")
    assert found.get_column("column").to_list() == ["キー"]
    assert "キー: 空欄です" in found.get_column("message_ja")[0]
    assert ds.refused_corrections is None or ds.refused_corrections.height == 0


def test_a_refused_yes_no_value_lists_the_spellings_read(rules, tmp_path) -> None:
    """'「従事証明確認」の値として読めません' did not say which spellings are read (blind
    clerk check): the kind's expectation follows, as for a cell of the export."""
    found = with_corrections(
        rules, tmp_path, "reports,D-1,従事証明確認,たぶん,機関に確認,事務局 佐藤,2021/10/20 10:00",
    ).findings.filter(pl.col("table") == "corrections")
    said = found.get_column("message_ja")[0]
    assert "「従事証明確認」の値として読めません（有/無・はい/いいえ" in said
    assert "(not a yes/no value" in found.get_column("message_en")[0]


def test_a_correction_naming_no_table_lists_the_tables_it_takes(rules, tmp_path: Path) -> None:
    """「対象表: そのような表はありません」 named none of the tables it takes, and the English
    message of an unknown column dropped where the names are (lifecycle check, session 21)."""
    ds = with_corrections(rules, tmp_path,
                          "支払,D-1,終了時刻,15:00,確認,事務局,2021/10/20 10:00",
                          "reports,D-1,終わり,15:00,確認,事務局,2021/10/20 10:00")
    table = ds.findings.filter(pl.col("column") == "対象表").row(0, named=True)
    assert table["value"] == "支払"
    assert "experts（専門家）、institutions（" in table["message_ja"]
    assert "travel_claims（旅費請求明細） のいずれか" in table["message_ja"]
    assert "one of experts, institutions, dispatches, reports, checkins, travel_claims" in \
        table["message_en"]
    column = ds.findings.filter(pl.col("value") == "終わり").row(0, named=True)
    assert "headers of rules/columns.yaml" in column["message_en"]
