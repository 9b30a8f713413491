"""The payer's side of the transfer (振込依頼人): a small YAML file, checked before any output.

Every key is documented in ``docs/payer.md``; ``samples/payer.demo.yaml`` is a demo one.
``load_payer(path)`` reads and checks it completely: a missing file, an unknown key or a
wrong value is a :class:`ConfigError` naming the file (and line), the key, the value and
what was expected, so a cycle stops before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haken_batch.errors import ConfigError, RulesError
from haken_batch.kana import BANK_CLASS, KanaError, byte_len, convert_loosely, to_zengin_name

REQUESTER_NAME_BYTES = 40  # 振込依頼人名 C(40), zengin.md header offset 14
BANK_NAME_BYTES = 15

_SECTIONS: dict[str, set[str]] = {
    "payer": {"requester_code", "requester_name_kana", "display_name", "address", "contact"},
    "account": {"bank_code", "branch_code", "account_type", "account_number", "bank_name_kana",
                "branch_name_kana"},
    "zengin": {"separator", "eof_byte", "clearing_house", "transfer_kind", "new_code",
               "max_records", "bank_names", "customer_code"},
}
_REQUIRED = {
    "payer": ("requester_code", "requester_name_kana", "display_name", "address"),
    "account": ("bank_code", "branch_code", "account_type", "account_number"),
}


@dataclass(frozen=True)
class ZenginOptions:
    """How the bank wants its file (zengin.md: the settings that differ between banks)."""

    separator: str = "crlf"  # "crlf" after every record, or "none"
    eof_byte: bool = False  # a trailing 0x1A
    clearing_house: str = "0000"  # 手形交換所番号: "0000" or "" (spaces)
    transfer_kind: str = "7"  # 振込指定区分: "7" telegraphic, "8" document, "0", " "
    new_code: str = "0"  # 新規コード
    max_records: int = 9999  # data records per file
    bank_names: bool = True  # write 被仕向銀行名/支店名 from the master (False: spaces)
    customer_code: str = "expert_id"  # 顧客コード1: "expert_id" (digits only) or "none"


@dataclass(frozen=True)
class PayerConfig:
    path: Path | None
    raw: dict[str, Any]
    requester_code: str = ""  # 振込依頼人コード, 10 digits
    requester_name_kana: str = ""  # 振込依頼人名, Zengin name class
    display_name: str = ""  # on notices
    address: str = ""
    contact: str = ""
    bank_code: str = ""
    branch_code: str = ""
    account_type: str = ""  # "1" 普通, "2" 当座, "9" その他
    account_number: str = ""  # 7 digits
    bank_name_kana: str = ""  # Zengin bank class, ≤ 15 bytes ("" = spaces)
    branch_name_kana: str = ""
    zengin: ZenginOptions = field(default_factory=ZenginOptions)

    @property
    def account_masked(self) -> str:
        return "*" * 4 + self.account_number[-3:] if self.account_number else ""


def demo_payer_path() -> Path:
    """The bundled demo config (``samples/payer.demo.yaml``)."""
    from haken_batch.resources import samples_dir

    return samples_dir() / "payer.demo.yaml"


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = path.read_text(encoding="utf-8", errors="replace").splitlines()

    def where(self, key: str) -> str:
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith(f"{key}:"):
                return f"{self.path}:{number}"
        return str(self.path)

    def error(self, section: str, key: str, value: Any, ja: str, en: str) -> ConfigError:
        from haken_batch.textsafe import for_terminal

        # a file given by mistake (--payer /etc/shadow) has its first line as a key: show
        # a little of it, made safe to print (hostile check, session 22)
        key = for_terminal(_cut(str(key), 24))
        shown = "（なし）" if value is None else for_terminal(_cut(repr(value), 120))
        return ConfigError(
            f"依頼人設定 {section}.{key} の値 {shown} は使えません：{ja}",
            f"payer config {section}.{key} = {shown if value is not None else None} is "
            f"wrong: expected {en}",
            where=self.where(key),
        )


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most] + "…"


PRINTED_MAX = 100  # characters of a name, address or contact line printed on the notices


def _digits(rd: _Reader, section: str, key: str, value: Any, sizes: tuple[int, int],
            pad: bool = False) -> str:
    low, high = sizes
    span_ja = f"{high}桁" if low == high else f"{low}〜{high}桁"
    if isinstance(value, int) and not isinstance(value, bool):
        raise rd.error(section, key, value,
                       f"{span_ja}の数字を引用符で囲んで書いてください"
                       f"（例 \"{str(value).zfill(high)}\"）",
                       f"{low}..{high} digits written in quotes (YAML drops leading zeros)")
    if not isinstance(value, str) or not re.fullmatch(rf"[0-9]{{{low},{high}}}", value.strip()):
        raise rd.error(section, key, value, f"{span_ja}の数字", f"{low}..{high} digits")
    return value.strip().zfill(high) if pad else value.strip()


def _choice(rd: _Reader, section: str, key: str, value: Any, choices: dict[str, str]) -> str:
    text = str(value).lower() if not isinstance(value, bool) else None
    if text not in choices:
        listed = " / ".join(repr(c) for c in choices)
        raise rd.error(section, key, value, f"{listed} のいずれか", f"one of {listed}")
    return choices[text]


def _bool(rd: _Reader, section: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise rd.error(section, key, value, "true か false", "true or false")
    return value


def _text(rd: _Reader, section: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise rd.error(section, key, value, "空でない文字列", "a non-empty string")
    return value.strip()


def _printed(rd: _Reader, section: str, key: str, value: Any) -> str:
    """Text printed on the notices and the tax summary: every character must be one the
    bundled font draws (Shift_JIS without 外字). A 𠮷 stopped the run at the PDF, naming
    neither this file nor the key (blind red-team check)."""
    import re

    from haken_batch.pdf.fonts import UNPRINTABLE_RX, strip_controls

    text = _text(rd, section, key, value)
    if strip_controls(text) != text or len(text) > PRINTED_MAX:
        # an escape sequence printed as 「[31mRED[0m」 on every notice; 3,000 characters
        # pushed each notice onto two pages (hostile check, session 22)
        raise rd.error(section, key, value,
                       f"改行・制御文字のない {PRINTED_MAX} 文字までの文字列にしてください",
                       f"one line of at most {PRINTED_MAX} characters without control "
                       "characters")
    bad = []
    for ch in text:
        try:
            ch.encode("cp932")
        except UnicodeEncodeError:
            bad.append(ch)
            continue
        if re.match(UNPRINTABLE_RX, ch):
            bad.append(ch)
    if bad:
        shown = "".join(dict.fromkeys(bad))
        raise rd.error(section, key, value,
                       f"支払通知書に印字できない文字「{shown}」があります（Shift_JIS の文字に"
                       "置き換えてください。例: 𠮷 → 吉）",
                       f"characters the notices cannot print ({shown!r}); use Shift_JIS "
                       "characters")
    return text


def _bank_kana(rd: _Reader, section: str, key: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise rd.error(section, key, value, "カナの文字列", "a kana string")
    text = convert_loosely(value)
    bad = [c for c in text if c not in BANK_CLASS]
    if bad or len(text) > BANK_NAME_BYTES:
        raise rd.error(section, key, value,
                       f"半角カナ・英大文字・数字・- で {BANK_NAME_BYTES} バイト以内"
                       f"（変換後 {text!r}）",
                       f"kana, A-Z, 0-9 and - only, at most {BANK_NAME_BYTES} bytes (got {text!r})")
    return text


def _load_mapping(path: Path) -> dict[str, Any]:
    from haken_batch.rules.yaml_loader import load_yaml

    if not path.is_file():
        raise ConfigError("依頼人設定ファイルがありません",
                          "payer config file not found", where=str(path))
    # experts.csv given for --payer: say what the file should be
    hint = path.suffix.lower() not in (".yaml", ".yml")
    hint_ja = ("。--payer には依頼人設定の YAML ファイル（見本 samples/payer.demo.yaml）を"
               "指定してください" if hint else "")
    hint_en = ("; --payer takes the payer's YAML file (demo samples/payer.demo.yaml)"
               if hint else "")
    try:
        body = load_yaml(path)
    except RulesError as exc:
        unread = exc.ja.startswith("ファイルを読めません")
        raise ConfigError(
            "依頼人設定ファイルを読めません"
            + (exc.ja.removeprefix("ファイルを読めません") if unread else f"：{exc.ja}")
            + hint_ja,
            f"cannot read the payer config: {exc.en}{hint_en}", where=exc.where) from None
    if not isinstance(body, dict):  # a UTF-8 CSV reads as one YAML string
        raise ConfigError("依頼人設定は payer / account / zengin の対応表である必要があります"
                          + hint_ja,
                          f"payer config must be a mapping with payer, account, zengin{hint_en}",
                          where=str(path))
    return body


def load_payer(path: Path | None) -> PayerConfig:
    """Read and check the payer config completely (before anything is written)."""
    if path is None:
        raise ConfigError(
            "依頼人設定ファイルが指定されていません"
            "（--payer FILE。見本は samples/payer.demo.yaml）",
            "no payer config given (--payer FILE; see samples/payer.demo.yaml)",
        )
    path = Path(path)
    body = _load_mapping(path)
    rd = _Reader(path)
    for section in body:
        if section not in _SECTIONS:
            wide = "\u3000" in str(section)  # a full-width space indenting a key
            raise rd.error("(top)", str(section), None,
                           ("字下げに全角スペースがあります。半角スペースで書いてください"
                            if wide else f"不明な項目です（{' / '.join(_SECTIONS)} のみ）"),
                           ("indentation with a full-width space; use spaces" if wide
                            else f"a known section ({', '.join(_SECTIONS)})"))
    sections: dict[str, dict[str, Any]] = {}
    for section, keys in _SECTIONS.items():
        part = body.get(section) or {}
        if not isinstance(part, dict):
            raise rd.error(section, "", part, "対応表", "a mapping")
        for key in part:
            if key not in keys:
                wide = "\u3000" in str(key)
                raise rd.error(section, str(key), part[key],
                               ("字下げに全角スペースがあります。半角スペースで書いてください"
                                if wide else
                                f"不明なキーです（使えるキー: {', '.join(sorted(keys))}）"),
                               ("indentation with a full-width space; use spaces" if wide
                                else f"a known key ({', '.join(sorted(keys))})"))
        for key in _REQUIRED.get(section, ()):
            if part.get(key) in (None, ""):
                raise rd.error(section, key, None, "必須の項目です", "a value (required)")
        sections[section] = part
    return _build(rd, path, body, sections)


def _build(rd: _Reader, path: Path, body: dict[str, Any],
           s: dict[str, dict[str, Any]]) -> PayerConfig:
    from haken_batch import bankmaster

    p, a, z = s["payer"], s["account"], s["zengin"]
    try:
        name = to_zengin_name(_text(rd, "payer", "requester_name_kana",
                                    p["requester_name_kana"]))
    except KanaError as exc:
        ja, en = exc.ja, exc.en
        if exc.problem.code == "kanji":  # the kana converter's hint names the expert's column
            ja = (f"{exc.position}文字目は漢字です。振込依頼人名は銀行に届け出たカナで書いて"
                  "ください（例: センモンカハケンジムキョク）")
            en = (f"character {exc.position} is a kanji; write the payer name in the kana "
                  "registered with the bank")
        raise rd.error("payer", "requester_name_kana", p["requester_name_kana"], ja,
                       en) from None
    if byte_len(name) > REQUESTER_NAME_BYTES:
        raise rd.error("payer", "requester_name_kana", p["requester_name_kana"],
                       f"全銀の依頼人名は {REQUESTER_NAME_BYTES} バイト以内"
                       f"（変換後 {byte_len(name)}）",
                       f"at most {REQUESTER_NAME_BYTES} bytes in Zengin kana ({byte_len(name)})")
    bank = _digits(rd, "account", "bank_code", a["bank_code"], (4, 4))
    if not bankmaster.bank_exists(bank):
        raise rd.error("account", "bank_code", bank, "金融機関マスタ（zengin-code）にあるコード",
                       "a bank code of the master (zengin-code)")
    branch = _digits(rd, "account", "branch_code", a["branch_code"], (3, 3))
    if not bankmaster.branch_exists(bank, branch):
        raise rd.error("account", "branch_code", branch, "その金融機関の支店コード",
                       "a branch code of that bank in the master")
    account_type = _choice(rd, "account", "account_type", a["account_type"],
                           {"1": "1", "2": "2", "9": "9", "普通": "1", "当座": "2", "その他": "9"})
    bank_name = _bank_kana(rd, "account", "bank_name_kana", a.get("bank_name_kana"))
    branch_name = _bank_kana(rd, "account", "branch_name_kana", a.get("branch_name_kana"))
    defaults = ZenginOptions()
    options = ZenginOptions(
        separator=_choice(rd, "zengin", "separator", z.get("separator", defaults.separator),
                          {"crlf": "crlf", "none": "none"}),
        eof_byte=_bool(rd, "zengin", "eof_byte", z.get("eof_byte", defaults.eof_byte)),
        clearing_house=_choice(rd, "zengin", "clearing_house",
                               z.get("clearing_house", defaults.clearing_house),
                               {"0000": "0000", "spaces": ""}),
        transfer_kind=_choice(rd, "zengin", "transfer_kind",
                              z.get("transfer_kind", defaults.transfer_kind),
                              {"7": "7", "8": "8", "0": "0", "space": " ", " ": " "}),
        new_code=_choice(rd, "zengin", "new_code", z.get("new_code", defaults.new_code),
                         {"0": "0", "1": "1", "2": "2"}),
        max_records=_count(rd, z.get("max_records", defaults.max_records)),
        bank_names=_bool(rd, "zengin", "bank_names", z.get("bank_names", defaults.bank_names)),
        customer_code=_choice(rd, "zengin", "customer_code",
                              z.get("customer_code", defaults.customer_code),
                              {"expert_id": "expert_id", "none": "none"}),
    )
    return PayerConfig(
        path=path,
        raw=body,
        requester_code=_digits(rd, "payer", "requester_code", p["requester_code"], (10, 10)),
        requester_name_kana=name,
        display_name=_printed(rd, "payer", "display_name", p["display_name"]),
        address=_printed(rd, "payer", "address", p["address"]),
        contact=(_printed(rd, "payer", "contact", p["contact"])
                 if str(p.get("contact") or "").strip() else ""),
        bank_code=bank,
        branch_code=branch,
        account_type=account_type,
        account_number=_digits(rd, "account", "account_number", a["account_number"], (1, 7),
                               pad=True),
        bank_name_kana=bank_name or (bankmaster.bank_name_kana(bank) or ""),
        branch_name_kana=branch_name or (bankmaster.branch_name_kana(bank, branch) or ""),
        zengin=options,
    )


def _count(rd: _Reader, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 999999:
        raise rd.error("zengin", "max_records", value, "1〜999999 の整数", "an integer 1..999999")
    return value
