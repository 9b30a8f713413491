"""Masking of personal data for the terminal and logs (R-DATA-2), and My Number detection.

Output *files* meant for the secretariat keep the real values; anything a person may see
over a shoulder, in a cron mail or in a log goes through these helpers first.

- ``mask_account("1234567")`` → ``"****567"``: only the last 3 digits stay (the bank
  statement habit); an account of 3 digits or fewer is masked whole.
- ``mask_name("山田 太郎")`` → ``"山田 **"``: the first word (family name) stays, every
  later word becomes ``**`` (fixed width, so the length leaks nothing). A name without a
  space keeps its first character only: ``"山田太郎"`` → ``"山**"``. Kana names alike.
- ``mask_text(text)``: for free text headed to a log: every run of 6 or more digits is
  masked like an account number (account numbers, My Numbers, phone numbers).

My Number (個人番号) must never enter the tool (R-TAX-4 notes, R-DATA-2): the loader turns a
column that looks like one into a finding. A column outside the contract whose header says
``マイナンバー``/``個人番号`` is refused whatever else it says (``マイナンバー取得済`` is
allowed only as the contract's own column of experts): ``MY_NUMBER_HEADERS``, joined to
rules/columns.yaml's patterns by ``load.spec.column_map``. ``looks_like_my_number`` tells a
value of 12 digits whose check digit is right.
"""

from __future__ import annotations

import re
import unicodedata

_MASK = "*"
_NAME_MASK = "**"
_DIGITS_RX = re.compile(r"[0-9]{6,}")
_WIDE_DIGITS_RX = re.compile(r"[0-9０-９]{6,}")  # either width, the text left as written
_SPACES_RX = re.compile(r"[\s\u3000]+")

# Never left to a rules copy (a --rules folder without `secret: true` printed account
# numbers; one without `my_number:` detected nothing: hostile check, session 22): these
# columns are masked and these headers refused whatever columns.yaml says.
ALWAYS_SECRET = frozenset({"account_number"})
MY_NUMBER_HEADERS = ("マイナンバー", "個人番号", r"my.?number", r"individual.?number")


def mask_account(number: object, keep: int = 3) -> str:
    """``"1234567"`` → ``"****567"``; ``None``/empty → ``""``; short numbers masked whole."""
    text = "" if number is None else str(number).strip()
    if not text:
        return ""
    if len(text) <= keep or keep <= 0:
        return _MASK * len(text)
    return _MASK * (len(text) - keep) + text[-keep:]


def mask_name(name: object) -> str:
    """``"山田 太郎"`` → ``"山田 **"``; ``"山田太郎"`` → ``"山**"``; ``None``/empty → ``""``."""
    text = "" if name is None else str(name).strip()
    if not text:
        return ""
    words = _SPACES_RX.split(text)
    if len(words) > 1:  # digits in the kept word are masked too: a Zengin record shifted
        # by a byte put the account number before the name (blind red-team check)
        first = _WIDE_DIGITS_RX.sub(lambda m: mask_account(m.group(0)), words[0])
        return " ".join([first, *([_NAME_MASK] * (len(words) - 1))])
    return text[0] + _NAME_MASK


def mask_cell(value: object) -> str:
    """A cell of unknown kind that may hold personal data, for a difference shown on the
    terminal (verify): a number-like cell as an account (``****567``), other text as a name
    (``山田 **``); blank stays blank."""
    text = "" if value is None else str(value)
    if not text.strip():
        return text
    if re.fullmatch(r"[0-9０-９\-\s]+", text):
        return mask_account(text.strip())
    return mask_name(text)


def mask_text(text: str) -> str:
    """Mask every run of 6+ ASCII digits in free text (after width folding) except its last 3."""
    folded = unicodedata.normalize("NFKC", text)
    return _DIGITS_RX.sub(lambda m: mask_account(m.group(0)), folded)


def my_number_check_digit(first11: str) -> int:
    """The check digit of a 12-digit 個人番号 (総務省令 第5条): weights 2..7,2..6 from the right."""
    total = 0
    for n, ch in enumerate(reversed(first11), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


# what may stand between the groups of a My Number written by hand (a regex class body):
# dashes of every width and kind, the long vowel mark, dots, commas, slashes, underscores
DASHES = "\\-\u2010\u2011\u2012\u2013\u2212\uff0d\u30fc"
SEPARATORS = DASHES + "._,/\u30fb\uff65\uff0e\uff0c\uff0f\uff3f"
MY_NUMBER_GAPS = f"[\\s\u3000{SEPARATORS}]"  # a regex class; findings mask with it too
_MY_NUMBER_GAPS_RX = re.compile(MY_NUMBER_GAPS)


def looks_like_my_number(value: object) -> bool:
    """True for 12 digits (width folded, separators and spaces between groups dropped) with
    a valid check digit."""
    if value is None:
        return False
    text = unicodedata.normalize("NFKC", str(value))
    digits = _MY_NUMBER_GAPS_RX.sub("", text)
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])
