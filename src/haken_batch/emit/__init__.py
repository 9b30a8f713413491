"""Emitters: each module has ``emit(run: CycleRun, folder: Path) -> None`` and writes only there."""
