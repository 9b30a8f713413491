"""The 総合振込 record layout: 120-byte records, writer ↔ parser, byte-exact problems."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch import zengin_format as zf
from haken_batch.kana import NAME_CLASS

HEADER = zf.Header(requester_code="1234567890", requester_name="ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ",
                   transfer_date="1119", bank_code="0001", branch_code="001", account_type="1",
                   account_number="1234567", bank_name="ﾐｽﾞﾎ", branch_name="ﾄｳｷﾖｳ")
RECORDS = [
    zf.DataRecord(bank_code="0005", branch_code="001", account_type="1",
                  account_number="0000123", name="ﾔﾏﾀﾞ ﾀﾛｳ", amount=12345,
                  bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", branch_name="ﾎﾝﾃﾝ", clearing_house="0000",
                  customer_code1="0000000001"),
    zf.DataRecord(bank_code="0009", branch_code="001", account_type="4",
                  account_number="7654321", name="ｶ)ﾊｹﾝ(ﾄｳｷﾖｳ).", amount=99),
]


def sample() -> bytes:
    return zf.build(HEADER, RECORDS)


# ------------------------------------------------------------------------------ an
# independent reader: the slices below are typed from the table of shared/spec/zengin.md
# (and agree with public layouts written 1-based: 2 bank, 6 name, 21 branch, 24 name,
# 39 交換所, 43 種目, 44 口座, 51 受取人, 81 金額, 91 新規, 92/102 顧客, 112 指定区分,
# 113 識別表示), not taken from zengin_format.

def independent_read(data: bytes) -> list[dict[str, str]]:
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    out = []
    for line in lines:
        assert len(line) == 120
        text = line.decode("shift_jis")
        assert len(text) == 120  # one character per byte: JIS X 0201 only
        kind = text[0]
        if kind == "1":
            out.append({"kind": "1", "type": text[1:3], "code_div": text[3],
                        "requester": text[4:14], "name": text[14:54], "date": text[54:58],
                        "bank": text[58:62], "bank_name": text[62:77], "branch": text[77:80],
                        "branch_name": text[80:95], "acc_type": text[95],
                        "account": text[96:103], "dummy": text[103:120]})
        elif kind == "2":
            out.append({"kind": "2", "bank": text[1:5], "bank_name": text[5:20],
                        "branch": text[20:23], "branch_name": text[23:38],
                        "clearing": text[38:42], "acc_type": text[42], "account": text[43:50],
                        "name": text[50:80], "amount": text[80:90], "new": text[90],
                        "cust1": text[91:101], "cust2": text[101:111], "kind7": text[111],
                        "edi": text[112], "dummy": text[113:120]})
        elif kind == "8":
            out.append({"kind": "8", "count": text[1:7], "total": text[7:19],
                        "dummy": text[19:120]})
        else:
            out.append({"kind": kind, "dummy": text[1:120]})
    return out


def test_sample_file_reads_with_an_independent_reader() -> None:
    recs = independent_read(sample())
    assert [r["kind"] for r in recs] == ["1", "2", "2", "8", "9"]
    head, first, second, trailer, end = recs
    assert head["type"] == "21" and head["code_div"] == "0"
    assert head["requester"] == "1234567890" and head["date"] == "1119"
    assert head["name"] == "ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ".ljust(40)
    assert (head["bank"], head["branch"], head["acc_type"], head["account"]) == (
        "0001", "001", "1", "1234567")
    assert head["bank_name"] == "ﾐｽﾞﾎ".ljust(15) and head["dummy"] == " " * 17
    assert first["bank"] == "0005" and first["branch"] == "001"
    assert first["bank_name"] == "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ".ljust(15)
    assert first["clearing"] == "0000" and first["acc_type"] == "1"
    assert first["account"] == "0000123" and first["name"] == "ﾔﾏﾀﾞ ﾀﾛｳ".ljust(30)
    assert first["amount"] == "0000012345" and first["new"] == "0"
    assert first["cust1"] == "0000000001" and first["cust2"] == " " * 10
    assert first["kind7"] == "7" and first["edi"] == " " and first["dummy"] == " " * 7
    assert second["clearing"] == "    " and second["bank_name"] == " " * 15
    assert second["acc_type"] == "4" and second["amount"] == "0000000099"
    assert trailer["count"] == "000002" and trailer["total"] == "000000012444"
    assert trailer["dummy"] == " " * 101 and end["dummy"] == " " * 119


def test_every_record_is_120_bytes_followed_by_crlf() -> None:
    data = sample()
    assert len(data) == 5 * 122
    for i in range(5):
        assert data[i * 122 + 120: i * 122 + 122] == b"\r\n"
    assert b"\x1a" not in data


def test_separator_none_and_eof_byte_options() -> None:
    data = zf.build(HEADER, RECORDS, separator="none", eof=True)
    assert len(data) == 5 * 120 + 1 and data.endswith(b"\x1a")
    parsed = zf.parse(data)
    assert parsed.ok and parsed.separator == "none" and parsed.eof


def test_round_trip_gives_back_every_field() -> None:
    parsed = zf.parse(sample())
    assert parsed.ok, [p.message() for p in parsed.problems]
    assert parsed.header == HEADER
    assert parsed.records == RECORDS
    assert parsed.trailer == zf.Trailer(2, 12444)
    assert parsed.has_end and parsed.record_count == 5


def test_shift_jis_and_cp932_bytes_agree() -> None:
    text = sample().decode("cp932")
    assert text.encode("shift_jis") == sample()


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (zf.DataRecord("0005", "001", "1", "1234567", "ﾖｰｺ", 1), "受取人名"),  # ｰ not allowed
        (zf.DataRecord("0005", "001", "1", "1234567", "ヤマダ", 1), "受取人名"),  # full width
        (zf.DataRecord("0005", "001", "1", "1234567", "ｱ" * 31, 1), "受取人名"),  # 31 bytes
        (zf.DataRecord("0005", "001", "1", "12345678", "ｱ", 1), "口座番号"),  # 8 digits
        (zf.DataRecord("0005", "001", "3", "1234567", "ｱ", 1), "預金種目"),
        (zf.DataRecord("05A", "001", "1", "1234567", "ｱ", 1), "被仕向銀行番号"),
        (zf.DataRecord("0005", "001", "1", "1234567", "", 1), "受取人名"),  # required
        (zf.DataRecord("0005", "001", "1", "1234567", "ｱ", 0), "振込金額"),  # net > 0 only
        (zf.DataRecord("0005", "001", "1", "1234567", "ｱ", 10**10), "振込金額"),
        (zf.DataRecord("0005", "001", "1", "1234567", "ｱ", 1, bank_name="ﾐｽﾞﾎ."), "被仕向銀行名"),
    ],
)
def test_writer_checks_characters_before_encoding(record: zf.DataRecord, problem: str) -> None:
    with pytest.raises(zf.ZenginFormatError) as info:
        zf.build(HEADER, [record])
    assert problem in info.value.ja
    assert "レコード2" in info.value.ja


def test_writer_refuses_more_records_than_the_bank_takes() -> None:
    with pytest.raises(zf.ZenginFormatError, match="limit of 1"):
        zf.build(HEADER, RECORDS, max_records=1)


def _corrupt(data: bytes, at: int, byte: bytes) -> bytes:
    return data[:at] + byte + data[at + 1:]


@pytest.mark.parametrize(
    ("record", "offset", "byte", "field"),
    [
        (2, 80, b"X", "振込金額"),
        (2, 50, b"\x81", "受取人名"),  # a Shift_JIS lead byte inside the name
        (2, 52, b"\xb0", "受取人名"),  # ｰ
        (2, 42, b"3", "預金種目"),
        (2, 115, b"A", "ダミー"),
        (1, 56, b" ", "振込指定日"),
        (1, 1, b"1", "種別コード"),  # 11 is not 総合振込
        (3, 111, b"5", "振込指定区分"),
        (5, 0, b"7", "データ区分"),
    ],
)
def test_parser_names_record_offset_and_field_of_a_wrong_byte(record: int, offset: int,
                                                              byte: bytes, field: str) -> None:
    at = (record - 1) * 122 + offset
    parsed = zf.parse(_corrupt(sample(), at, byte))
    assert not parsed.ok
    first = parsed.problems[0]
    assert (first.record, first.offset, first.field, first.file_offset) == (
        record, offset, field, at)
    assert first.found and first.expected


def test_parser_refuses_a_date_that_does_not_exist() -> None:
    problems = zf.parse(_corrupt(sample(), 56, b"3")).problems  # 1139
    assert [(p.record, p.offset, p.field_key) for p in problems] == [(1, 54, "transfer_date")]


def test_parser_checks_trailer_against_the_records() -> None:
    data = _corrupt(sample(), 3 * 122 + 18, b"5")  # total 12444 → 12445
    problems = zf.parse(data).problems
    assert [(p.record, p.offset, p.field_key) for p in problems] == [(4, 7, "total")]
    assert "12444" in problems[0].expected


def test_parser_reports_a_short_record() -> None:
    data = sample()
    data = data[:122 + 60] + data[122 + 61:]  # drop one byte of record 2
    problems = zf.parse(data).problems
    assert (problems[0].record, problems[0].field_key, problems[0].found) == (2, "record",
                                                                              "119 バイト")


def test_parser_refuses_lf_only_separators() -> None:
    parsed = zf.parse(sample().replace(b"\r\n", b"\n"))
    assert parsed.separator == "lf"
    assert (parsed.problems[0].record, parsed.problems[0].offset) == (1, 120)


def test_parser_reports_missing_trailer_and_end() -> None:
    data = b"".join(sample().split(b"\r\n")[:3][i] + b"\r\n" for i in range(3))
    keys = [p.field for p in zf.parse(data).problems]
    assert keys == ["データ区分", "データ区分"]


def test_parser_reports_anything_after_the_end_record() -> None:
    parsed = zf.parse(sample() + sample()[:122])
    assert parsed.problems[0].record == 6


def test_empty_file_is_unreadable() -> None:
    with pytest.raises(zf.ZenginReadError):
        zf.parse(b"")
    with pytest.raises(zf.ZenginReadError):
        zf.parse(b"\x1a")


def test_edi_record_of_digits_reads_as_edi() -> None:
    record = zf.DataRecord("0005", "001", "1", "1234567", "ﾔﾏﾀﾞ", 500, edi_flag="Y",
                           edi_info="12345678901234567890")
    parsed = zf.parse(zf.build(HEADER, [record]))
    assert parsed.ok and parsed.records[0] == record


def test_edi_record_round_trips() -> None:
    record = zf.DataRecord("0005", "001", "1", "1234567", "ﾔﾏﾀﾞ", 500, edi_flag="Y",
                           edi_info="INV-2021-10")
    parsed = zf.parse(zf.build(HEADER, [record]))
    assert parsed.ok
    assert parsed.records[0].edi_info == "INV-2021-10"


_NAME = st.lists(st.sampled_from([*sorted(NAME_CLASS - {" ", "ﾞ", "ﾟ"}), "ｶﾞ", "ﾊﾟ"]),
                 min_size=1, max_size=15).map("".join)
_RECORD = st.builds(
    zf.DataRecord,
    bank_code=st.from_regex(r"\A[0-9]{4}\Z"), branch_code=st.from_regex(r"\A[0-9]{3}\Z"),
    account_type=st.sampled_from(["1", "2", "4", "9"]),
    account_number=st.from_regex(r"\A[0-9]{7}\Z"), name=_NAME,
    amount=st.integers(1, 10**10 - 1),
    clearing_house=st.sampled_from(["", "0000"]), new_code=st.sampled_from(["0", "1", "2"]),
    customer_code1=st.one_of(st.just(""), st.from_regex(r"\A[0-9]{10}\Z")),
    transfer_kind=st.sampled_from(["7", "8", "0", " "]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_RECORD, max_size=12), st.sampled_from(["crlf", "none"]), st.booleans())
def test_property_write_then_parse_is_identity(records: list[zf.DataRecord], separator: str,
                                               eof: bool) -> None:
    data = zf.build(HEADER, records, separator=separator, eof=eof)
    parsed = zf.parse(data)
    assert parsed.ok, [p.message() for p in parsed.problems]
    assert parsed.records == records
    assert parsed.trailer == zf.Trailer(len(records), sum(r.amount for r in records))
    body = data.rstrip(b"\x1a")
    assert len(body) == (len(records) + 3) * (122 if separator == "crlf" else 120)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 5 * 122 - 1), st.integers(0, 255))
def test_property_any_single_byte_change_is_caught_or_harmless(at: int, value: int) -> None:
    data = sample()
    changed = _corrupt(data, at, bytes([value]))
    parsed = zf.parse(changed)
    if parsed.ok:  # still a valid file: then it must still read back to the same totals
        assert parsed.trailer is not None
        assert parsed.trailer.total == parsed.computed_total
    else:
        assert all(0 <= p.offset <= 120 for p in parsed.problems)


@settings(max_examples=60, deadline=None)
@given(_RECORD)
def test_property_fast_path_reads_like_the_byte_by_byte_path(record: zf.DataRecord) -> None:
    rec = zf.encode_data(record)
    assert zf._quick_data(record) == zf._render(
        zf.DATA_FIELDS, {**record.__dict__, "record_type": "2"}, 2)  # writer: both paths agree
    fast = zf._fast_data(rec)
    checker = zf._Checker(zf.ZenginFile())
    slow = {f.key: checker.field(rec, f, 2, 0) for f in zf.DATA_FIELDS}
    assert fast == zf._data_record(slow)  # parser: both paths agree
    assert checker.out.problems == []


@given(st.lists(st.sampled_from(list("ｱｳｶﾄﾅﾊﾎﾞﾟA ")), max_size=12).map("".join))
def test_property_byte_mark_check_agrees_with_the_kana_rule(text: str) -> None:
    from haken_batch.kana import stray_marks

    assert zf._has_stray_mark(text.encode("cp932")) == bool(stray_marks(text))


GOLDEN = [  # the sample's records, typed by hand field by field from zengin.md
    "1" "21" "0" "1234567890" "ｾﾝﾓﾝｶﾊｹﾝｼﾞﾑｷﾖｸ" + " " * 26 + "1119" "0001" "ﾐｽﾞﾎ" + " " * 11
    + "001" "ﾄｳｷﾖｳ" + " " * 10 + "1" "1234567" + " " * 17,
    "2" "0005" "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ  " "001" "ﾎﾝﾃﾝ" + " " * 11 + "0000" "1" "0000123"
    + "ﾔﾏﾀﾞ ﾀﾛｳ" + " " * 22 + "0000012345" "0" "0000000001" + " " * 10 + "7" " " + " " * 7,
    "2" "0009" + " " * 15 + "001" + " " * 15 + "    " "4" "7654321" "ｶ)ﾊｹﾝ(ﾄｳｷﾖｳ)." + " " * 17
    + "0000000099" "0" + " " * 20 + "7" " " + " " * 7,
    "8" "000002" "000000012444" + " " * 101,
    "9" + " " * 119,
]


def test_golden_bytes() -> None:
    expected = b"".join(line.encode("cp932") + b"\r\n" for line in GOLDEN)
    assert all(len(line.encode("cp932")) == 120 for line in GOLDEN)
    assert sample() == expected
