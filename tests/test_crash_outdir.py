"""SIGKILL at every file-system step of writing a cycle: never a half-written cycle.

A child process writes a cycle through ``locked()`` + ``staged_dir()`` and kills itself at
its k-th step (each rename/unlink/rmdir/mkdir/fsync, and after each file it writes). After
the kill, the cycle a clerk (or the next run, once it holds the lock) sees is the old one
whole or the new one whole, and the next undisturbed run gives the reference bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.tools import KILL_PRELUDE, contents, run_child, visible
from haken_batch.outdir import locked

WRITER = KILL_PRELUDE + r'''
import sys
from pathlib import Path
from haken_batch.cli.common import owner_only
from haken_batch.outdir import locked, staged_dir
owner_only()
out, version = Path(sys.argv[1]), sys.argv[2]
with locked(out):
    with staged_dir(out, "2021-10") as tmp:
        for i in range(4):
            (tmp / f"part{i}.csv").write_bytes(f"{version} {i}\n".encode() * 200)
            step()
        (tmp / "notices").mkdir()
        for i in range(2):
            (tmp / "notices" / f"E{i}.pdf").write_bytes(f"{version} pdf {i}".encode() * 500)
            step()
        (tmp / "ledger.csv").write_bytes(f"ledger {version}\n".encode())
        step()
'''


def _write(out: Path, version: str, kill_at: int = 0, count_file: Path | None = None) -> int:
    env = {"KILL_AT": str(kill_at)}
    if count_file is not None:
        env["STEP_COUNT_FILE"] = str(count_file)
    return run_child(WRITER, str(out), version, env=env).returncode


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("ref")
    refs: dict[str, object] = {}
    for version in ("v1", "v2"):
        out = base / version
        count = base / f"{version}.count"
        assert _write(out, version, count_file=count) == 0
        refs[version] = contents(out / "2021-10")
    # steps of a re-run that replaces an existing cycle (the longest path)
    count = base / "rerun.count"
    assert _write(base / "v1", "v2", count_file=count) == 0
    refs["steps"] = int(count.read_text())
    return refs


def _check_after_kill(out: Path, refs: dict[str, object], allowed: list[str]) -> None:
    # What a clerk sees right away: no visible cycle folder is ever partial.
    for name in visible(out):
        assert name == "2021-10"
        assert any(contents(out / name) == refs[v] for v in allowed), "half-written cycle"
    # What the next run sees once it holds the lock (after the sweep): a whole cycle.
    with locked(out):
        names = visible(out)
        if "v1" in allowed:  # an earlier whole cycle existed: it can never disappear
            assert names == ["2021-10"]
        for name in names:
            assert any(contents(out / name) == refs[v] for v in allowed)
        assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    # And the next undisturbed run gives the reference bytes.
    assert _write(out, "v2") == 0
    assert contents(out / "2021-10") == refs["v2"]
    assert visible(out) == ["2021-10"]


def _kill_points(steps: int, quick: bool) -> list[int]:
    every = list(range(1, steps + 1))
    if not quick:
        return every
    return sorted({1, steps // 2, steps - 3, steps - 1})  # start, middle, inside the swap


def _run(tmp_path: Path, refs: dict[str, object], existing: bool, quick: bool) -> None:
    steps = refs["steps"]
    assert isinstance(steps, int) and steps > 10
    for k in _kill_points(steps, quick):
        out = tmp_path / f"k{k}"
        if existing:
            assert _write(out, "v1") == 0
        code = _write(out, "v2", kill_at=k)
        assert code in (-9, 0), f"kill point {k}: exit {code}"
        _check_after_kill(out, refs, ["v1", "v2"] if existing else ["v2"])


@pytest.mark.parametrize("existing", [False, True], ids=["new-cycle", "rerun"])
def test_sigkill_few_points_never_half_written(tmp_path: Path, reference: dict[str, object],
                                               existing: bool) -> None:
    _run(tmp_path, reference, existing, quick=True)


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True], ids=["new-cycle", "rerun"])
def test_sigkill_every_step_never_half_written(tmp_path: Path, reference: dict[str, object],
                                              existing: bool) -> None:
    _run(tmp_path, reference, existing, quick=False)
