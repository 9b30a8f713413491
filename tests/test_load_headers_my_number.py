"""My Number sniffing of unmapped columns (load/headers.py): the same decision, cheaper.

Only the non-ASCII cells are NFKC-normalised (NFKC leaves ASCII as it is), and the polars
prefilter of an embedded number is loose; the decision must be the one of normalising every
cell and checking every candidate.
"""

from __future__ import annotations

import functools

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from haken_batch.load.headers import looks_like_my_number
from haken_batch.load.spec import column_map


@functools.cache
def _cmap():
    from haken_batch.rules import load_rules

    return column_map(load_rules().columns)


def _every_cell_normalised(values: pl.Series, pattern: str) -> bool:
    """The model: half the cells or more are numbers of the My Number shape, or one cell
    holds a real one (12 digits standing alone, groups of four allowed, valid check digit)
    somewhere in its text."""
    import re

    from haken_batch.privacy import looks_like_my_number

    cells = values.cast(pl.String).str.normalize("NFKC").str.strip_chars().drop_nulls()
    cells = cells.filter(cells != "")
    if cells.len() == 0:
        return False
    sep = "[-\\s\u2010\u2011\u2012\u2013\u2212\uff0d\u30fc]?"
    embedded = re.compile(f"(?<![0-9])([0-9]{{4}}){sep}([0-9]{{4}}){sep}([0-9]{{4}})(?![0-9])")
    if any(looks_like_my_number("".join(m.groups()))
           for cell in cells.to_list() for m in embedded.finditer(cell)):
        return True
    return bool(cells.str.contains(pattern).sum() * 2 >= cells.len())


_NUMBERS = st.text("0123456789０１２３４５６７８９- 　", min_size=10, max_size=16)
_ODD = st.sampled_from(["", " ", "　", "\u00a0", "備考", "ｱｲｳ", "1234 5678 9012",
                        "１２３４５６７８９０１２", "123456789012", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"])
_CELLS = st.one_of(st.none(), _NUMBERS, _ODD, st.text(max_size=14))


@settings(deadline=None, max_examples=150)
@given(st.lists(_CELLS, max_size=12))
def test_my_number_decision_is_that_of_normalising_every_cell(cells) -> None:
    values = pl.Series("c5", cells, dtype=pl.String)
    cmap = _cmap()
    assert (looks_like_my_number(values, "備考", cmap)
            == _every_cell_normalised(values, cmap.my_number_values))


def test_full_width_my_numbers_among_ascii_ones_are_found() -> None:
    cmap = _cmap()
    values = pl.Series(["１２３４５６７８９０１２", "abc", "1234-5678-9012", None, " "])
    assert looks_like_my_number(values, "", cmap)
    assert not looks_like_my_number(pl.Series(["１２３４５６７８９０１２", "abc", "x"]), "", cmap)
    assert not looks_like_my_number(pl.Series([None, " ", ""], dtype=pl.String), "", cmap)


_BLANKISH = st.sampled_from([None, "", " ", "　", "x", " y "])


@settings(deadline=None, max_examples=100)
@given(st.lists(st.tuples(_BLANKISH, _BLANKISH, _BLANKISH), max_size=10))
def test_blank_lines_are_dropped_as_by_the_every_column_test(rows) -> None:
    """Only the rows blank in the first column are tested in full; the result is the same."""
    from pathlib import Path

    from haken_batch.load.headers import export_footer, map_headers
    from haken_batch.load.read import RawTable, SourceFile
    from haken_batch.load.spec import ColumnMap, ColumnSpec, TableSpec

    cmap = _cmap()
    spec = cmap.tables["corrections"]
    cols: list[ColumnSpec] = list(spec.columns)[:3]
    spec3 = TableSpec(**{**spec.__dict__, "columns": tuple(cols)})
    headers = tuple(c.label for c in cols)
    frame = pl.DataFrame([list(r) for r in rows] if rows else None,
                         schema=[f"c{i}" for i in range(3)], orient="row")
    frame = frame.cast(pl.String)
    # a blank row then rows of the first column alone is a report footer, skipped with a
    # warning: test_load_footer.py (here: blank lines only)
    assume(export_footer(frame) is None)
    raw = RawTable(table="corrections", headers=headers, frame=frame,
                   source=SourceFile(path=Path("corrections.csv"), sheet=None,
                                     encoding="utf-8", sha256=""))
    assert isinstance(cmap, ColumnMap)
    got = map_headers(raw, spec3, cmap).frame
    kept = [(r, i + 2) for i, r in enumerate(rows)
            if not all(v is None or v.strip() == "" for v in r)]
    assert got.select([c.name for c in cols]).rows() == [r for r, _ in kept]
    assert got.get_column("row").to_list() == [n for _, n in kept]
    assert got.get_column("idx").to_list() == list(range(len(kept)))
