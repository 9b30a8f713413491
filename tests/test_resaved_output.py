"""An output CSV opened and saved again in Excel (Shift_JIS now) blocks every later month, as
it must (the record of what was paid is in doubt); the messages now say how to put the
original back, and the way they name works (blind clerk check, session 18: the clerk had
no backup and no command was named)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from haken_batch import cycle
from haken_batch.errors import CycleError
from haken_batch.verify import verify_path
from sample_runs import sample_options


def test_an_output_saved_again_in_excel_is_named_and_restored_by_the_rerun(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10"))
    path = out / "2021-10" / "dispatches.csv"
    original = path.read_bytes()
    path.write_bytes(original.decode("utf-8-sig").encode("cp932"))  # what Excel writes
    with pytest.raises(CycleError) as stopped:
        cycle.settle_cycle(sample_options(out, "2021-11"))
    said = stopped.value.ja
    assert "--keep" in said and "2021-10/result/dispatches.csv" in said
    keep = tmp_path / "keep"
    report = verify_path(out / "2021-10", keep=keep)
    differs = [o for o in report.cycles[0].outputs if o.path == "dispatches.csv"]
    assert differs and "文字コードが UTF-8 ではなくなっています" in differs[0].detail_ja
    shutil.copyfile(keep / "2021-10" / "result" / "dispatches.csv", path)
    assert path.read_bytes() == original
    assert verify_path(out / "2021-10").ok
    cycle.settle_cycle(sample_options(out, "2021-11"))  # the next month settles again
    assert (out / "2021-11" / "manifest.json").is_file()


def test_verify_keep_never_replaces_what_it_did_not_make(tmp_path: Path) -> None:
    """``verify --keep OUT`` emptied a closed cycle, and ``--keep`` on another OUT or on a
    folder with a clerk's own 2021-10 replaced it (hostile check, session 22)."""
    from haken_batch.errors import HakenError

    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10"))
    before = sorted(p.name for p in (out / "2021-10").iterdir())
    for keep in (out, out / "2021-10", out / "2021-10" / "archive", tmp_path):
        with pytest.raises(HakenError):
            verify_path(out, keep=keep)
        with pytest.raises(HakenError):
            verify_path(out / "2021-10", keep=keep)
    other = tmp_path / "other"
    cycle.settle_cycle(sample_options(other, "2021-10"))
    mine = tmp_path / "mine"
    (mine / "2021-10").mkdir(parents=True)
    (mine / "2021-10" / "memo.txt").write_text("clerk's notes")
    other_before = sorted(p.name for p in (other / "2021-10").iterdir())
    # inside another OUT too: --keep OTHER/2021-10 put a 2021-10 folder into its sealed cycle
    for keep in (other, other / "2021-10", other / "2021-10" / "result", other / "scratch",
                 mine):
        with pytest.raises(HakenError, match=r"output folder|verify did not make"):
            verify_path(out, keep=keep)
    assert sorted(p.name for p in (other / "2021-10").iterdir()) == other_before
    assert not (other / "scratch").exists()
    assert (mine / "2021-10" / "memo.txt").read_text() == "clerk's notes"
    assert sorted(p.name for p in (out / "2021-10").iterdir()) == before
    assert verify_path(other).ok
    keep = tmp_path / "keep"  # a fresh folder, then the same again: replaced, as before
    assert verify_path(out, keep=keep).ok and verify_path(out, keep=keep).ok
    assert (keep / "2021-10" / "result" / "dispatches.csv").is_file()


def test_a_rerun_error_in_the_archived_payer_config_names_it_in_out(tmp_path: Path) -> None:
    """The re-run named the scratch copy of payer.yaml, deleted by the time the clerk read
    it (hostile check, session 22)."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10"))
    payer = out / "2021-10" / "archive" / "payer.yaml"
    payer.chmod(0o600)
    payer.write_text("payer: [\n", "utf-8")
    rep = verify_path(out / "2021-10").cycles[0]
    said = " ".join(p.detail_ja for p in rep.problems if p.kind == "rerun")
    assert str(payer) in said and "haken-verify" not in said, said
    told = CliRunner().invoke(app, ["explain", "D21-0000001", "--out", str(out)])
    assert told.exit_code == 2 and str(payer) in told.output, told.output
