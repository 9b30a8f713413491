"""SIGKILL `haken settle` part-way: never a half cycle, never paid without outputs or twice.

A child runs the settlement the CLI runs (``cycle.settle_cycle`` under the CLI's umask) and
kills itself at its k-th file-system step (see ``corpus.tools.KILL_PRELUDE``: every rename,
unlink, mkdir, fsync and open-for-writing). After each kill:

- every visible cycle folder is byte-identical to the undisturbed run's (or absent);
- the ledger (union of ``OUT/<cycle>/ledger.csv``) never lists a dispatch twice, and every
  dispatch it lists is in a complete cycle folder;
- the next undisturbed run gives the undisturbed run's bytes.

Two cycles are settled (2021-10, then 2021-11 with one more approval), the kills landing in
the second, so "paid twice" has something to catch. Two kills run in the normal suite (mid
writing; between the two renames of a re-run); every step is @slow.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from corpus.tools import KILL_PRELUDE, contents, run_child, visible
from haken_batch.history import HISTORY_NAME

REPO = Path(__file__).resolve().parents[1]
BASE = Path(__file__).resolve().parent / "corpus" / "base"
PAYER = REPO / "samples" / "payer.demo.yaml"

SETTLE = KILL_PRELUDE + r'''
import sys
from pathlib import Path
from haken_batch.cli.common import owner_only
from haken_batch.cycle import settle_cycle
from haken_batch.run import Options
owner_only()
cycle, data, out, payer = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
settle_cycle(Options(cycle=cycle, data_dir=data, out_dir=out, payer_file=payer,
                     documents=sys.argv[5] == "docs"))
'''

# One more dispatch of E002, carried out on 2021-10-28 and approved on 2021-11-02: the
# 2021-10 cycle (cut-off 10-31) cannot pay it, the 2021-11 cycle must, exactly once.
EXTRA = {
    "dispatches": "D0004,P27A,E002,1120001000004,株式会社北浜精機,大阪府大阪市中央区北浜1-1,"
                  "06-4444-4444,大阪府,E,40,中小企業,生産性向上,2021-10-10,2021-10-28,実施済,"
                  "無,無,無,無",
    "reports": "D0004,2021-10-28,10:00,12:00,120,大阪府大阪市中央区北浜1-1,34.6910,135.5080,"
               "8.0,有,120,,有,有,2021-11-02 10:00",
    "checkins": "D0004,チェックイン,2021-10-28 09:57,34.6911,135.5081,\n"
                "D0004,チェックアウト,2021-10-28 12:03,34.6911,135.5081,有",
    "travel_claims": "D0004,1,鉄道,2021-10-28,梅田,北浜,3.0,190,,,,,無,,,,,,無,無,",
}


def two_cycle_data(folder: Path) -> Path:
    shutil.copytree(BASE, folder)
    for table, rows in EXTRA.items():
        with (folder / f"{table}.csv").open("a", encoding="utf-8") as fh:
            fh.write(rows + "\n")
    return folder


def settle(cycle: str, data: Path, out: Path, *, kill_at: int = 0, docs: bool = False,
           count_file: Path | None = None, kill_at_rename: int = 0) -> int:
    env = {"KILL_AT": str(kill_at), "KILL_AT_RENAME": str(kill_at_rename)}
    if count_file is not None:
        env["STEP_COUNT_FILE"] = str(count_file)
    proc = run_child(SETTLE, cycle, str(data), str(out), str(PAYER), "docs" if docs else "-",
                     env=env, timeout=300)
    if proc.returncode not in (0, -9):
        raise AssertionError(f"settle {cycle} exit {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.returncode


def ledger_ids(out: Path) -> list[tuple[str, str]]:
    """(cycle, dispatch_id) of every row of every visible cycle's ledger.csv."""
    found = []
    for name in visible(out):
        path = out / name / "ledger.csv"
        if not path.exists():
            continue
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        col = next(i for i, h in enumerate(rows[0]) if h in ("dispatch_id", "派遣ID"))
        found += [(name, r[col]) for r in rows[1:] if r]
    return found


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    base = tmp_path_factory.mktemp("settle-ref")
    data = two_cycle_data(base / "data")
    out = base / "out"
    assert settle("2021-10", data, out) == 0
    oct_ = contents(out / "2021-10")
    oct_record = (out / HISTORY_NAME).read_bytes()
    count = base / "steps"
    assert settle("2021-11", data, out, count_file=count) == 0
    nov = contents(out / "2021-11")
    assert contents(out / "2021-10") == oct_  # settling November leaves October alone
    ids = ledger_ids(out)
    assert ("2021-11", "D0004") in ids and len(ids) == len(set(i for _, i in ids))
    return {"data": data, "oct": oct_, "nov": nov, "steps": int(count.read_text()),
            "oct_out": out, "records": {False: oct_record,
                                        True: (out / HISTORY_NAME).read_bytes()}}


def _copy_out(ref: dict[str, object], out: Path, *, rerun: bool) -> None:
    """OUT as the undisturbed run had it before settling 2021-11 (``rerun``: after it),
    record of settled cycles included: without it the next run rebuilds the record and its
    manifest says so (``context``), which the undisturbed one does not."""
    src, records = ref["oct_out"], ref["records"]
    assert isinstance(src, Path) and isinstance(records, dict)
    out.mkdir()
    shutil.copytree(src / "2021-10", out / "2021-10")
    if rerun:  # a re-run of a settled cycle is killed: the old one must survive whole
        shutil.copytree(src / "2021-11", out / "2021-11")
    (out / HISTORY_NAME).write_bytes(records[rerun])


def check(out: Path, ref: dict[str, object]) -> None:
    names = visible(out)
    assert "2021-10" in names and contents(out / "2021-10") == ref["oct"]
    if "2021-11" in names:
        assert contents(out / "2021-11") == ref["nov"], "half-written 2021-11 is visible"
    ids = [d for _, d in ledger_ids(out)]
    assert len(ids) == len(set(ids)), f"a dispatch is paid twice: {sorted(ids)}"
    data = ref["data"]
    assert isinstance(data, Path)
    assert settle("2021-11", data, out) == 0  # the next run
    assert contents(out / "2021-11") == ref["nov"]
    assert contents(out / "2021-10") == ref["oct"]
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    ids = [d for _, d in ledger_ids(out)]
    assert len(ids) == len(set(ids))


def _kill_and_check(tmp_path: Path, ref: dict[str, object], name: str, *, rerun: bool,
                    kill_at: int = 0, kill_at_rename: int = 0) -> None:
    data = ref["data"]
    assert isinstance(data, Path)
    out = tmp_path / name
    _copy_out(ref, out, rerun=rerun)
    code = settle("2021-11", data, out, kill_at=kill_at, kill_at_rename=kill_at_rename)
    assert code == -9, f"{name}: the kill point was never reached"
    check(out, ref)


def test_sigkill_settle_while_writing_outputs(tmp_path: Path,
                                              reference: dict[str, object]) -> None:
    steps = reference["steps"]
    assert isinstance(steps, int) and steps > 5
    _kill_and_check(tmp_path, reference, "mid", rerun=False, kill_at=steps // 2)


def test_sigkill_settle_between_the_two_renames_of_a_rerun(
        tmp_path: Path, reference: dict[str, object]) -> None:
    # rename 1: OUT/2021-11 -> .old-2021-11; rename 2: .tmp-… -> OUT/2021-11 (killed before)
    _kill_and_check(tmp_path, reference, "swap", rerun=True, kill_at_rename=2)


@pytest.mark.slow
@pytest.mark.parametrize("rerun", [False, True], ids=["first-run", "rerun"])
def test_sigkill_settle_at_every_step(tmp_path: Path, reference: dict[str, object],
                                      rerun: bool) -> None:
    steps = reference["steps"]
    assert isinstance(steps, int) and steps > 5
    extra = 40 if rerun else 0  # a re-run also removes the old folder: more steps
    for k in range(1, steps + extra + 1):
        data = reference["data"]
        assert isinstance(data, Path)
        out = tmp_path / f"k{k}"
        _copy_out(reference, out, rerun=rerun)
        settle("2021-11", data, out, kill_at=k)
        check(out, reference)
