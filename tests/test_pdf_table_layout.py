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


# -- documents check, session 23: nothing runs over its cell or off the paper ----------------

LONG_ID = "D21-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxy"  # 64, the most
LONG_INSTITUTION = "公益財団法人にいがた産業創造機構（新潟県よろず支援拠点）上越サテライト相談窓口"


def _recorded(pdf: FPDF) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x, baseline, width mm, size pt, text) of every text the page draws."""
    from haken_batch.pdf.layout import text_width

    drawn: list[tuple[int, float, float, float, float, str]] = []
    original = pdf.text

    def text(x: float, y: float, txt: str = "") -> None:
        drawn.append((pdf.page_no(), x, y, text_width(pdf, txt), pdf.font_size_pt, txt))
        original(x, y, txt)

    pdf.text = text  # type: ignore[method-assign]
    return drawn


def _inside_columns(drawn: list[tuple[int, float, float, float, float, str]],
                    columns: list[Column], left: float) -> None:
    edges = [left]
    for col in columns:
        edges.append(edges[-1] + col.width)
    for _page, x, _y, width, size, text in drawn:
        cell = max(i for i, e in enumerate(edges[:-1]) if x >= e - 0.01)
        assert x + width <= edges[cell + 1] + 0.01, (text, x, width, edges[cell + 1])
        assert size >= 5.5, text


def test_text_too_wide_even_at_the_smallest_size_wraps_within_its_cell() -> None:
    """A 64-character id and a 40-character institution shrank to 5.5 pt, then ran over
    the next columns (the fee among them) unreadably."""
    pdf = _pdf([LONG_ID, LONG_INSTITUTION, "31,680"])
    table = Table(pdf, COLUMNS, size=8.5, row_h=6)
    table.header()
    drawn = _recorded(pdf)
    before = pdf.get_y()
    table.row({"label": LONG_ID, "where": LONG_INSTITUTION, "time": "6時間", "fee": "31,680"})
    assert pdf.get_y() - before > 6  # the row grew
    _inside_columns(drawn, COLUMNS, pdf.l_margin)
    shown = {col: "".join(t for _p, x, _y, _w, _s, t in drawn if lo <= x < hi)
             for col, (lo, hi) in {"label": (15, 35), "where": (35, 80)}.items()}
    assert shown == {"label": LONG_ID, "where": LONG_INSTITUTION}  # nothing lost
    assert "31,680" in [t for *_, t in drawn]


def test_wrap_ja_splits_a_run_longer_than_a_line_where_it_starts_one() -> None:
    from haken_batch.pdf.layout import wrap_ja

    pdf = _pdf([LONG_ID])
    lines = wrap_ja(pdf, LONG_ID, 18)
    assert len(lines) > 1 and "".join(lines) == LONG_ID
    assert all(pdf.get_string_width(line) <= 18 + 1e-6 for line in lines)


def test_a_row_taller_than_a_page_goes_on_over_the_next_pages() -> None:
    """A 2,500-character reason (cells take up to 64 KB) ran off the bottom of the paper."""
    reason = "".join(f"タクシー利用の理由{i:04d}、" for i in range(170))
    columns = [Column("label", "派遣ID", 20), Column("why", "理由", 100, wrap=True),
               Column("fee", "金額", 20, align="R")]
    pdf = _pdf([reason, "D-001", "D-002", "1,000", "500", "理由", "金額", "短い理由"])
    table = Table(pdf, columns, size=8.5, row_h=6)
    table.header()
    drawn = _recorded(pdf)
    table.row({"label": "D-001", "why": reason, "fee": "1,000"})
    table.row({"label": "D-002", "why": "短い理由", "fee": "500"})
    assert len({p for p, x, *_ in drawn if 35 <= x < 135}) >= 2  # the reason ran on
    for _page, _x, y, *_ in drawn:
        assert y <= pdf.page_break_trigger  # never in the bottom margin or off the page
    kept = [t for _p, x, *_r, t in drawn if 35 <= x < 135 and t not in ("短い理由", "理由")]
    assert "".join(kept) == reason
    assert [t for *_, t in drawn].count("D-001") == 1 and "D-002" in [t for *_, t in drawn]
    _inside_columns(drawn, columns, pdf.l_margin)
    assert all("理由" in page for page in _pages(pdf))  # the header on every page


def test_keep_moves_rows_that_belong_together_to_a_new_page_with_the_header() -> None:
    """notices keep a dispatch row with its first item: a page ended on a dispatch whose
    items all went on under 「…（続き）」 (documents check, session 23). Rows no page could
    hold together are not moved (a page of only a heading was left before a huge reason)."""
    pdf = _pdf(["D-001", "D-002", "　└ 交通費", "100"])
    table = Table(pdf, COLUMNS, size=8.5, row_h=6)
    table.header()
    while pdf.get_y() + 12 <= pdf.page_break_trigger - 3:  # room for one row, not two
        table.row({"label": "D-001", "fee": "100"})
    drawn = _recorded(pdf)
    table.keep(12)
    table.row({"label": "D-002", "fee": "100"})
    table.row({"label": "　└ 交通費", "fee": "100"}, spans={"label": 3}, continued="D-002")
    assert {page for page, *_ in drawn} == {2}
    assert "派遣ID" in _pages(pdf)[1]  # the header repeated on the new page
    before = pdf.page_no()
    table.keep(pdf.page_break_trigger)  # more than any page holds: nothing moves
    assert pdf.page_no() == before


def test_a_tall_sub_row_begins_where_it_is_and_names_its_dispatch_on_each_page() -> None:
    """The notice case of a long reason: a sub-row (continued) begun half-way down a page
    fills the room left, then goes on under the header and 「D-001（続き）」 on each new page,
    its cells never reaching the bottom margin (review, session 23)."""
    reason = "".join(f"タクシー利用の理由{i:04d}、" for i in range(170))
    columns = [Column("label", "派遣ID", 60, wrap=True), Column("fee", "金額", 20, align="R")]
    pdf = _pdf([reason, "D-001", "D-001（続き）", "1,000", "理由", "金額"])
    table = Table(pdf, columns, size=8.5, row_h=6)
    table.header()
    while pdf.get_y() < 140:
        table.row({"label": "D-001", "fee": "1,000"})
    start = pdf.get_y()
    drawn = _recorded(pdf)
    rects: list[tuple[float, float, float, float]] = []
    original = pdf.rect

    def rect(x: float, y: float, w: float, h: float, *args: object, **kw: object) -> None:
        rects.append((x, y, w, h))
        original(x, y, w, h, *args, **kw)  # type: ignore[arg-type]

    pdf.rect = rect  # type: ignore[method-assign]
    table.row({"label": reason, "fee": "1,000"}, continued="D-001（続き）")
    first = [y for page, _x, y, *_ in drawn if page == 1]
    assert first and min(first) >= start  # it began on the page it was reached on
    assert all(y + h <= pdf.page_break_trigger + 0.01 for _x, y, _w, h in rects)
    kept = [t for *_, t in drawn if t not in ("派遣ID", "金額", "D-001（続き）", "1,000")]
    assert "".join(kept) == reason
    pages = _pages(pdf)
    assert len(pages) >= 3 and all("D-001（続き）" in page for page in pages[1:])
