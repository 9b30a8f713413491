"""Where the bundled rules, templates and samples live (source checkout or installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    bundled = _PKG / "_data" / name
    if bundled.exists():
        return bundled
    return _PKG.parents[1] / name  # src/haken_batch -> repo root


def rules_dir() -> Path:
    return _find("rules")


def templates_dir() -> Path:
    return _find("templates")


def samples_dir() -> Path:
    return _find("samples")
