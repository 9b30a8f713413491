"""Regenerate the bundled FY2021 sample (fy2021/, fy2021-xlsx/, expected-fy2021.yaml, README.md).

Deterministic: a fixed seed plus the explicit planted cases of haken_batch.samplegen.planted.
Run: python samples/make_fy2021.py
"""

from __future__ import annotations

from pathlib import Path

from haken_batch.samplegen.fy2021 import write

if __name__ == "__main__":
    for path in write(Path(__file__).resolve().parent):
        print(path)
