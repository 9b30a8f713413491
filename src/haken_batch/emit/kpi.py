"""Emitter stub: kpi (to be built)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from haken_batch.run import CycleRun


def emit(run: CycleRun, folder: Path) -> None:
    """Write this emitter's files for the cycle into folder."""
    return None
