"""Shared fixtures. Area-specific fixtures live beside their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _cli_umask() -> None:
    """Every test runs under the umask the CLI sets (``common.owner_only``, 0077). It was set
    by whichever CLI test ran first, so a file run alone (test_archive_manifest.py) saw 0022
    and verify called its hand-made archive a privacy problem. Tests of other umasks set
    their own (test_outdir_staged)."""
    from haken_batch.cli.common import owner_only

    owner_only()


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
