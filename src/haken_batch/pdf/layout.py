"""Deterministic A4 documents and the few drawing helpers the notices and summaries share.

Same inputs, same bytes: the creation date comes from the data (the transfer date), the
producer is fixed, fpdf2's file id is a hash of the content, and fonts come from one
``FontBook``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from haken_batch.pdf.fonts import FAMILY, FontBook

if TYPE_CHECKING:
    from fpdf import FPDF

PRODUCER = "haken-batch"
_JST = dt.timezone(dt.timedelta(hours=9), "JST")
_MIN_FONT_PT = 5.5
_PT_PER_MM = 72 / 25.4


def created_at(day: dt.date) -> dt.datetime:
    """The document date: midnight JST of a date from the data (never the clock)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=_JST)


def new_pdf(fonts: FontBook, *, created: dt.date, title: str, author: str,
            page: dict[str, Any], footer: Callable[[FPDF], None] | None = None) -> FPDF:
    """An empty document with fixed metadata and the bundled font attached."""
    from fpdf import FPDF

    class _Doc(FPDF):
        def footer(self) -> None:
            if footer is not None:
                footer(self)

    pdf = _Doc(orientation=page.get("orientation", "portrait"), unit="mm",
               format=page.get("format", "A4"))
    pdf.set_creation_date(created_at(created))
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_lang("ja")
    margin = float(page.get("margin_mm", 15))
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, float(page.get("bottom_margin_mm", margin)))
    fonts.attach(pdf)
    pdf.set_font(FAMILY, size=10)
    return pdf


def text_width(pdf: FPDF, text: str) -> float:
    """Width of ``text`` in mm in the current font (fpdf2's own measure is ~20x slower)."""
    cw: Any = pdf.current_font.cw  # type: ignore[union-attr]
    return sum(cw[ord(c)] for c in text) * pdf.font_size_pt / 1000 / pdf.k


def fit_cell(pdf: FPDF, w: float, h: float, text: str, *, align: str = "L",
             border: Literal[0, 1] | str = 0, fill: bool = False,
             size: float | None = None) -> None:
    """A one-line cell at the current position whose text is shrunk (never cut) to fit.

    Drawn with ``rect``/``line``/``text`` rather than ``FPDF.cell`` (about 10x faster, which
    matters for hundreds of notices); the cursor moves right by ``w`` like a cell.
    """
    x, y = pdf.get_x(), pdf.get_y()
    if fill or border == 1:
        pdf.rect(x, y, w, h, style=("DF" if border == 1 else "F") if fill else "D")
    elif isinstance(border, str) and border:
        edges = {"L": (x, y, x, y + h), "R": (x + w, y, x + w, y + h),
                 "T": (x, y, x + w, y), "B": (x, y + h, x + w, y + h)}
        for side in border:
            pdf.line(*edges[side])
    if text:
        base = size or pdf.font_size_pt
        pad = pdf.c_margin
        width = text_width(pdf, text)
        current = base
        if width + 2 * pad > w:
            # width scales linearly with the font size
            current = max(_MIN_FONT_PT, base * (w - 2 * pad) / max(width, 1e-6) * 0.98)
            pdf.set_font_size(current)
            width = text_width(pdf, text)
        if align == "R":
            tx = x + w - pad - width
        elif align == "C":
            tx = x + (w - width) / 2
        else:
            tx = x + pad
        # same baseline as FPDF.cell: middle of the cell plus 0.3 of the font size
        pdf.text(tx, y + 0.5 * h + 0.3 * pdf.font_size, text)
        if current != base:
            pdf.set_font_size(base)
    pdf.set_xy(x + w, y)


def line_cell(pdf: FPDF, w: float, h: float, text: str, *, align: str = "L",
              border: Literal[0, 1] | str = 0, fill: bool = False) -> None:
    """``fit_cell`` then move to the start of the next line (left margin)."""
    y = pdf.get_y()
    fit_cell(pdf, w, h, text, align=align, border=border, fill=fill)
    pdf.set_xy(pdf.l_margin, y + h)


def lines_to_fit(pdf: FPDF, text: str, width: float, *, shrink: float = 0.8) -> list[str]:
    """One line when ``text`` fits ``width`` mm, or fits once shrunk to ``shrink`` of its
    size (``fit_cell`` does that); else lines broken at spaces first (an address parts at
    「丸の内1-1-1 デモビル」's space, not inside デモビル: replay check, session 21), and
    a part still too wide by ``wrap_ja``."""
    if pdf.get_string_width(text) * shrink <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in re.split(r"(?<=[ 　])", text):
        if current and pdf.get_string_width(current + word.rstrip()) > width:
            lines.append(current.rstrip())
            current = word
        else:
            current += word
    lines.append(current.rstrip())
    return [part for line in lines for part in
            ([line] if pdf.get_string_width(line) * shrink <= width
             else wrap_ja(pdf, line, width))]


# 禁則: characters that must not begin a line (they hang at the end of the previous one).
_NO_LINE_START = frozenset("、。，．,.）」』】〕〉》)]}！？!?：；:;ー・"
                           "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ％%")


_WORD_RX = re.compile(r"[0-9A-Za-z][0-9A-Za-z,.\-_/%]*|.", re.DOTALL)


def wrap_ja(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break Japanese text into lines of at most ``width`` mm with 禁則.

    Breaks between any two Japanese characters; a run of ASCII letters/digits (``1,000``,
    ``R-TRV-3``) stays whole unless it alone is wider than the line. Where the line's last
    few characters follow a natural break (after 、。） or a space, before （「), they move
    to the next line with the word they belong to: 「…（1km未満切捨て）」 broke as
    「切捨」「て）」 on a notice (document check, session 21).
    """
    lines: list[str] = []
    cw: Any = pdf.current_font.cw  # type: ignore[union-attr]
    scale = pdf.font_size_pt / 1000 / pdf.k

    def measure(part: str) -> float:
        return sum(cw[ord(c)] for c in part) * scale

    for para in text.split("\n"):
        current, used = "", 0.0
        for token in _WORD_RX.findall(para):
            w = measure(token)
            if len(token) > 1 and w > width:
                # a run longer than a line is split, also where it starts a line (a 64-
                # character id ran over the cells beside it: documents check, session 23)
                for ch in token:
                    cwid = measure(ch)
                    if current and used + cwid > width:
                        lines.append(current.rstrip())
                        current, used = "", 0.0
                    current += ch
                    used += cwid
                continue
            if current and used + w > width and token[0] not in _NO_LINE_START:
                head, tail = _natural_break(current, min(width * _BACK_OFF, width - w), measure)
                lines.append(head.rstrip())
                current = "" if token == " " and not tail else tail + token
                used = measure(current)
                continue
            current += token
            used += w
        lines.append(current)
    return lines


# How far back (share of the line) a break may move to a natural place instead of the edge.
_BACK_OFF = 0.35
_BREAK_AFTER = frozenset("、。，．）」』】〕〉》)]!?！？ 　")  # not "," of 1,000
_BREAK_BEFORE = frozenset("（「『【〔〈《([")


def _natural_break(line: str, room: float,
                   measure: Callable[[str], float]) -> tuple[str, str]:
    """``line`` as (head, tail): the tail is the text after the line's last natural break
    when it is no wider than ``room`` mm, else empty (break at the edge). A tail never
    begins with a character that may not start a line."""
    for i in range(len(line) - 1, 0, -1):
        tail = line[i:]
        if measure(tail) > room:
            break
        if ((line[i - 1] in _BREAK_AFTER or line[i] in _BREAK_BEFORE)
                and line[i] not in _NO_LINE_START and not line[i].isspace()
                and line[:i].strip()):
            return line[:i], tail
    return line, ""


def paragraph(pdf: FPDF, text: str, *, line_h: float, width: float | None = None) -> None:
    """Left-aligned paragraph wrapped by ``wrap_ja`` from the left margin."""
    w = width or pdf.epw
    for line in wrap_ja(pdf, text, w - 2 * pdf.c_margin):
        keep_room(pdf, line_h)
        pdf.set_x(pdf.l_margin)
        line_cell(pdf, w, line_h, line)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    align: str = "L"
    wrap: bool = False  # long text breaks into lines (the row grows) instead of shrinking

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Column:
        return cls(key=str(spec["key"]), header=str(spec["header"]),
                   width=float(spec["width"]), align=str(spec.get("align", "L")),
                   wrap=bool(spec.get("wrap", False)))


# (placed cells: column, width, spanned), the lines of each cell that breaks, line height
_Layout = tuple[list[tuple["Column", float, bool]], dict[str, list[str]], float]


class Table:
    """A bordered table that repeats its header row after a page break."""

    def __init__(self, pdf: FPDF, columns: Sequence[Column], *, size: float,
                 row_h: float = 6.0) -> None:
        self.pdf = pdf
        self.columns = list(columns)
        self.size = size
        self.row_h = row_h
        self._laid_out: dict[int, tuple[dict[str, str], dict[str, int] | None, _Layout]] = {}

    @property
    def width(self) -> float:
        return sum(c.width for c in self.columns)

    def header(self) -> None:
        pdf = self.pdf
        pdf.set_font_size(self.size)
        pdf.set_fill_color(225, 230, 240)
        pdf.set_x(pdf.l_margin)
        for col in self.columns:
            fit_cell(pdf, col.width, self.row_h, col.header, align="C", border=1, fill=True)
        pdf.ln(self.row_h)

    def _body(self, continued: bool) -> float:
        """The height a new page leaves for rows under the header (and a continued row)."""
        pdf = self.pdf
        return pdf.page_break_trigger - pdf.t_margin - self.row_h * (2 if continued else 1)

    def holds(self, height: float) -> bool:
        """Whether a new page holds ``height`` mm of rows under its header and a continued
        row."""
        return height < self._body(continued=True)

    def keep(self, height: float) -> None:
        """The next ``height`` mm of rows go on one page (a new page and the header if not),
        when a page could hold them (else they break where they fall: a page of only its
        heading was left before a 2,500-character reason)."""
        if self.holds(height):
            self._room(height)

    def _room(self, height: float) -> bool:
        """A new page (and the header again) when ``height`` does not fit; whether it did."""
        if keep_room(self.pdf, height):
            self.header()
            return True
        return False

    def _placed(self, spans: dict[str, int]) -> list[tuple[Column, float, bool]]:
        """(column, width, spanned) of each cell drawn: a spanned one covers the next N-1."""
        placed, skip = [], 0
        for i, col in enumerate(self.columns):
            if skip:
                skip -= 1
                continue
            span = spans.get(col.key, 1)
            skip = span - 1
            placed.append((col, sum(c.width for c in self.columns[i:i + span]), span > 1))
        return placed

    def _wrapped(self, cells: dict[str, str], spans: dict[str, int] | None) -> _Layout:
        """(placed cells, the lines of each cell that breaks, line height). A ``wrap``
        column breaks; so does a spanned label wider than its cells, and any text too wide
        even at the smallest size ``fit_cell`` shrinks to (a 40-character institution name
        ran over the fee beside it: documents check, session 23)."""
        pdf = self.pdf
        pdf.set_font_size(self.size)
        # the keep decisions ask before row() draws: the same cells are laid out once (the
        # memo holds them, so an id is not reused while it stands)
        seen = self._laid_out.get(id(cells))
        if seen is not None and seen[0] is cells and seen[1] == spans:
            return seen[2]
        line_h = pdf.font_size * 1.3
        placed = self._placed(spans or {})
        wrapped = {}
        for col, width, spanned in placed:
            text = cells.get(col.key)
            if not text:
                continue
            room = width - 2 * pdf.c_margin
            measured = text_width(pdf, text)
            if col.wrap or (spanned and measured > room) or (
                    measured * _MIN_FONT_PT / self.size > room):
                wrapped[col.key] = wrap_ja(pdf, text, room)
        self._laid_out[id(cells)] = (cells, spans, (placed, wrapped, line_h))
        return placed, wrapped, line_h

    def _fresh_lines(self, line_h: float, continued: str | None) -> int:
        """How many lines of a cell fit on a new page under the header (and the continued
        row): a taller cell is split over pages (a 2,500-character reason ran off the
        paper: documents check, session 23)."""
        return max(1, int((self._body(bool(continued)) - 1.5) // line_h))

    def height_of(self, cells: dict[str, str], *, spans: dict[str, int] | None = None,
                  continued: str | None = None) -> float:
        """The height ``row`` gives these cells on one page (a heading keeps it company)."""
        _, wrapped, line_h = self._wrapped(cells, spans)
        most = min(max((len(v) for v in wrapped.values()), default=1),
                   self._fresh_lines(line_h, continued))
        return max(self.row_h, most * line_h + 1.5)

    def row(self, cells: dict[str, str], *, bold_fill: bool = False,
            spans: dict[str, int] | None = None, continued: str | None = None) -> None:
        """One row; ``spans`` lets a cell run over the next N-1 columns (labels of sub-rows),
        and such a label, like a ``wrap`` column, breaks into lines rather than shrink past
        legibility or run over the next column's line (independent-data check, session
        19). ``continued``: the row carries on something above it (a dispatch's sub-rows);
        a page break before it repeats this text as a row of its own under the header.
        A row taller than a page goes on over the next ones, its other cells left blank."""
        placed, wrapped, line_h = self._wrapped(cells, spans)
        limit = self._fresh_lines(line_h, continued)
        take = limit
        if max((len(v) for v in wrapped.values()), default=1) > limit:
            # split in any case: it begins in the room left on this page, if some lines fit
            left = int((self.pdf.page_break_trigger - self.pdf.get_y() - 1.5) // line_h)
            take = left if left >= 2 else limit
        shown = cells
        while True:
            self._draw(placed, shown, {k: v[:take] for k, v in wrapped.items()}, line_h,
                       bold_fill=bold_fill, continued=continued)
            wrapped = {k: v[take:] for k, v in wrapped.items() if len(v) > take}
            if not wrapped:
                return
            shown, take = {}, limit

    def _draw(self, placed: list[tuple[Column, float, bool]], cells: dict[str, str],
              wrapped: dict[str, list[str]], line_h: float, *, bold_fill: bool,
              continued: str | None) -> None:
        pdf = self.pdf
        most = max((len(v) for v in wrapped.values()), default=1)
        height = max(self.row_h, most * line_h + 1.5)
        if self._room(height) and continued:
            # left-aligned across the table, whatever the first column's alignment (a
            # centred 支援日 put 「D…（続き）」 mid-page: review, session 19)
            pdf.set_x(pdf.l_margin)
            y = pdf.get_y()
            fit_cell(pdf, self.width, self.row_h, continued, border=1)
            pdf.set_xy(pdf.l_margin, y + self.row_h)
        pdf.set_font_size(self.size)
        if bold_fill:
            pdf.set_fill_color(245, 245, 245)
        pdf.set_x(pdf.l_margin)
        top = pdf.get_y()
        for col, width, _ in placed:
            lines = wrapped.get(col.key)
            if lines and len(lines) > 1:
                x = pdf.get_x()
                fit_cell(pdf, width, height, "", border=1, fill=bold_fill)
                start = top + (height - len(lines) * line_h) / 2
                for n, line in enumerate(lines):
                    pdf.set_xy(x, start + n * line_h)
                    fit_cell(pdf, width, line_h, line, align=col.align)
                pdf.set_xy(x + width, top)
            else:
                fit_cell(pdf, width, height, lines[0] if lines else cells.get(col.key, ""),
                         align=col.align, border=1, fill=bold_fill)
        pdf.set_xy(pdf.l_margin, top + height)


def keep_room(pdf: FPDF, height: float) -> bool:
    """A new page unless ``height`` mm fit above the bottom margin; whether it took one. A
    heading, its table's header and first row go together (a heading and header were drawn
    into the bottom margin, over the footer: documents check, session 23)."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        return True
    return False


def shortened(pdf: FPDF, render: Callable[[str], str], name: str, room: float) -> str:
    """``name``, or cut and ended with 「…」, so that ``render(name)`` fits ``room`` mm on
    one line in the current font (a footer; the name stands whole elsewhere on the page)."""
    shown = name
    while name and pdf.get_string_width(render(shown)) > room:
        name = name[:-1]
        shown = name + "…"
    return shown


def mm_to_pt(mm: float) -> float:
    return mm * _PT_PER_MM
