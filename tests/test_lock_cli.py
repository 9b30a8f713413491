"""`haken settle` on an OUT that another run holds: exit 3, a clear message, OUT untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.tools import snapshot
from haken_batch.cli.app import app

BASE = Path(__file__).resolve().parent / "corpus" / "base"
PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"
HOLD = r'''
import sys, time
from pathlib import Path
from haken_batch.outdir import locked
with locked(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(60)
'''


def test_second_settle_exits_3_and_touches_nothing(tmp_path: Path) -> None:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    data = tmp_path / "data"
    shutil.copytree(BASE, data)
    out = tmp_path / "out"
    args = ["settle", "2021-10", "--data", str(data), "--out", str(out), "--payer", str(PAYER),
            "--no-documents"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        before = snapshot(out)
        second = CliRunner().invoke(app, args)
        assert second.exit_code == 3, second.output
        assert "使用中" in second.output and str(holder.pid) in second.output
        assert "Traceback" not in second.output
        assert snapshot(out) == before
        english = CliRunner().invoke(app, [*args, "--lang", "en"])
        assert english.exit_code == 3 and "in use" in english.output
    finally:
        holder.kill()
        holder.wait()
    third = CliRunner().invoke(app, args)  # the holder died: its lock is re-taken
    assert third.exit_code == 0, third.output
    # the lock is removed at the end (the record of settled cycles stays)
    assert sorted(p.name for p in out.iterdir()) == [".haken-history.csv", "2021-10"]
