"""PDF plumbing shared by the printed documents: the bundled font, templates, layout."""

from haken_batch.pdf.fonts import FAMILY, FontBook, MissingGlyphError
from haken_batch.pdf.layout import Column, Table, created_at, fit_cell, new_pdf
from haken_batch.pdf.templating import DocTemplate, load_template, yen

__all__ = ["FAMILY", "Column", "DocTemplate", "FontBook", "MissingGlyphError", "Table",
           "created_at", "fit_cell", "load_template", "new_pdf", "yen"]
