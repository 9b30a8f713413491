"""No name or account number of an expert on the terminal (R-DATA-2), whatever the command.

The corpus base is settled once; then every command that prints about it (settle, validate,
zengin show, explain, verify; text, JSON and English) is scanned for the experts' names,
kana, holder names and account numbers. Output *files* for the secretariat keep them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch.cli.app import app

BASE = Path(__file__).resolve().parent / "corpus" / "base"
PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"
# privacy.mask_name keeps the family name by design ("山田 **"): given names, full names,
# accounts and addresses must never show.
PERSONAL = ("太郎", "花子", "タロウ", "ハナコ", "ﾀﾛｳ", "ﾊﾅｺ", "3141592", "2718281", "千代田1-1",
            "梅田1-1-1")
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=WIDE)


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    work = tmp_path_factory.mktemp("privacy")
    data = work / "data"
    shutil.copytree(BASE, data)
    out = work / "out"
    outputs = {}
    for fmt in ("text", "json"):
        result = invoke("settle", "2021-10", "--data", str(data), "--out", str(out), "--payer",
                        str(PAYER), "--no-documents", "--format", fmt)
        assert result.exit_code == 0, result.output
        outputs[f"settle {fmt}"] = result.output
    result = invoke("settle", "2021-10", "--data", str(data), "--out", str(out), "--payer",
                    str(PAYER), "--no-documents", "--lang", "en")
    outputs["settle en"] = result.output
    return {"data": data, "out": out, "outputs": outputs}


def _scan(label: str, text: str) -> None:
    leaks = [p for p in PERSONAL if p in text]
    assert not leaks, f"{label} shows personal data {leaks}:\n{text}"


def test_settle_prints_no_personal_data(settled: dict[str, object]) -> None:
    outputs = settled["outputs"]
    assert isinstance(outputs, dict)
    for label, text in outputs.items():
        _scan(label, text)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_prints_no_personal_data(settled: dict[str, object], fmt: str,
                                          tmp_path: Path) -> None:
    data = Path(str(settled["data"]))
    broken = tmp_path / "data"
    shutil.copytree(data, broken)
    # make every personal cell fail, so each would be shown if anything were shown
    text = (broken / "experts.csv").read_text(encoding="utf-8")
    text = text.replace("山田 太郎", "=山田 太郎").replace("ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ ﾀﾛｳ😀")
    text = text.replace(",3141592,", ",31415920,").replace(",2718281,", ",2718281X,")
    (broken / "experts.csv").write_text(text, encoding="utf-8")
    result = invoke("validate", "--data", str(broken), "--out", str(tmp_path / "f.csv"),
                    "--format", fmt)
    assert result.exit_code == 1, result.output
    _scan(f"validate {fmt}", result.output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_zengin_show_masks_accounts_and_names(settled: dict[str, object], fmt: str) -> None:
    out = Path(str(settled["out"]))
    files = sorted((out / "2021-10").glob("zengin_*.txt"))
    assert files
    result = invoke("zengin", "show", str(files[0]), "--format", fmt)
    assert result.exit_code == 0, result.output
    _scan(f"zengin show {fmt}", result.output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_zengin_show_masks_accounts(settled: dict[str, object], fmt: str) -> None:
    out = Path(str(settled["out"]))
    files = sorted((out / "2021-10").glob("zengin_*.txt"))
    result = invoke("zengin", "show", str(files[0]), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "3141592" not in result.output and "2718281" not in result.output
    assert "****592" in result.output


@pytest.mark.parametrize("args", [["--format", "text"], ["--format", "json"], ["--lang", "en"]])
def test_explain_prints_no_personal_data(settled: dict[str, object], args: list[str]) -> None:
    out = Path(str(settled["out"]))
    result = invoke("explain", "D0001", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    assert "D0001" in result.output
    _scan(f"explain {args}", result.output)


def test_verify_prints_no_personal_data(settled: dict[str, object]) -> None:
    out = Path(str(settled["out"]))
    result = invoke("verify", str(out / "2021-10"))
    assert result.exit_code == 0, result.output
    _scan("verify", result.output)


def test_invisible_characters_in_a_value_are_shown_not_hidden() -> None:
    """「E001\\u200b」 printed as 「E001」, which reads as a valid id (hostile check,
    session 22); escape sequences and bidi overrides were shown already."""
    from haken_batch.textsafe import for_terminal

    assert for_terminal("E001\u200b") == "E001\\u200b"
    assert for_terminal("\ufeffE001\u2060") == "\\ufeffE001\\u2060"
    assert for_terminal("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"
    assert for_terminal("専門家　山田") == "専門家　山田"
