"""`haken verify` names an altered file in full at 80 columns (archive/bankmaster/branches/
000… named no file: blind clerk check), and a re-run that fails on an altered archive file
says that is the likely cause."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from sample_runs import sample_options


def test_an_altered_archive_file_is_named_in_full_and_blamed_for_the_rerun(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out))
    branch = sorted((out / "2021-10" / "archive" / "bankmaster" / "branches").iterdir())[0]
    with branch.open("a", encoding="utf-8") as fh:
        fh.write("x\n")
    res = CliRunner().invoke(app, ["verify", str(out / "2021-10")], env={"COLUMNS": "80"},
                             terminal_width=80)
    assert res.exit_code == 1, res.output
    files = "".join(line.split("│")[1].strip() for line in res.output.splitlines()
                    if line.startswith("│") and line.count("│") == 4)
    assert f"archive/bankmaster/branches/{branch.name}" in files
    assert "…" not in files
    said = "".join(res.output.replace("│", "").split())
    assert "上記のアーカイブのファイルが改変されているため、再計算できませんでした" in said


def test_explain_from_an_altered_bank_master_is_an_error_not_a_traceback(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out))
    for branch in (out / "2021-10" / "archive" / "bankmaster" / "branches").iterdir():
        with branch.open("a", encoding="utf-8") as fh:
            fh.write("x\n")
    res = CliRunner().invoke(app, ["explain", "D21-P024", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "が壊れています（アーカイブなら haken verify で改変を確認してください）" in res.output
    assert "Traceback" not in res.output
    # named where it lies in OUT, not in explain's scratch copy (helper review)
    said = "".join(res.output.split())
    assert f"{out}/2021-10/archive/bankmaster/branches/".replace(" ", "") in said
