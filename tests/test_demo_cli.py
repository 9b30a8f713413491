"""`haken demo`: settles the bundled sample cycle and says where the outputs are."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.resources import samples_dir


@pytest.mark.slow  # documents (PDF notices) make it ~80 s
def test_demo_settles_the_sample_cycle(tmp_path: Path) -> None:
    sample = samples_dir() / "fy2021"
    if not sample.is_dir() or not any(sample.iterdir()):
        pytest.skip("samples/fy2021 not generated yet (issue 2)")
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "2021-10" in result.stdout and str(out) in result.stdout.replace("\n", "")
    for name in ("dispatches.csv", "payments.csv", "lines.csv", "findings.csv", "ledger.csv"):
        assert (out / "2021-10" / name).is_file(), name
