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
    said = " ".join(result.output.split())
    assert "(demo) the sample output folder" in said and "check --out" not in said
    for name in ("dispatches.csv", "payments.csv", "lines.csv", "findings.csv", "ledger.csv"):
        assert (out / "2021-10" / name).is_file(), name


def test_the_demo_words_the_first_cycle_note_for_a_demo(tmp_path: Path) -> None:
    """A first try of the samples was told to check --out before transferring (session 15's
    'noticed and left'); the demo says what the note means there, other notes pass."""
    from haken_batch.cli.cmd_demo import DEMO_CYCLE, _for_a_demo
    from haken_batch.cycle import _first_cycle_note
    from haken_batch.rules import load_rules

    (ja, en), = _first_cycle_note(tmp_path, DEMO_CYCLE, load_rules(None))
    said = _for_a_demo({"ja": ja, "en": en})
    assert said["ja"].startswith("（デモ）") and said["en"].startswith("(demo)")
    assert "--out を確かめて" not in said["ja"] and "check --out" not in said["en"]
    other = {"ja": "前回の精算が途中で止まっていました", "en": "an earlier run died"}
    assert _for_a_demo(other) == other
