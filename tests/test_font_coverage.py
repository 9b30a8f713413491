"""The characters validate holds as unprintable are exactly those the bundled font lacks.

Validate checks names with ``UNPRINTABLE_RX`` (a fixed character class, fast on a million
cells) instead of the font itself; this test derives the set from the font's cmap, so a
changed font or codec table that would let settle stop at a notice fails here.
"""

from __future__ import annotations

import re

from fontTools.ttLib import TTFont

from haken_batch.pdf.fonts import FONT_FILE, UNPRINTABLE_RX


def _writable(ch: str) -> bool:
    for codec in ("cp932", "shift_jis"):
        try:
            ch.encode(codec)
            return True
        except UnicodeEncodeError:
            pass
    return False


def test_unprintable_class_is_what_the_font_lacks_among_shift_jis_characters() -> None:
    cmap = TTFont(str(FONT_FILE), lazy=True).getBestCmap()
    rx = re.compile(UNPRINTABLE_RX)
    lacking, flagged = set(), set()
    for cp in range(0x20, 0x10000):
        if 0xD800 <= cp < 0xE000 or cp == 0x7F or 0x80 <= cp < 0xA0:
            continue  # surrogates and controls (controls are a finding of their own)
        ch = chr(cp)
        if not _writable(ch):
            continue  # outside Shift_JIS: the not_cp932 finding already holds them
        if cp not in cmap:
            lacking.add(ch)
        if rx.fullmatch(ch):
            flagged.add(ch)
    assert "\u2211" in lacking and "\ue000" in lacking  # the two the fuzzing found
    assert flagged == lacking
