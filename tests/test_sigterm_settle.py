"""SIGTERM during `haken settle` (cron's timeout, systemd stop, ``kill``): unwound like Ctrl-C.

The command stops with exit 143 and one line on stderr, no traceback; the staged folder and
the lock are removed on the way out (not left for the next run to sweep); a cycle folder is
either the undisturbed run's bytes or absent; the next run gives the undisturbed bytes.
The signal is sent by the child to itself at its k-th file-system step (corpus.tools).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.tools import KILL_PRELUDE, contents, run_child, visible

REPO = Path(__file__).resolve().parents[1]
BASE = Path(__file__).resolve().parent / "corpus" / "base"
PAYER = REPO / "samples" / "payer.demo.yaml"

CLI = KILL_PRELUDE + r'''
import sys
from haken_batch.cli.app import main
sys.argv = ["haken", *sys.argv[1:]]
main()
'''


def settle(out: Path, *, kill_at: int = 0, count_file: Path | None = None):
    env = {"KILL_AT": str(kill_at), "KILL_SIGNAL": "SIGTERM"}
    if count_file is not None:
        env["STEP_COUNT_FILE"] = str(count_file)
    return run_child(CLI, "settle", "2021-10", "--data", str(BASE), "--out", str(out),
                     "--payer", str(PAYER), "--no-documents", "--quiet", env=env, timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("sigterm-ref")
    count = base / "steps"
    (base / "out").mkdir()  # as in the tests: the same steps, one for one
    proc = settle(base / "out", count_file=count)
    assert proc.returncode == 0, proc.stderr
    return {"bytes": contents(base / "out" / "2021-10"), "steps": int(count.read_text())}


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75, 1.0])
def test_sigterm_unwinds_cleanly_and_the_next_run_gives_the_same_bytes(
        tmp_path: Path, reference: dict[str, object], where: float) -> None:
    steps = reference["steps"]
    assert isinstance(steps, int) and steps > 4
    out = tmp_path / "out"
    out.mkdir()
    # the count includes the child's own write of it at exit: the run's last step is one less
    proc = settle(out, kill_at=max(1, int((steps - 1) * where)))
    assert proc.returncode == 143, proc.stderr
    assert "SIGTERM" in proc.stderr and "Traceback" not in proc.stderr
    # cleaned up on the way out, not left for the next run's sweep; only a signal landing on
    # the lock file's own removal (the last step) leaves it, and a dead owner's lock file
    # locks nothing (flock): the next run takes it over
    left = sorted(p.name for p in out.iterdir()  # the record of settled cycles may be there
                  if p.name.startswith(".") and p.name != ".haken-history.csv")
    assert left == ([".haken.lock"] if where == 1.0 else []), left
    if "2021-10" in visible(out):  # the signal came after the swap: complete, never half
        assert contents(out / "2021-10") == reference["bytes"]
    again = settle(out)
    assert again.returncode == 0, again.stderr
    assert contents(out / "2021-10") == reference["bytes"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".haken-history.csv"]


def test_sighup_unwinds_like_sigterm(tmp_path: Path, reference: dict[str, object]) -> None:
    """The terminal or SSH session closing (SIGHUP) killed settle outright: no message, the
    lock, the staged folder and the inputs' copy left behind (hostile check, session 22)."""
    steps = reference["steps"]
    assert isinstance(steps, int)
    out = tmp_path / "out"
    out.mkdir()
    env = {"KILL_AT": str(max(1, (steps - 1) // 2)), "KILL_SIGNAL": "SIGHUP"}
    proc = run_child(CLI, "settle", "2021-10", "--data", str(BASE), "--out", str(out),
                     "--payer", str(PAYER), "--no-documents", "--quiet", env=env, timeout=300)
    assert proc.returncode == 129, proc.stderr
    assert "SIGHUP" in proc.stderr and "Traceback" not in proc.stderr
    assert [p.name for p in out.iterdir() if p.name.startswith(".")
            and p.name != ".haken-history.csv"] == []
    again = settle(out)
    assert again.returncode == 0, again.stderr
    assert contents(out / "2021-10") == reference["bytes"]
