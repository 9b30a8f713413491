"""Tables typed and validated on several threads give exactly what one thread gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from haken_batch import parallel
from haken_batch.load import load_dataset

REPO = Path(__file__).resolve().parents[1]


def test_ordered_map_keeps_the_input_order() -> None:
    import time

    def slow_first(n: int) -> int:
        time.sleep(0.02 if n == 0 else 0)
        return n * n

    assert parallel.ordered_map(slow_first, range(6)) == [0, 1, 4, 9, 16, 25]


@pytest.mark.parametrize("folder", ["fy2021", "fy2021-xlsx"])
def test_load_with_threads_equals_load_on_one_thread(rules, monkeypatch, folder) -> None:
    data = REPO / "samples" / folder
    many = load_dataset(data, rules)
    monkeypatch.setattr(parallel, "MAX_THREADS", 1)
    one = load_dataset(data, rules)
    assert many.findings.height > 0
    assert_frame_equal(many.findings, one.findings)
    for table, frame in one.tables.items():
        assert_frame_equal(many.tables[table], frame)
