"""The bundled samples as a test settles them: their folder, the demo payer, and the
Options of one cycle (documents off unless asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "fy2021"
PAYER = REPO / "samples" / "payer.demo.yaml"


def sample_options(out: Path, cycle: str = "2021-10", data: Path = SAMPLES,
                   **kw: Any) -> Options:
    return Options(cycle=cycle, data_dir=data, out_dir=out, payer_file=PAYER,
                   **{"documents": False, **kw})
