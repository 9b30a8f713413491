"""Shared presentation for the workbooks (KPI, statements): one look, byte-repeatable files.

xlsxwriter writes in memory with fixed zip timestamps; ``created`` comes from the data (the
cycle's cut-off), so the same inputs give the same bytes (issue 4, issue 5 item 2).
Cells are values, never formulas; text that looks like a formula (``textsafe``) is written
with Excel's quote prefix: shown as written, kept as text even when the cell is edited (a
leading ``'`` in the value, as the CSVs have, showed in the workbook as a stray quote).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from haken_batch.textsafe import looks_like_formula

FONT = "Meiryo UI"
HEADER_BG = "#DDE5F0"
GROUP_BG = "#C5D3E6"
TOTAL_BG = "#F2F2F2"
TITLE_SIZE = 14
A4 = 9


@dataclass(frozen=True)
class Col:
    """One column of a written table: frame column, Japanese header, kind of cell."""

    key: str
    header: str
    kind: str = "text"  # text | int | yen | date | pct
    width: float | None = None  # None: fit the content, up to ``cap``
    cap: float = 48.0


@dataclass(frozen=True)
class Group:
    """A header spanning columns ``first``..``last`` (frame column keys)."""

    label: str
    first: str
    last: str


@dataclass
class Written:
    """Where a table landed (0-based rows/cols), for charts and tests."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # inclusive; < first_row when the table is empty
    columns: dict[str, int] = field(default_factory=dict)


def text_width(text: str) -> int:
    """Display width in half-width cells: East Asian wide/full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_height(text: str, chars: float, line_points: float = 14.0) -> float:
    """Row height (points) for ``text`` wrapped in a cell ``chars`` half-width cells wide."""
    lines = max(1, -(-text_width(text) // max(1, int(chars) - 2)))
    return line_points * lines + 4


def _fitted(c: Col, body: int) -> float:
    head = max(text_width(part) for part in c.header.split("\n"))
    return float(min(c.cap, max(head, body) + 2))


def _body_width(values: list[Any], kind: str) -> int:
    """Widest cell in half-width cells, from the values being written (no extra pass)."""
    if kind == "date":
        return 12  # yyyy/mm/dd plus air before the next column
    present = [v for v in values if v is not None]
    if not present:
        return 0
    if kind in ("int", "yen"):
        return len(f"{max(abs(int(v)) for v in present):,}") + 1
    # UTF-8: a kana/kanji is 3 bytes for 1 char and 2 cells wide -> chars + extra/2.
    return max(len(v) + (len(v.encode()) - len(v)) // 2 for v in present)


class Book:
    """A workbook with the house formats; ``to_bytes()`` closes it and returns the file."""

    def __init__(self, *, created: dt.datetime, title: str, subject: str = "") -> None:
        self._buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self._buf, {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,  # a cell is a value, never a formula
            "strings_to_urls": False,
            "default_date_format": "yyyy/mm/dd",
            "default_format_properties": {"font_name": FONT, "font_size": 10},
        })
        self.wb.set_properties({"title": title, "subject": subject, "author": "haken-batch",
                                "company": "", "created": created})
        self._props: dict[str, dict[str, Any]] = {}
        self._quoted: dict[str, Any] = {}
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        cell = {**base, "border": 1, "border_color": "#B4B4B4"}
        self.f: dict[str, Any] = {}
        self._add("title", {**base, "bold": True, "font_size": TITLE_SIZE})
        self._add("subtitle", {**base, "font_color": "#404040"})
        self._add("label", {**base, "bold": True})
        self._add("note", {**base, "text_wrap": True, "valign": "top"})
        self._add("header", {**cell, "bold": True, "bg_color": HEADER_BG, "align": "center",
                             "text_wrap": True})
        self._add("group", {**cell, "bold": True, "bg_color": GROUP_BG, "align": "center"})
        nums = {"text": "@", "int": "#,##0", "yen": "#,##0", "date": "yyyy/mm/dd",
                "pct": "0.0%"}
        for kind, num in nums.items():
            align = {"align": "left"} if kind == "text" else {}
            self._add(kind, {**cell, "num_format": num, **align})
            self._add(f"{kind}_total", {**cell, "num_format": num, "bold": True,
                                        "bg_color": TOTAL_BG, "top": 2, **align})
        self._add("value_big", {**cell, "num_format": "#,##0", "bold": True, "font_size": 12})

    def _add(self, name: str, props: dict[str, Any]) -> None:
        self._props[name] = props
        self.f[name] = self.wb.add_format(props)

    def fmt_for(self, name: str, text: str) -> Any:
        """Format ``name``, or its quote-prefixed twin for text Excel would run as a formula
        (created on first use, so a workbook without such text has the same formats)."""
        if not looks_like_formula(text):
            return self.f[name]
        if name not in self._quoted:
            self._quoted[name] = self.wb.add_format({**self._props[name], "quote_prefix": True})
        return self._quoted[name]

    def write_text(self, ws: Worksheet, row: int, col: int, text: str, name: str) -> None:
        ws.write_string(row, col, text, self.fmt_for(name, text))

    # ------------------------------------------------------------------ sheets
    def sheet(self, name: str, *, landscape: bool = False) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        ws.set_paper(A4)
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)  # fit to width, as many pages down as needed
        ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
        ws.set_header(f"&L&8{name}", {"margin": 0.3})
        ws.set_footer("&C&8&P / &N", {"margin": 0.3})
        ws.hide_gridlines(1)  # visible on screen, not printed
        return ws

    def title(self, ws: Worksheet, title: str, lines: Sequence[str] = (), row: int = 0) -> int:
        """A title and subtitle lines; returns the next free row (one blank row after)."""
        self.write_text(ws, row, 0, title, "title")
        ws.set_row(row, 22)
        for i, line in enumerate(lines, start=1):
            self.write_text(ws, row + i, 0, line, "subtitle")
        return row + len(lines) + 2

    def notes(self, ws: Worksheet, row: int, texts: Sequence[str], *, col: int = 0,
              width_cols: int = 1, chars: float = 120.0) -> int:
        """Wrapped note rows; ``chars`` = the width they span (row heights are set, since
        neither Excel nor LibreOffice re-measures a wrapped row written by a library)."""
        for i, text in enumerate(texts):
            if width_cols > 1:
                ws.merge_range(row + i, col, row + i, col + width_cols - 1, text,
                               self.fmt_for("note", text))
            else:
                self.write_text(ws, row + i, col, text, "note")
            ws.set_row(row + i, wrapped_height(text, chars))
        return row + len(texts)

    def table(self, ws: Worksheet, frame: pl.DataFrame, cols: Sequence[Col], *, row: int,
              groups: Sequence[Group] = (), totals: pl.Expr | None = None,
              freeze_cols: int = 0,
              set_widths: bool = True, col: int = 0, freeze: bool = True) -> Written:
        """Write ``frame`` as a table with a (grouped) header;
        ``totals`` (a boolean expression on ``frame``) marks the rows drawn as total rows.
        Freezes the header."""
        index = {c.key: col + j for j, c in enumerate(cols)}
        header_row = row
        if groups:
            grouped: set[int] = set()
            for g in groups:
                a, b = index[g.first], index[g.last]
                if a == b:
                    ws.write_string(row, a, g.label, self.f["group"])
                else:
                    ws.merge_range(row, a, row, b, g.label, self.f["group"])
                grouped.update(range(a, b + 1))
            for j, c in enumerate(cols):  # ungrouped headers span both rows
                if col + j not in grouped:
                    ws.merge_range(row, col + j, row + 1, col + j, c.header, self.f["header"])
            header_row = row + 1
            for j, c in enumerate(cols):
                if col + j in grouped:
                    ws.write_string(header_row, col + j, c.header, self.f["header"])
        else:
            for j, c in enumerate(cols):
                ws.write_string(row, col + j, c.header, self.f["header"])
        lines = max(c.header.count("\n") + 1 for c in cols)
        ws.set_row(header_row, 15 * lines + 3)
        first = header_row + 1
        total_mask: list[bool] = [False] * frame.height
        if totals is not None and frame.height:
            total_mask = frame.select(totals.fill_null(False)).to_series().to_list()
        for j, c in enumerate(cols):
            body = self._write_column(
                ws, first, col + j, frame.get_column(c.key), c.kind, total_mask
            )
            if set_widths:
                ws.set_column(
                    col + j, col + j, c.width if c.width is not None else _fitted(c, body)
                )
        if freeze:
            ws.freeze_panes(first, freeze_cols)
            ws.repeat_rows(row, header_row)
        return Written(ws.get_name(), header_row, first, first + frame.height - 1, index)

    def _write_column(
        self,
        ws: Worksheet,
        first: int,
        col: int,
        series: pl.Series,
        kind: str,
        total_mask: list[bool],
    ) -> int:
        """Write one column; return its widest cell (half-width cells) for the width."""
        plain, total = self.f[kind], self.f[f"{kind}_total"]
        values = series.to_list()
        guarded = False
        if kind == "text":
            write = ws.write_string
            values = [None if v is None or v == "" else str(v) for v in values]
            guarded = any(v is not None and looks_like_formula(v) for v in values)
        elif kind == "date":
            write = ws.write_datetime
        else:
            write = ws.write_number
        totals = any(total_mask)
        if not (totals or guarded) and series.null_count() == 0 and (
                kind != "text" or all(values)):
            for i, v in enumerate(values, start=first):  # the common, fast path
                write(i, col, v, plain)
            return _body_width(values, kind)
        for i, v in enumerate(values):
            name = f"{kind}_total" if totals and total_mask[i] else kind
            fmt = self.fmt_for(name, v) if guarded and v is not None else (
                total if name != kind else plain)
            if v is None:
                ws.write_blank(first + i, col, None, fmt)
            else:
                write(first + i, col, v, fmt)
        return _body_width(values, kind)

    def key_values(self, ws: Worksheet, row: int, pairs: Sequence[tuple[str, Any]],
                   *, col: int = 0) -> int:
        """Label/value rows (metadata blocks); returns the next free row."""
        for i, (label, value) in enumerate(pairs):
            self.write_text(ws, row + i, col, label, "label")
            if isinstance(value, dt.date):
                ws.write_datetime(row + i, col + 1, value, self.f["date"])
            elif isinstance(value, int):
                ws.write_number(row + i, col + 1, value, self.f["int"])
            else:
                self.write_text(ws, row + i, col + 1, str(value), "text")
        return row + len(pairs)

    # ------------------------------------------------------------------ charts
    def bar_chart(self, ws: Worksheet, where: tuple[int, int], data: Written, *,
                  title: str, category: str, series: Sequence[tuple[str, str]],
                  colors: Sequence[str] = ("#4472C4", "#A5A5A5"),
                  size: tuple[int, int] = (560, 360), x_offset: int = 0) -> None:
        """A native horizontal bar chart whose series refer to ``data``'s sheet and rows."""
        chart = self.wb.add_chart({"type": "bar"})
        if chart is None:  # pragma: no cover - xlsxwriter returns None only for bad types
            raise ValueError("bar chart")
        first, last = data.first_row, max(data.first_row, data.last_row)
        cat = data.columns[category]
        for (key, name), color in zip(series, colors, strict=False):
            c = data.columns[key]
            chart.add_series({
                "name": name,
                "categories": [data.sheet, first, cat, last, cat],
                "values": [data.sheet, first, c, last, c],
                "fill": {"color": color},
                "gap": 60,
            })
        chart.set_title({"name": title, "name_font": {"name": FONT, "size": 11, "bold": True}})
        chart.set_legend({"position": "bottom", "font": {"name": FONT, "size": 9}})
        chart.set_y_axis({"reverse": True, "num_font": {"name": FONT, "size": 8}})
        chart.set_x_axis({"num_format": "#,##0", "num_font": {"name": FONT, "size": 8},
                          "major_gridlines": {"visible": True,
                                              "line": {"color": "#D9D9D9"}}})
        chart.set_size({"width": size[0], "height": size[1]})
        ws.insert_chart(where[0], where[1], chart, {"object_position": 2, "x_offset": x_offset})

    # ------------------------------------------------------------------ output
    def to_bytes(self) -> bytes:
        self.wb.close()
        return self._buf.getvalue()
