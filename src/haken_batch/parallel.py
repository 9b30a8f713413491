"""Independent per-table steps on a few threads, results in the order given.

polars releases the GIL while it computes, and many of its string operations on a single
(rechunked) column run on one core; two tables at a time use the second core while Python
glue runs between polars calls. Results come back in input order, so outputs never depend
on which thread finished first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_THREADS = 4


def ordered_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, computed on up to MAX_THREADS threads."""
    work = list(items)
    threads = min(len(work), os.cpu_count() or 1, MAX_THREADS)
    if threads <= 1:
        return [fn(x) for x in work]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="haken-table") as pool:
        return list(pool.map(fn, work))
