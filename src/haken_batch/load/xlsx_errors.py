"""What a workbook's sheet XML says that the sheet reader does not: error values (#DIV/0!,
#N/A, …), formulas saved without their result, and merged cells.

The sheet reader gives an error cell, and a formula cell without a cached value, as an empty
cell; an empty 運賃 is a fare of 0 yen: the money would silently go missing. A merged range
has its value in its top-left cell only: a 派遣ID merged over a dispatch's claim lines left
the lower lines without a dispatch, and the dispatch was paid without them (blind Excel
check). The sheet XML marks an error cell ``t="e"``, a formula ``<f>`` (with ``<v>`` when a
result was saved), a merge ``<mergeCell ref="A2:A5"/>``; this module finds them by streamed
byte searches (a sheet without any costs one decompression, no XML parse).
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
# a cell holding a formula and no saved result: <c r="H2"><f>17940*2</f></c> (or <v/>)
_FORMULA_ONLY = re.compile(
    rb'<c\b([^>]*)>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)?\s*</c>')
_MERGE = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')


@dataclass(frozen=True)
class ErrorCell:
    sheet: str
    column: int  # 0-based
    row: int  # Excel row (header 1)
    ref: str  # "H2"
    value: str  # "#DIV/0!" (empty when the book was saved without a cached value)
    kind: str = "error"  # "error": an error value; "no_value": a formula without its result


@dataclass(frozen=True)
class MergedRange:
    sheet: str
    first_column: int  # 0-based
    first_row: int  # Excel row
    last_column: int
    last_row: int
    ref: str  # "A2:A5"


@dataclass(frozen=True)
class SheetMarks:
    errors: tuple[ErrorCell, ...] = ()  # at most LIMIT: more may exist when LIMIT are found
    merged: tuple[MergedRange, ...] = ()
    # CSV records longer than the header (read.py, ``width`` fields kept), as Excel rows:
    # with a value beyond it, with only empty fields there (as long as most records are:
    # trailing commas), and with only empty fields, longer than most records (uneven)
    long_rows: tuple[int, ...] = ()
    blank_tails: tuple[int, ...] = ()
    uneven_tails: tuple[int, ...] = ()
    width: int = 0
    # the Excel row of a sheet's header: the reader skips blank rows above it, so the rows
    # below were numbered as if it were row 1 (review, session 18)
    header_row: int = 1

    def __bool__(self) -> bool:
        return bool(self.errors or self.merged or self.long_rows or self.blank_tails
                    or self.uneven_tails)


NO_MARKS = SheetMarks()


def sheet_marks(data: bytes, sheet: str, columns: Collection[int] | None = None) -> SheetMarks:
    """Error cells (up to LIMIT, in ``columns`` only when given: those of an extra column go
    with it) and merged ranges of one sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = set(book.namelist())
        for name, part in _sheet_parts(book):
            if part in names and name == sheet:
                errors, merged = _scan(book, part, name, LIMIT, columns=columns)
                return SheetMarks(tuple(errors), tuple(merged),
                                  header_row=_first_filled_row(book, part))
    return NO_MARKS


_ROW = re.compile(rb"<row\b([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
_HOLDS_VALUE = re.compile(rb"<(?:v|is)[\s>]")


def _first_filled_row(book: zipfile.ZipFile, part: str) -> int:
    """The number of the first row holding a value (the header: the sheet reader skips the
    blank rows above it); 1 when the sheet does not say (rows without numbers)."""
    with book.open(part) as fh:
        head = fh.read(_CHUNK)
    rows = list(_ROW.finditer(head))
    for i, here in enumerate(rows):
        if here.group(2):  # <row …/>: no cells
            continue
        body = head[here.end():rows[i + 1].start() if i + 1 < len(rows) else len(head)]
        if _HOLDS_VALUE.search(body):
            number = _ROW_NUMBER.search(here.group(1))
            return int(number.group(1)) if number else 1
    return 1


def _scan(book: zipfile.ZipFile, part: str, sheet: str, limit: int,
          columns: Collection[int] | None = None) -> tuple[list[ErrorCell], list[MergedRange]]:
    found: dict[str, ErrorCell] = {}
    wanted = None if columns is None else set(columns)
    merged: dict[str, MergedRange] = {}
    tail = b""
    with book.open(part) as fh:
        while chunk := fh.read(_CHUNK):
            buf = tail + chunk
            if len(found) < limit:
                cells = _cells(buf, sheet) if _MARK in buf else []  # a cell cut at the
                if b"<f" in buf:  # end of a chunk comes with the next one
                    cells += _formula_only(buf, sheet)
                for cell in cells:
                    if wanted is None or cell.column in wanted:
                        found.setdefault(cell.ref, cell)
            if b"<mergeCell " in buf:
                for m in _merged(buf, sheet):
                    merged.setdefault(m.ref, m)
            tail = buf[-_OVERLAP:]
    errors = sorted(found.values(), key=lambda c: (c.row, c.column))[:limit]
    return errors, sorted(merged.values(), key=lambda m: (m.first_row, m.first_column))


def _formula_only(buf: bytes, sheet: str) -> list[ErrorCell]:
    out = []
    for m in _FORMULA_ONLY.finditer(buf):
        ref = _REF.search(m.group(1))
        if ref is not None:
            letters, row = ref.group(1).decode(), int(ref.group(2))
            out.append(ErrorCell(sheet=sheet, column=_column_index(letters), row=row,
                                 ref=f"{letters}{row}", value="", kind="no_value"))
    return out


def _merged(buf: bytes, sheet: str) -> list[MergedRange]:
    out = []
    for m in _MERGE.finditer(buf):
        c1, r1, c2, r2 = m.group(1).decode(), int(m.group(2)), m.group(3).decode(), int(m.group(4))
        out.append(MergedRange(sheet=sheet, first_column=_column_index(c1), first_row=r1,
                               last_column=_column_index(c2), last_row=r2,
                               ref=f"{c1}{r1}:{c2}{r2}"))
    return out


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
