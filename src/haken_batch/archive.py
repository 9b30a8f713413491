"""Archive and manifest of a cycle (stub; the audit work fills it in)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from haken_batch.run import CycleRun


def write_archive(run: CycleRun, folder: Path) -> None:
    """Last step of a cycle: archive inputs, rules, payer config; write manifest.json."""
    return None
