"""Shared fixtures. Area-specific fixtures live beside their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO / "samples" / "fy2021"


@pytest.fixture(scope="session")
def rules():
    from haken_batch.rules import load_rules

    return load_rules(REPO / "rules")
