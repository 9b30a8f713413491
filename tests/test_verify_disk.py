"""`haken verify` sees what the manifest's hashes cannot: modes that let others read or
change an archive (files 0600, folders 0700; 0400 once closed), added folders and links,
and a file replaced by a link to an identical copy (blind red-team check, round 3: each of
these verified with exit 0)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.verify import verify_cycle
from test_archive_fixture import settled


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settled(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def cycle(pristine: Path, tmp_path: Path) -> Path:
    shutil.copytree(pristine, tmp_path / "out", symlinks=True)
    return tmp_path / "out" / "2021-10"


def kinds(folder: Path) -> set[tuple[str, str]]:
    return {(p.path, p.kind) for p in verify_cycle(folder, rerun=False).problems}


def verify(folder: Path, *more: str):
    return CliRunner().invoke(app, ["verify", str(folder), "--no-rerun", *more])


def test_the_pristine_cycle_is_owner_only_and_verifies(cycle: Path) -> None:
    assert kinds(cycle) == set()


def test_files_and_folders_others_may_read_are_named_with_mode_and_fix(cycle: Path) -> None:
    os.chmod(cycle / "payments.csv", 0o644)
    os.chmod(cycle / "archive", 0o777)
    os.chmod(cycle, 0o750)
    assert kinds(cycle) == {("payments.csv", "privacy"), ("archive", "privacy"),
                            ("", "privacy")}
    res = verify(cycle)
    assert res.exit_code == 1, res.output
    said = " ".join(res.output.split())
    assert "payments.csv" in said and "権限 0644" in said and "読めます" in said
    assert "権限 0777" in said and "読み書きできます" in said
    found = json.loads(verify(cycle, "--format", "json").output)["cycles"][0]["problems"]
    detail = next(p["detail_ja"] for p in found if p["path"] == "payments.csv")
    assert detail.endswith(f"直し方: chmod go-rwx {cycle / 'payments.csv'}")
    english = verify(cycle, "--lang", "en")
    assert english.exit_code == 1 and "mode 0644: group and others can read it" in english.output


def test_a_closed_cycle_at_0400_and_an_execute_bit_alone_are_fine(cycle: Path) -> None:
    """Close makes files 0400 on purpose; 'x' for others on a folder exposes nothing (the
    files in it stay owner-only), so only read and write bits count."""
    for path in cycle.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o400)
    os.chmod(cycle / "archive", 0o711)
    assert kinds(cycle) == set()
    os.chmod(cycle / "ledger.csv", 0o420)  # group may write: still a problem
    assert kinds(cycle) == {("ledger.csv", "privacy")}


def test_on_a_read_only_medium_the_media_modes_are_a_note(
        cycle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive burnt to a disc shows 0444/0555 to everyone and cannot be chmodded."""
    from haken_batch import verify_fs

    for path in [cycle, *cycle.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    monkeypatch.setattr(verify_fs, "_read_only_medium", lambda _folder: True)
    rep = verify_cycle(cycle, rerun=False)
    assert rep.ok, rep.problems
    assert any("read-only medium" in n for n in rep.notes)
    assert any("読み取り専用の媒体" in n for n in rep.notes_ja)


def test_an_added_empty_folder_and_a_link_to_a_folder_are_added_entries(cycle: Path,
                                                                        tmp_path: Path) -> None:
    (cycle / "extra_dir").mkdir(mode=0o700)
    (cycle / "archive" / "deeper" / "empty").mkdir(mode=0o700, parents=True)
    (cycle / "extra_link").symlink_to(tmp_path)
    assert kinds(cycle) == {("extra_dir", "added"), ("archive/deeper/empty", "added"),
                            ("extra_link", "added")}
    res = verify(cycle)
    assert res.exit_code == 1
    assert "空のフォルダ" in res.output and "シンボリックリンク" in res.output


def test_an_empty_folder_the_tool_makes_is_not_added(cycle: Path) -> None:
    """A cycle that pays nobody has an empty notices/ (the emitter makes it first)."""
    (cycle / "notices").mkdir(mode=0o700)
    assert kinds(cycle) == set()


def test_a_file_replaced_by_a_link_to_an_identical_copy_is_named(cycle: Path,
                                                                 tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    shutil.copy2(cycle / "payments.csv", copy)
    (cycle / "payments.csv").unlink()
    (cycle / "payments.csv").symlink_to(copy)
    assert kinds(cycle) == {("payments.csv", "symlink")}
    res = verify(cycle)
    assert res.exit_code == 1 and "シンボリックリンクに置き換えられています" in res.output


def test_a_folder_replaced_by_a_link_to_an_identical_copy_is_named(cycle: Path,
                                                                   tmp_path: Path) -> None:
    shutil.copytree(cycle / "archive", tmp_path / "archive-copy")
    shutil.rmtree(cycle / "archive")
    (cycle / "archive").symlink_to(tmp_path / "archive-copy")
    assert kinds(cycle) == {("archive", "symlink")}


def test_no_rerun_does_not_say_it_re_runs(cycle: Path) -> None:
    res = verify(cycle)
    assert res.exit_code == 0, res.output
    assert "再計算して検証中" not in res.output and "検証中（再計算なし）" in res.output
    english = verify(cycle, "--lang", "en")
    assert "re-running" not in english.output and "no re-run" in english.output
