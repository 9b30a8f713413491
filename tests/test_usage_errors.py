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
    # The option's own help follows its name (session 16), then where to read more.
    assert err.startswith("エラー オプション --by を指定してください"
                          "（確定者 / who closes the cycle）。`haken close --help`")
    assert "Missing option '--by'" in err


def test_a_missing_argument_is_named_as_the_usage_line_shows_it(monkeypatch, capsys) -> None:
    code, err = _run(monkeypatch, capsys, "kpi", "--out", "x")
    assert code == 2
    assert err.startswith("エラー 引数 CYCLE を指定してください（精算済みのサイクル YYYY-MM")


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


def test_cli_dates_read_as_the_exports_write_them_and_name_a_missing_day() -> None:
    """'2021-11-31 is not YYYY-MM-DD' although it is; 2021/10/31 refused although the
    exports write dates so (blind clerk check)."""
    import datetime as dt

    from haken_batch.cli.common import cli_date
    from haken_batch.errors import HakenError

    assert cli_date("2021/10/31", "--cutoff") == dt.date(2021, 10, 31)
    assert cli_date("２０２１－１１－０１", "--cutoff") == dt.date(2021, 11, 1)
    with pytest.raises(HakenError) as missing:
        cli_date("2021-11-31", "--transfer-date")
    assert "存在しない日付" in missing.value.ja
    with pytest.raises(HakenError) as shape:
        cli_date("R3.10.5", "--date")
    assert "YYYY-MM-DD" in shape.value.ja
