"""R-PAY-1 pays a dispatch once: what earlier cycles paid must be whole before a cycle is
settled (``history``). Found by the blind red-team check, round 3: with a closed folder
removed, 942 dispatches (19,121,367 yen) were paid again with exit 0; a deleted open cycle,
a truncated ledger.csv and a removed CLOSED.json did the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import cycle, discarding, history
from haken_batch.cli.app import app
from haken_batch.closing import close_cycle
from haken_batch.errors import CycleError
from sample_runs import SAMPLES, sample_options
from test_close_cycle import DAY, NOV_CLOSED


def _settle(out: Path, c: str) -> cycle.CycleRun:
    return cycle.settle_cycle(sample_options(out, c, SAMPLES))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2021-10 (closed) and 2021-11 settled in one OUT."""
    out = tmp_path_factory.mktemp("history") / "out"
    _settle(out, "2021-10")
    _settle(out, "2021-11")
    close_cycle(out, "2021-10", closed_on=DAY, closed_by="課長")
    return out


@pytest.fixture
def out(two: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(two, copy, symlinks=True)
    return copy


def _paid(out: Path, c: str) -> int:
    return sum(1 for _ in (out / c / "ledger.csv").open(encoding="utf-8-sig")) - 1


def test_R_PAY_1_the_record_lists_each_event_with_its_manifest(two: Path) -> None:
    events = history.read(two)
    assert events is not None
    assert [(e.event, e.cycle, e.by) for e in events] == [
        ("settled", "2021-10", ""), ("settled", "2021-11", ""), ("closed", "2021-10", "課長")]
    assert all(len(e.manifest_sha256) == 64 for e in events)


def test_R_PAY_1_next_cycle_settles_when_the_history_is_whole(out: Path) -> None:
    _settle(out, "2021-12")
    assert _paid(out, "2021-12") < _paid(out, "2021-10")  # only the new approvals


@pytest.mark.parametrize("damage", ["closed folder removed", "open folder removed",
                                    "ledger truncated", "closing record removed",
                                    "another OUT's folder copied in"])
def test_R_PAY_1_a_damaged_history_stops_the_next_cycle(out: Path, tmp_path: Path,
                                                        damage: str) -> None:
    if damage == "closed folder removed":
        shutil.rmtree(out / "2021-10")
    elif damage == "open folder removed":
        shutil.rmtree(out / "2021-11")
    elif damage == "ledger truncated":
        ledger = out / "2021-11" / "ledger.csv"
        ledger.write_text("\n".join(ledger.read_text(encoding="utf-8-sig").splitlines()[:2]))
    elif damage == "closing record removed":
        (out / "2021-10" / "CLOSED.json").unlink()
    else:
        other = tmp_path / "other"
        _settle(other, "2021-10")
        shutil.copytree(other / "2021-10", out / "2021-09")
    with pytest.raises(CycleError) as refused:
        _settle(out, "2021-12")
    assert "二度" in refused.value.ja or "確定" in refused.value.ja
    assert not (out / "2021-12").exists()  # nothing settled, nothing written


def test_R_PAY_1_a_closed_cycle_whose_record_was_removed_is_not_settled_again(
        out: Path) -> None:
    discarding.discard_cycle(out, "2021-11", by="事務局")  # 2021-10 is the latest again
    (out / "2021-10" / "CLOSED.json").unlink()
    before = (out / "2021-10" / "manifest.json").read_bytes()
    with pytest.raises(CycleError, match=r"CLOSED\.json"):
        _settle(out, "2021-10")
    assert (out / "2021-10" / "manifest.json").read_bytes() == before


def test_discard_withdraws_the_latest_open_cycle_and_keeps_its_files(out: Path) -> None:
    # closed, and 2021-11 after it: the close is the reason said (it read as the order only:
    # lifecycle check, session 21)
    with pytest.raises(CycleError, match="2021-10 is closed"):
        discarding.discard_cycle(out, "2021-10", by="x")
    done = discarding.discard_cycle(out, "2021-11", by="事務局")
    assert done.moved_to is not None and (done.moved_to / "ledger.csv").is_file()
    assert not (out / "2021-11").exists()
    last = history.state(history.read(out) or [])["2021-11"]
    assert (last.event, last.by) == ("discarded", "事務局")
    _settle(out, "2021-11")  # settled anew, as if never settled
    assert _paid(out, "2021-11") == _paid(Path(str(done.moved_to)), ".")


def test_discard_of_a_cycle_never_settled_says_so(out: Path) -> None:
    """discard 2021-09 said 「2021-11 が 2021-09 の後に精算されているため…取り消せません」,
    as if 2021-09 could be withdrawn later (docs review, session 20)."""
    with pytest.raises(CycleError) as refused:
        discarding.discard_cycle(out, "2021-09", by="事務局")
    assert refused.value.ja.startswith("サイクル 2021-09 は精算されていません")


def test_discard_after_a_folder_was_deleted_by_hand_lets_the_next_cycle_settle(
        out: Path) -> None:
    shutil.rmtree(out / "2021-11")
    res = CliRunner().invoke(app, ["discard", "2021-11", "--out", str(out), "--by", "事務局"])
    assert res.exit_code == 0, res.output
    assert "記録だけを取り消し" in res.output
    _settle(out, "2021-12")


def test_an_out_without_a_record_adopts_its_folders(out: Path) -> None:
    (out / history.HISTORY_NAME).unlink()  # an OUT settled before the record existed
    _settle(out, "2021-12")
    events = history.read(out) or []
    assert [(e.event, e.cycle) for e in events] == [
        ("settled", "2021-10"), ("closed", "2021-10"), ("settled", "2021-11"),
        ("settled", "2021-12")]


def test_a_first_cycle_in_the_middle_of_the_year_says_what_it_paid(tmp_path: Path) -> None:
    run = _settle(tmp_path / "out", "2021-10")
    said = [ja for ja, _en in run.notes if "より前の精算がありません" in ja]
    assert len(said) == 1 and "年度初め（2021-04）" in said[0]
    # kept for the auditor too: -q hides the terminal, and the folder outlives it
    kept = json.loads((tmp_path / "out" / "2021-10" / "manifest.json").read_text())["context"]
    assert [c["ja"] for c in kept] == said


def test_a_next_cycle_keeps_no_context_when_nothing_is_unusual(out: Path) -> None:
    _settle(out, "2021-12")
    assert json.loads((out / "2021-12" / "manifest.json").read_text())["context"] == []


def test_a_skipped_month_is_kept_in_the_manifest(out: Path) -> None:
    run = _settle(out, "2022-01")
    kept = json.loads((out / "2022-01" / "manifest.json").read_text())["context"]
    assert len(kept) == 1 and "2021-12 までの月を飛ばしています" in kept[0]["ja"]
    assert (kept[0]["ja"], kept[0]["en"]) in run.notes


def test_a_dangling_link_at_the_cycle_folder_stops_before_the_work(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It failed only at the final rename, after the whole run (25 s at 1M dispatches)."""
    def no_work(*_a: object, **_k: object) -> None:
        raise AssertionError("settled before looking at OUT/2021-12")

    monkeypatch.setattr(cycle, "prepare", no_work)
    (out / "2021-12").symlink_to(out / "gone")
    with pytest.raises(CycleError) as told:
        _settle(out, "2021-12")
    assert "リンク先" in told.value.ja and "Nothing was changed" in told.value.en
    (out / "2021-12").unlink()
    (out / "2021-12").write_text("a clerk's note")
    with pytest.raises(CycleError) as told:
        _settle(out, "2021-12")
    assert "同じ名前のファイル" in told.value.ja
    assert (out / "2021-12").read_text() == "a clerk's note"


def test_close_reruns_the_cycle_and_refuses_a_resealed_forgery(out: Path) -> None:
    """A changed transfer amount with its manifest entry and seal recomputed passed close's
    hash checks (blind red-team check, round 3); close now re-runs the cycle when the tool
    that settled it is installed."""
    import json

    from haken_batch.errors import VerifyError
    from haken_batch.manifest import sealed, sha256_file

    folder = out / "2021-11"
    payments = folder / "payments.csv"
    rows = payments.read_text(encoding="utf-8-sig").splitlines()
    cells = rows[1].split(",")
    cells[-1] = str(int(cells[-1]) + 1000)  # one expert's net, 1,000 yen more
    rows[1] = ",".join(cells)
    payments.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["outputs"]:
        if entry["path"] == "payments.csv":
            entry.update(size=payments.stat().st_size, sha256=sha256_file(payments))
    (folder / "manifest.json").write_bytes(sealed(manifest))
    with pytest.raises(VerifyError, match="payments"):
        close_cycle(out, "2021-11", closed_on=NOV_CLOSED, closed_by="課長")
    assert not (folder / "CLOSED.json").exists()


def test_verify_of_out_reports_a_recorded_cycle_whose_folder_is_gone(out: Path) -> None:
    from haken_batch.verify import verify_path

    shutil.rmtree(out / "2021-11")
    report = verify_path(out, rerun=False)
    assert not report.ok
    gone = [c for c in report.cycles if c.cycle == "2021-11"]
    assert gone and gone[0].problems[0].kind == "chain"
    assert "フォルダがありません" in gone[0].problems[0].detail_ja


def test_verify_of_out_reports_a_closed_cycle_whose_closing_record_is_gone(out: Path) -> None:
    from haken_batch.verify import verify_path

    (out / "2021-10" / "CLOSED.json").unlink()
    report = verify_path(out, rerun=False)
    assert not report.ok
    oct_ = next(c for c in report.cycles if c.cycle == "2021-10")
    assert any(p.path == "CLOSED.json" and "開け直され" in p.detail_ja for p in oct_.problems)
    # verified alone too: it passed (auditor check, session 18)
    alone = verify_path(out / "2021-10", rerun=False)
    assert not alone.ok
    assert any(p.path == "CLOSED.json" and "開け直され" in p.detail_ja
               for p in alone.cycles[0].problems)


def test_verify_of_out_names_a_removed_manifest_once(out: Path) -> None:
    """A cycle whose manifest.json was removed was listed twice, the second time as a folder
    deleted or moved, though it is there (auditor check, session 18)."""
    from haken_batch.verify import verify_path

    (out / "2021-11" / "manifest.json").unlink()
    report = verify_path(out, rerun=False)
    nov = [c for c in report.cycles if c.cycle == "2021-11"]
    assert len(nov) == 1 and not nov[0].ok
    assert not any("フォルダがありません" in p.detail_ja for p in nov[0].problems)


def test_R_PAY_1_an_older_result_put_back_is_refused(out: Path, tmp_path: Path) -> None:
    """A copy of 2021-11 kept before settling it again, put back afterwards: its ledger is not
    what the transfer paid (blind check, round 3: 70 dispatches paid again, exit 0)."""
    kept = tmp_path / "kept"
    shutil.copytree(out / "2021-11", kept)
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:  # a late fix
        f.write("reports,D21-P080,対面支援時間(分),90,再確認,事務局 試験,2021/11/20 10:00\n")
    cycle.settle_cycle(sample_options(out, "2021-11", data))
    shutil.rmtree(out / "2021-11")
    shutil.copytree(kept, out / "2021-11")
    with pytest.raises(CycleError, match="earlier result"):
        _settle(out, "2021-12")


def test_R_PAY_1_a_withdrawn_cycle_put_back_is_refused(out: Path, tmp_path: Path) -> None:
    done = discarding.discard_cycle(out, "2021-11", by="事務局")
    assert done.moved_to is not None
    shutil.copytree(done.moved_to, out / "2021-11")
    with pytest.raises(CycleError, match="withdrawn"):
        _settle(out, "2021-12")


def test_discard_is_refused_while_a_later_recorded_cycle_exists_even_if_moved(
        out: Path, tmp_path: Path) -> None:
    """2021-11 moved away (sent to the bank): withdrawing 2021-10's record would let 2021-12
    pay both again (blind check, round 3)."""
    _settle(out, "2021-12")
    shutil.move(out / "2021-12", tmp_path / "sent-2021-12")
    with pytest.raises(CycleError, match="2021-12"):
        discarding.discard_cycle(out, "2021-11", by="事務局")


def test_the_same_result_can_be_withdrawn_twice(out: Path) -> None:
    first = discarding.discard_cycle(out, "2021-11", by="事務局")
    _settle(out, "2021-11")  # same inputs: the same manifest
    second = discarding.discard_cycle(out, "2021-11", by="事務局")
    assert first.moved_to != second.moved_to and second.moved_to is not None
    assert second.moved_to.is_dir()


def test_an_adopted_record_carries_each_cycle_its_own_manifest(out: Path) -> None:
    from haken_batch.manifest import sha256_file

    (out / history.HISTORY_NAME).unlink()
    run = _settle(out, "2021-12")
    assert any("記録を作りました" in ja for ja, _en in run.notes)
    for e in history.read(out) or []:
        assert e.manifest_sha256 == sha256_file(out / e.cycle / "manifest.json"), e


def test_R_PAY_1_verify_names_dispatches_paid_by_two_cycles(tmp_path: Path) -> None:
    """A folder moved away with the record deleted lets the next cycle pay its dispatches
    again (documented: nothing can tell). Moved back, each cycle verified alone and the
    chain's break was the only word (lifecycle check, session 21): verify of OUT names the
    dispatches in two ledgers, on the later cycle."""
    from haken_batch.ledger import read_ledger
    from haken_batch.verify import verify_path

    out = tmp_path / "out"
    _settle(out, "2021-10")
    _settle(out, "2021-11")
    shutil.move(out / "2021-11", tmp_path / "away")
    (out / history.HISTORY_NAME).unlink()
    _settle(out, "2021-12")
    shutil.move(tmp_path / "away", out / "2021-11")
    twice = sorted(set(read_ledger(out / "2021-11" / "ledger.csv")["dispatch_id"])
                   & set(read_ledger(out / "2021-12" / "ledger.csv")["dispatch_id"]))
    assert twice
    report = verify_path(out, rerun=False)
    [problem] = [p for c in report.cycles for p in c.problems if p.kind == "paid_twice"]
    assert problem.cycle == "2021-12" and problem.path == "ledger.csv"
    assert f"{len(twice)} 件の派遣が別のサイクルの台帳にもあり" in problem.detail_ja
    assert f"{twice[0]} (2021-11 / 2021-12)" in problem.detail_ja
    assert not report.ok
    told = CliRunner().invoke(app, ["verify", str(out), "--no-rerun"])
    assert told.exit_code == 1 and "二重支払" in told.output


def test_the_cycle_settled_again_over_its_own_broken_manifest_blames_nobody(out: Path) -> None:
    """2021-11's own manifest broken: settling 2021-11 again replaces it, and the cycle
    before it is whole; the run blamed 2021-10 for the link from the broken manifest
    (lifecycle check, session 21)."""
    from haken_batch.verify import verify_path

    before = (out / "2021-11" / "ledger.csv").read_bytes()
    (out / "2021-11" / "manifest.json").write_text("x\n", encoding="utf-8")
    _settle(out, "2021-11")
    assert (out / "2021-11" / "ledger.csv").read_bytes() == before
    assert verify_path(out, rerun=False).ok
