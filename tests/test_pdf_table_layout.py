"""The bordered table of the PDF documents (pdf/layout.Table): a sub-row label too long for
its spanned columns wraps instead of shrinking over the next column's line, and a page
break among a dispatch's sub-rows names the dispatch again (independent-data check of the
notices, session 19)."""

from __future__ import annotations

import datetime as dt
import io

from fpdf import FPDF
from pypdf import PdfReader

from haken_batch.pdf import FAMILY, FontBook, new_pdf
from haken_batch.pdf.layout import Column, Table

COLUMNS = [Column("label", "派遣ID", 20), Column("where", "派遣機関", 45),
           Column("time", "対象時間", 16), Column("fee", "謝金", 17, align="R")]
LONG = ("　└ 謝金　対面60分 → 2×30分 = 5,280円、日額上限31,680円（同日の既払い31,680円・"
        "先行派遣0円）のため 0円")


def _pdf(texts: list[str]) -> FPDF:
    book = FontBook()
    book.prepare([*texts, *(c.header for c in COLUMNS), "0123456789,"])
    pdf: FPDF = new_pdf(book, created=dt.date(2021, 11, 19), title="t", author="a",
                        page={"format": "A4"})
    pdf.add_page()
    pdf.set_font(FAMILY, size=8.5)
    return pdf


def _pages(pdf: FPDF) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(bytes(pdf.output()))).pages]


def test_a_long_sub_row_label_wraps_within_its_spanned_columns() -> None:
    pdf = _pdf([LONG])
    table = Table(pdf, COLUMNS, size=8.5, row_h=6)
    table.header()
    before = pdf.get_y()
    table.row({"label": LONG, "fee": "0"}, spans={"label": 3})
    assert pdf.get_y() - before > 6  # two lines: the row grew instead of the text shrinking
    text = _pages(pdf)[0].replace("\n", "")
    assert "同日の既払い31,680円" in text and "先行派遣0円" in text
    short = _pdf(["　└ 日当"])
    table = Table(short, COLUMNS, size=8.5, row_h=6)
    before = short.get_y()
    table.row({"label": "　└ 日当", "fee": "1,100"}, spans={"label": 3})
    assert short.get_y() - before == 6  # a label that fits keeps one line


def test_a_page_break_among_sub_rows_names_what_they_continue() -> None:
    rows = [f"　└ 明細{i}" for i in range(80)]
    pdf = _pdf([*rows, "D-001（続き）", "D-001"])
    table = Table(pdf, COLUMNS, size=8.5, row_h=6)
    table.header()
    table.row({"label": "D-001", "fee": "5,280"})
    for label in rows:
        table.row({"label": label, "fee": "100"}, spans={"label": 3},
                  continued="D-001（続き）")
    pages = _pages(pdf)
    assert len(pages) >= 2
    assert "D-001（続き）" not in pages[0]
    for page in pages[1:]:  # after the header, before the first sub-row of the page
        assert page.index("派遣ID") < page.index("D-001（続き）") < page.index("└")


def test_the_continuation_row_is_left_aligned_under_a_centred_first_column() -> None:
    """On notices the first column (支援日) is centred: the continuation sat mid-page."""
    columns = [Column("day", "支援日", 19, align="C"), *COLUMNS]
    pdf = _pdf([f"　└ 明細{i}" for i in range(80)] + ["D-001（続き）", "支援日"])
    table = Table(pdf, columns, size=8.5, row_h=6)
    table.header()
    for i in range(80):
        table.row({"label": f"　└ 明細{i}"}, spans={"label": 3}, continued="D-001（続き）")
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    xs: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if "続き" in text:
            xs.append(tm[4])

    reader.pages[1].extract_text(visitor_text=seen)
    assert xs and max(xs) < 60  # at the left margin (15 mm = 42.5 pt), not centred


def test_a_line_breaks_at_a_bracket_not_inside_a_word() -> None:
    """A notice broke 「（1km未満切捨て）」 as 「切捨」 / 「て）」 (document check, session 21):
    the last few characters move to the next line from their natural break instead."""
    from haken_batch.pdf.layout import wrap_ja

    text = "私有車　走行42km → 42km × 37円（1km未満切捨て）"
    pdf = _pdf([text])
    whole = pdf.get_string_width(text)
    cut = pdf.get_string_width("私有車　走行42km → 42km × 37円（1km未満切捨")
    lines = wrap_ja(pdf, text, (cut + whole) / 2 - 0.01)  # the edge falls inside 切捨て
    assert lines == ["私有車　走行42km → 42km × 37円", "（1km未満切捨て）"]
    # with no natural place near the edge, the edge it is (nothing is lost either way)
    plain = "あいうえおかきくけこさしすせそたちつてと"
    lines = wrap_ja(pdf, plain, pdf.get_string_width(plain) * 0.6)
    assert "".join(lines) == plain and len(lines) == 2 and len(lines[0]) > 10
    # digits grouped with commas are never split at their comma
    money = "日額上限31,680円（同日の既払い31,680円）"
    for width in range(10, 60):
        assert all(not ln.startswith(("680", ",")) for ln in wrap_ja(pdf, money, width))


def test_a_moved_tail_never_starts_with_a_space() -> None:
    """「…切捨て） = 0円」 moved 「 = 0円」 with its space (review, session 22)."""
    from haken_batch.pdf.layout import wrap_ja

    text = "対面20分（30分未満は切捨て） = 0円"
    pdf = _pdf([text])
    for tenth in range(100, 400):
        lines = wrap_ja(pdf, text, tenth / 10)
        assert all(not ln.startswith(" ") for ln in lines[1:]), (tenth, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
