"""Every validation rule: one broken fixture fails it, the good fixture passes it (R-VAL-1/2).

Each case under tests/fixtures/load/bad/<case>/ overrides one file of the good fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch.load import load_dataset

FIX = Path(__file__).parent / "fixtures" / "load"
GOOD = FIX / "good"


def compose(tmp_path: Path, case: str | None) -> Path:
    """The good fixture with the files of one broken case laid over it."""
    data = tmp_path / "data"
    shutil.copytree(GOOD, data)
    if case:
        for p in (FIX / "bad" / case).iterdir():
            shutil.copy(p, data / p.name)
    return data


# case -> (file, row, column label, value, rule_id, check words in message_ja)
FINDING_CASES = {
    # a correction cannot tell the rows apart: the export is the fix (blind clerk check)
    "duplicate_key": [("dispatches.csv", 2, "派遣ID", "D-1", "R-VAL-1", "元のシステムで重複を解消"),
                      ("dispatches.csv", 6, "派遣ID", "D-1", "R-VAL-1", "重複")],
    "duplicate_two_part_key": [("checkins.csv", 2, "種別", "チェックイン", "R-VAL-1", "重複"),
                               ("checkins.csv", 5, "種別", "チェックイン", "R-VAL-1", "重複")],
    "impossible_date": [("reports.csv", 2, "支援日", "2021-02-30", "R-VAL-1", "存在しない日付")],
    "impossible_time": [("reports.csv", 2, "終了時刻", "25:00", "R-VAL-1", "存在しない時刻")],
    "text_in_yen": [("travel_claims.csv", 2, "運賃", "abc", "R-VAL-1", "金額")],
    "text_in_int": [("dispatches.csv", 2, "従業員数", "たくさん", "R-VAL-1", "整数")],
    "text_in_float": [("reports.csv", 2, "支援場所緯度", "北緯35度", "R-VAL-1", "数値")],
    "bad_bool": [("dispatches.csv", 2, "WEB会議", "たぶん", "R-VAL-1", "有/無")],
    "bad_timestamp": [("checkins.csv", 2, "日時", "きのう", "R-VAL-1", "日時として")],
    "required_empty": [("dispatches.csv", 2, "状態", None, "R-VAL-1", "必須")],
    "bad_prefecture": [("institutions.csv", 2, "都道府県", "東京府", "R-VAL-1", "コード表")],
    "bad_jsic": [("dispatches.csv", 2, "業種", "Z", "R-VAL-1", "コード表")],
    "bad_institution_kind": [("institutions.csv", 6, "機関種別", "13", "R-VAL-1", "1〜12")],
    "bad_channel": [("institutions.csv", 2, "窓口区分", "商工会", "R-VAL-1", "コード表")],
    "bad_account_type": [("experts.csv", 2, "預金種目", "定期", "R-VAL-2", "普通・当座・貯蓄")],
    "bad_mode": [("travel_claims.csv", 2, "区分", "徒歩", "R-VAL-1", "コード表")],
    "bad_status": [("dispatches.csv", 2, "状態", "完了", "R-VAL-1", "コード表")],
    "bad_issue_category": [("dispatches.csv", 2, "経営課題", "雑談", "R-VAL-1", "コード表")],
    "bad_qualification": [("experts.csv", 2, "保有資格", "中小企業診断士;宇宙飛行士", "R-VAL-1",
                           "コード表")],
    "bad_fee_class": [("experts.csv", 2, "報酬区分", "3号", "R-VAL-1", "コード表")],
    "end_before_start": [("reports.csv", 2, "終了時刻", "13:30", "R-VAL-1",
                          "開始時刻より後")],  # as written, not 13:30:00
    "minutes_over_span": [("reports.csv", 2, "対面支援時間(分)", "200", "R-VAL-1", "超えて")],
    "lat_outside_japan": [("reports.csv", 2, "支援場所緯度", "51.5", "R-VAL-1", "範囲外")],
    "lon_outside_japan": [("checkins.csv", 2, "経度", "100.5", "R-VAL-1", "範囲外")],
    "negative_yen": [("travel_claims.csv", 2, "運賃", "-200", "R-VAL-1", "範囲外")],
    "negative_km": [("reports.csv", 2, "全行程距離(km)", "-1.0", "R-VAL-1", "範囲外")],
    "implausible_date": [("dispatches.csv", 2, "申請日", "2201-09-20", "R-VAL-1",
                          "ありえない日付")],
    "unknown_expert": [("dispatches.csv", 2, "専門家ID", "E-999", "R-VAL-1", "専門家")],
    "unknown_institution": [("dispatches.csv", 2, "申請機関ID", "I-99", "R-VAL-1", "派遣可能機関")],
    "report_without_dispatch": [("reports.csv", 4, "派遣ID", "D-9", "R-VAL-1", "派遣案件")],
    "checkin_without_dispatch": [("checkins.csv", 4, "派遣ID", "D-9", "R-VAL-1", "派遣案件")],
    "claim_without_dispatch": [("travel_claims.csv", 2, "派遣ID", "D-9", "R-VAL-1", "派遣案件")],
    "bank_code_format": [("experts.csv", 2, "金融機関コード", "00012", "R-VAL-2", "4桁")],
    "branch_code_format": [("experts.csv", 2, "支店コード", "1A", "R-VAL-2", "3桁")],
    # the account number is never echoed, not even in findings.csv
    "account_number_format": [("experts.csv", 2, "口座番号", "＊＊＊＊", "R-VAL-2", "7桁")],
    "unsafe_id_path": [("dispatches.csv", 5, "派遣ID", "../../x", "R-VAL-1", "IDに使えない")],
    "unsafe_id_reserved": [("institutions.csv", 6, "プラットフォームID", "CON", "R-VAL-1",
                            "IDに使えない")],
    "formula_in_name": [("experts.csv", 2, "氏名", '=HYPERLINK("http://example.com","山田")',
                         "R-VAL-1", "数式")],
    "outside_shift_jis": [("dispatches.csv", 2, "企業名", "🍣寿司株式会社", "R-VAL-1",
                           "Shift_JIS")],
    "platform_member_without_kind": [("institutions.csv", 6, "機関種別", None, "R-VAL-1",
                                      "構成機関")],
    "my_number_header": [("experts.csv", None, "マイナンバー", "＊＊＊＊", "R-VAL-1",
                          "マイナンバー")],
    "my_number_values": [("experts.csv", None, "番号", "＊＊＊＊", "R-VAL-1", "マイナンバー")],
}


@pytest.fixture(scope="module")
def good(rules, tmp_path_factory):
    return load_dataset(compose(tmp_path_factory.mktemp("good"), None), rules)


def test_R_VAL_1_good_fixture_has_no_findings(good) -> None:
    assert good.findings.height == 0
    assert {t: f.height for t, f in good.tables.items()} == {
        "experts": 3, "institutions": 5, "dispatches": 4, "reports": 2, "checkins": 3,
        "travel_claims": 3}


@pytest.mark.parametrize("case", sorted(FINDING_CASES))
def test_R_VAL_each_rule_fails_its_broken_fixture(case, rules, tmp_path) -> None:
    ds = load_dataset(compose(tmp_path, case), rules)
    got = ds.findings.select("file", "row", "column", "value", "rule_id", "severity",
                             "message_ja").rows()
    expected = FINDING_CASES[case]
    assert len(got) == len(expected), got
    for (file, row, column, value, rule_id, severity, message), want in zip(got, expected,
                                                                           strict=True):
        assert (file, row, column, value, rule_id) == want[:5]
        assert severity == "error"
        assert want[5] in message
        assert message.startswith(column) or row is None  # the label leads the message


def test_R_VAL_1_a_dispatch_carried_out_without_a_report_is_a_warning(rules, tmp_path) -> None:
    """A half-copied reports export settled two thirds of a month without a word (blind
    clerk check): a 実施済 dispatch with no report row is named."""
    data = compose(tmp_path, None)
    path = data / "reports.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("D-2,")),
                    encoding="utf-8")
    ds = load_dataset(data, rules)
    got = ds.findings.select("file", "column", "value", "severity", "message_ja").rows()
    assert got == [("dispatches.csv", "状態", "実施済", "warning",
                    got[0][4] if got else None)]
    assert "支援実績報告の行がありません" in got[0][4]


def test_R_VAL_1_a_report_approved_before_its_support_day_is_a_warning(rules,
                                                                        tmp_path) -> None:
    """A support day corrected into a later month was paid with no word (blind clerk
    check): approval before the support names the report; it holds nothing (the contract
    has no such error), so its dispatch is not touched."""
    from haken_batch.validate import touched_dispatches

    data = compose(tmp_path, None)
    path = data / "reports.csv"
    text = path.read_text(encoding="utf-8").replace("D-1,2021/10/05,", "D-1,2021/10/12,")
    path.write_text(text, encoding="utf-8")
    ds = load_dataset(data, rules)
    got = ds.findings.select("file", "row", "column", "value", "severity", "message_ja").rows()
    assert [g[:5] for g in got] == [("reports.csv", 2, "機関承認日時", "2021-10-06 10:00",
                                     "warning")]
    assert "支援日より前に承認されています" in got[0][5]
    assert touched_dispatches(ds).height == 0
    # explain reads the warnings of a dispatch through the same mapping
    warned = touched_dispatches(ds, severity="warning")
    assert warned.select("dispatch_id", "rule_id").rows() == [("D-1", "R-VAL-1")]


def test_R_VAL_1_extra_column_is_one_warning(rules, tmp_path) -> None:
    ds = load_dataset(compose(tmp_path, "extra_column"), rules)
    assert ds.findings.select("file", "row", "column", "severity").rows() == [
        ("experts.csv", None, "備考", "warning")]
    assert "備考" not in ds.tables["experts"].columns


@pytest.mark.parametrize("case", ["my_number_header", "my_number_values"])
def test_my_number_column_is_dropped_and_never_echoed(case, rules, tmp_path) -> None:
    ds = load_dataset(compose(tmp_path, case), rules)
    dump = "".join(str(v) for v in ds.findings.rows()) + str(ds.tables["experts"].rows())
    assert "5678" not in dump and "1234567890" not in dump
    assert ds.tables["experts"].columns == good_columns()


def good_columns() -> list[str]:
    return ["expert_id", "name", "name_kana", "payee_type", "fee_class", "postal_code",
            "address", "prefecture", "qualifications", "specialties",
            "recommending_institution_id", "certified_support_org", "years_experience",
            "years_sme_support", "years_teaching", "terms_agreed", "registered_on",
            "commission_terms_agreed_on", "commission_accepted_on", "bank_code", "branch_code",
            "account_type", "account_number", "account_holder_kana", "public_salary_subsidy",
            "paid_by_institution_ids", "member_of_institution_ids", "my_number_on_file",
            "renew_next_year", "_row"]


def test_R_VAL_1_failing_row_stays_with_null_cell(rules, tmp_path) -> None:
    ds = load_dataset(compose(tmp_path, "impossible_date"), rules)
    reports = ds.tables["reports"]
    assert reports.height == 2
    assert reports.filter(pl.col("dispatch_id") == "D-1").get_column("support_date")[0] is None


def test_R_VAL_1_findings_carry_the_row_key(rules, tmp_path) -> None:
    ds = load_dataset(compose(tmp_path, "duplicate_two_part_key"), rules)
    assert ds.findings.get_column("key").to_list() == ["D-1;チェックイン", "D-1;チェックイン"]
    ds = load_dataset(compose(tmp_path / "b", "text_in_yen"), rules)
    assert ds.findings.get_column("key").to_list() == ["D-1;1"]


def test_R_VAL_1_minutes_equal_to_span_pass(rules, tmp_path) -> None:
    data = compose(tmp_path, None)
    text = (data / "reports.csv").read_text("utf-8").replace("13:30,16:00,150", "13:30,14:00,30")
    (data / "reports.csv").write_text(text, "utf-8")
    assert load_dataset(data, rules).findings.height == 0
    (data / "reports.csv").write_text(text.replace("13:30,14:00,30", "13:30,14:00,31"), "utf-8")
    assert load_dataset(data, rules).findings.get_column("column").to_list() == ["対面支援時間(分)"]


def test_R_VAL_touched_dispatches_by_table(rules, tmp_path) -> None:
    from haken_batch.validate import touched_dispatches

    # a report row -> its dispatch
    ds = load_dataset(compose(tmp_path / "a", "impossible_time"), rules)
    t = touched_dispatches(ds)
    assert t.select("dispatch_id", "rule_id").rows() == [("D-1", "R-VAL-1")]
    assert "終了時刻" in t.get_column("message_ja")[0]
    # an expert's bank field -> every dispatch of that expert, R-VAL-2
    ds = load_dataset(compose(tmp_path / "b", "bank_code_format"), rules)
    assert touched_dispatches(ds).select("dispatch_id", "rule_id").rows() == [("D-1", "R-VAL-2")]
    # an institution row -> its dispatches
    ds = load_dataset(compose(tmp_path / "c", "platform_member_without_kind"), rules)
    assert touched_dispatches(ds).select("dispatch_id", "rule_id").rows() == [("D-3", "R-VAL-1")]
    # a warning touches nothing
    ds = load_dataset(compose(tmp_path / "d", "extra_column"), rules)
    assert touched_dispatches(ds).height == 0


def test_R_VAL_2_expert_with_two_dispatches_holds_both(rules, tmp_path) -> None:
    from haken_batch.validate import touched_dispatches

    data = compose(tmp_path, None)
    text = (data / "experts.csv").read_text("utf-8").replace(",0005,１２３,1,", ",0005,12X,1,")
    (data / "experts.csv").write_text(text, "utf-8")
    ds = load_dataset(data, rules)
    touched = touched_dispatches(ds)
    assert touched.select("dispatch_id", "rule_id").rows() == [("D-2", "R-VAL-2"),
                                                               ("D-3", "R-VAL-2")]
    assert touched.columns == ["dispatch_id", "rule_id", "message_ja", "message_en"]


def test_R_VAL_2_bank_check_rows_become_findings(rules, tmp_path, monkeypatch) -> None:
    import haken_batch.bankcheck as bankcheck

    def fake(experts: pl.DataFrame, rules_: object) -> pl.DataFrame:
        return pl.DataFrame({"expert_id": ["E-002"], "column": ["account_holder_kana"],
                             "value_masked": ["ｻﾄｳ ﾊ＊＊"], "rule_id": ["R-VAL-2"],
                             "message_ja": ["口座名義カナを全銀カナで書けません"],
                             "message_en": ["holder name cannot be written in Zengin kana"]})

    monkeypatch.setattr(bankcheck, "unpayable_experts", fake)
    ds = load_dataset(compose(tmp_path, None), rules)
    assert ds.findings.select("file", "row", "column", "value", "rule_id", "key").rows() == [
        ("experts.csv", 3, "口座名義カナ", "ｻﾄｳ ﾊ＊＊", "R-VAL-2", "E-002")]


def test_control_characters_are_a_finding_and_never_echoed(rules, tmp_path) -> None:
    data = compose(tmp_path, None)
    text = (data / "experts.csv").read_text("utf-8").replace("山田 太郎", "\x1b[2J山田 太郎")
    (data / "experts.csv").write_text(text, "utf-8")
    ds = load_dataset(data, rules)
    assert ds.findings.select("row", "column", "rule_id").rows() == [(2, "氏名", "R-VAL-1")]
    assert "制御文字" in ds.findings.get_column("message_ja")[0]
    assert "\x1b" not in repr(ds.findings.rows())


# --- the fast paths give plain pandera's findings -------------------------------------------

def _typed_good(rules):
    from haken_batch.load.codes import codes_from
    from haken_batch.load.headers import map_headers
    from haken_batch.load.normalize import normalize_table
    from haken_batch.load.read import read_folder
    from haken_batch.load.spec import TABLE_ORDER, column_map

    cmap, codes = column_map(rules.columns), codes_from(rules)
    raws, _ = read_folder(GOOD, cmap)
    typed = {t: normalize_table(map_headers(raws[t], cmap.tables[t], cmap).frame,
                                cmap.tables[t], codes)[0] for t in TABLE_ORDER}
    return typed, cmap, codes


def _planted(frame: pl.DataFrame, variant: str, key: tuple[str, ...]) -> pl.DataFrame:
    """The good table with rows that break the contract appended (idx stays the position)."""
    first = frame.head(1)
    extra = []
    if variant in ("duplicate", "all"):
        extra.append(first)  # the whole key again
    if variant in ("null_key", "all"):
        nulls = first.with_columns(pl.lit(None, frame.schema[k]).alias(k) for k in key)
        extra += [nulls, nulls]  # two empty keys: a duplicate to polars and pandera
    if variant in ("broken", "all"):
        text = [c for c, t in frame.schema.items() if t == pl.String]
        for value in ("con.txt", "../x", "=1", "ſ", "LPT9", "\x1b[2J"):
            extra.append(first.with_columns(pl.lit(value).alias(c) for c in text[1:]))
        extra.append(first.with_columns(pl.lit(None, t).alias(c)
                                        for c, t in frame.schema.items() if c not in key))
    out = pl.concat([frame, *extra], how="vertical") if extra else frame
    return out.with_columns(pl.int_range(pl.len(), dtype=out.schema["idx"]).alias("idx"))


@pytest.mark.parametrize("variant", ["clean", "duplicate", "null_key", "broken", "all"])
def test_R_VAL_1_contract_fast_path_gives_plain_pandera_findings(variant, rules) -> None:
    """Key uniqueness proven by a hash count is left out of pandera's run; a duplicated key,
    an empty key twice or a broken cell must still give exactly pandera's own findings."""
    import pandera.errors as pa_errors

    from haken_batch.contract import schema_for
    from haken_batch.load.findings import concat_issues
    from haken_batch.validate import _contract_issues, failure_issues

    typed, cmap, codes = _typed_good(rules)
    for table, good_frame in typed.items():
        frame = _planted(good_frame, variant, cmap.tables[table].key)
        try:
            schema_for(table, cmap, codes).validate(frame, lazy=True)
            plain = concat_issues([])
        except pa_errors.SchemaErrors as exc:
            plain = failure_issues(table, exc.failure_cases, frame, cmap, codes)
        fast = _contract_issues(table, frame, cmap, codes)
        cols = fast.columns
        assert fast.sort(cols, nulls_last=True).equals(plain.sort(cols, nulls_last=True)), table
        if variant in ("duplicate", "null_key", "all"):
            assert fast.filter(pl.col("message_en").str.contains("duplicate key")).height >= 2


def test_control_characters_found_by_substring_as_by_the_regex() -> None:
    from haken_batch.load.findings import CONTROL_RX
    from haken_batch.validate import control_chars

    every = pl.Series([chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000])
    every = pl.concat([every, "a" + every + "\u3042"])
    assert (every.str.contains_any(control_chars()) == every.str.contains(CONTROL_RX)).all()


def test_R_VAL_1_institution_ids_joined_by_another_separator_hold_the_experts_dispatches(
        rules, tmp_path) -> None:
    """所属機関ID 'P-1、P-2' was read as one unknown id: a warning, and the dispatch its list
    excludes (R-EXC-3) was paid (independent model check, session 18). Ids joined by anything
    but ';' are an error on the expert's row, holding its dispatches (R-VAL-1); a single
    unknown id stays a warning (it may name an organisation that dispatches no one)."""
    from haken_batch.validate import touched_dispatches

    data = compose(tmp_path, None)
    path = data / "experts.csv"
    text = path.read_text(encoding="utf-8")
    row = "ｻﾄｳ ﾊﾅｺ,0,P-1,P-1,○,はい"
    assert text.count(row) == 1
    path.write_text(text.replace(row, "ｻﾄｳ ﾊﾅｺ,0,X-9,P-1、P-2,○,はい"), encoding="utf-8")
    ds = load_dataset(data, rules)
    got = sorted(ds.findings.select("row", "column", "value", "severity", "message_ja").rows())
    assert [g[:4] for g in got] == [(3, "所属機関ID", "P-1、P-2", "error"),
                                    (3, "給与等支払機関ID", "X-9", "warning")]
    assert "区切りが「;」ではない" in got[0][4] and "保留" in got[0][4]
    held = touched_dispatches(ds).select("dispatch_id", "rule_id").rows()
    assert held == [("D-2", "R-VAL-1"), ("D-3", "R-VAL-1")]


def test_R_VAL_1_an_id_excel_showed_in_exponent_form_names_the_cause(rules, tmp_path) -> None:
    """企業ID 3.34258E+12 (Excel saved what it showed) gave 'IDに使えない形式です' a thousand
    times without the cause (blind clerk check, session 18); another unsafe id keeps the
    general message."""
    data = compose(tmp_path, None)
    path = data / "dispatches.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("D-1,I-13,E-001,1234567890123,") == 1
    text = text.replace("D-1,I-13,E-001,1234567890123,", "D-1,I-13,E-001,1.23457E+12,")
    path.write_text(text, encoding="utf-8")
    ds = load_dataset(data, rules)
    got = ds.findings.filter(pl.col("column") == "企業ID").select("value", "message_ja").rows()
    assert len(got) == 1 and got[0][0] == "1.23457E+12"
    assert "Excel の指数表示" in got[0][1] and "出力し直して" in got[0][1]
