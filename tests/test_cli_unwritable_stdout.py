"""Standard output that cannot be written (cron's ``>> log`` on a full disk) is one line on
stderr and exit 2, not an 83-line traceback and exit 1 (which means 'findings'): the
environment red team, session 15. A bare ``haken`` says what to do without a dangling
' / '."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _haken(*args: str, stdout: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "haken_batch.cli.app", *args], env=env,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
                          check=False)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_under_stdout_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        done = _haken("--help", stdout=full)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("エラー 画面（標準出力）に書けませんでした")
    assert len(done.stderr.splitlines()) == 1


def test_a_bare_haken_ends_its_usage_line_cleanly() -> None:
    done = _haken(stdout=subprocess.PIPE)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("エラー 使い方が正しくありません") and not last.endswith("/")


def test_an_os_error_naming_a_file_is_not_blamed_on_the_terminal(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Outside run() a command's own file error reaches the same guard: it names the file."""
    import errno

    from haken_batch.cli.app import _unwritable_output

    code = _unwritable_output(OSError(errno.ENOSPC, "No space left on device", "/mnt/o/x.csv"))
    said = capsys.readouterr().err
    assert code == 2 and said.startswith("エラー /mnt/o/x.csv: ディスクの空きがありません")
    assert "標準出力" not in said


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_without_japanese_gets_question_marks_not_a_traceback(
        encoding: str, tmp_path: Path) -> None:
    """settle wrote the whole cycle and then ended in a UnicodeEncodeError printing its
    summary, exit 1 (hostile check, session 22)."""
    samples = Path(__file__).resolve().parents[1] / "samples" / "fy2021"
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONIOENCODING": encoding}
    done = subprocess.run([sys.executable, "-m", "haken_batch.cli.app", "validate", "--data",
                           str(samples), "--out", str(tmp_path / "f.csv")], env=env,
                          capture_output=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr  # findings, as with a Japanese terminal
    assert b"Traceback" not in done.stderr and b"?" in done.stdout
    assert (tmp_path / "f.csv").is_file()


def test_an_empty_value_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """``--out "$OUT"`` with OUT unset: settle read "" as the current folder and settled
    there (hostile check, session 22)."""
    for args in (["settle", "2021-10", "--data", str(tmp_path), "--out", ""],
                 ["verify", str(tmp_path), "--keep="]):
        done = subprocess.run([sys.executable, "-m", "haken_batch.cli.app", *args],
                              env={**os.environ, "PYTHONPATH": SRC}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert "の値が空です" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
