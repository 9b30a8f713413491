"""`haken zengin show FILE`: records, totals, byte-exact problems; exit 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import zengin_format as zf
from haken_batch.cli.app import app

HEADER = zf.Header("1234567890", "ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ", "1119", "0001", "001", "1", "1234567",
                   bank_name="ﾐｽﾞﾎ", branch_name="ﾄｳｷﾖｳ")
RECORDS = [zf.DataRecord("0005", "001", "1", "7654321", "ﾔﾏﾀﾞ ﾀﾛｳ", 12345),
           zf.DataRecord("0009", "001", "2", "0000987", "ｶ)ﾐﾗｲ", 678)]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "zengin_20211119.txt"
    path.write_bytes(zf.build(HEADER, RECORDS))
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, ["zengin", "show", *args])


def test_unmask_shows_payee_names_and_accounts(good: Path) -> None:
    result = invoke(str(good), "--unmask")
    assert result.exit_code == 0, result.output
    assert "ﾔﾏﾀﾞ ﾀﾛｳ" in result.stdout and "ｶ)ﾐﾗｲ" in result.stdout
    assert "7654321" in result.stdout


def test_valid_file_exits_0_and_shows_records_and_totals(good: Path) -> None:
    result = invoke(str(good))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ﾔﾏﾀﾞ **" in out and "ﾀﾛｳ" not in out  # payee names masked by default
    assert "****321" in out and "7654321" not in out  # accounts masked
    assert "普通 ****567" in out  # the payer's account too
    assert "2 件 / 13,023 円" in out  # trailer and computed
    assert "正常" in out
    assert "レコード区切り crlf、末尾の EOF 0x1A なし" in out  # not English in the Japanese


def test_unmask_shows_account_numbers(good: Path) -> None:
    result = invoke(str(good), "--unmask")
    assert result.exit_code == 0
    assert "7654321" in result.stdout and "1234567" in result.stdout


def test_json_format(good: Path) -> None:
    result = invoke(str(good), "--format", "json")
    assert result.exit_code == 0
    view = json.loads(result.stdout)
    assert view["valid"] is True and view["problems"] == []
    assert view["trailer"] == {"count": 2, "total": 13023}
    assert view["computed"] == {"count": 2, "total": 13023}
    assert [r["account_number"] for r in view["records"]] == ["****321", "****987"]
    assert view["header"]["transfer_date"] == "1119"


def test_corrupted_byte_exits_1_naming_record_offset_and_field(good: Path) -> None:
    data = bytearray(good.read_bytes())
    data[122 + 85] = ord("A")  # record 2, byte 85: inside 振込金額 (80..89)
    good.write_bytes(bytes(data))
    result = invoke(str(good))
    assert result.exit_code == 1
    assert "レコード2 85バイト目" in result.stderr
    assert "振込金額" in result.stderr and "0x41" in result.stderr
    english = invoke(str(good), "--lang", "en")
    assert "record 2, byte 85" in english.stderr and "amount" in english.stderr


def test_corrupted_byte_in_json(good: Path) -> None:
    data = bytearray(good.read_bytes())
    data[2 * 122 + 50] = 0xB0  # ｰ in 受取人名 of record 3
    good.write_bytes(bytes(data))
    result = invoke(str(good), "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["record"] == 3 and problems[0]["offset"] == 50
    assert problems[0]["field"] == "受取人名" and problems[0]["file_offset"] == 2 * 122 + 50


def test_wrong_trailer_total_exits_1(good: Path) -> None:
    data = good.read_bytes().replace(b"8000002000000013023", b"8000002000000013024")
    good.write_bytes(data)
    result = invoke(str(good), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["field_key"] == "total"


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "none.txt"))
    assert result.exit_code == 2
    assert "none.txt" in result.stderr


def test_empty_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = invoke(str(path))
    assert result.exit_code == 2
    assert "空" in result.stderr


def test_a_csv_is_not_a_zengin_file_and_exits_2(tmp_path: Path) -> None:
    """payments.csv given by mistake: 350 record errors and exit 1, as a damaged Zengin file
    (lifecycle check, session 21); it is not one at all."""
    for name, data in (("payments.csv", "\ufeff専門家ID,振込額\nE1,100\n".encode()),
                       ("plain.csv", b"expert_id,net\r\nE1,100\r\n")):
        path = tmp_path / name
        path.write_bytes(data)
        result = invoke(str(path))
        assert result.exit_code == 2, result.output
        assert "全銀ファイルではありません" in result.stderr and "CSV" in result.stderr


def test_eof_byte_and_no_separator_are_read(tmp_path: Path) -> None:
    path = tmp_path / "z.txt"
    path.write_bytes(zf.build(HEADER, RECORDS, separator="none", eof=True))
    view = json.loads(invoke(str(path), "--format", "json").stdout)
    assert view["valid"] and view["separator"] == "none" and view["eof_byte"]


def test_help_lists_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "unreadable" in result.stdout


def test_escape_sequences_in_a_file_never_reach_the_terminal(tmp_path: Path) -> None:
    """The command that inspects a suspect file must not replay its escape sequences (a
    window title, a cleared screen) or its rich markup (blind audit check)."""
    data = bytearray(zf.build(HEADER, RECORDS))
    name = "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932")
    at = bytes(data).index(name)
    data[at:at + 8] = b"\x1b]0;PW\x07"[:8].ljust(8, b" ")
    code = b"1234567890"
    at = bytes(data).index(code)
    data[at:at + 10] = b"[red]\x1b[2J\x9b1"[:10]
    path = tmp_path / "crafted.txt"
    path.write_bytes(bytes(data))
    for args in ([str(path)], [str(path), "--unmask"], [str(path), "--lang", "en"]):
        result = invoke(*args)
        assert result.exit_code == 1, result.output
        assert "\x1b" not in result.output and "\x9b" not in result.output
        assert "\\x1b" in result.stdout


def test_english_totals_are_in_english(good: Path) -> None:
    result = invoke(str(good), "--lang", "en")
    assert "2 records / 13,023 yen" in result.stdout
    assert "件" not in result.stdout.split("data records")[-1].split("\n", 1)[0]
    # the header line and the table's columns too (they stayed Japanese: blind clerk check)
    for word in ("依頼人コード", "振込指定日", "銀行", "受取人名", "金額", "普通"):
        assert word not in result.stdout, word
    assert "requester code" in result.stdout and "payee" in result.stdout


def _listing(folder: Path, rows: list[tuple[str, str, int]]) -> None:
    lines = ["ファイル,No,専門家ID,振込金額"]
    lines += [f"{name},{n},{expert},{amount}" for n, (name, expert, amount) in enumerate(rows, 1)]
    (folder / "zengin_check.csv").write_text("\ufeff" + "\n".join(lines) + "\n", "utf-8")


def test_records_name_their_expert_from_the_listing_beside_the_file(good: Path) -> None:
    """Names are masked, so ﾔﾏﾀﾞ ** could be any Yamada: the listing settle writes beside the
    file (zengin_check.csv) names the expert of each record, matched by place and amount."""
    _listing(good.parent, [("zengin_20211119.txt", "E-0001", 12345),
                           ("zengin_20211119.txt", "E-0002", 678)])
    result = invoke(str(good))
    assert result.exit_code == 0, result.output
    assert "専門家ID" in result.stdout and "E-0001" in result.stdout
    view = json.loads(invoke(str(good), "--format", "json").stdout)
    assert [r["expert_id"] for r in view["records"]] == ["E-0001", "E-0002"]
    assert view["listing"] is True


def test_a_listing_that_disagrees_with_the_file_names_nobody(good: Path) -> None:
    _listing(good.parent, [("zengin_20211119.txt", "E-0001", 12345),
                           ("zengin_20211119.txt", "E-0002", 679)])
    result = invoke(str(good))
    assert result.exit_code == 1  # not the file the reviewed listing describes: not to send
    assert "E-0001" not in result.stdout
    assert "一致しない" in result.stdout
    assert "正常: 誤りはありません" not in result.stdout
    assert "zengin_check.csv と一致しません" in result.stderr
    view = json.loads(invoke(str(good), "--format", "json").stdout)
    assert view["listing"] is False and "expert_id" not in view["records"][0]
