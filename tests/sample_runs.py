"""The bundled samples as a test settles them: their folder, the demo payer, the Options of
one cycle (documents off unless asked), and a copy of a data folder with one more
secretariat correction."""

from __future__ import annotations

import shutil
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


def with_correction(source: Path, folder: Path, line: str) -> Path:
    """A copy of ``source`` in ``folder`` whose corrections.csv has ``line`` (one row as
    written, without its newline) appended; ``folder`` is returned."""
    shutil.copytree(source, folder)
    path = folder / "corrections.csv"
    head = "" if path.exists() else "対象表,キー,項目,修正後の値,理由,修正者,修正日時\n"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{head}{line}\n")
    return folder
