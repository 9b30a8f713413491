"""The 全銀 総合振込 (種別コード 21) record layout: writer and byte-exact checking parser.

Layout and character classes follow ``shared/spec/zengin.md``: header ``1``, data ``2``
(one per payee), trailer ``8``, end ``9``; every record is exactly 120 bytes of JIS X 0201
(one byte per character, the same bytes in Shift_JIS and CP932). N fields are right-aligned
and zero-filled, C fields left-aligned and space-filled, ダミー spaces.

The writer checks every character *before* encoding (``ー`` would otherwise become two bytes)
and raises :class:`ZenginFormatError` naming the record and field. The parser never
raises on content: it returns a :class:`ZenginFile` whose ``problems`` say exactly which
byte of which record is wrong (record number, offset, field, found, expected).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from haken_batch.errors import HakenError
from haken_batch.kana import BANK_CLASS, NAME_CLASS, check_name_class, in_name_class, stray_marks

RECORD_LEN = 120
CRLF = b"\r\n"
EOF_BYTE = b"\x1a"
SEPARATORS = {"crlf": CRLF, "none": b""}
MAX_AMOUNT = 10**10 - 1  # N10
MAX_COUNT = 10**6 - 1  # N6
MAX_TOTAL = 10**12 - 1  # N12
MAX_PROBLEMS = 200  # a file that is not Zengin at all would list every byte


@dataclass(frozen=True)
class Field:
    """One field of a record. ``kind``: fixed, N, N? (digits or all spaces), name, bank,
    code (one of ``allowed``), mmdd, spaces."""

    key: str
    label: str
    offset: int
    length: int
    kind: str
    allowed: tuple[str, ...] = ()
    required: bool = False

    @property
    def end(self) -> int:
        return self.offset + self.length


HEADER_FIELDS: tuple[Field, ...] = (
    Field("record_type", "データ区分", 0, 1, "code", ("1",)),
    Field("kind_code", "種別コード", 1, 2, "code", ("21",)),
    Field("code_division", "コード区分", 3, 1, "code", ("0",)),
    Field("requester_code", "振込依頼人コード", 4, 10, "N"),
    Field("requester_name", "振込依頼人名", 14, 40, "name", required=True),
    Field("transfer_date", "振込指定日", 54, 4, "mmdd"),
    Field("bank_code", "仕向銀行番号", 58, 4, "N"),
    Field("bank_name", "仕向銀行名", 62, 15, "bank"),
    Field("branch_code", "仕向支店番号", 77, 3, "N"),
    Field("branch_name", "仕向支店名", 80, 15, "bank"),
    Field("account_type", "預金種目", 95, 1, "code", ("1", "2", "9")),
    Field("account_number", "口座番号", 96, 7, "N"),
    Field("dummy", "ダミー", 103, 17, "spaces"),
)

DATA_FIELDS: tuple[Field, ...] = (
    Field("record_type", "データ区分", 0, 1, "code", ("2",)),
    Field("bank_code", "被仕向銀行番号", 1, 4, "N"),
    Field("bank_name", "被仕向銀行名", 5, 15, "bank"),
    Field("branch_code", "被仕向支店番号", 20, 3, "N"),
    Field("branch_name", "被仕向支店名", 23, 15, "bank"),
    Field("clearing_house", "手形交換所番号", 38, 4, "N?"),
    Field("account_type", "預金種目", 42, 1, "code", ("1", "2", "4", "9")),
    Field("account_number", "口座番号", 43, 7, "N"),
    Field("name", "受取人名", 50, 30, "name", required=True),
    Field("amount", "振込金額", 80, 10, "N"),
    Field("new_code", "新規コード", 90, 1, "code", ("0", "1", "2")),
    Field("customer_code1", "顧客コード1", 91, 10, "N?"),
    Field("customer_code2", "顧客コード2", 101, 10, "N?"),
    Field("transfer_kind", "振込指定区分", 111, 1, "code", ("7", "8", "0", " ")),
    Field("edi_flag", "識別表示", 112, 1, "code", ("Y", " ")),
    Field("dummy", "ダミー", 113, 7, "spaces"),
)
# With 識別表示 = Y the two customer codes are one EDI field.
EDI_FIELD = Field("edi_info", "EDI情報", 91, 20, "name")

TRAILER_FIELDS: tuple[Field, ...] = (
    Field("record_type", "データ区分", 0, 1, "code", ("8",)),
    Field("count", "合計件数", 1, 6, "N"),
    Field("total", "合計金額", 7, 12, "N"),
    Field("dummy", "ダミー", 19, 101, "spaces"),
)

END_FIELDS: tuple[Field, ...] = (
    Field("record_type", "データ区分", 0, 1, "code", ("9",)),
    Field("dummy", "ダミー", 1, 119, "spaces"),
)

LAYOUTS: dict[str, tuple[Field, ...]] = {
    "1": HEADER_FIELDS, "2": DATA_FIELDS, "8": TRAILER_FIELDS, "9": END_FIELDS,
}
RECORD_NAMES = {"1": "ヘッダー", "2": "データ", "8": "トレーラー", "9": "エンド"}


class ZenginFormatError(HakenError):
    """A value that cannot be written into the file (a bug upstream or a bad payer config)."""


class ZenginReadError(HakenError):
    """Bytes that are not a Zengin file at all (empty, unreadable)."""


@dataclass(frozen=True)
class Header:
    requester_code: str
    requester_name: str
    transfer_date: str  # MMDD
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    bank_name: str = ""
    branch_name: str = ""
    kind_code: str = "21"
    code_division: str = "0"


@dataclass(frozen=True)
class DataRecord:
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    name: str
    amount: int
    bank_name: str = ""
    branch_name: str = ""
    clearing_house: str = ""  # "" = spaces, or "0000"
    new_code: str = "0"
    customer_code1: str = ""  # "" = spaces
    customer_code2: str = ""
    transfer_kind: str = "7"
    edi_flag: str = " "
    edi_info: str = ""


@dataclass(frozen=True)
class Trailer:
    count: int
    total: int


@dataclass(frozen=True)
class Problem:
    """Exactly where a file is wrong. ``record`` is 1-based, ``offset`` 0-based in the record."""

    record: int
    offset: int
    file_offset: int
    field: str  # Japanese label
    field_key: str
    found: str
    expected: str

    def message(self, lang: str = "ja") -> str:
        if lang == "en":
            return (f"record {self.record}, byte {self.offset} (file byte {self.file_offset}), "
                    f"{self.field_key}: found {self.found}, expected {self.expected}")
        return (f"レコード{self.record} の {self.offset} バイト目"
                f"（ファイル先頭から {self.file_offset}）"
                f" {self.field}: {self.found} ／ 期待値 {self.expected}")


@dataclass
class ZenginFile:
    header: Header | None = None
    records: list[DataRecord] = field(default_factory=list)
    trailer: Trailer | None = None
    has_end: bool = False
    separator: str = "crlf"  # crlf, none, lf, cr
    eof: bool = False
    record_count: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def computed_count(self) -> int:
        return len(self.records)

    @property
    def computed_total(self) -> int:
        return sum(r.amount for r in self.records)


# ---------------------------------------------------------------------------------- writer

def _fail(record_no: int, fld: Field, value: object, expected_ja: str, expected_en: str) -> None:
    raise ZenginFormatError(
        f"全銀レコード{record_no} の {fld.label}（{fld.offset}バイト目, {fld.length}桁）に"
        f"書けない値です：{expected_ja}",
        f"Zengin record {record_no}, field {fld.key} (offset {fld.offset}, length {fld.length}):"
        f" cannot write the value: {expected_en}",
    )


def _render_field(fld: Field, value: object, record_no: int) -> str:
    kind, width = fld.kind, fld.length
    if kind in ("N", "N?", "mmdd"):
        if value in ("", None) and kind == "N?":
            return " " * width
        text = str(value)
        if not text.isascii() or not text.isdigit():
            _fail(record_no, fld, value, "数字のみ", "digits only")
        if len(text) > width:
            _fail(record_no, fld, value, f"{width}桁を超えています", f"more than {width} digits")
        return text.zfill(width)
    if kind == "code":
        text = str(value)
        if text not in fld.allowed:
            _fail(record_no, fld, value, f"{'/'.join(fld.allowed)} のいずれか",
                  f"one of {fld.allowed}")
        return text
    if kind == "spaces":
        return " " * width
    text = str(value or "")
    if kind == "name":
        problems = [] if in_name_class(text) else check_name_class(text)
        if problems and (fld.required or problems[0].code != "empty"):
            p = problems[0]
            _fail(record_no, fld, "", p.message_ja, p.message_en)
    elif not set(text) <= BANK_CLASS | {" "}:
        bad = next(c for c in text if c not in BANK_CLASS | {" "})
        _fail(record_no, fld, "", f"銀行名に使えない文字「{bad}」",
              f"character {bad!r} not allowed")
    if len(text) > width:
        _fail(record_no, fld, "", f"{width}バイトを超えています（{len(text)}バイト）",
              f"longer than {width} bytes ({len(text)})")
    return text.ljust(width)


def _render(fields: Sequence[Field], values: dict[str, object], record_no: int) -> bytes:
    text = "".join(_render_field(f, values.get(f.key, ""), record_no) for f in fields)
    data = text.encode("cp932")
    if len(data) != RECORD_LEN:  # every allowed character is one byte: a bug if not
        raise AssertionError(f"record {record_no} is {len(data)} bytes")
    return data


def encode_header(header: Header) -> bytes:
    values: dict[str, object] = {**header.__dict__, "record_type": "1"}
    return _render(HEADER_FIELDS, values, 1)


def encode_data(record: DataRecord, record_no: int = 2) -> bytes:
    if not 1 <= record.amount <= MAX_AMOUNT:
        _fail(record_no, DATA_FIELDS[9], record.amount, "1円以上・10桁以内",
              "1 .. 9,999,999,999 yen")
    if record.edi_flag != "Y":
        fast = _quick_data(record)
        if fast is not None:
            return fast
    values: dict[str, object] = {**record.__dict__, "record_type": "2"}
    if record.edi_flag == "Y":
        fields = (*DATA_FIELDS[:11], EDI_FIELD, *DATA_FIELDS[13:])
        return _render(fields, values, record_no)
    return _render(DATA_FIELDS, values, record_no)


def _quick_data(r: DataRecord) -> bytes | None:
    """The record formatted directly, if the whole of it then matches the layout.

    Anything unusual (a character outside its class, a value too long) fails the match and
    goes through the field-by-field path, which names the field that is wrong.
    """
    clearing = r.clearing_house or "    "
    text = (f"2{r.bank_code:0>4}{r.bank_name:<15}{r.branch_code:0>3}{r.branch_name:<15}"
            f"{clearing}{r.account_type}{r.account_number:0>7}{r.name:<30}{r.amount:010d}"
            f"{r.new_code}{r.customer_code1 or ' ' * 10}{r.customer_code2 or ' ' * 10}"
            f"{r.transfer_kind}{r.edi_flag}       ")
    try:
        data = text.encode("cp932")
    except UnicodeEncodeError:
        return None
    if len(data) != RECORD_LEN or not _DATA_RX.fullmatch(data) or _has_stray_mark(data):
        return None
    return data


def encode_trailer(trailer: Trailer) -> bytes:
    if trailer.count > MAX_COUNT or trailer.total > MAX_TOTAL:
        _fail(0, TRAILER_FIELDS[1], trailer.count, "件数6桁・金額12桁以内", "count N6, total N12")
    return _render(TRAILER_FIELDS, {**trailer.__dict__, "record_type": "8"}, 0)


def encode_end() -> bytes:
    return _render(END_FIELDS, {"record_type": "9"}, 0)


def build(header: Header, records: Iterable[DataRecord], *, separator: str = "crlf",
          eof: bool = False, max_records: int | None = None) -> bytes:
    """The whole file: header, data records, a trailer computed from them, end.

    ``separator`` is ``crlf`` (after every record, end included) or ``none``; ``eof``
    appends 0x1A. ``max_records`` refuses a file with more data records (some banks cap).
    """
    if separator not in SEPARATORS:
        raise ZenginFormatError(f"区切り「{separator}」は crlf か none です",
                                f"separator {separator!r} must be crlf or none")
    sep = SEPARATORS[separator]
    parts = [encode_header(header)]
    count = total = 0
    for record in records:
        count += 1
        total += record.amount
        parts.append(encode_data(record, count + 1))
    if max_records is not None and count > max_records:
        raise ZenginFormatError(
            f"データレコードが {count} 件あり、上限 {max_records} 件を超えています"
            "（ファイルを分けてください）",
            f"{count} data records exceed the limit of {max_records} per file",
        )
    parts.append(encode_trailer(Trailer(count, total)))
    parts.append(encode_end())
    out = sep.join(parts) + sep
    return out + EOF_BYTE if eof else out


# ---------------------------------------------------------------------------------- parser

_DIGITS = frozenset(b"0123456789")
_NAME_BYTES = frozenset(c.encode("cp932")[0] for c in NAME_CLASS)
_BANK_BYTES = frozenset(c.encode("cp932")[0] for c in BANK_CLASS | {" "})


def _show(raw: bytes) -> str:
    text = raw.decode("cp932", errors="backslashreplace")
    return repr(text)


def _class_rx(allowed: frozenset[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([c])) for c in sorted(allowed)) + b"]"


def _field_rx(fld: Field) -> bytes:
    """A regex for a valid value of ``fld`` (fast path of the parser; header is checked slowly)."""
    n = fld.length
    if fld.kind == "code":
        return b"(?:" + b"|".join(re.escape(a.encode()) for a in fld.allowed) + b")"
    if fld.kind in ("N", "mmdd"):
        return rb"\d{%d}" % n
    if fld.kind == "N?":
        return rb"(?:\d{%d}| {%d})" % (n, n)
    if fld.kind == "spaces":
        return b" {%d}" % n
    full = _NAME_BYTES if fld.kind == "name" else _BANK_BYTES
    first = _class_rx(full - {0x20}) + _class_rx(full) + b"{%d}" % (n - 1)
    return first if fld.required else b"(?:" + first + b"| {%d})" % n


_DATA_RX = re.compile(b"".join(_field_rx(f) for f in DATA_FIELDS))
def _mark_table() -> bytes:
    table = bytearray(b"x" * 256)
    for byte in (0xB3, *range(0xB6, 0xC5)):  # ｳ ｶ-ﾄ take ﾞ
        table[byte] = ord("D")
    for byte in range(0xCA, 0xCF):  # ﾊ-ﾎ take ﾞ and ﾟ
        table[byte] = ord("H")
    table[0xDE], table[0xDF] = ord("d"), ord("h")
    return bytes(table)


_MARK_TABLE = _mark_table()


def _has_stray_mark(data: bytes) -> bool:
    """A ﾞ/ﾟ byte that follows no kana taking it (byte counts, no per-byte Python loop)."""
    t = data.translate(_MARK_TABLE)
    dakuten, handakuten = t.count(b"d"), t.count(b"h")
    if not dakuten and not handakuten:
        return False
    return dakuten != t.count(b"Dd") + t.count(b"Hd") or handakuten != t.count(b"Hh")


def _fast_data(rec: bytes) -> DataRecord | None:
    """A valid data record without EDI read directly, or None (then every byte is examined)."""
    if rec[112:113] == b"Y" or not _DATA_RX.fullmatch(rec) or _has_stray_mark(rec):
        return None
    t = rec.decode("cp932")  # one byte per character: string offsets are byte offsets
    clearing, cust1, cust2 = t[38:42], t[91:101], t[101:111]
    return DataRecord(
        bank_code=t[1:5], bank_name=t[5:20].rstrip(" "), branch_code=t[20:23],
        branch_name=t[23:38].rstrip(" "), clearing_house="" if clearing[0] == " " else clearing,
        account_type=t[42], account_number=t[43:50], name=t[50:80].rstrip(" "),
        amount=int(t[80:90]), new_code=t[90], customer_code1="" if cust1[0] == " " else cust1,
        customer_code2="" if cust2[0] == " " else cust2, transfer_kind=t[111], edi_flag=t[112],
    )


def _byte_repr(byte: int) -> str:
    return f"0x{byte:02X} {_show(bytes([byte]))}"


class _Checker:
    def __init__(self, out: ZenginFile) -> None:
        self.out = out

    def add(self, record_no: int, start: int, offset: int, fld: Field | None, found: str,
            expected: str) -> None:
        self.out.problems.append(Problem(
            record=record_no, offset=offset, file_offset=start + offset,
            field=fld.label if fld else "レコード", field_key=fld.key if fld else "record",
            found=found, expected=expected,
        ))

    def field(self, rec: bytes, fld: Field, record_no: int, start: int) -> str:
        raw = rec[fld.offset:fld.end]
        text = raw.decode("cp932", errors="replace")
        if len(raw) < fld.length:
            return text  # the record-length problem is already reported
        kind = fld.kind
        if kind == "code":
            if text not in fld.allowed:
                self.add(record_no, start, fld.offset, fld, _show(raw),
                         " / ".join(repr(a) for a in fld.allowed))
        elif kind in ("N", "N?", "mmdd"):
            if kind == "N?" and raw == b" " * fld.length:
                return ""
            bad = next((i for i, b in enumerate(raw) if b not in _DIGITS), None)
            if bad is not None:
                what = "数字またはすべて空白" if kind == "N?" else "数字（右詰め・前ゼロ）"
                self.add(record_no, start, fld.offset + bad, fld, _byte_repr(raw[bad]), what)
            elif kind == "mmdd" and not _valid_mmdd(text):
                self.add(record_no, start, fld.offset, fld, _show(raw), "実在する月日 MMDD")
        elif kind == "spaces":
            bad = next((i for i, b in enumerate(raw) if b != 0x20), None)
            if bad is not None:
                self.add(record_no, start, fld.offset + bad, fld, _byte_repr(raw[bad]), "空白 0x20")
        else:
            self._text(raw, fld, record_no, start)
        return text.rstrip(" ") if kind in ("name", "bank") else text

    def _text(self, raw: bytes, fld: Field, record_no: int, start: int) -> None:
        allowed = _NAME_BYTES if fld.kind == "name" else _BANK_BYTES
        bad = next((i for i, b in enumerate(raw) if b not in allowed), None)
        if bad is not None:
            what = ("半角カナ・英大文字・数字・空白・( ) - ." if fld.kind == "name"
                    else "半角カナ・英大文字・数字・-")
            self.add(record_no, start, fld.offset + bad, fld, _byte_repr(raw[bad]), what)
            return
        text = raw.decode("cp932")
        stripped = text.rstrip(" ")
        if fld.required and not stripped:
            self.add(record_no, start, fld.offset, fld, "空白のみ", "名義（必須）")
            return
        if text.startswith(" ") and stripped:
            self.add(record_no, start, fld.offset, fld, _show(raw[:1]), "左詰め（先頭に空白なし）")
        for pos in stray_marks(stripped):
            self.add(record_no, start, fld.offset + pos, fld, _byte_repr(raw[pos]),
                     "濁点・半濁点はそれを取るカナの直後")


def _valid_mmdd(text: str) -> bool:
    month, day = int(text[:2]), int(text[2:])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def _frame(data: bytes, out: ZenginFile, check: _Checker) -> list[tuple[int, bytes]]:
    """Split into (file offset, record bytes); report separator and length faults."""
    # CR and LF never occur inside valid records, so their presence decides the framing.
    if CRLF in data:
        out.separator, sep = "crlf", CRLF
    elif b"\n" in data or b"\r" in data:
        sep = b"\n" if b"\n" in data else b"\r"
        out.separator = "lf" if sep == b"\n" else "cr"
        at = data.find(sep)
        check.add(1, 0, at, None, _byte_repr(data[at]), "CRLF（0x0D 0x0A）または区切りなし")
    else:
        out.separator, sep = "none", b""
    records: list[tuple[int, bytes]] = []
    if sep:
        pos = 0
        while pos < len(data):
            nxt = data.find(sep, pos)
            end = len(data) if nxt < 0 else nxt
            records.append((pos, data[pos:end]))
            pos = end + len(sep)
    else:
        records = [(pos, data[pos:pos + RECORD_LEN]) for pos in range(0, len(data), RECORD_LEN)]
    for number, (start, rec) in enumerate(records, start=1):
        if len(rec) != RECORD_LEN:
            check.add(number, start, min(len(rec), RECORD_LEN), None, f"{len(rec)} バイト",
                      f"{RECORD_LEN} バイト")
    return records


def parse(data: bytes) -> ZenginFile:
    """Read any 総合振込 file (CRLF or no separator, trailing 0x1A tolerated)."""
    if not data:
        raise ZenginReadError("ファイルが空です", "the file is empty")
    out = ZenginFile()
    check = _Checker(out)
    if data.endswith(EOF_BYTE):
        out.eof = True
        data = data[:-1]
    if not data.strip(b"\r\n\x1a"):
        raise ZenginReadError("ファイルにレコードがありません", "the file holds no record")
    if data.startswith(b"\xef\xbb\xbf"):
        # Shift_JIS never begins so: UTF-8 text (a CSV, or the file re-saved by an editor)
        raise ZenginReadError(
            "全銀ファイルではありません（先頭に UTF-8 の BOM があります。CSV か、エディタで"
            "保存し直したファイルです）。zengin_YYYYMMDD.txt を指定してください",
            "not a Zengin file (it begins with a UTF-8 BOM: a CSV, or a file re-saved by an "
            "editor): give the zengin_YYYYMMDD.txt file")
    first_line = data.split(b"\n", 1)[0].rstrip(b"\r")
    if not data.startswith(b"1") and b"," in first_line and len(first_line) != RECORD_LEN:
        # payments.csv gave 350 record errors and exit 1, as if a Zengin file were damaged
        # (lifecycle check, session 21): a CSV is not one at all
        raise ZenginReadError(
            "全銀ファイルではありません（先頭がヘッダーレコード「1」ではなく、CSV のようです）。"
            "zengin_YYYYMMDD.txt を指定してください",
            "not a Zengin file (it does not begin with a header record '1' and looks like a "
            "CSV): give the zengin_YYYYMMDD.txt file")
    records = _frame(data, out, check)
    out.record_count = len(records)
    state = "header"
    for number, (start, rec) in enumerate(records, start=1):
        if len(out.problems) >= MAX_PROBLEMS:
            break
        kind = rec[:1].decode("ascii", errors="replace")
        expected = {"header": "1", "data": "28", "end": "9", "after": ""}[state]
        if state == "after":
            check.add(number, start, 0, None, _show(rec[:8]) + "…",
                      "エンドレコードの後には何もない")
            continue
        if kind not in LAYOUTS or kind not in expected:
            check.add(number, start, 0, HEADER_FIELDS[0], _show(rec[:1]), " / ".join(expected))
            if kind not in LAYOUTS:
                continue
        fast = _fast_data(rec) if kind == "2" else None
        if fast is not None:
            out.records.append(fast)
            state = "data"
            continue
        values = {f.key: check.field(rec, f, number, start) for f in _layout_for(kind, rec)}
        if kind == "1":
            out.header = Header(**{k: v for k, v in values.items()
                                   if k not in ("record_type", "dummy")})
            state = "data"
        elif kind == "2":
            out.records.append(_data_record(values))
            state = "data"
        elif kind == "8":
            out.trailer = Trailer(_int(values["count"]), _int(values["total"]))
            _check_trailer(out, check, number, start)
            state = "end"
        else:
            out.has_end = True
            state = "after"
    end_at = len(data)
    if out.trailer is None:
        check.add(len(records) + 1, end_at, 0, TRAILER_FIELDS[0], "（ファイル終端）",
                  "トレーラーレコード 8")
    if not out.has_end:
        check.add(len(records) + 1, end_at, 0, END_FIELDS[0], "（ファイル終端）",
                  "エンドレコード 9")
    return out


def _layout_for(kind: str, rec: bytes) -> tuple[Field, ...]:
    if kind == "2" and rec[112:113] == b"Y":
        return (*DATA_FIELDS[:11], EDI_FIELD, *DATA_FIELDS[13:])
    return LAYOUTS[kind]


def _int(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() else 0


def _data_record(values: dict[str, str]) -> DataRecord:
    return DataRecord(
        bank_code=values["bank_code"], branch_code=values["branch_code"],
        account_type=values["account_type"], account_number=values["account_number"],
        name=values["name"], amount=_int(values["amount"]), bank_name=values["bank_name"],
        branch_name=values["branch_name"], clearing_house=values["clearing_house"],
        new_code=values["new_code"], customer_code1=values.get("customer_code1", ""),
        customer_code2=values.get("customer_code2", ""), transfer_kind=values["transfer_kind"],
        edi_flag=values["edi_flag"], edi_info=values.get("edi_info", ""),
    )


def _check_trailer(out: ZenginFile, check: _Checker, number: int, start: int) -> None:
    assert out.trailer is not None
    if out.trailer.count != out.computed_count:
        check.add(number, start, 1, TRAILER_FIELDS[1], str(out.trailer.count),
                  f"{out.computed_count}（データレコードの件数）")
    if out.trailer.total != out.computed_total:
        check.add(number, start, 7, TRAILER_FIELDS[2], str(out.trailer.total),
                  f"{out.computed_total}（振込金額の合計）")


# ------------------------------------------------------------------------ reading for people

def read(path: Path) -> ZenginFile:
    """Parse a file on disk; an unreadable file is a :class:`ZenginReadError` (exit 2)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ZenginReadError(f"ファイルを読めません（{exc.strerror or exc}）",
                              f"cannot read the file ({exc.strerror or exc})",
                              where=str(path)) from None
    try:
        return parse(data)
    except ZenginReadError as exc:
        raise ZenginReadError(exc.ja, exc.en, where=str(path)) from None


def _mask(number: str, unmask: bool) -> str:
    from haken_batch.privacy import mask_account

    return number if unmask else mask_account(number)


def describe(parsed: ZenginFile, *, unmask: bool = False) -> dict[str, object]:
    """A JSON-able view of a parsed file; accounts and payee names masked unless ``unmask``."""
    header = None
    if parsed.header is not None:
        header = {**parsed.header.__dict__,
                  "account_number": _mask(parsed.header.account_number, unmask)}
    from haken_batch.privacy import mask_name

    records = [
        {"no": i, **r.__dict__, "account_number": _mask(r.account_number, unmask),
         "name": r.name if unmask else mask_name(r.name)}
        for i, r in enumerate(parsed.records, start=1)
    ]
    return {
        "valid": parsed.ok,
        "separator": parsed.separator,
        "eof_byte": parsed.eof,
        "record_count": parsed.record_count,
        "header": header,
        "records": records,
        "trailer": None if parsed.trailer is None else parsed.trailer.__dict__,
        "computed": {"count": parsed.computed_count, "total": parsed.computed_total},
        "problems": [p.__dict__ for p in parsed.problems],
    }
