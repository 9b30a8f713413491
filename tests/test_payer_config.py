"""Payer config (依頼人): read completely, refused with file/key/value/expected before output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from haken_batch.errors import ConfigError
from haken_batch.payer import PayerConfig, ZenginOptions, demo_payer_path, load_payer

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "samples" / "payer.demo.yaml"


def write(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "payer.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def demo_body() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_payer_loads_with_real_bank_codes() -> None:
    payer = load_payer(DEMO)
    assert isinstance(payer, PayerConfig)
    assert payer.requester_code == "1234567890"
    assert payer.requester_name_kana == "ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ"
    assert (payer.bank_code, payer.branch_code) == ("0001", "001")
    assert payer.bank_name_kana == "ﾐｽﾞﾎ" and payer.branch_name_kana == "ﾄｳｷﾖｳ"  # from master
    assert payer.account_type == "1" and payer.account_number == "1234567"
    assert payer.display_name and payer.address
    assert payer.zengin == ZenginOptions()
    assert payer.account_masked == "****567"


def test_demo_payer_path_points_at_the_sample() -> None:
    assert demo_payer_path().name == "payer.demo.yaml"


def test_defaults_apply_when_zengin_section_is_absent(tmp_path: Path) -> None:
    body = demo_body()
    del body["zengin"]
    payer = load_payer(write(tmp_path, body))
    assert payer.zengin.separator == "crlf" and payer.zengin.clearing_house == "0000"


def test_options_are_read(tmp_path: Path) -> None:
    body = demo_body()
    body["zengin"].update(separator="none", eof_byte=True, clearing_house="spaces",
                          transfer_kind="space", new_code="1", max_records=500,
                          bank_names=False, customer_code="none")
    body["account"]["account_number"] = "123"
    z = load_payer(write(tmp_path, body))
    assert z.zengin == ZenginOptions("none", True, "", " ", "1", 500, False, "none")
    assert z.account_number == "0000123"


def test_no_path_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--payer"):
        load_payer(None)


def test_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_payer(tmp_path / "nope.yaml")
    assert "nope.yaml" in (info.value.where or "")


def test_the_experts_csv_given_for_payer_says_what_payer_takes() -> None:
    """experts.csv (CP932) for --payer said 「ルールファイルを読めません」 (blind clerk check)."""
    with pytest.raises(ConfigError) as info:
        load_payer(REPO / "samples" / "fy2021" / "experts.csv")
    assert info.value.ja == ("依頼人設定ファイルを読めません（UTF-8 のテキストではありません）。"
                             "--payer には依頼人設定の YAML ファイル"
                             "（見本 samples/payer.demo.yaml）を指定してください")
    assert "ルールファイル" not in info.value.ja
    # a UTF-8 export reads as YAML text, not a mapping: the same hint (helper review)
    with pytest.raises(ConfigError) as utf8:
        load_payer(REPO / "samples" / "fy2021" / "dispatches.csv")
    assert utf8.value.ja.endswith("--payer には依頼人設定の YAML ファイル"
                                  "（見本 samples/payer.demo.yaml）を指定してください")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "payer.yaml"
    path.write_text("payer:\n  requester_code: [1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_payer(path)
    assert ":" in (info.value.where or "")


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "payer.yaml"
    text = DEMO.read_text(encoding="utf-8").replace(
        'bank_code: "0001"', 'bank_code: "0001"\n  bank_code: "0005"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="bank_code"):
        load_payer(path)


@pytest.mark.parametrize(
    ("section", "key", "value", "fragment"),
    [
        ("payer", "requester_code", "12345", "10"),
        ("payer", "requester_code", 1234567890, "quotes"),  # unquoted: leading zeros lost
        ("payer", "requester_name_kana", "事務局", "kanji"),
        ("payer", "requester_name_kana", "ア" * 41, "40"),
        ("payer", "display_name", "", "required"),
        ("account", "bank_code", "9999", "master"),
        ("account", "branch_code", "999", "branch"),
        ("account", "account_type", 4, "one of"),
        ("account", "account_number", "12345678", "1..7"),
        ("account", "bank_name_kana", "ﾐｽﾞﾎ.", "kana"),
        ("zengin", "separator", "lf", "one of"),
        ("zengin", "eof_byte", "yes", "true or false"),
        ("zengin", "clearing_house", 0, "one of"),
        ("zengin", "transfer_kind", "9", "one of"),
        ("zengin", "max_records", 0, "1..999999"),
        ("zengin", "customer_code", "name", "one of"),
    ],
)
def test_wrong_value_names_file_key_value_and_expectation(
        tmp_path: Path, section: str, key: str, value: object, fragment: str) -> None:
    body = demo_body()
    body[section][key] = value
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_payer(path)
    err = info.value
    assert f"{section}.{key}" in err.en and f"{section}.{key}" in err.ja
    assert fragment in err.en
    assert str(path) in (err.where or "")
    if value not in ("", None):
        assert repr(value) in err.en


def test_unknown_key_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    body = demo_body()
    body["account"]["acount_number"] = "1234567"
    with pytest.raises(ConfigError) as info:
        load_payer(write(tmp_path, body))
    assert "acount_number" in info.value.en and "account_number" in info.value.en


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    body = demo_body()
    body["bank"] = {}
    with pytest.raises(ConfigError, match="bank"):
        load_payer(write(tmp_path, body))


@pytest.mark.parametrize(("section", "key"), [("payer", "requester_code"),
                                              ("account", "bank_code")])
def test_missing_required_key_is_refused(tmp_path: Path, section: str, key: str) -> None:
    body = demo_body()
    del body[section][key]
    with pytest.raises(ConfigError, match="required"):
        load_payer(write(tmp_path, body))


def test_docs_document_every_key() -> None:
    from haken_batch.payer import _SECTIONS

    doc = (REPO / "docs" / "payer.md").read_text(encoding="utf-8")
    for section, keys in _SECTIONS.items():
        for key in keys:
            assert f"`{section}.{key}`" in doc, f"{section}.{key} undocumented"


def test_a_tab_or_full_width_space_in_the_indentation_is_named(tmp_path: Path) -> None:
    """A clerk's editor indents with a tab or 全角 space: the message said only 'found
    character that cannot start any token' (blind clerk check)."""
    text = DEMO.read_text(encoding="utf-8")
    tab = tmp_path / "tab.yaml"
    tab.write_text(text.replace("  requester_code", "\trequester_code"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_payer(tab)
    line = text.splitlines().index(next(x for x in text.splitlines()
                                        if x.startswith("  requester_code"))) + 1
    assert f"{line}行目にタブ文字があります" in info.value.ja
    wide = tmp_path / "wide.yaml"
    wide.write_text(text.replace("  requester_code", "\u3000requester_code"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_payer(wide)
    assert "全角スペース" in info.value.ja


def test_a_kanji_payer_name_asks_for_the_registered_kana(tmp_path: Path) -> None:
    body = demo_body()
    body["payer"]["requester_name_kana"] = "中小企業支援事務局"
    with pytest.raises(ConfigError) as info:
        load_payer(write(tmp_path, body))
    assert "振込依頼人名は銀行に届け出たカナで" in info.value.ja
    assert "口座名義カナ" not in info.value.ja


@pytest.mark.parametrize("key", ["display_name", "address", "contact"])
def test_printed_payer_text_must_be_printable(tmp_path: Path, key: str) -> None:
    """A 𠮷 in display_name stopped the run at the PDF naming neither file nor key."""
    body = demo_body()
    body["payer"][key] = "𠮷田事務局"
    with pytest.raises(ConfigError) as info:
        load_payer(write(tmp_path, body))
    assert f"payer.{key}" in info.value.ja and "𠮷" in info.value.ja
    assert str(tmp_path / "payer.yaml") in (info.value.where or "")


def test_printed_fields_are_one_short_line_and_a_wrong_file_is_not_echoed(tmp_path) -> None:
    """display_name with an escape sequence printed 「[31mRED[0m」 on every notice, 3,000
    characters pushed a notice onto two pages, and --payer /etc/shadow echoed its first
    line whole (hostile check, session 22)."""
    import pytest

    from haken_batch.errors import ConfigError
    from haken_batch.payer import load_payer

    demo = (Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml").read_text(
        "utf-8")
    for bad in ("事務局\\x1b[31mRED\\x1b[0m", "事" * 101, "事務局\\n二行目"):
        path = tmp_path / "p.yaml"
        path.write_text(demo.replace('display_name: "', f'display_name: "{bad}', 1), "utf-8")
        with pytest.raises(ConfigError, match="display_name") as err:
            load_payer(path)
        assert "\x1b" not in err.value.ja
    shadow = tmp_path / "shadow"
    shadow.write_text("root:$6$saltsaltsalt$hashhashhashhashhashhashhash:19000:0:99999:7:::\n")
    with pytest.raises(ConfigError) as err:
        load_payer(shadow)
    assert "hashhashhashhash" not in err.value.ja and "…" in err.value.ja
