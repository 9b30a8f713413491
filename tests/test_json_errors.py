"""Under --format json a user error is a JSON object on stderr too (it was plain text, so a
script reading JSON had two formats to parse). The exit code is the same as in text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app
from sample_runs import PAYER


@pytest.mark.parametrize("args", [
    ["validate", "--data", "{missing}"],
    ["settle", "2021-10", "--data", "{missing}", "--out", "{out}", "--payer", str(PAYER)],
    ["explain", "D21-0000001", "--out", "{missing}"],
    ["verify", "{missing}"],
    ["zengin", "show", "{missing}"],
    ["sample", "audit", "2021-10", "--out", "{missing}"],
])
def test_a_user_error_under_format_json_is_one_json_object(tmp_path: Path,
                                                            args: list[str]) -> None:
    filled = [a.format(missing=tmp_path / "nothing", out=tmp_path / "out") for a in args]
    res = CliRunner().invoke(app, [*filled, "--format", "json"])
    assert res.exit_code == 2, res.output
    said = json.loads(res.stderr)
    assert said["exit_code"] == 2 and "nothing" in said["error"]
    assert res.stdout == ""
    text = CliRunner().invoke(app, filled)  # the same error in text keeps its label
    assert text.exit_code == 2 and text.stderr.startswith("エラー ")


def test_json_error_follows_lang(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["validate", "--data", str(tmp_path / "nothing"),
                                   "--format", "json", "--lang", "en"])
    assert res.exit_code == 2
    assert json.loads(res.stderr)["error"].isascii()


def test_a_bad_date_option_follows_format_and_lang(tmp_path: Path) -> None:
    """--cutoff 2021-13-01 under --format json printed a plain Japanese line (review,
    session 18); under --lang en it was Japanese too."""
    args = ["settle", "2021-10", "--data", str(tmp_path), "--out", str(tmp_path / "o"),
            "--payer", str(PAYER), "--cutoff", "2021-13-01"]
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 2
    assert json.loads(res.stderr)["exit_code"] == 2
    english = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert english.exit_code == 2 and english.stderr.startswith("error --cutoff")
