"""The bank/branch master: the data files of the ``zengin-code`` package, read on demand.

``import zengin_code`` reads its whole list (about 1,150 banks, 29,000 branches, 0.2 s: a
tenth of a month's settle) at import. Its data is one ``banks.json`` and one
``branches/<bank>.json`` per bank, so only the banks list and the branch files of the banks
asked about are read here (without importing the package). Kana names are narrowed to the
Zengin bank class and cut to 15 bytes (``kana.to_bank_name``) only for the codes asked.

A settled cycle archives the part of the master it read (``snapshot``): banks.json, the
branch files of the banks its experts and payer use, and the version. ``source(folder)``
makes the re-run of ``haken verify`` / ``explain`` read that snapshot instead of the
installed package, whose newer data (a bank merged, a branch closed) would otherwise hold
other experts and change the yen of a cycle settled years before.

ゆうちょ銀行 (9900) accounts are often given as 記号番号; :func:`yucho_to_zengin` turns them
into the 店番 / 預金種目 / 口座番号 a 総合振込 file needs (``shared/spec/zengin.md``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from haken_batch.errors import HakenError
from haken_batch.kana import to_bank_name
from haken_batch.privacy import mask_account

if TYPE_CHECKING:
    import polars as pl

YUCHO_BANK_CODE = "9900"
_KIGOU_RX = re.compile(r"^[01][0-9]{4}$")
_BANGOU_RX = re.compile(r"^[0-9]{1,8}$")


VERSION_NAME = "VERSION"
_source: Path | None = None  # an archived snapshot being read instead of the package


def _data_dir() -> Path:
    return _source if _source is not None else _package_dir()


@functools.cache
def _package_dir() -> Path:
    spec = importlib.util.find_spec("zengin_code")  # locates the package, runs nothing
    if spec is None or spec.origin is None:
        raise HakenError("金融機関マスタ（zengin-code）がインストールされていません",
                         "the bank master (zengin-code) is not installed")
    return Path(spec.origin).parent / "source-data" / "data"


@functools.cache
def _banks() -> dict[str, dict[str, str]]:
    """bank code -> {code, name, kana, hira, roma}, in code order."""
    raw = _read(_data_dir() / "banks.json")
    return dict(sorted(raw.items()))


def _read(path: Path) -> dict[str, dict[str, str]]:
    """One file of the master. An archived one altered (or cut short) is told, not a
    JSONDecodeError traceback from explain or verify's re-run (found by altering one)."""
    try:
        raw = json.loads(path.read_bytes()) or {}
    except (ValueError, RecursionError):
        raise HakenError(f"金融機関マスタのファイル {path.name} が壊れています（アーカイブなら "
                         "haken verify で改変を確認してください）",
                         f"the bank master file {path.name} is damaged (for an archive, check "
                         "it with haken verify)", where=str(path)) from None
    if not isinstance(raw, dict):
        raise HakenError(f"金融機関マスタのファイル {path.name} の形式が違います",
                         f"the bank master file {path.name} is not a mapping", where=str(path))
    return raw


@functools.cache
def _branches(bank_code: str) -> dict[str, dict[str, str]]:
    """branch code -> {code, name, kana, …} of one bank; empty for an unknown bank."""
    if bank_code not in _banks():
        return {}
    path = _data_dir() / "branches" / f"{bank_code}.json"
    if _source is not None and not path.is_file():  # the settled cycle never read this bank
        raise HakenError(f"アーカイブの金融機関マスタに銀行 {bank_code} の支店がありません",
                         f"the archived bank master has no branches of bank {bank_code}")
    return dict(sorted(_read(path).items()))


def version() -> str:
    """The master's version (package version, which carries the data date), for the manifest;
    a snapshot's is the version it was taken from."""
    from importlib.metadata import version as dist_version

    if _source is not None:
        return (_source / VERSION_NAME).read_text(encoding="utf-8").strip()
    return dist_version("zengin-code")


def _clear() -> None:
    for fn in (_banks, _branches, bank_name_kana, branch_name_kana):
        fn.cache_clear()


@contextlib.contextmanager
def source(folder: Path | None) -> Iterator[None]:
    """Read the master from ``folder`` (a ``snapshot``) inside the block; None: the package."""
    global _source
    if folder is None:
        yield
        return
    before, _source = _source, Path(folder)
    _clear()
    try:
        yield
    finally:
        _source = before
        _clear()


def snapshot(target: Path, bank_codes: Iterable[str | None]) -> list[Path]:
    """Copy what a cycle read of the master into ``target``: banks.json (every bank, so an
    unknown code stays unknown), the branch files of ``bank_codes`` that are banks, and the
    version. Returns the files written, sorted."""
    root = _data_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = [target / "banks.json", target / VERSION_NAME]
    shutil.copyfile(root / "banks.json", written[0])
    written[1].write_text(version() + "\n", encoding="utf-8")
    for code in sorted({c for c in bank_codes if c} & set(_banks())):
        path = target / "branches" / f"{code}.json"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(root / "branches" / f"{code}.json", path)
        written.append(path)
    return sorted(written)


def bank_exists(bank_code: str) -> bool:
    return bank_code in _banks()


def branch_exists(bank_code: str, branch_code: str) -> bool:
    return branch_code in _branches(bank_code)


@functools.cache
def bank_name_kana(bank_code: str) -> str | None:
    """Half-width kana bank name in the Zengin bank class (≤ 15 bytes), None if unknown."""
    bank = _banks().get(bank_code)
    return None if bank is None else to_bank_name(bank["kana"], 15)


@functools.cache
def branch_name_kana(bank_code: str, branch_code: str) -> str | None:
    branch = _branches(bank_code).get(branch_code)
    return None if branch is None else to_bank_name(branch["kana"], 15)


def bank_name(bank_code: str) -> str | None:
    """The bank's ordinary name (kanji), for notices."""
    bank = _banks().get(bank_code)
    return None if bank is None else str(bank["name"])


def branch_name(bank_code: str, branch_code: str) -> str | None:
    branch = _branches(bank_code).get(branch_code)
    return None if branch is None else str(branch["name"])


def branches_frame(bank_codes: Iterable[str] | None = None) -> pl.DataFrame:
    """(bank_code, branch_code) pairs of the master, for vectorised joins: of the banks
    given (only their branch files are read), or of every bank."""
    import polars as pl

    codes = sorted(_banks()) if bank_codes is None else sorted(set(bank_codes) & set(_banks()))
    banks, branches = [], []
    for code in codes:
        for branch_code in _branches(code):
            banks.append(code)
            branches.append(branch_code)
    return pl.DataFrame({"bank_code": banks, "branch_code": branches},
                        schema={"bank_code": pl.String, "branch_code": pl.String})


def banks_frame() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame({"bank_code": sorted(_banks())}, schema={"bank_code": pl.String})


@dataclass(frozen=True)
class YuchoAccount:
    branch_code: str
    account_type: int  # Zengin 預金種目: 1 普通 (通常貯金), 2 当座 (振替口座)
    account_number: str  # 7 digits


class YuchoError(HakenError):
    """A ゆうちょ 記号番号 that does not follow the fixed rule."""

    exit_code = 1


def yucho_to_zengin(kigou: str, bangou: str) -> YuchoAccount:
    """記号 (5 digits) and 番号 → Zengin branch, account type and number.

    通常貯金 (記号 1xxxx): 店番 = 記号 digits 2–3 + ``8``; 口座番号 = the 8-digit 番号
    (zero-padded) without its final ``1``. 振替口座 (記号 0xxxx): 店番 = 記号 digits 2–3 +
    ``9``; 預金種目 当座; 口座番号 = 番号 zero-padded to 7 digits.
    """
    kigou, bangou = kigou.strip().replace("-", ""), bangou.strip().replace("-", "")
    if not _KIGOU_RX.match(kigou):
        raise YuchoError(f"ゆうちょの記号「{kigou}」は 0 か 1 で始まる5桁の数字ではありません",
                         f"Japan Post Bank 記号 {kigou!r} is not 5 digits starting with 0 or 1")
    if not _BANGOU_RX.match(bangou):
        raise YuchoError(f"ゆうちょの番号「{mask_account(bangou)}」は8桁以内の数字ではありません",
                         f"Japan Post Bank 番号 {mask_account(bangou)!r} is not up to 8 digits")
    if kigou[0] == "1":
        number = bangou.zfill(8)
        if not number.endswith("1"):
            raise YuchoError(
                # the 番号 is the account number: masked like it everywhere it is shown
                f"通常貯金の番号「{mask_account(bangou)}」は末尾が 1 ではありません"
                "（記号番号を確認してください）",
                f"通常貯金 番号 {mask_account(bangou)!r} does not end in 1 (check the 記号番号)",
            )
        return YuchoAccount(kigou[1:3] + "8", 1, number[:7])
    if len(bangou) > 7:
        raise YuchoError(f"振替口座の番号「{mask_account(bangou)}」は7桁以内です",
                         f"振替口座 番号 {mask_account(bangou)!r} must be up to 7 digits")
    return YuchoAccount(kigou[1:3] + "9", 2, bangou.zfill(7))
