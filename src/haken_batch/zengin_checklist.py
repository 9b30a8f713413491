"""The clerk's listing written beside a Zengin file (``zengin_check.csv``), read back so that
``haken zengin show`` can name the expert of each record while names and accounts are masked.

A record is matched by its place in the file (the listing lists a file's records in order)
and only when every amount agrees: a listing that does not belong to the file names nobody.
"""

from __future__ import annotations

import csv
from pathlib import Path

CHECK_FILE = "zengin_check.csv"
_FILE, _EXPERT, _AMOUNT = ("ファイル", "file"), ("専門家ID", "expert_id"), ("振込金額", "amount")


def experts_beside(file: Path, amounts: list[int]) -> list[str] | None:
    """Expert ids of the file's records in order, from the listing in the same folder; None
    when it cannot be read or disagrees with the file (``listing_beside`` says if there is
    one)."""
    listing = listing_beside(file)
    if listing is None:
        return None
    try:
        with listing.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None

    def cell(row: dict[str, str], names: tuple[str, str]) -> str | None:
        return next((row[n] for n in names if n in row), None)

    mine = [r for r in rows if cell(r, _FILE) == file.name]
    try:
        listed = [int(cell(r, _AMOUNT) or "") for r in mine]
    except ValueError:
        return None
    if listed != amounts:
        return None
    ids = [cell(r, _EXPERT) for r in mine]
    return [str(i) for i in ids] if all(ids) else None


def listing_beside(file: Path) -> Path | None:
    listing = file.parent / CHECK_FILE
    return listing if listing.is_file() else None
