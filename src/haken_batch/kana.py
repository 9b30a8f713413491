"""Zengin half-width kana: the character classes of a 総合振込 file and holder-name conversion.

See ``shared/spec/zengin.md`` (Characters). Two classes:

- **name class** (振込依頼人名, 受取人名): ｱ–ﾝ, ﾞ, ﾟ, A–Z, 0–9, space and ``( ) - .``;
- **bank class** (銀行名, 支店名): ｱ–ﾝ, ﾞ, ﾟ, A–Z, 0–9 and ``-`` (space only as padding).

Every allowed character is one byte in JIS X 0201, so the length of a checked string in
characters is its length in bytes (ﾞ and ﾟ count as their own byte).

Conversion (R-VAL-2: a name that still cannot be written holds the expert):
NFKC first (half-width kana → full width with marks combined, full-width ASCII → ASCII,
㈱ → (株)), hiragana → katakana, small → large kana and ヰヱ → イエ, every dash form → ``-``,
spaces collapsed to one, corporate abbreviations (株式会社 → ｶ placed ``ｶ)X``, ``X(ｶ``,
``A(ｶ)B``), lowercase → uppercase, then full → half width with ``jaconv``.
``・``, ``ｦ`` and kanji are not guessed: they raise :class:`KanaError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jaconv

from haken_batch.errors import HakenError

DAKUTEN = "\uff9e"  # ﾞ
HANDAKUTEN = "\uff9f"  # ﾟ
_KANA = {chr(c) for c in range(0xFF71, 0xFF9E)}  # ｱ..ﾝ
_MARKS = {DAKUTEN, HANDAKUTEN}
_UPPER = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = set("0123456789")
NAME_CLASS = frozenset(_KANA | _MARKS | _UPPER | _DIGITS | set(" ()-."))
BANK_CLASS = frozenset(_KANA | _MARKS | _UPPER | _DIGITS | {"-"})

# Which half-width kana take a mark (a mark after anything else is a typing error).
_TAKES_DAKUTEN = set("ｳｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ")
_TAKES_HANDAKUTEN = set("ﾊﾋﾌﾍﾎ")

_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶヰヱ", "アイウエオツヤユヨワカケイエ")
# Long-vowel marks and every dash form (after NFKC: － and ｰ are already - and ー).
_DASHES = "ー‐‑‒–—―−⁃﹣"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))
_SPACES_RX = re.compile(r"\s+")
_FORM_ONLY_RX = re.compile(r"^[^()\s]+\)|\([^()\s]+$")  # ｶ)… / …(ｶ, the abbreviation
_SPACING_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})

# Corporate forms (法人種別) → the abbreviation banks register. Longest forms first.
_CORPORATE: tuple[tuple[str, str], ...] = (
    ("特定非営利活動法人", "トクヒ"),
    ("社会保険労務士法人", "ロウム"),
    ("有限責任事業組合", "ユウクミ"),
    ("一般社団法人", "シヤ"),
    ("公益社団法人", "シヤ"),
    ("一般財団法人", "ザイ"),
    ("公益財団法人", "ザイ"),
    ("医療法人社団", "イ"),
    ("医療法人財団", "イ"),
    ("社会福祉法人", "フク"),
    ("独立行政法人", "ドク"),
    ("国立大学法人", "ダイ"),
    ("公立大学法人", "ダイ"),
    ("司法書士法人", "シホウ"),
    ("行政書士法人", "ギヨウ"),
    ("農事組合法人", "ノウ"),
    ("生活協同組合", "セイキヨウ"),
    ("カブシキガイシヤ", "カ"),
    ("カブシキカイシヤ", "カ"),
    ("ユウゲンガイシヤ", "ユ"),
    ("ゴウドウガイシヤ", "ド"),
    ("ゴウメイガイシヤ", "メ"),
    ("ゴウシガイシヤ", "シ"),
    ("NPO法人", "トクヒ"),
    ("税理士法人", "ゼイ"),
    ("弁護士法人", "ベン"),
    ("弁理士法人", "ベンリ"),
    ("監査法人", "カンサ"),
    ("株式会社", "カ"),
    ("有限会社", "ユ"),
    ("合同会社", "ド"),
    ("合名会社", "メ"),
    ("合資会社", "シ"),
    ("相互会社", "ソ"),
    ("医療法人", "イ"),
    ("社団法人", "シヤ"),
    ("財団法人", "ザイ"),
    ("学校法人", "ガク"),
    ("宗教法人", "シユウ"),
    ("協同組合", "キヨウクミ"),
    ("(株)", "カ"),
    ("(有)", "ユ"),
    ("(同)", "ド"),
    ("(名)", "メ"),
    ("(資)", "シ"),
    ("(医)", "イ"),
    ("(社)", "シヤ"),
    ("(財)", "ザイ"),
    ("(特非)", "トクヒ"),
    ("(福)", "フク"),
    ("(学)", "ガク"),
    ("(宗)", "シユウ"),
    ("(税)", "ゼイ"),
    ("(弁)", "ベン"),
)


@dataclass(frozen=True)
class KanaProblem:
    """One character that cannot be written. ``position`` is 1-based in the text checked."""

    position: int
    char: str
    code: str  # "kanji", "middle-dot", "not-allowed", "small-kana", "mark", "wo", "empty"
    message_ja: str
    message_en: str


class KanaError(HakenError):
    """A name that cannot be written in Zengin kana (R-VAL-2). Names the character, not the name."""

    exit_code = 1

    def __init__(self, problem: KanaProblem) -> None:
        super().__init__(problem.message_ja, problem.message_en)
        self.problem = problem
        self.char = problem.char
        self.position = problem.position


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    return f"{char!r} ({code}{' ' + name if name else ''})"


def _problem(position: int, char: str) -> KanaProblem:
    """Explain why ``char`` (at 1-based ``position``) cannot be in a Zengin name."""
    where_ja, where_en = f"{position}文字目の", f"character {position} "
    if char in "・･":
        return KanaProblem(position, char, "middle-dot",
                           f"{where_ja}「・」は全銀カナで書けません（銀行により「.」か空白。口座名義を確認して修正してください）",
                           f"{where_en}{_describe(char)}: '・' has no safe Zengin form "
                           "(banks use '.' or a space: check the account name and correct it)")
    if char in "ヲｦ":
        return KanaProblem(position, char, "wo",
                           f"{where_ja}「ｦ」は多くの銀行で使えません（「ｵ」か口座名義を確認してください）",
                           f"{where_en}{_describe(char)}: 'ｦ' is refused by most banks (use 'ｵ'?)")
    if char in _MARKS or char in "\u3099\u309a゛゜":
        return KanaProblem(position, char, "mark",
                           f"{where_ja}濁点・半濁点「{char}」がその前の文字に付けられません",
                           f"{where_en}{_describe(char)}: "
                           "a voicing mark that the character before it does not take")
    if "\uff67" <= char <= "\uff70":
        return KanaProblem(position, char, "small-kana",
                           f"{where_ja}小書きカナ・長音「{char}」は使えません",
                           f"{where_en}{_describe(char)}: small kana and 'ｰ' are not allowed")
    cat = unicodedata.name(char, "")
    if cat.startswith(("CJK", "KANGXI")) or "\u3400" <= char <= "\u9fff":
        return KanaProblem(position, char, "kanji",
                           # The character itself is part of a person's name: not echoed.
                           f"{where_ja}漢字はカナに変換できません（口座名義カナを入力してください）",
                           f"{where_en}is a kanji and cannot be converted to kana "
                           "(enter the account holder kana)")
    return KanaProblem(position, char, "not-allowed",
                       f"{where_ja}文字「{char}」（U+{ord(char):04X}）は全銀の名義に使えません",
                       f"{where_en}{_describe(char)} is not allowed in a Zengin name")


def _stray_mark(prev: str, char: str) -> bool:
    return (char == DAKUTEN and prev not in _TAKES_DAKUTEN) or (
        char == HANDAKUTEN and prev not in _TAKES_HANDAKUTEN
    )


_STRAY_RX = re.compile("(?<![ｳｶ-ﾄﾊ-ﾎ])ﾞ|(?<![ﾊ-ﾎ])ﾟ")


def stray_marks(text: str) -> list[int]:
    """0-based positions of ﾞ/ﾟ that follow no kana taking them."""
    return [m.start() for m in _STRAY_RX.finditer(text)]


def in_name_class(text: str) -> bool:
    """Fast yes/no: non-blank, every character in the name class, no stray mark."""
    return bool(text.strip()) and NAME_CLASS.issuperset(text) and not _STRAY_RX.search(text)


def check_name_class(text: str, *, bank: bool = False) -> list[KanaProblem]:
    """Every character of ``text`` outside the name class (or bank class), plus stray marks.

    ``text`` is what would go into the file (already half width). An empty or blank
    string is a problem for a name (受取人名 is required).
    """
    allowed = BANK_CLASS | {" "} if bank else NAME_CLASS
    problems: list[KanaProblem] = []
    if not bank and not text.strip():
        problems.append(KanaProblem(0, "", "empty", "名義が空です", "the name is empty"))
    prev = ""
    for index, char in enumerate(text, start=1):
        if char not in allowed or _stray_mark(prev, char):
            problems.append(_problem(index, char))
        prev = char
    return problems


def byte_len(text: str) -> int:
    """Length in bytes in the file: one per character of a checked string (ﾞ ﾟ included)."""
    return len(text.encode("cp932"))


def cut(text: str, width: int) -> str:
    """At most ``width`` bytes, never leaving a kana without its ﾞ/ﾟ (optional fields only)."""
    if len(text) <= width:
        return text
    end = width
    while end > 0 and text[end] in _MARKS:
        end -= 1  # the mark would be cut off: drop its kana as well
    return text[:end].rstrip()


def _apply_corporate(text: str) -> str:
    """株式会社山田 → カ)山田, 山田株式会社 → 山田(カ, 山田株式会社東京 → 山田(カ)東京."""
    for form, abbr in _CORPORATE:
        while (start := text.find(form)) >= 0:
            before, after = text[:start].rstrip(), text[start + len(form):].lstrip()
            if not before:
                text = f"{abbr}){after}"
            elif not after:
                text = f"{before}({abbr}"
            else:
                text = f"{before}({abbr}){after}"
    return text


def _normalise(text: str) -> str:
    """Every mechanical step of the conversion, still full-width katakana (before z2h)."""
    # a spacing ゛/゜ typed after its kana (カ゛) is its voicing mark: NFKC alone turns it into a
    # space and a mark that no longer joins (blind Zengin check)
    text = unicodedata.normalize("NFKC", text.translate(_SPACING_MARKS))
    text = jaconv.hira2kata(text).translate(_SMALL_TO_LARGE).translate(_DASH_TABLE)
    text = _SPACES_RX.sub(" ", text).strip()
    return _apply_corporate(text).upper()


def _to_half(text: str) -> str:
    return str(jaconv.z2h(text, kana=True, ascii=False, digit=False))


def convert_loosely(text: str) -> str:
    """The conversion without the final check (for messages and previews)."""
    return _to_half(_normalise(text))


def _locate(original: str, bad: str) -> tuple[int, str]:
    """1-based position in ``original`` of the character that became ``bad``, and that character."""
    for index, char in enumerate(original, start=1):
        if char == bad or bad in _to_half(_normalise(char)):
            return index, char
    return 0, bad


def to_zengin_name(text: str) -> str:
    """A holder or payer name in the Zengin name class, or :class:`KanaError`.

    The kana the bank holds is the truth: give the holder kana from the master, not the
    kanji name. Length is not checked here (it depends on the field): see ``byte_len``.
    """
    converted = convert_loosely(text or "")
    problems = check_name_class(converted)
    if problems:
        first = problems[0]
        if first.code == "empty":
            raise KanaError(first)
        position, char = _locate(text, first.char)
        raise KanaError(_problem(position or first.position, char))
    if not _FORM_ONLY_RX.sub("", converted).strip():  # 株式会社 alone: ｶ) names nobody
        raise KanaError(KanaProblem(0, "", "empty", "名義が会社の種類（略称）だけです",
                                    "the name is a company form only"))
    return converted


def to_bank_name(kana: str, width: int = 15) -> str:
    """A bank or branch kana name (full width, as in the master) narrowed to the bank class.

    Characters the bank class lacks (``.``, space in foreign banks' names) are dropped; the
    result is cut to ``width`` bytes without separating a kana from its mark. These fields
    are optional at most banks, so a cut is harmless here (never for holder names).
    """
    text = _to_half(_normalise(kana))
    narrowed = "".join(c for c in text if c in BANK_CLASS)
    # a mark whose kana was dropped would be a stray byte
    kept = [c for i, c in enumerate(narrowed) if not _stray_mark(narrowed[i - 1] if i else "", c)]
    return cut("".join(kept), width)
