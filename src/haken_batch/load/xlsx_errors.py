"""Excel error values (#DIV/0!, #N/A, #REF!, …) in a workbook's sheets.

The sheet reader gives an error cell as an empty cell, and an empty 運賃 is a fare of 0 yen:
the money would silently go missing. The sheet XML marks such a cell ``t="e"``; this module
finds them by a streamed byte search (a sheet without one costs one decompression, no XML
parse) and says where each is, so the loader can stop with the sheet, cell and value.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

LIMIT = 10  # error cells looked for per sheet (the message names the first one)
_CHUNK = 1 << 20
_OVERLAP = 1 << 16  # bytes carried into the next chunk: longer than any error cell's XML
_MARK = b't="e"'
_CELL_OPEN = re.compile(rb"<c\b[^>]*>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_VALUE = re.compile(rb"<v>([^<]{0,64})</v>")
_SHEET = re.compile(rb"<sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<Relationship\b[^>]*>")


@dataclass(frozen=True)
class ErrorCell:
    sheet: str
    column: int  # 0-based
    row: int  # Excel row (header 1)
    ref: str  # "H2"
    value: str  # "#DIV/0!" (empty when the book was saved without a cached value)


def error_cells(data: bytes, sheets: Collection[str] | None = None,
                per_sheet: int = LIMIT) -> list[ErrorCell]:
    """Up to ``per_sheet`` error cells of each sheet of the workbook ``data`` (only those
    named in ``sheets`` when given), in sheet order then as stored. The cap is per sheet, so
    errors elsewhere in the book never hide those of a table's sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        return [cell for name, part in _sheet_parts(book)
                if part in names and (sheets is None or name in sheets)
                for cell in _in_part(book, part, name, per_sheet)]


def _in_part(book: zipfile.ZipFile, part: str, sheet: str, limit: int) -> list[ErrorCell]:
    found: dict[str, ErrorCell] = {}
    tail = b""
    with book.open(part) as fh:
        while len(found) < limit and (chunk := fh.read(_CHUNK)):
            buf = tail + chunk
            if _MARK in buf:
                for cell in _cells(buf, sheet):  # a cell cut at the end comes with the next
                    found.setdefault(cell.ref, cell)
            tail = buf[-_OVERLAP:]
    return list(found.values())[:limit]


def _cells(buf: bytes, sheet: str) -> list[ErrorCell]:
    out = []
    for m in _CELL_OPEN.finditer(buf):
        tag = m.group(0)
        if _MARK not in tag:
            continue
        ref = _REF.search(tag)
        end = buf.find(b"</c>", m.end())
        if ref is None or (end < 0 and not tag.endswith(b"/>")):
            continue
        body = b"" if tag.endswith(b"/>") else buf[m.end():end]
        value = _VALUE.search(body)
        letters, row = ref.group(1).decode(), int(ref.group(2))
        out.append(ErrorCell(sheet=sheet, column=_column_index(letters), row=row,
                             ref=f"{letters}{row}",
                             value=value.group(1).decode("utf-8", "replace") if value else ""))
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def _sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) in workbook order, from workbook.xml and its relationships."""
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return []
    targets = {}
    for m in _REL.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(0)))
        if b"Id" in attrs and b"Target" in attrs:
            target = attrs[b"Target"].decode()
            targets[attrs[b"Id"]] = (target.lstrip("/") if target.startswith("/")
                                     else posixpath.normpath(posixpath.join("xl", target)))
    parts = []
    for m in _SHEET.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(0)))
        rid = attrs.get(b"r:id")
        if b"name" in attrs and rid in targets:
            parts.append((html.unescape(attrs[b"name"].decode()), targets[rid]))
    return parts
