"""Zengin kana: holder-name conversion and the character classes (zengin.md, R-VAL-2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haken_batch.errors import HakenError
from haken_batch.kana import (
    BANK_CLASS,
    NAME_CLASS,
    KanaError,
    byte_len,
    check_name_class,
    cut,
    stray_marks,
    to_bank_name,
    to_zengin_name,
)


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # full-width space → one space
        ("やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # hiragana → katakana
        ("ﾔﾏﾀﾞ  ﾀﾛｳ ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # runs of spaces collapse, ends trimmed
        ("キャノン", "ｷﾔﾉﾝ"),  # small → large
        ("ｷｬﾉﾝ", "ｷﾔﾉﾝ"),
        ("ガッコウ", "ｶﾞﾂｺｳ"),
        ("ヴァイオリン", "ｳﾞｱｲｵﾘﾝ"),  # ヴ → ｳﾞ
        ("ヨーコ", "ﾖ-ｺ"),  # long vowel → -
        ("ﾖｰｺ", "ﾖ-ｺ"),
        ("ヨ－コ", "ﾖ-ｺ"),
        ("ヨ‐コ", "ﾖ-ｺ"),
        ("ヨ−コ", "ﾖ-ｺ"),
        ("ヨ—コ", "ﾖ-ｺ"),
        ("ヨ―コ", "ﾖ-ｺ"),
        ("ヰヱ", "ｲｴ"),
        ("ヵヶヮ", "ｶｹﾜ"),
        ("ＡＢＣ　ｄｅｆ１２", "ABC DEF12"),  # full-width latin/digits, lowercase → upper
        ("smith john", "SMITH JOHN"),
        ("パピプペポ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"),
        ("ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),  # already in Zengin form: unchanged
        ("カ）ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("ﾔﾏﾀﾞ.ｼﾞﾛｳ", "ﾔﾏﾀﾞ.ｼﾞﾛｳ"),
        ("カ゛トウ ハ゜ン", "ｶﾞﾄｳ ﾊﾟﾝ"),  # a spacing ゛/゜ typed after its kana
        ("ゔぃおら", "ｳﾞｲｵﾗ"),  # hiragana ゔ (not in Shift_JIS)
        ("ヤマダ\u00a0タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # a no-break space is a space
    ],
)
def test_to_zengin_name_converts_per_spec(given_name: str, expected: str) -> None:
    assert to_zengin_name(given_name) == expected


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("株式会社ヤマダ", "ｶ)ﾔﾏﾀﾞ"),  # start
        ("株式会社　ヤマダ", "ｶ)ﾔﾏﾀﾞ"),  # no space after the abbreviation
        ("ヤマダショウジ株式会社", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ"),  # end
        ("ヤマダ株式会社トウキョウシテン", "ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ"),  # middle
        ("（株）ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("㈱ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("カブシキガイシャ　ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("有限会社タナカ", "ﾕ)ﾀﾅｶ"),
        ("合同会社サトウ", "ﾄﾞ)ｻﾄｳ"),
        ("合名会社サトウ", "ﾒ)ｻﾄｳ"),
        ("合資会社サトウ", "ｼ)ｻﾄｳ"),
        ("一般社団法人ハケン", "ｼﾔ)ﾊｹﾝ"),
        ("公益財団法人ハケン", "ｻﾞｲ)ﾊｹﾝ"),
        ("特定非営利活動法人ハケン", "ﾄｸﾋ)ﾊｹﾝ"),
        ("医療法人ハケン", "ｲ)ﾊｹﾝ"),
        ("税理士法人ハケン", "ｾﾞｲ)ﾊｹﾝ"),
        ("弁護士法人ハケン", "ﾍﾞﾝ)ﾊｹﾝ"),
        ("社会保険労務士法人ハケン", "ﾛｳﾑ)ﾊｹﾝ"),
        ("ハケン協同組合", "ﾊｹﾝ(ｷﾖｳｸﾐ"),
    ],
)
def test_corporate_abbreviations_are_placed_per_spec(given_name: str, expected: str) -> None:
    assert to_zengin_name(given_name) == expected


def test_R_VAL_2_kanji_is_an_error_naming_position_but_not_the_name() -> None:
    with pytest.raises(KanaError) as info:
        to_zengin_name("ヤマダ太郎")
    assert info.value.char == "太"
    assert info.value.position == 4
    assert info.value.problem.code == "kanji"
    # The message is shown to clerks and in logs: a piece of the name stays out of it.
    assert "4文字目" in info.value.ja and "太" not in info.value.ja and "太" not in info.value.en
    assert isinstance(info.value, HakenError)


def test_R_VAL_2_kanji_inside_a_corporate_name_is_located_in_the_original() -> None:
    with pytest.raises(KanaError) as info:
        to_zengin_name("株式会社山田商事")
    assert (info.value.char, info.value.position) == ("山", 5)


@pytest.mark.parametrize("dot", ["・", "･"])
def test_R_VAL_2_middle_dot_is_flagged_not_guessed(dot: str) -> None:
    with pytest.raises(KanaError) as info:
        to_zengin_name(f"スズキ{dot}ハナコ")
    assert info.value.problem.code == "middle-dot"
    assert info.value.position == 4
    assert info.value.char == dot


# a company form alone names nobody (a blind Zengin check: 株式会社 was paid as ｶ))
@pytest.mark.parametrize("text", ["", "   ", "　", "株式会社", "ｶ)", "(ｶ", " 有限会社 "])
def test_R_VAL_2_empty_name_is_an_error(text: str) -> None:
    with pytest.raises(KanaError) as info:
        to_zengin_name(text)
    assert info.value.problem.code == "empty"


@pytest.mark.parametrize(("text", "code"), [("ヲカダ", "wo"), ("ﾔﾏﾀﾞ,ﾀﾛｳ", "not-allowed"),
                                            ("ﾔﾏﾀﾞ/ﾀﾛｳ", "not-allowed"), ("ﾔﾏﾀﾞ¥", "not-allowed")])
def test_R_VAL_2_characters_outside_the_name_class_are_errors(text: str, code: str) -> None:
    with pytest.raises(KanaError) as info:
        to_zengin_name(text)
    assert info.value.problem.code == code


def test_check_name_class_reports_each_bad_character_with_position() -> None:
    problems = check_name_class("ｱｰｲｧ,ﾞ")
    assert [(p.position, p.code) for p in problems] == [
        (2, "small-kana"), (4, "small-kana"), (5, "not-allowed"), (6, "mark")]


def test_check_name_class_accepts_the_whole_class() -> None:
    assert check_name_class("ｱｲｳﾝ ABC 09 ().-ｶﾞﾊﾟ") == []


def test_bank_class_refuses_name_only_symbols() -> None:
    assert {p.char for p in check_name_class("ﾐｽﾞﾎ.(A)", bank=True)} == {".", "(", ")"}


def test_byte_len_counts_marks_as_bytes() -> None:
    assert byte_len("ｶﾞｯｺｳ") == 5
    assert byte_len(to_zengin_name("ガッコウ")) == 5


def test_cut_never_separates_a_kana_from_its_mark() -> None:
    assert cut("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾞ", 15) == "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾ"
    assert cut("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾞ", 16) == "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾞ"
    assert cut("ｱｲ", 15) == "ｱｲ"


def test_to_bank_name_narrows_master_kana() -> None:
    assert to_bank_name("クレデイ．アグリコル") == "ｸﾚﾃﾞｲｱｸﾞﾘｺﾙ"
    assert to_bank_name("ソシエテ　ジエネラル") == "ｿｼｴﾃｼﾞｴﾈﾗﾙ"
    assert to_bank_name("オ－バ－シ－") == "ｵ-ﾊﾞ-ｼ-"
    assert to_bank_name("タカマツシチユウオウイチノミヤ") == "ﾀｶﾏﾂｼﾁﾕｳｵｳｲﾁﾉﾐﾔ"


_KANA = st.sampled_from(list("アイウエオカガキギクグサザシジタダチッツテデトドナハバパヒビピフ"
                             "ブプヘベペホボポマミムメモヤャユュヨョラリルレロワンヴー　ぁあいう"
                             "ABCxyz019・漢()-.ｶﾞｯ"))


@given(st.text(_KANA, max_size=40))
def test_conversion_yields_the_name_class_or_a_typed_error(text: str) -> None:
    try:
        out = to_zengin_name(text)
    except KanaError as exc:
        assert exc.problem.code in {"kanji", "middle-dot", "empty", "not-allowed", "mark", "wo"}
        return
    assert set(out) <= NAME_CLASS
    assert not stray_marks(out)
    assert byte_len(out) == len(out)  # one byte per character in CP932
    assert to_zengin_name(out) == out  # idempotent


@given(st.lists(st.sampled_from(["ｱ", "ｶﾞ", "ﾊﾟ", "ｻﾞ", "ﾀﾞ", "ﾝ"]), max_size=20),
       st.integers(0, 30))
def test_cut_is_bounded_and_keeps_marks_attached(units: list[str], width: int) -> None:
    text = "".join(units)
    out = cut(text, width)
    assert len(out) <= width
    assert text.startswith(out)
    assert not stray_marks(out)
    assert set(out) <= BANK_CLASS
