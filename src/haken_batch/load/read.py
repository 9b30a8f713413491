"""Find the exports in a data folder and read each table as text cells (no typing yet).

A folder holds one CSV per table (``experts.csv`` or ``専門家.csv``) or one ``.xlsx`` workbook
with a sheet per table. CSV encoding is detected: UTF-8 (with or without BOM) or CP932; a
file that is neither, has a BOM in the middle or NUL bytes stops the run with the byte offset
(input-contract.md "Files"). Every cell comes back as ``String`` so CSV and Excel take the
same normalisation path afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from haken_batch.errors import StructuralError
from haken_batch.load.spec import CORRECTIONS, TABLE_ORDER, ColumnMap, fold
from haken_batch.load.xlsx_errors import (
    LIMIT,
    NO_MARKS,
    ErrorCell,
    MergedRange,
    SheetMarks,
    sheet_marks,
)

_BLANK_FILE = re.compile(rb"[ \t\r\n]*")
_LONE_CR = re.compile(rb"\r(?!\n)")  # a carriage return that does not start a CRLF
# Characters some programs break lines at but CSV does not (VT, FF, NEL, LS, PS)
_LINE_LIKE = re.compile("[\x0b\x0c\x85\u2028\u2029]")

_BOM = b"\xef\xbb\xbf"
_BOM_RX = re.compile(re.escape(_BOM))  # re: about twice bytes.find's speed on UTF-8 text
_MAX_COLUMNS = 64  # more than any table of the contract has


@dataclass(frozen=True)
class SourceFile:
    """Where a table came from (for findings, the manifest and the archive)."""

    path: Path
    sheet: str | None
    encoding: str  # utf-8, utf-8-sig, cp932, xlsx
    sha256: str


@dataclass(frozen=True)
class RawTable:
    table: str
    headers: tuple[str, ...]  # as written in the export, in order
    frame: pl.DataFrame  # columns c0..cN (String), one per header, rows as exported
    source: SourceFile
    # a sheet's error cells (fewer than LIMIT) and merged ranges (their lower rows filled
    # with the top value): each a finding on its row (headers.map_headers)
    marks: SheetMarks = NO_MARKS


@dataclass(frozen=True)
class Unused:
    """A file in the data folder that is not a table (reported once as a warning)."""

    path: Path
    sheet: str | None
    # an ignored sheet of a workbook that is archived whole: its cells as text (header row
    # first), so that a My Number column there refuses the run as one in a table does
    frame: pl.DataFrame | None = None


def _where(path: Path, sheet: str | None = None) -> str:
    return f"{path.name}［{sheet}］" if sheet else path.name


def read_folder(data_dir: Path, cmap: ColumnMap,
                on_read: Callable[[Path], None] | None = None,
                ) -> tuple[dict[str, RawTable], list[Unused]]:
    """Every table of the folder as text; missing tables and unreadable files stop the run.

    ``on_read(path)`` is told of each file once it has been read (the archive packs it).
    """
    if data_dir.is_file():  # the clerk named one export instead of its folder
        raise StructuralError(
            f"{data_dir} はファイルです。エクスポートの入っているフォルダ（{data_dir.parent}）を"
            "--data に指定してください",
            f"{data_dir} is a file; give --data the folder that holds the exports "
            f"({data_dir.parent})", where=str(data_dir))
    if not data_dir.is_dir():
        raise StructuralError(f"データフォルダ {data_dir} がありません",
                              f"data folder {data_dir} does not exist", where=str(data_dir))
    files = sorted(p for p in data_dir.iterdir()
                   if p.is_file() and not p.name.startswith(("~$", ".")))  # Excel lock files
    files, strays = _named_as_text(files, cmap)
    csvs = [p for p in files if p.suffix.lower() == ".csv"]
    books = [p for p in files if p.suffix.lower() == ".xlsx"]
    tables: dict[str, RawTable] = {}
    unused: list[Unused] = strays
    for path in csvs:
        table = cmap.table_for_stem(path.stem)
        if table is None:
            unused.append(Unused(path, None))
            continue
        if table in tables:
            raise StructuralError(
                f"表「{table}」のファイルが2つあります"
                f"（{tables[table].source.path.name} と {path.name}）",
                f"two files for table {table!r} ({tables[table].source.path.name} and {path.name})",
                where=path.name)
        tables[table] = read_csv_table(path, table, max_cell=cmap.max_cell_bytes)
        if on_read is not None:
            on_read(path)
    main_tables = [t for t in tables if t != CORRECTIONS]
    if books and not main_tables:
        if len(books) > 1:
            names = ", ".join(p.name for p in books)
            raise StructuralError(f"Excelブックが複数あります（{names}）。1つにしてください",
                                  f"more than one workbook ({names}); keep one",
                                  where=str(data_dir))
        wb_tables, wb_unused = read_workbook(books[0], cmap)
        if on_read is not None and wb_tables:
            on_read(books[0])
        unused += wb_unused
        beside, sheet_rows = tables.get(CORRECTIONS), wb_tables.get(CORRECTIONS)
        if beside is not None and sheet_rows is not None:
            if not _filled(beside):
                del tables[CORRECTIONS]  # an empty corrections.csv: the sheet's rows are read
            elif _filled(sheet_rows):
                # the sheet's corrections were dropped without a word and paid as exported
                # (blind clerk check): two sources of corrections have no order between them
                sheet = sheet_rows.source.sheet or CORRECTIONS
                raise StructuralError(
                    f"事務局修正が2か所にあります: {beside.source.path.name} とブック"
                    f"（{books[0].name}）のシート「{sheet}」。どちらか一方にまとめてください",
                    f"corrections in two places: {beside.source.path.name} and sheet "
                    f"{sheet!r} of the workbook {books[0].name}; keep them in one",
                    where=str(data_dir))
        for name, raw in wb_tables.items():
            tables.setdefault(name, raw)  # an empty corrections sheet: the CSV is read
    else:
        _refuse_table_books(books, tables, cmap, data_dir)
        unused += [Unused(p, None) for p in books]
    missing = [t for t in TABLE_ORDER if t not in tables]
    if missing:
        spec = cmap.tables[missing[0]]
        if books and not main_tables:
            raise StructuralError(
                f"ブックにシート「{spec.name}」（または「{spec.ja}」）がありません",
                f"the workbook has no sheet {spec.name!r} (or {spec.ja!r})",
                where=books[0].name)
        if books:  # CSVs of some tables beside a workbook: the workbook was not read
            found = ", ".join(tables[t].source.path.name for t in main_tables)
            # one table saved from Excel as a workbook (experts.xlsx): say so (Excel
            # round-trip check, session 20)
            same = [b for b in books if cmap.table_for_stem(b.stem) == spec.name]
            hint_ja = (f"。{same[0].name} がこの表なら、Excel で「CSV UTF-8」として保存し直して"
                       "ください" if same else "")
            hint_en = (f"; if {same[0].name} is this table, save it from Excel as CSV UTF-8"
                       if same else "")
            raise StructuralError(
                f"表「{spec.ja}」の CSV がありません。CSV（{found}）があるため Excelブック"
                f"（{books[0].name}）は読んでいません。CSV か ブックのどちらか一方にしてください"
                + hint_ja,
                f"no CSV for table {spec.name!r}; the workbook {books[0].name} was not read "
                f"because CSVs are present ({found}); keep either the CSVs or the workbook"
                + hint_en,
                where=str(data_dir))
        hint_ja, hint_en = _why_missing(data_dir, spec.name, spec.ja)
        raise StructuralError(
            f"表「{spec.ja}」のファイル（{spec.name}.csv または {spec.ja}.csv）がありません"
            + hint_ja,
            f"no file for table {spec.name!r} ({spec.name}.csv or {spec.ja}.csv)" + hint_en,
            where=str(data_dir))
    return tables, unused


_OTHER_BOOKS = (".xlsm", ".xls", ".xlsb", ".ods")


def _why_missing(data_dir: Path, name: str, ja: str) -> tuple[str, str]:
    """What the folder holds instead of a table's file, in words: the name as a folder, a
    broken link or a device, or a workbook of another kind (.xlsm read as 「experts.csv
    がありません」: hostile check, session 22). Empty when nothing explains it."""
    for stem in (name, ja):
        entry = data_dir / f"{stem}.csv"
        if entry.is_symlink() or (entry.exists() and not entry.is_file()):
            return (f"。{entry.name} はありますが、ファイルではありません（フォルダ・リンク切れ・"
                    "装置など）",
                    f"; {entry.name} is there but is not a file (a folder, a broken link or "
                    "a device)")
    other = sorted(p.name for p in data_dir.iterdir()
                   if p.suffix.lower() in _OTHER_BOOKS and not p.name.startswith("~$"))
    if other:
        return (f"。{other[0]} は読みません（Excel ブックは .xlsx だけです）。Excel で"
                "「Excel ブック (*.xlsx)」として保存し直してください",
                f"; {other[0]} is not read (workbooks are read as .xlsx only); save it from "
                "Excel as an Excel Workbook (*.xlsx)")
    return "", ""


def _named_as_text(files: list[Path], cmap: ColumnMap) -> tuple[list[Path], list[Unused]]:
    """The files whose names are text. One that is not (a ZIP from Windows unpacked with
    its CP932 names) stops the run if it would be read: a table's name, or a workbook; any
    other is left out like a stray file, with a warning under its CP932 reading. Its name
    would otherwise reach polars and the manifest's JSON, which refuse it (a traceback)."""
    from haken_batch.fsnames import readable, still_cp932, undecodable

    kept, strays = [], []
    for path in files:
        if not undecodable(path.name):
            kept.append(path)
            continue
        shown = readable(path.name)
        suffix = Path(shown).suffix.lower()
        if suffix == ".xlsx" or (suffix == ".csv" and cmap.table_for_stem(Path(shown).stem)):
            raise StructuralError(*still_cp932(shown), where=str(path.parent))
        strays.append(Unused(path.with_name(shown), None))  # named as the clerk reads it
    return kept, strays


_CP932_UNASSIGNED = re.compile("[\uf8f0-\uf8f3]")  # what Python reads 0xA0, 0xFD-0xFF as


def decode(data: bytes, where: str) -> tuple[str, str]:
    """Text and encoding name of a CSV file; anything doubtful is a StructuralError."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise StructuralError(
            f"NULバイトがあります（バイト位置 {nul}）。"
            "UTF-8 または CP932 の CSV で保存してください",
            f"NUL byte at byte offset {nul}; save the file as UTF-8 or CP932 CSV", where=where)
    encoding = "utf-8"
    body = data
    if data.startswith(_BOM):
        encoding, body = "utf-8-sig", data[len(_BOM):]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(data) - len(body))
        # Valid multi-byte UTF-8 before the bad byte means a UTF-8 file with a broken or
        # foreign part: decoding the whole as CP932 would silently garble it.
        if encoding == "utf-8-sig" or not body[: exc.start].isascii():
            raise StructuralError(
                f"UTF-8 として読めないバイトがあります（バイト位置 {offset}、"
                f"{_line_of(body, exc.start)}行目）。文字コードが混在していないか確認してください",
                f"bytes that are not UTF-8 at byte offset {offset} (line "
                f"{_line_of(body, exc.start)}); the file mixes encodings", where=where) from None
        try:
            text, encoding = body.decode("cp932"), "cp932"
            # Python's cp932 reads the unassigned single bytes 0xA0, 0xFD-0xFF as private-use
            # U+F8F0-U+F8F3 instead of failing: a byte no Windows program wrote as text
            # (blind red-team check). Located like any undecodable byte.
            stray = _CP932_UNASSIGNED.search(text)
            if stray is not None:
                at = len(text[:stray.start()].encode("cp932"))
                raise UnicodeDecodeError("cp932", body, at, at + 1, "unassigned byte")
        except UnicodeDecodeError as exc2:
            raise StructuralError(
                "文字コードを判定できません（UTF-8 でも CP932 でもありません。"
                f"バイト位置 {exc2.start}、{_line_of(body, exc2.start)}行目）",
                f"cannot decode the file as UTF-8 or CP932 (byte offset {exc2.start}, line "
                f"{_line_of(body, exc2.start)})", where=where) from None
    bom = text.find("\ufeff")
    if bom >= 0:
        line = text.count("\n", 0, bom) + 1
        raise StructuralError(f"ファイルの途中にBOM（U+FEFF）があります（{line}行目）。"
                              "ファイルを連結していませんか",
                              f"a byte-order mark in the middle of the file (line {line}); "
                              "were two files concatenated?", where=where)
    return text, encoding


def _polars_payload(data: bytes, where: str) -> tuple[str, bytes | None]:
    """The bytes polars parses: NUL and stray BOM found by byte search; the UTF-8 itself is
    validated by polars while it parses.

    Returns (encoding, bytes for polars), or ("", None) when the file needs ``decode``
    (a stray BOM, which ``decode`` locates). Bytes that are not UTF-8 make polars fail with
    ``_NotUtf8``, and the file goes to ``decode`` then (CP932, or a precise error). A leading
    BOM stays in the bytes (no copy of the file): it is in the header line, which ``_parse``
    reads past it.
    """
    if data.find(b"\x00") >= 0:
        decode(data, where)  # raises the NUL error with its offset
    start = _after_bom(data)
    if _BOM_RX.search(data, start):
        return "", None  # decode() says where the stray BOM is
    return ("utf-8-sig" if start else "utf-8"), data


def _after_bom(data: bytes) -> int:
    """Where the text starts: after a leading UTF-8 BOM, else 0."""
    return len(_BOM) if data.startswith(_BOM) else 0


class _NotUtf8(Exception):
    """The payload is not UTF-8 (polars validates every String column while parsing)."""


def _line_of(body: bytes, offset: int) -> int:
    return body.count(b"\n", 0, offset) + 1


def is_blank_header(header: str) -> bool:
    return not header or header.startswith("__UNNAMED__")  # (the sheet reader's name)


def drop_blank_unnamed(frame: pl.DataFrame, headers: tuple[str, ...]) -> pl.DataFrame:
    """The frame without the columns that have neither a header nor a value.

    Trailing commas on every line, or a stray cell far right in a sheet (XFD2), make
    thousands of such columns; each would be an "unknown column" warning and a pass of its
    own (minutes at 65,536 columns). Column names stay ``c<position>``, so the remaining
    columns keep their positions in ``headers``. Free when every column has a header.
    """
    unnamed = [f"c{i}" for i, h in enumerate(headers) if is_blank_header(h)]
    if not unnamed:
        return frame
    sub = frame.select(unnamed)
    # null counts are known without a pass; only columns with some cell are looked into,
    # one row per column (a wide frame costs per column, a long one per cell)
    some = [c for c, n in zip(unnamed, sub.null_count().row(0), strict=True) if n < frame.height]
    written: set[str] = set()
    if some and frame.height:
        filled = (sub.select(some).transpose()
                  .select(pl.concat_str(pl.all(), ignore_nulls=True).str.strip_chars() != "")
                  .to_series())
        written = {c for c, w in zip(some, filled, strict=True) if w}
    empty = set(unnamed) - written
    return frame.select(c for c in frame.columns if c not in empty) if empty else frame


def _check_cell_sizes(frame: pl.DataFrame, headers: tuple[str, ...], limit: int,
                      where: str) -> None:
    """A cell longer than ``limit`` bytes stops the run, naming its row (one pass per column)."""
    if frame.height == 0 or frame.width == 0:
        return
    longest = frame.select(pl.all().str.len_bytes().max()).row(0)
    for pos, size in enumerate(longest):
        if size is not None and size > limit:
            col = frame.columns[pos]
            n = int(frame.select(pl.col(col).str.len_bytes().arg_max()).item())
            label = headers[pos] if pos < len(headers) else col
            raise StructuralError(
                f"{n + 2}行目「{label}」のセルが長すぎます（{size:,} バイト、上限 {limit:,}）。"
                "エクスポートが壊れていないか確認してください",
                f"row {n + 2}, column {label!r}: the cell is too long ({size:,} bytes, limit "
                f"{limit:,}); is the export broken?", where=where)


_SCAN_CHUNK = 1 << 20


def _check_line_lengths(path: Path, limit: int) -> None:
    """Stop a file with a line longer than ``limit`` bytes before it is read into memory.

    A streamed pass over 1 MiB chunks (memchr speed, constant memory), so a 2 GB line costs a
    scan, not 2 GB of RAM and a parse. Only a run of ``limit`` bytes without a line feed
    trips it: ``limit`` is chosen so that such a line must hold a cell over the cell limit.
    Lines are counted only to name the offending one (a second pass, error path only).
    """
    if path.stat().st_size <= limit:
        return
    chunk_size = min(_SCAN_CHUNK, limit)  # a gap inside one chunk is then within the limit
    run = 0  # bytes since the last line feed
    offset = 0  # bytes before the current chunk
    with path.open("rb", buffering=0) as fh:
        while chunk := fh.read(chunk_size):
            first = chunk.find(b"\n")
            if run + (len(chunk) if first < 0 else first) > limit:
                line = _line_feeds_before(path, offset - run) + 1
                raise StructuralError(
                    f"{line}行目が長すぎます（改行までが {limit:,} バイトを超えています）。"
                    "エクスポートが壊れていないか確認してください",
                    f"line {line} is too long (more than {limit:,} bytes before its line "
                    "feed); is the export broken?", where=path.name)
            run = run + len(chunk) if first < 0 else len(chunk) - chunk.rfind(b"\n") - 1
            offset += len(chunk)


def _line_feeds_before(path: Path, end: int) -> int:
    """Line feeds in the first ``end`` bytes of ``path`` (streamed)."""
    count = 0
    with path.open("rb", buffering=0) as fh:
        while end > 0 and (chunk := fh.read(min(_SCAN_CHUNK, end))):
            count += chunk.count(b"\n")
            end -= len(chunk)
    return count


def read_csv_table(path: Path, table: str, *, max_cell: int = 65536) -> RawTable:
    try:
        # a line this long must carry a cell over max_cell (quotes doubled at worst)
        _check_line_lengths(path, 2 * max_cell * _MAX_COLUMNS)
        data = path.read_bytes()
    except OSError as exc:
        raise StructuralError(f"ファイルを読めません（{exc.strerror}）",
                              f"cannot read the file ({exc.strerror})", where=path.name) from None
    # sha256 releases the GIL: hash on a second thread while polars parses here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        encoding, payload = _polars_payload(data, path.name)
        parsed = None
        if payload is not None:
            try:
                parsed = _parse(payload, path.name)
            except _NotUtf8:
                parsed = None
        digest = hashing.result()
    if parsed is None:  # not plain UTF-8: decode fully (CP932, or a precise error)
        text, encoding = decode(data, path.name)
        del data, payload
        parsed = _parse(text.encode("utf-8"), path.name)  # polars reads UTF-8 only
        del text
    headers, frame, marks = parsed
    frame = drop_blank_unnamed(frame, headers)
    _check_cell_sizes(frame, headers, max_cell, path.name)
    source = SourceFile(path=path, sheet=None, encoding=encoding, sha256=digest)
    return RawTable(table=table, headers=headers, frame=frame, source=source, marks=marks)


def _parse(payload: bytes, where: str) -> tuple[tuple[str, ...], pl.DataFrame, SheetMarks]:
    """Headers (as written), every cell as String, and the records longer than the header
    (``SheetMarks.long_rows``); ``_NotUtf8`` for bytes polars rejects."""
    start = _after_bom(payload)
    if _BLANK_FILE.fullmatch(payload, start):  # (bytes.strip would copy the whole file)
        raise StructuralError("ファイルが空です（見出し行もありません）",
                              "the file is empty (not even a header row)", where=where)
    end = payload.find(b"\n")
    if end < 0 and b"\r" in payload:  # classic Mac OS line ends (CR only): same table
        payload = payload.replace(b"\r", b"\n")
        end = payload.find(b"\n")
    try:
        first = payload[start:len(payload) if end < 0 else end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    if "\r" in first:
        raise _lone_cr_error(payload, where)
    odd = _LINE_LIKE.search(first)
    if odd:  # the header and the first row run together: the row's cells would be headers
        code = f"U+{ord(odd.group()):04X}"
        raise StructuralError(
            f"1行目（見出し行）に改行に似た文字（{code}）があります。見出し行と次の行が"
            "つながっています。見出し行の終わりを通常の改行にしてください",
            f"the header line holds a line-separator-like character ({code}): the header and "
            "the next row run together; end the header with a normal line break", where=where)
    headers = tuple(h.strip() for h in next(csv.reader([first])))
    names = [f"c{i}" for i in range(len(headers))]
    try:
        frame = pl.read_csv(io.BytesIO(payload), has_header=True, new_columns=names,
                            infer_schema=False, empty_string_is_null=False, quote_char='"')
    except pl.exceptions.PolarsError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise _NotUtf8 from None
        if _LONE_CR.search(payload):
            raise _lone_cr_error(payload, where) from None
        text = payload.decode("utf-8", "replace")
        if _ragged_line(text, len(headers)) is None:
            opened = _unclosed_quote_line(text)
            if opened is not None:  # it named no line in a file of 454 (blind clerk check)
                raise StructuralError(
                    f"CSV として読めません: {opened}行目で始まる引用符（\"）が閉じられていません"
                    "（値の中の \" は \"\" と2つ重ねます）",
                    f"cannot parse the CSV: a quote (\") opened on line {opened} is never "
                    "closed (a \" inside a value is written \"\")", where=where) from None
            raise StructuralError("CSV として読めません（引用符の閉じ忘れなど）",
                                  f"cannot parse the CSV ({type(exc).__name__})",
                                  where=where) from None
        # A record longer than the header is a fault of its row, not of the file (R-VAL-1:
        # only an unreadable file or a missing column stops the run; one trailing comma
        # stopped a whole month, blind check of R-VAL-1)
        trimmed, marks = _trim_long_records(text, len(headers))
        try:
            frame = pl.read_csv(io.BytesIO(trimmed), has_header=True, new_columns=names,
                                infer_schema=False, empty_string_is_null=False, quote_char='"')
        except pl.exceptions.PolarsError:
            raise StructuralError("CSV として読めません（引用符の閉じ忘れなど）",
                                  "cannot parse the CSV", where=where) from None
        return headers, frame, marks
    return headers, frame, NO_MARKS


def _filled(raw: RawTable) -> int:
    """Rows with a cell that is not blank (a corrections file cleared in Excel keeps its
    header and lines of commas: no corrections; review, session 18)."""
    if not raw.frame.width or not raw.frame.height:
        return 0
    cells = [pl.col(c).cast(pl.String).fill_null("").str.strip_chars() != ""
             for c in raw.frame.columns]
    return raw.frame.filter(pl.any_horizontal(cells)).height


def _unclosed_quote_line(text: str) -> int | None:
    """The line (1 = the header) on which a quote opens that the file never closes: the
    last line that leaves an odd number of quotes open; None when they pair up."""
    open_, opened = False, None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count('"') % 2:
            open_ = not open_
            if open_:
                opened = number
    return opened if open_ else None


def _lone_cr_error(payload: bytes, where: str) -> StructuralError:
    """Line ends mixing CR-only with LF/CRLF (a file pasted together on different systems)."""
    found = _LONE_CR.search(payload)
    line = _line_of(payload, found.start() if found else 0)
    return StructuralError(
        f"{line}行目に単独の CR（改行コード）があります。改行コードが混在しています。"
        "Excel で開いて「CSV UTF-8」または「CSV」で保存し直してください",
        f"line {line} has a lone carriage return (mixed line ends); re-save the file as CSV",
        where=where)


def _trim_long_records(text: str, width: int) -> tuple[bytes, SheetMarks]:
    """Error path only: the CSV with every record cut to ``width`` fields, and which records
    were longer (Excel row, header 1): with a value beyond the header, the row's cells may
    be shifted (a comma inside an unquoted value) and it is an error of its row. With only
    empty fields there, nothing was lost when the record is as long as most records are (an
    export's trailing commas: one warning); a record longer than most, with empty fields
    beyond the header, is what an unquoted 1,110 split into two cells of a row whose last
    column was empty looks like (fare 1, express 110: paid 1,111 for 2,220; Excel
    round-trip check, session 20), so it is an error of its row too."""
    from collections import Counter

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    filled: list[int] = []
    blank: list[tuple[int, int]] = []  # (row, fields)
    lengths: Counter[int] = Counter()  # of the data records with a field, none beyond it
    for n, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        beyond = len(record) > width and any(v.strip() for v in record[width:])
        if n > 1 and not beyond and any(v.strip() for v in record):
            lengths[len(record)] += 1
        if len(record) > width:
            if beyond:
                filled.append(n)
            else:
                blank.append((n, len(record)))
            record = record[:width]
        if record:
            writer.writerow(record)
        else:
            out.write("\n")  # a blank line stays one (polars reads it as an empty row)
    # the usual length: the most records' (ties: the shorter); a footer or a few split rows
    # are fewer than the records
    usual = min(lengths, key=lambda k: (-lengths[k], k)) if lengths else width
    marks = SheetMarks(long_rows=tuple(filled),
                       blank_tails=tuple(n for n, k in blank if k == usual),
                       uneven_tails=tuple(n for n, k in blank if k != usual), width=width)
    return out.getvalue().encode("utf-8"), marks


def _ragged_line(text: str, width: int) -> int | None:
    """Error path only: the first record with more fields than the header (Excel line)."""
    for n, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(record) > width:
            return n
    return None


def _marks_of(data: bytes, sheet: str, columns: Collection[int]) -> SheetMarks:
    try:
        return sheet_marks(data, sheet, columns)
    except (zipfile.BadZipFile, OSError, ValueError):
        return NO_MARKS  # the sheet reader opened it; an odd package is its concern


def _refuse_merged_headers(marks: SheetMarks, where: str) -> None:
    """A header merged over two columns hides the second one's header: its column was read
    as an extra one and ignored, and 178 express fees went unpaid (blind red-team check)."""
    for m in marks.merged:
        if m.first_row == marks.header_row and m.last_column > m.first_column:
            raise StructuralError(
                f"見出し行（{marks.header_row}行目）に結合されたセル（{m.ref}）があります。結合を解除し、"
                "列ごとに見出しを入れてください",
                f"merged cells {m.ref} in the header row: unmerge them and give every column "
                "its header", where=where)


def _fill_merged(frame: pl.DataFrame, merged: tuple[MergedRange, ...],
                 header_row: int = 1) -> pl.DataFrame:
    """Every cell of a merged range reads its top-left value, as Excel shows it (the sheet
    reader gives the lower cells empty); the lower rows are findings (map_headers), so the
    dispatches they touch are held, never paid with a line gone missing."""
    if not merged or frame.height == 0:
        return frame
    columns = {name: frame.get_column(name).to_list() for name in frame.columns}
    for m in merged:
        top = m.first_row - header_row - 1  # position of the first row below the header
        if top < 0 or top >= frame.height:
            continue
        for col in range(m.first_column, m.last_column + 1):
            values = columns.get(f"c{col}")
            if values is None:
                continue
            for pos in range(top + 1, min(m.last_row - header_row, frame.height)):
                values[pos] = values[top] if values[pos] is None else values[pos]
    return pl.DataFrame(columns, schema=frame.schema)


def _error_cell_stop(cells: tuple[ErrorCell, ...], headers: tuple[str, ...],
                     where: str) -> StructuralError:
    """As many error cells (#DIV/0!, #N/A, formulas without a saved result) as the search
    looks for stop the run: the sheet needs fixing as a whole (fewer are row findings). The
    reader gives each as an empty cell, and an empty fare would be paid as 0 yen."""
    first = cells[0]
    label = headers[first.column] if first.column < len(headers) else f"{first.column + 1}列目"
    more = f"（ほか {len(cells) - 1} か所以上）"
    more_en = f" (and {len(cells) - 1} or more)"
    if first.kind == "no_value":
        return StructuralError(
            f"{first.row}行目「{label}」（セル {first.ref}）の数式に計算結果が保存されていません"
            f"{more}。Excel で開いて保存し直すか、値で貼り付けてください",
            f"row {first.row}, column {label!r} (cell {first.ref}) is a formula saved without "
            f"its result{more_en}; open and save the book in Excel, or paste values", where=where)
    return StructuralError(
        f"{first.row}行目「{label}」（セル {first.ref}）が Excel のエラー値"
        f"「{first.value or 'エラー'}」です{more}。数式を直すか値で貼り付けてから保存してください",
        f"row {first.row}, column {label!r} (cell {first.ref}) holds the Excel error "
        f"{first.value or 'value'}{more_en}; fix the formula or paste values, then save",
        where=where)


def _refuse_table_books(books: list[Path], tables: dict[str, RawTable], cmap: ColumnMap,
                        data_dir: Path) -> None:
    """CSVs of the tables and a workbook with table sheets side by side: which one is this
    month's? A newer workbook dropped beside last month's CSVs was ignored, and the old
    CSVs were paid (blind clerk check). A workbook without table sheets is only a warning."""
    import fastexcel

    for book in books:
        try:
            sheets = list(fastexcel.read_excel(book.read_bytes()).sheet_names)
        except (OSError, fastexcel.FastExcelError, ValueError):
            continue  # not readable as a workbook: reported as an unused file
        in_book = {t for t in (cmap.table_for_stem(s) for s in sheets) if t is not None}
        if in_book and not in_book & set(tables):
            # a table opened in Excel and saved as a workbook (Excel names the sheet after
            # the CSV): no CSV of it beside the others (Excel round-trip check, session 20)
            names = "・".join(f"「{cmap.tables[t].ja}」" for t in sorted(in_book))
            raise StructuralError(
                f"表{names}が CSV ではなく Excelブック（{book.name}）にあります。ほかの表は CSV "
                f"のため、このブックは読んでいません。{book.name} を Excel で開き、「CSV UTF-8」"
                "として保存し直してください",
                f"table(s) {', '.join(sorted(in_book))} are in the workbook {book.name}, not "
                f"in CSVs as the others are, so it was not read; open {book.name} in Excel and "
                "save it as CSV UTF-8", where=str(data_dir))
        if in_book:
            found = ", ".join(sorted(r.source.path.name for r in tables.values())[:3])
            raise StructuralError(
                f"表の CSV（{found} など）と、表のシートを持つ Excelブック（{book.name}）の両方が"
                "あります。どちらが今月のデータか分からないため中止しました。"
                "どちらか一方だけをフォルダに置いてください",
                f"both CSVs of the tables ({found}, …) and a workbook with table sheets "
                f"({book.name}) are here; which one is this month's is unclear, so nothing "
                "was settled. Keep only one of them in the folder", where=str(data_dir))


def read_workbook(path: Path, cmap: ColumnMap) -> tuple[dict[str, RawTable], list[Unused]]:
    import fastexcel

    try:
        data = path.read_bytes()
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except (OSError, fastexcel.FastExcelError, ValueError) as exc:
        raise StructuralError("Excelブックを開けません（壊れているか .xlsx ではありません）",
                              f"cannot open the workbook ({type(exc).__name__})",
                              where=path.name) from None
    digest = hashlib.sha256(data).hexdigest()
    tables: dict[str, RawTable] = {}
    unused: list[Unused] = []
    for sheet in sheet_names:
        table = cmap.table_for_stem(sheet)
        if table is None:
            try:
                extra = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
            except fastexcel.FastExcelError:
                extra = None  # an empty sheet
            unused.append(Unused(path, sheet, extra))
            continue
        if table in tables:
            first = tables[table].source.sheet
            raise StructuralError(
                f"表「{table}」のシートが2つあります（「{first}」と「{sheet}」。非表示のシートも"
                "数えます）。古いほうを削除してください",
                f"two sheets for table {table!r} ({first!r} and {sheet!r}, hidden sheets "
                "included); delete the old one", where=_where(path, sheet))
        try:
            # Every cell as text: dates come as "2021-10-05 00:00:00", times as
            # "1899-12-31 13:30:00"; the normaliser reads both like CSV text.
            frame = reader.load_sheet(sheet, dtypes="string").to_polars()
        except fastexcel.FastExcelError as exc:
            raise StructuralError("シートを読めません（空のシートか見出し行がありません）",
                                  f"cannot read the sheet ({type(exc).__name__})",
                                  where=_where(path, sheet)) from None
        if frame.width == 0:
            raise StructuralError("シートが空です（見出し行もありません）",
                                  "the sheet is empty (not even a header row)",
                                  where=_where(path, sheet))
        headers = tuple(str(h).strip() for h in frame.columns)
        by_header = cmap.tables[table].by_header()
        contract = [i for i, h in enumerate(headers) if h and fold(h) in by_header]
        marks = _marks_of(data, sheet, contract)
        _refuse_merged_headers(marks, _where(path, sheet))
        if len(marks.errors) >= LIMIT:
            raise _error_cell_stop(marks.errors, headers, _where(path, sheet))
        frame = frame.rename(dict(zip(frame.columns, [f"c{i}" for i in range(frame.width)],
                                      strict=True)))
        frame = _fill_merged(frame.with_columns(pl.all().cast(pl.String)), marks.merged,
                             marks.header_row)
        frame = drop_blank_unnamed(frame.with_columns(pl.all().cast(pl.String)), headers)
        _check_cell_sizes(frame, headers, cmap.max_cell_bytes, _where(path, sheet))
        tables[table] = RawTable(table=table, headers=headers, frame=frame,
                                 source=SourceFile(path=path, sheet=sheet, encoding="xlsx",
                                                   sha256=digest), marks=marks)
    return tables, unused
