"""Usage errors (a missing option, a misspelt command, a bad value) are told in Japanese,
with click's English after them and the command's --help named (they were an English box:
blind clerk check). Through ``main``, as the installed `haken` runs."""

from __future__ import annotations

import pytest

from haken_batch.cli.app import main


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["haken", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    return int(ended.value.code or 0), capsys.readouterr().err


def test_a_missing_option_names_it_and_the_help(monkeypatch, capsys) -> None:
    code, err = _run(monkeypatch, capsys, "close", "2021-10", "--out", "x")
    assert code == 2
    assert err.startswith("エラー オプション --by を指定してください。`haken close --help`")
    assert "Missing option '--by'" in err


def test_a_misspelt_command_suggests_the_right_one(monkeypatch, capsys) -> None:
    code, err = _run(monkeypatch, capsys, "setle")
    assert code == 2 and "コマンド setle はありません（もしかして settle）" in err


def test_a_bad_value_names_the_option(monkeypatch, capsys) -> None:
    code, err = _run(monkeypatch, capsys, "settle", "2021-10", "--headers", "jp",
                     "--data", "x", "--out", "y")
    assert code == 2 and "--headers の値が正しくありません" in err


def test_help_still_exits_0(monkeypatch, capsys) -> None:
    code, _ = _run(monkeypatch, capsys, "--help")
    assert code == 0
