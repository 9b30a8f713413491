"""`haken explain` says what the settlement decided (blind explain check, session 13).

tests/fixtures/explain_cases/ holds five crafted dispatches, settled in 2021-10 and 2021-11:
EXC-AND-HOLD (excluded R-EXC-4, also holdable: no signature, no company confirmation, a web
meeting without approval, a taxi without receipt, an air line in a higher class), HOLD-AND-RED
(held R-CHK-3 and R-CHK-5 for a taxi without its reason, with a rail line and a night that
would be reduced), EXC-MULTI (excluded under three rules), AIR-UP (held R-TRV-4, higher
class) and WEB-APP (the target of three corrections the loader refused, rows 3 to 5 of
corrections.csv; row 2 is applied to AIR-UP). Money and statuses are not the subject here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import cycle, explain
from haken_batch.cli.app import app
from sample_runs import sample_options, with_correction

CASES = Path(__file__).resolve().parent / "fixtures" / "explain_cases"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain-decisions") / "out"
    for month in ("2021-10", "2021-11"):
        cycle.settle_cycle(sample_options(out, month, data=CASES))
    return out


def _text(out: Path, dispatch_id: str, *extra: str) -> str:
    res = CliRunner().invoke(app, ["explain", dispatch_id, "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return re.sub(r"[ \t]+", " ", res.output)  # rich may wrap long lines


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end)]


def test_R_EXC_4_excluded_and_holdable_dispatch_shows_no_hold(out: Path) -> None:
    """rules.md Decisions: both excludable and holdable -> excluded; findings.csv lists the
    exclusion only, and explain said 保留 under R-CHK-2, R-CHK-5, R-CHK-6, R-FEE-4, R-TRV-4."""
    ja = _text(out, "EXC-AND-HOLD", "--cycle", "2021-10")
    assert "結論: 対象外" in ja and "保留" not in ja
    for where in ("R-CHK-2", "R-CHK-5 明細1", "R-CHK-6", "R-FEE-4", "R-TRV-4 明細2"):
        assert f"{where}: 対象外のため判定せず" in ja
    assert "R-EXC-4: 除外（専門家からの要請による派遣）" in ja
    en = _text(out, "EXC-AND-HOLD", "--cycle", "2021-10", "--lang", "en")
    assert ": hold" not in en and "[hold]" not in en
    assert "R-TRV-4 line 2: not applied (excluded)" in en
    story = json.loads(_text(out, "EXC-AND-HOLD", "--cycle", "2021-10", "--format", "json"))
    chk2 = next(c for c in story["checks"] if c["rule_id"] == "R-CHK-2")
    assert chk2["outcome"] == "hold" and chk2["effect"] == "not_applied"  # the engine's, kept


def test_R_TRV_6_taxi_line_without_its_papers_is_not_confirmed(out: Path) -> None:
    """A taxi without its reason (HOLD-AND-RED line 3) is held under R-CHK-5: R-TRV-6 said
    確認済（実費（理由: 空欄））. Without its receipt on an excluded dispatch: not applied."""
    ja = _text(out, "HOLD-AND-RED", "--cycle", "2021-10")
    assert "R-TRV-6 明細3: 確認済" not in ja
    assert "R-TRV-6 明細3: 未確認（証拠書類の不足で保留、R-CHK-5 明細3 を参照）" in ja
    en = _text(out, "HOLD-AND-RED", "--cycle", "2021-10", "--lang", "en")
    assert "R-TRV-6 line 3: not confirmed (papers missing: held under R-CHK-5 line 3)" in en
    excluded = _text(out, "EXC-AND-HOLD", "--cycle", "2021-10")
    assert "R-TRV-6 明細1: 対象外のため判定せず" in excluded


def test_R_TRV_3_R_TRV_10_reductions_of_a_held_dispatch_apply_when_paid(out: Path) -> None:
    """Held: nothing is paid, findings.csv lists no reduction; explain said 減額 as done."""
    ja = _text(out, "HOLD-AND-RED", "--cycle", "2021-10")
    assert "R-TRV-3 明細1: 支払時に減額（片道50" in ja
    assert "R-TRV-10 明細2: 支払時に減額（1泊、上限 9,800円/泊" in ja
    assert ": 減額" not in ja and "[減額]" not in ja
    en = _text(out, "HOLD-AND-RED", "--cycle", "2021-10", "--lang", "en")
    assert "R-TRV-3 line 1: reduce when paid (one way 50" in en
    assert ": reduce (" not in en


def test_R_TRV_4_hold_lists_no_document_parameters(out: Path) -> None:
    """A higher-class hold (AIR-UP) listed the boarding-pass and receipt switches as its basis;
    they decide R-CHK-5, where they stay listed."""
    story = json.loads(_text(out, "AIR-UP", "--cycle", "2021-10", "--format", "json"))
    trv4 = [c for c in story["checks"] if c["rule_id"] == "R-TRV-4"]
    assert [c["outcome"] for c in trv4] == ["hold"] and trv4[0]["parameters"] == []
    assert all(not f["parameters"] for f in story["findings"] if f["rule_id"] == "R-TRV-4")
    papers = {p["name"] for c in story["checks"] if c["rule_id"] == "R-CHK-5"
              for p in c["parameters"]}
    assert {"travel.air_requires_boarding_pass", "travel.air_requires_receipt"} <= papers
    ja = _text(out, "AIR-UP", "--cycle", "2021-10")
    assert ja.count("travel.air_requires_boarding_pass") == 1


def test_R_TRV_10_lists_its_cap_not_the_receipt_switch() -> None:
    assert explain.is_basis("R-TRV-10", "R-TRV-10")
    assert not explain.is_basis("R-TRV-10", "R-TRV-10 R-CHK-5")
    assert explain.is_basis("R-CHK-5", "R-TRV-10 R-CHK-5")
    assert not explain.is_basis("R-TRV-4", "R-TRV-4, R-CHK-5")
    assert not explain.is_basis("R-TRV-3", "R-TRV-10")


def test_R_EXC_each_exclusion_shown_once_in_a_later_cycle(out: Path) -> None:
    """2021-11 re-excludes EXC-MULTI (final) and finds the reasons again: explain showed six
    exclusion findings for three rules, each reason beside "2021-10…決定済み"."""
    story = json.loads(_text(out, "EXC-MULTI", "--format", "json"))
    assert story["cycle"] == "2021-11"
    rules = ["R-EXC-1", "R-EXC-2", "R-EXC-4"]
    assert [f["rule_id"] for f in story["findings"]] == rules
    assert [c["rule_id"] for c in story["checks"] if c["outcome"] == "exclude"] == rules
    r4 = next(f for f in story["findings"] if f["rule_id"] == "R-EXC-4")
    assert r4["message"] == ("専門家からの要請による派遣。"
                             "2021-10のサイクルで対象外と決定済み（対象外は最終）")
    assert r4["message_en"] == ("dispatched at the expert's own request; excluded in cycle"
                                " 2021-10; an exclusion is final")
    ja = _text(out, "EXC-MULTI")
    assert ja.count("決定済み") == 6  # three checks, three findings
    assert "R-EXC-4: 除外（専門家からの要請による派遣。2021-10のサイクルで対象外と決定済み" in ja
    en = _text(out, "EXC-MULTI", "--lang", "en")
    assert en.count("an exclusion is final") == 6
    first = json.loads(_text(out, "EXC-MULTI", "--cycle", "2021-10", "--format", "json"))
    assert [f["message"] for f in first["findings"]][2] == "専門家からの要請による派遣"


def test_R_EXC_findings_csv_has_one_row_per_exclusion_in_a_later_cycle(out: Path) -> None:
    """The engine gave two rows per rule (its reason, and the earlier decision): one now,
    the reason then the decision, as explain shows it."""
    import csv

    with (out / "2021-11" / "findings.csv").open(encoding="utf-8-sig") as fh:
        mine = [r for r in csv.DictReader(fh) if r["派遣ID"] == "EXC-MULTI"]
    assert [r["ルールID"] for r in mine] == ["R-EXC-1", "R-EXC-2", "R-EXC-4"]
    assert mine[2]["内容"].endswith(
        "専門家からの要請による派遣。2021-10のサイクルで対象外と決定済み（対象外は最終）")


def test_R_EXC_finality_alone_stays_when_the_reason_is_gone() -> None:
    """The flag changed since: the rule no longer finds its reason, the exclusion stands."""
    final = {"rule_id": "R-EXC-2", "line_no": None, "severity": "exclude",
             "message": "2021-10のサイクルで対象外と決定済み（対象外は最終）",
             "message_en": "excluded in cycle 2021-10; an exclusion is final"}
    other = {"rule_id": "R-EXC-4", "line_no": None, "severity": "exclude",
             "message": "専門家からの要請による派遣", "message_en": "own request"}
    assert explain.once_per_exclusion([final, other], "severity", "message",
                                      "message_en") == [final, other]


def test_R_VAL_1_rejected_corrections_are_listed_by_their_row(out: Path) -> None:
    """A refused correction holds its dispatch (R-VAL-1); section 2 said 「この派遣に関わる修正は
    ありません」 and the hold cited 「事務局修正（2件目）」 where validate and
    corrections_rejected.csv say row 3 (blind check: D2104-00032, D2108-00059)."""
    ja = _text(out, "WEB-APP", "--cycle", "2021-10")
    corrections = _section(ja, "2. 事務局修正", "3. 確認")
    assert "修正はありません" not in corrections
    assert ("corrections.csv 3行目（適用されず）: 支援実績報告 WEB-APP の 対面支援時間(分) "
            "を「30」に — 理由: 修正には理由が必要です（適用しませんでした）") in corrections
    assert ("corrections.csv 4行目（適用されず）: 派遣案件 WEB-APP の 謎の列 を「x」に — 項目:"
            in corrections)
    # an account number written in a refused correction is masked like the cells
    assert ("corrections.csv 5行目（適用されず）: 専門家 E-WEB-APP の 口座番号 を「****321」に"
            in corrections)
    assert "7654321" not in ja
    assert "事務局修正（3行目）を適用できませんでした" in ja and "事務局修正（2件目）" not in ja
    en = _text(out, "WEB-APP", "--cycle", "2021-10", "--lang", "en")
    assert ('corrections.csv row 3 (not applied): reports WEB-APP face_to_face_minutes -> "30"'
            " - reason: a correction needs a reason (not applied)") in en
    assert "No correction touched" not in en
    assert "correction in row 3 of the corrections file could not be applied" in en
    story = json.loads(_text(out, "WEB-APP", "--cycle", "2021-10", "--format", "json"))
    assert [r["row"] for r in story["corrections_rejected"]] == [3, 4, 5]
    assert story["corrections"] == []
    # an applied correction of another dispatch is not listed; AIR-UP's own is
    assert "修正はありません" in _text(out, "EXC-MULTI")
    air = _section(_text(out, "AIR-UP"), "2. 事務局修正", "3. 確認")
    assert "適用されず" not in air  # WEB-APP's refused ones are not AIR-UP's
    assert "corrections.csv 2行目（#1）" in air  # its own, by its row (session 18)


def test_R_VAL_1_a_key_in_full_width_reaches_its_dispatch_as_the_hold_does() -> None:
    """validate.touched_dispatches holds Ｄ－１ (NFKC, stripped) with D-1; explain matched the
    key as written, so it said no correction touched the dispatch the correction held."""
    keys = {"reports": {"D-1"}, "checkins": {"D-1"}, "experts": {"E-1"}}
    assert explain.aimed_at("reports", "Ｄ－１", keys)
    assert explain.aimed_at("checkins", "Ｄ－１;チェックイン", keys)
    assert explain.aimed_at("reports", "D-1", keys)
    assert not explain.aimed_at("reports", "Ｄ－２", keys)
    assert explain.aimed_at("experts", "Ｅ－１", keys)  # the hold folds masters too
    assert not explain.aimed_at("experts", "Ｅ－２", keys)


def test_R_VAL_1_a_refused_correction_keyed_in_full_width_is_listed(
        tmp_path: Path) -> None:
    """A correction of HOLD-AND-RED keyed in full width is refused (ids are compared as
    written) and holds HOLD-AND-RED; explain said 「この派遣に関わる修正はありません」."""
    data = with_correction(CASES, tmp_path / "data", "reports,ＨＯＬＤ－ＡＮＤ－ＲＥＤ,"
                           "対面支援時間(分),45,機関に確認済み,事務局 佐藤,2021/10/15 10:20")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data=data))
    ja = _text(out, "HOLD-AND-RED")
    corrections = _section(ja, "2. 事務局修正", "3. 確認")
    assert "修正はありません" not in corrections
    assert ("corrections.csv 6行目（適用されず）: 支援実績報告 ＨＯＬＤ－ＡＮＤ－ＲＥＤ の "
            "対面支援時間(分) を「45」に — キー: 表「支援実績報告」にこのキーの行はありません"
            "（全角の文字があります。半角の「HOLD-AND-RED」なら行があります）") in corrections
    assert "R-VAL-1: 保留（支援実績報告（ＨＯＬＤ－ＡＮＤ－ＲＥＤ）事務局修正（6行目）" in ja
    en = _text(out, "HOLD-AND-RED", "--lang", "en")
    assert "No correction touched" not in en
    assert ("corrections.csv row 6 (not applied): reports ＨＯＬＤ－ＡＮＤ－ＲＥＤ "
            "face_to_face_minutes -> \"45\"") in en
    assert "'HOLD-AND-RED' in half width has a row" in en


def test_checks_are_listed_in_rule_number_order(out: Path) -> None:
    """R-TRV-3 before R-TRV-10 (text order put 10 first), then by line."""
    story = json.loads(_text(out, "HOLD-AND-RED", "--cycle", "2021-10", "--format", "json"))
    ids = [c["rule_id"] for c in story["checks"]]
    assert ids.index("R-TRV-3") < ids.index("R-TRV-10")
    number = [(r.rsplit("-", 1)[0], int(r.rsplit("-", 1)[1])) for r in ids]
    assert number == sorted(number)
