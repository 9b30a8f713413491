"""Messages name the thing that is wrong and accept what plainly means the right thing
(blind red-team check, round 3): a broken link at OUT/2021-10 read "OUT: フォルダではありません";
`verify OUT/2021-10/manifest.json` said the folder was missing; an id pasted with a trailing
space was "in no cycle"; kpi/statement refused a read-only archive although they only read
it and wrote to --to."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.cli.common import os_error_message
from test_archive_fixture import ENGINE, settled
from test_kpi_cli import BASE, settled_out

REPO = Path(__file__).resolve().parents[1]
PAYER = REPO / "samples" / "payer.demo.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settled(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def toy_out(pristine: Path, tmp_path: Path) -> Path:
    shutil.copytree(pristine, tmp_path / "out", symlinks=True)
    return tmp_path / "out"


def test_a_rename_onto_a_broken_link_names_the_link_and_its_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "2021-10").symlink_to("../../gone")
    exc = NotADirectoryError(errno.ENOTDIR, "Not a directory", str(out / ".tmp-2021-10-7"),
                             None, str(out / "2021-10"))
    said = os_error_message(exc)
    assert said.startswith(f"{out / '2021-10'}: リンク先 ../../gone がないシンボリックリンクです")
    assert "リンクを消すか" in said
    assert "broken symbolic link" in os_error_message(exc, "en")


def test_settle_onto_a_broken_cycle_link_names_the_cycle_entry(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "2021-10").symlink_to("../../gone")
    res = runner.invoke(app, ["settle", "2021-10", "--data", str(BASE), "--out", str(out),
                              "--payer", str(PAYER), "--no-documents", "-q"])
    assert res.exit_code == 2, res.output
    assert f"{out / '2021-10'}: リンク先 ../../gone" in " ".join(res.output.split())
    assert f"{out}: フォルダではありません" not in res.output
    assert (out / "2021-10").is_symlink()  # left as it was


def test_verify_takes_the_manifest_for_its_cycle_and_says_a_file_is_no_folder(
        toy_out: Path) -> None:
    ok = runner.invoke(app, ["verify", str(toy_out / "2021-10" / "manifest.json"),
                             "--no-rerun"])
    assert ok.exit_code == 0, ok.output
    assert "2021-10" in ok.output and "がありません" not in ok.output
    other = runner.invoke(app, ["verify", str(toy_out / "2021-10" / "payments.csv")])
    assert other.exit_code == 2
    said = " ".join(other.output.split())
    assert "payments.csv はファイルです" in said and "OUT/2021-10" in said


def test_explain_takes_an_id_pasted_with_spaces(toy_out: Path) -> None:
    from haken_batch import explain

    for pasted in ("D-01 ", " D-01", "D-01\t", "D-01\u3000"):
        assert explain.story(toy_out, pasted, engine=ENGINE)["dispatch_id"] == "D-01"
    with pytest.raises(explain.ExplainError) as empty:
        explain.story(toy_out, "  ", engine=ENGINE)
    assert "派遣IDが空です" in empty.value.ja
    with pytest.raises(explain.ExplainError) as wide:  # typed in full width by an IME
        explain.deciding_cycle(toy_out, "Ｄ－０１")
    assert "半角の D-01 ならあります" in wide.value.ja


def _cannot_lock(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """OUT refuses the lock file, as a read-only mount (EROFS) or another user's folder
    (EACCES) does; root, which runs these tests in CI, could write in either."""
    from haken_batch import outdir

    def refuse(out: Path) -> tuple[int, bool]:
        raise OSError(code, os.strerror(code), str(out / outdir.LOCK_NAME))

    monkeypatch.setattr(outdir, "_acquire", refuse)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_kpi_and_statement_read_an_archive_they_cannot_write_to_another_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    out = settled_out(tmp_path)
    _cannot_lock(monkeypatch, code)
    to = tmp_path / "elsewhere"
    kpi = runner.invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(BASE),
                              "--to", str(to)])
    assert kpi.exit_code == 0, kpi.output
    assert (to / "kpi_2021-10.xlsx").is_file()
    statement = runner.invoke(app, ["statement", "2021-10", "--institution", "Y13", "--out",
                                    str(out), "--data", str(BASE), "--to", str(to)])
    assert statement.exit_code == 0, statement.output
    assert list((to / "statements").glob("*.xlsx"))
    into = runner.invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(BASE)])
    assert into.exit_code == 2
    assert "--to" in into.output and "書き込めません" in into.output


def test_kpi_reading_without_the_lock_still_refuses_while_a_run_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from haken_batch.outdir import LOCK_NAME

    out = settled_out(tmp_path)
    _cannot_lock(monkeypatch, errno.EACCES)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)  # another user's settle
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = runner.invoke(app, ["kpi", "2021-10", "--out", str(out), "--data", str(BASE),
                                  "--to", str(tmp_path / "elsewhere")])
        assert res.exit_code == 3, res.output
        assert "使用中" in res.output
    finally:
        os.close(fd)
