"""`haken explain` in the clerk's words: the exports' own table and column headers, the fee
line called 謝金 and the per diem 日当 (a bare "明細0" read as a claim line), はい/いいえ
(blind clerk check, session 8)."""

from __future__ import annotations

import pytest

from haken_batch import cycle, explain
from sample_runs import sample_options

DISPATCH = "D21-0000048"  # samples: a fee, two rail lines, a capped night and a per diem


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("explain") / "out"
    cycle.settle_cycle(sample_options(out))
    return explain.story(out, DISPATCH)


def test_japanese_story_names_tables_and_columns_as_the_exports_do(story: dict) -> None:
    text = explain.render(story)
    claim = f"[旅費請求明細 travel_claims.csv 84行目] 派遣ID={DISPATCH}, 明細番号=1, 区分=鉄道"
    assert claim in text
    assert "[支援実績報告 reports.csv" in text and "対面支援時間(分)=60" in text
    assert "開始時刻=13:00, 終了時刻=14:00," in text  # as the export wrote them
    assert "dispatch_id=" not in text and "line_no=" not in text
    assert "署名=はい" in text and "署名=いいえ" in text and "=True" not in text


def test_lines_are_named_fee_claim_line_and_per_diem(story: dict) -> None:
    text = explain.render(story)
    assert "  謝金: 請求 5,280 円 → 支給 5,280 円" in text
    assert "  明細1 鉄道: 請求 14,340 円" in text and "  明細3 宿泊: 請求 10,300 円" in text
    assert "  日当: 請求 1,100 円" in text
    assert "R-FEE-2 謝金: 確認済" in text and "R-TRV-10 明細3: 減額" in text
    # a rail line needs no receipt: not "証拠書類あり" beside 領収書=いいえ
    assert "R-CHK-5 明細1: 確認済（必要な証拠書類の不足なし）" in text
    assert "明細0" not in text and "明細4" not in text  # the per diem follows line 3


def test_english_story_keeps_the_tools_names(story: dict) -> None:
    text = explain.render(story, "en")
    assert f"dispatch_id={DISPATCH}, line_no=1, mode=鉄道" in text
    assert "R-FEE-2 fee: pass" in text and "R-TRV-10 line 3: reduce" in text
    assert "  per diem (日当): claimed 1,100" in text



def test_an_account_number_in_a_corrections_reason_is_masked(tmp_path) -> None:
    """explain echoed a correction's free-text reason whole: '口座変更 旧7654321→新4443332'
    (blind red-team check); digit runs are masked like account numbers."""
    import shutil

    from sample_runs import SAMPLES

    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write(f"reports,{DISPATCH},対面支援時間(分),60,口座変更 旧7654321→新4443332,"
                "事務局 試験,2021/10/20 10:00\n")
    cycle.settle_cycle(sample_options(out, data=data))
    text = explain.render(explain.story(out, DISPATCH))
    assert "口座変更 旧****321→新****332" in text
    assert "7654321" not in text and "4443332" not in text


def test_a_corrected_yes_no_cell_reads_hai_iie(tmp_path) -> None:
    """A correction of 従事証明確認 read 「true」→「false」 (blind clerk check)."""
    import shutil

    from sample_runs import SAMPLES

    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write("reports,D21-P034,従事証明確認,いいえ,確認できず,事務局 試験,2021/10/20 10:00\n")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, data=data))
    text = explain.render(explain.story(out, "D21-P034"))
    assert "の 従事証明確認 を「はい」→「いいえ」（理由: 確認できず）" in text


def test_R_VAL_1_line_names_a_warning_about_the_dispatch(tmp_path) -> None:
    """A report approved before its support day is a warning only (docs/readings.md): it is
    settled, but explain's R-VAL-1 line said just 検証エラーなし, so a clerk reading one
    dispatch never saw the possibly mistyped date. The warning now joins that line."""
    import shutil

    from sample_runs import SAMPLES

    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    reports = data / "reports.csv"
    text = reports.read_text(encoding="utf-8-sig")
    row = "D21-0000118,2021-10-11,"
    assert text.count(row) == 1 and "2021/10/13 13:37" in text
    text = text.replace("2021/10/13 13:37", "2021/10/10 13:37")
    reports.write_text(text, encoding="utf-8-sig")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, data=data))
    warned = explain.render(explain.story(out, "D21-0000118"))
    val = next(line for line in warned.splitlines() if "R-VAL-1:" in line)
    assert ("確認済（検証エラーなし。注意（保留しません）: "
            "支援実績報告（D21-0000118）機関承認日時:") in val
    assert "支援日より前に承認されています" in val
    en = explain.render(explain.story(out, "D21-0000118"), lang="en")
    assert "warning (holds nothing): reports D21-0000118: approved_at:" in en
    plain = explain.render(explain.story(out, DISPATCH))
    assert "R-VAL-1: 確認済（検証エラーなし）" in plain


def test_a_correction_is_named_by_its_row_in_the_corrections_file(tmp_path) -> None:
    """Section 2 named a correction only '#4' (its data row), while a refused one and
    `validate` name the row as Excel shows it: both are given now (D21-P052's fare and
    seat class are rows 5 and 6 of the samples' corrections.csv, header on row 1)."""
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out))
    ja = explain.render(explain.story(out, "D21-P052"))
    assert "  corrections.csv 5行目（#4） 2021-10-26T16:21:00 事務局 高橋: 旅費請求明細" in ja
    assert "  corrections.csv 6行目（#5） " in ja
    en = explain.render(explain.story(out, "D21-P052"), lang="en")
    assert "  corrections.csv row 5 (#4) 2021-10-26T16:21:00" in en


def test_R_PAY_2_a_paid_dispatch_of_a_0_yen_payment_tells_there_is_no_transfer(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """An expert whose cycle totals 0 yen has a payment row but no transfer (rules.md,
    Decisions): explain said the dispatch went out in the bank file (independent-data check,
    session 19)."""
    import shutil

    from sample_runs import SAMPLES

    data = tmp_path_factory.mktemp("zero") / "data"
    shutil.copytree(SAMPLES, data)
    reports = data / "reports.csv"
    text = reports.read_text(encoding="utf-8-sig")
    row = "D21-0000539,2021-04-19,11:00,12:30,90,"  # the expert's only dispatch, no travel
    assert text.count(row) == 1
    reports.write_text(text.replace(row, "D21-0000539,2021-04-19,11:00,12:30,20,"),
                       encoding="utf-8-sig")
    out = tmp_path_factory.mktemp("zero") / "out"
    cycle.settle_cycle(sample_options(out, data=data))
    told = explain.story(out, "D21-0000539")
    assert told["money"]["status"] == "paid" and told["money"]["payment"]["net"] == 0
    text = explain.render(told)
    assert "振込額が 0 円のため、振込はありません" in text
    assert "振込ファイル: zengin" not in text
    assert "there is no transfer" in explain.render(told, lang="en")
    # a payment that is transferred still names its bank file
    other = explain.render(explain.story(out, DISPATCH))
    assert "振込ファイル: zengin_" in other and "振込はありません" not in other


def test_R_DATA_2_an_institutions_name_is_shown_an_experts_masked(story: dict) -> None:
    """An institution's name is an organisation's, public; masking it (東**) made the story
    hard to follow (independent-data check, session 19). Persons stay masked."""
    text = explain.render(story)
    assert "機関名=東京都よろず支援拠点" in text
    assert "氏名=伊藤 **" in text and "口座番号=****193" in text
    assert explain.mask_value("name", "伊藤 一郎") == "伊藤 **"
    assert explain.mask_value("name", "水戸商工会議所", "institutions") == "水戸商工会議所"
    assert explain.mask_value("name", "伊藤 一郎", "experts") == "伊藤 **"


def test_R_TRV_9_a_day_without_per_diem_is_not_worded_as_confirmed_requirements(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """「確認済（日当の要件を満たさない…）」 read as a contradiction (independent-data
    check, session 19): a day that does not qualify is told as not eligible."""
    out = tmp_path_factory.mktemp("perdiem") / "out"
    cycle.settle_cycle(sample_options(out))
    text = explain.render(explain.story(out, "D21-0000539"))  # a 0 km trip: no per diem
    assert "R-TRV-9: 確認済（日当の対象外: 同日の最大全行程" in text
    assert "要件を満たさない" not in text


def test_R_DATA_2_positions_are_shown_to_about_a_kilometre(story: dict) -> None:
    """The place's and the check-ins' latitude and longitude in full pinned the masked
    address (東京都***) down to the house (docs review, session 20): two decimals."""
    import json
    import re

    text = explain.render(story) + json.dumps(story, ensure_ascii=False)
    shown = re.findall(r"(?:支援場所緯度|支援場所経度|緯度|経度)=([0-9.*]+)", text)
    assert len(shown) >= 6 and all(re.fullmatch(r"\d+\.\d\d\*\*\*", v) for v in shown), shown
    assert not re.search(r"\b\d{2,3}\.\d{3,}\b", explain.render(story).split("3. 確認")[0])
    assert explain.mask_value("lat", 35.681236) == "35.68***"
    assert explain.mask_value("place_lon", 139.767125) == "139.77***"


def test_R_DATA_2_a_corrected_position_is_shown_to_about_a_kilometre_too(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A correction keeps old and new values as text: 「35.68xxxx」→「35.75871」 was shown in
    full (review, session 20)."""
    from sample_runs import SAMPLES, with_correction

    root = tmp_path_factory.mktemp("position")
    data = with_correction(SAMPLES, root / "data", "reports,D21-P053,支援場所緯度,35.758712,"
                           "機関に確認,事務局 佐藤,2021/10/15 11:00")
    cycle.settle_cycle(sample_options(root / "out", data=data))
    text = explain.render(explain.story(root / "out", "D21-P053"))
    assert "35.758712" not in text and "35.76***" in text
    assert explain.mask_value("place_lat", "35.758712") == "35.76***"
    assert explain.mask_value("lat", "北緯35度") == "***"
