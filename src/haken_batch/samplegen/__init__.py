"""Sample exports: the seeded generator (any size) and the bundled FY2021 sample with planted cases."""

from haken_batch.samplegen.core import MAX_DISPATCHES, Shape, generate
from haken_batch.samplegen.writer import write_csv, write_tables, write_xlsx

__all__ = ["MAX_DISPATCHES", "Shape", "generate", "write_csv", "write_tables", "write_xlsx"]
