"""The bundled Japanese font, parsed once and shared by every PDF of a run.

The font is IPAexGothic (IPA Font License v1.0, licence text beside it in
``haken_batch/fonts/``), shipped unmodified inside the package so installation stays pip-only
and every PDF embeds a subset of it (no font needed on the reader's machine).

Why not ``FPDF.add_font`` per document: fpdf2 re-parses the 6 MB font for every document
(cmap, metrics) and subsets the whole font when writing (~0.1 s each: 300 notices would take
30 s). ``FontBook`` parses the font once and gives each document a light clone of fpdf2's
font object. Before a batch, ``prepare(texts)`` cuts the font down once to the characters
the batch uses (glyph names, order and metrics kept; TrueType hints and vertical metrics,
which PDF viewers do not use, dropped); each document's own subsetting then works on that
small font. Bounding boxes are not recalculated (the original font's stay), so the final
subset depends only on the document's own glyphs: a document's bytes do not depend on the
rest of the batch (``tests/test_notices_pdf.py`` proves it with two different batches).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from haken_batch.errors import HakenError

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
FONT_FILE = FONT_DIR / "ipaexg.ttf"
FAMILY = "ipaexg"

# Tables fpdf2 drops when it subsets (fpdf/output.py); dropped here too so the pre-subset
# holds exactly what the final subset would keep.
_FPDF_DROPPED = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT",
                 "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]
# Tables a PDF viewer never reads for horizontal text (dropped once per batch, not per page).
_UNUSED_IN_PDF = ["vhea", "vmtx", "gasp", "BASE"]
# fpdf2 always maps these (SubsetMap reserves .notdef and space).
_ALWAYS = frozenset({0x20})


# The characters Shift_JIS/CP932 can write but the bundled font has no glyph for: the
# user-defined area (外字, U+E000-U+F8FF, CP932 0xF040-0xF9FC) and ∑ (NEC row 13, 0x8794).
# ``tests/test_font_coverage.py`` derives the same set from the font, so a new font cannot drift.
UNPRINTABLE_RX = "[\ue000-\uf8ff\u2211]"


def strip_controls(text: str) -> str:
    """Drop control and format characters (ESC, NUL, zero-width, bidi overrides) from data.

    They have no glyph and print as nothing, so removing them loses nothing a reader could
    see, while a bidi override could make a printed name or amount read differently.
    """
    if text.isprintable():
        return text
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))


class MissingGlyphError(HakenError):
    """Text with a character the bundled font cannot draw (it would print as a blank)."""


class FontBook:
    """The parsed font plus, after ``prepare``, a batch pre-subset; reuse it for a whole run."""

    def __init__(self, path: Path = FONT_FILE) -> None:
        from fpdf import FPDF

        scratch = FPDF()
        scratch.add_font(FAMILY, "", str(path))
        from fpdf.fonts import TTFFont

        template = scratch.fonts[FAMILY]
        if not isinstance(template, TTFFont):  # pragma: no cover - add_font gives a TTFFont
            raise TypeError("bundled font did not load as TrueType")
        self._template: TTFFont = template
        self._path = path
        self._prepared: bytes | None = None
        self._prepared_chars: frozenset[int] = frozenset()

    @property
    def path(self) -> Path:
        return self._path

    def prepared_state(self) -> tuple[bytes, frozenset[int]]:
        """The batch font, to hand to another process (``FontBook.from_state``)."""
        if self._prepared is None:
            raise RuntimeError("FontBook.prepare(texts) must run first")
        return self._prepared, self._prepared_chars

    @classmethod
    def from_state(cls, state: tuple[bytes, frozenset[int]], path: Path = FONT_FILE) -> FontBook:
        book = cls(path)
        book._prepared, book._prepared_chars = state
        return book

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` the font has no glyph for, in order of first appearance."""
        cmap = self._template.cmap
        seen: dict[str, None] = {}
        for ch in text:
            if ord(ch) not in cmap and ch not in "\n":
                seen.setdefault(ch)
        return list(seen)

    def drawable(self, text: str, mark: str = "〓") -> str:
        """``text`` with each character the font cannot draw replaced by 〓 (the geta mark
        Japanese print uses for a missing character). For free text quoted in a note, such
        as a claim's 理由: an emoji there stopped the whole cycle at its notice (documents
        check, session 23). Names and figures are never passed through this: they must
        print exactly or not at all (``check``)."""
        bad = self.missing(text)
        return text if not bad else "".join(mark if c in bad else c for c in text)

    def check(self, text: str, *, where: str) -> str:
        """Return ``text``, or raise naming the characters that would not print."""
        bad = self.missing(text)
        if bad:
            shown = " ".join(f"「{c}」(U+{ord(c):04X})" if c.isprintable() else f"U+{ord(c):04X}"
                             for c in bad[:10])
            raise MissingGlyphError(
                f"文字 {shown} は同梱フォントで表示できません。データを修正してください",
                f"characters {shown} cannot be drawn with the bundled font; correct the data",
                where=where,
            )
        return text

    def prepare(self, texts: Iterable[str]) -> None:
        """Cut the font once to the characters of a batch (speed only; bytes are unchanged)."""
        from fontTools import subset as ftsubset
        from fontTools.ttLib import TTFont

        chars = set(_ALWAYS)
        for text in texts:
            chars.update(ord(c) for c in text if ord(c) in self._template.cmap)
        frozen = frozenset(chars)
        if self._prepared is not None and frozen <= self._prepared_chars:
            return
        glyphs = sorted({self._template.cmap[c] for c in frozen})
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
        options.glyph_names = True  # fpdf2 finds glyphs by name in the subset it embeds
        options.drop_tables += _FPDF_DROPPED + _UNUSED_IN_PDF
        options.hinting = False  # PDF viewers rasterise without TrueType hints
        font = TTFont(str(self._path), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(glyphs=glyphs)
        subsetter.subset(font)
        # One Windows Unicode cmap is all a PDF viewer needs (the font has four); each
        # document then decodes one small table instead of four.
        cmap = font["cmap"]
        cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 1)]
        out = BytesIO()
        font.save(out)
        self._prepared = out.getvalue()
        self._prepared_chars = frozen

    def attach(self, pdf: FPDF) -> None:
        """Give ``pdf`` this font under ``FAMILY`` without re-reading the font file."""
        from fontTools.ttLib import TTFont
        from fpdf.fonts import SubsetMap, TTFFont

        template = self._template
        clone = TTFFont.__new__(TTFFont)
        for slot in TTFFont.__slots__:
            if hasattr(template, slot):
                setattr(clone, slot, getattr(template, slot))
        clone.i = len(pdf.fonts) + 1
        clone.cw = defaultdict(template.cw.default_factory, template.cw)  # type: ignore[attr-defined]
        clone.missing_glyphs = []
        clone.biggest_size_pt = 0
        clone._hbfont = None
        if self._prepared is None:
            raise RuntimeError("FontBook.prepare(texts) must run before attach()")
        # fpdf2 subsets (mutates) this TTFont when writing, so each document gets its own.
        clone.ttfont = TTFont(BytesIO(self._prepared), recalcTimestamp=False,
                              recalcBBoxes=False, lazy=True)
        clone.subset = SubsetMap(clone)
        pdf.fonts[FAMILY] = clone

    def covers(self, text: str) -> bool:
        """True when the prepared batch font holds every character of ``text``."""
        return self._prepared is not None and all(
            ord(c) in self._prepared_chars or ord(c) not in self._template.cmap for c in text)
