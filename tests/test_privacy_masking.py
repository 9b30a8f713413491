"""Personal data: masked in terminal output, never in a traceback, no My Number (R-DATA-2)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from haken_batch.privacy import (
    looks_like_my_number,
    mask_account,
    mask_name,
    mask_text,
    my_number_check_digit,
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("1234567", "****567"), ("0012345", "****345"), (1234567, "****567"), ("123", "***"),
     ("12", "**"), ("", ""), (None, ""), ("  7654321 ", "****321")],
)
def test_mask_account_keeps_only_the_last_three_digits(raw: object, masked: str) -> None:
    assert mask_account(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("山田 太郎", "山田 **"), ("山田　太郎", "山田 **"), ("山田太郎", "山**"),
     ("ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ **"), ("ヤマダ タロウ", "ヤマダ **"), ("John Ronald Smith", "John ** **"),
     ("株式会社テスト", "株**"), ("", ""), (None, ""), ("  ", "")],
)
def test_mask_name_keeps_the_family_name_only(raw: object, masked: str) -> None:
    assert mask_name(raw) == masked


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=4, max_size=12))
def test_property_masked_account_shows_at_most_three_digits(number: str) -> None:
    masked = mask_account(number)
    assert len(masked) == len(number)
    assert sum(ch.isdigit() for ch in masked) <= 3
    assert masked.endswith(number[-3:])


_WORD = st.text(st.characters(exclude_categories=("Z", "C")), min_size=1, max_size=10)


@settings(max_examples=200, deadline=None)
@given(_WORD, _WORD)
def test_property_masked_name_is_family_name_and_stars(family: str, given_: str) -> None:
    assume(not re.search("[0-9]{6}", unicodedata.normalize("NFKC", family)))
    assert mask_name(f"{family} {given_}") == f"{family} **"
    assert mask_name(f"{family}　{given_}") == f"{family} **"


def test_mask_name_hides_an_account_number_in_front_of_the_name() -> None:
    """A Zengin record shifted by a byte put the account number before the name; the kept
    family name showed it whole (blind red-team check)."""
    assert mask_name("7957871ｻｲﾄｳ ﾀﾛｳ") == "****871ｻｲﾄｳ **"


def test_mask_text_hides_long_digit_runs_in_free_text() -> None:
    assert mask_text("口座 1234567 へ振込") == "口座 ****567 へ振込"
    assert mask_text("番号１２３４５６７８９０１８") == "番号*********018"
    assert mask_text("D-00012 on 2021-10-05") == "D-00012 on 2021-10-05"


def test_my_number_check_digit_of_the_published_example() -> None:
    assert my_number_check_digit("12345678901") == 8
    assert looks_like_my_number("123456789018")
    assert looks_like_my_number("1234-5678-9018")
    assert looks_like_my_number("１２３４５６７８９０１８")
    assert not looks_like_my_number("123456789012")  # wrong check digit
    assert not looks_like_my_number("1234567")
    assert not looks_like_my_number(None)
    assert not looks_like_my_number("12345678901a")


def _column_map():  # the loader's own test of a header (built-in patterns + columns.yaml)
    from haken_batch.load.spec import column_map
    from haken_batch.rules import load_rules

    return column_map(load_rules(None).columns)


@pytest.mark.parametrize("label", ["マイナンバー", "個人番号", "ﾏｲﾅﾝﾊﾞｰ", "my_number", "MyNumber",
                                   "マイナンバー(12桁)", "専門家個人番号", "Individual Number",
                                   # outside the contract a flag is refused too: its cells
                                   # are not looked at before the column is dropped
                                   "マイナンバー取得済", "個人番号提出有無"])
def test_my_number_headers_are_recognised(label: str) -> None:
    assert _column_map().looks_like_my_number_header(label)


@pytest.mark.parametrize("label", ["口座番号", "専門家ID", "氏名", "番号", "個人名"])
def test_other_headers_are_not_my_number(label: str) -> None:
    assert not _column_map().looks_like_my_number_header(label)


def test_the_contract_flag_column_is_read_not_refused() -> None:
    """マイナンバー取得済 is the experts table's own column (a yes/no, never the number)."""
    cmap = _column_map()
    labels = {c.name: c.label for c in cmap.tables["experts"].columns}
    assert labels["my_number_on_file"] == "マイナンバー取得済"


# An unexpected bug inside a command: typer prints a traceback, but never local variables.
BUG = r'''
from haken_batch.cli.app import app

@app.command("boom")
def boom() -> None:
    expert_name = "山田 太郎"
    account_number = "7654321"
    payload = {"my_secret": "SECRET-" + account_number}
    raise RuntimeError("unexpected bug")

app()
'''


def test_traceback_of_a_bug_shows_no_local_variables() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_TYPER")}
    env.update({"COLUMNS": "200", "TERM": "xterm"})
    proc = subprocess.run([sys.executable, "-c", BUG, "boom"], capture_output=True,
                          text=True, timeout=60, env=env, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "RuntimeError" in out and "unexpected bug" in out  # a traceback was printed
    for secret in ("山田", "7654321", "SECRET-"):
        assert secret not in out, f"{secret!r} leaked into the traceback"


def test_app_is_configured_to_hide_locals() -> None:
    from haken_batch.cli.app import app

    assert app.pretty_exceptions_show_locals is False


def test_mask_account_with_nothing_to_keep_masks_every_digit() -> None:
    # keep=0 once returned the whole number (text[-0:] is the whole string).
    from haken_batch.privacy import mask_account

    assert mask_account("1234567", keep=0) == "*******"


def test_a_rules_copy_cannot_switch_masking_or_my_number_detection_off(tmp_path) -> None:
    """A --rules copy without `secret: true` on 口座番号 printed account numbers, one
    without `my_number:` detected no My Number header, and max_cell_bytes: -1 was taken
    (hostile check, session 22)."""
    import re
    import shutil
    from pathlib import Path

    import pytest

    from haken_batch.errors import RulesError
    from haken_batch.load.spec import column_map
    from haken_batch.rules.yaml_loader import load_yaml

    rules = Path(__file__).resolve().parents[1] / "rules"
    copy = tmp_path / "rules"
    shutil.copytree(rules, copy)
    path = copy / "columns.yaml"
    text = path.read_text("utf-8")
    text = text.replace(", secret: true}", "}")
    text = re.sub(r"(?m)^my_number:\n(  .*\n)+", "", text)
    path.write_text(text, "utf-8")
    cmap = column_map(load_yaml(path), str(path))
    account = [c for t in cmap.tables.values() for c in t.columns if c.name == "account_number"]
    assert account and all(c.secret for c in account)
    assert cmap.looks_like_my_number_header("マイナンバー")
    assert cmap.looks_like_my_number_header("個人番号")
    for bad in ("max_cell_bytes: -1", "max_cell_bytes: 10", "max_cell_bytes: big"):
        path.write_text(re.sub(r"(?m)^max_cell_bytes: .*$", bad, text), "utf-8")
        with pytest.raises(RulesError, match="max_cell_bytes"):
            column_map(load_yaml(path), str(path))
    path.write_text(text + "my_number:\n  header_patterns: ['([0-9']\n", "utf-8")
    with pytest.raises(RulesError, match="my_number"):
        column_map(load_yaml(path), str(path))
