"""--out given a settled cycle's folder (OUT/2021-10 for OUT): refused before anything is
written (blind clerk check: settle saw no ledger there and paid every dispatch again, inside
the cycle's own folder); explain says which folder to give. A month that does not exist is
named as such."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from sample_runs import PAYER, SAMPLES, sample_options


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cyclefolder") / "out"
    cycle.settle_cycle(sample_options(folder))
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b""
            for p in sorted(folder.rglob("*"))}


def test_settle_into_a_cycle_folder_is_refused_and_touches_nothing(out: Path) -> None:
    inside = out / "2021-10"
    before = _tree(out)
    res = CliRunner().invoke(app, ["settle", "2021-11", "--data", str(SAMPLES), "--out",
                                   str(inside), "--payer", str(PAYER), "--no-documents"])
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert "は精算済みサイクルのフォルダです" in said and f"（{out}）" in said
    assert _tree(out) == before  # no 2021-11 inside, no lock file


@pytest.mark.parametrize("args", [["close", "2021-10", "--by", "試験"],
                                  ["discard", "2021-10", "--by", "試験"]])
def test_other_writing_commands_refuse_a_cycle_folder(out: Path, args: list[str]) -> None:
    before = _tree(out)
    res = CliRunner().invoke(app, [*args, "--out", str(out / "2021-10")])
    assert res.exit_code == 2, res.output
    assert "精算済みサイクルのフォルダです" in res.output
    assert _tree(out) == before


def test_explain_with_a_cycle_folder_names_the_folder_to_give(out: Path) -> None:
    res = CliRunner().invoke(app, ["explain", "D21-P016", "--out", str(out / "2021-10")])
    assert res.exit_code == 2, res.output
    assert "--out にはその親の出力先フォルダ" in " ".join(res.output.split())


def test_a_month_that_does_not_exist_is_named(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["settle", "2021-13", "--data", str(SAMPLES), "--out",
                                   str(tmp_path / "o"), "--payer", str(PAYER)])
    assert res.exit_code == 2
    assert "月 13 はありません" in " ".join(res.output.split())
    assert not (tmp_path / "o").exists()


def test_settle_with_out_as_the_data_folder_is_refused_and_writes_nothing(tmp_path: Path
                                                                         ) -> None:
    """--out given the exports' folder wrote 2021-12/ among the exports with a fresh ledger,
    paying every approval since April again (blind clerk check, session 18)."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    before = _tree(data)
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                   str(tmp_path / "data" / "."), "--payer", str(PAYER)])
    assert res.exit_code == 2, res.output
    assert "データフォルダ（--data）と同じです" in res.stderr
    assert _tree(data) == before
