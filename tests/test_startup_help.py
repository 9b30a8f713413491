"""`haken --help` starts fast: no polars/pandera/openpyxl/jinja2/fpdf at start-up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("polars", "pandera", "openpyxl", "jinja2", "fpdf", "xlsxwriter", "fastexcel",
         "numpy", "pandas", "pyarrow", "markdown_it")  # markdown_it: see cli/lazy_markdown.py

PROBE = r'''
import json, sys
from haken_batch.cli.app import app
sys.argv = ["haken", *sys.argv[1:]]
try:
    app()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(HEAVY)))
sys.stderr.write("\nPROBE " + json.dumps({"code": code, "heavy": heavy}) + "\n")
'''


def _probe(*argv: str) -> dict[str, object]:
    code = PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                          text=True, timeout=60, check=False)
    line = [x for x in proc.stderr.splitlines() if x.startswith("PROBE ")][-1]
    result: dict[str, object] = json.loads(line.removeprefix("PROBE "))
    result["stdout"] = proc.stdout
    return result


def test_help_imports_no_heavy_module() -> None:
    result = _probe("--help")
    assert result["code"] in (0, None)
    assert result["heavy"] == []
    assert "settle" in str(result["stdout"])


def _commands() -> list[list[str]]:
    from haken_batch.cli.app import app

    found: list[list[str]] = []
    for cmd in app.registered_commands:
        found.append([cmd.name or cmd.callback.__name__])  # type: ignore[union-attr]
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None and group.name
        for cmd in sub.registered_commands:
            found.append([group.name, cmd.name or cmd.callback.__name__])  # type: ignore[union-attr]
    return found


EVERY_HELP = r'''
import json, sys
from haken_batch.cli.app import app
heavy_names = set(json.loads(sys.argv[1]))
report = []
for argv in json.loads(sys.argv[2]):
    try:
        app(argv + ["--help"], standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy_names)
    report.append({"argv": argv, "code": code, "heavy": heavy})
sys.stderr.write("\nPROBE " + json.dumps(report) + "\n")
'''


def test_every_command_help_imports_no_heavy_module() -> None:
    # One child for all commands: modules accumulate, so the first command that pulls in
    # a heavy module is the one named.
    commands = _commands()
    assert len(commands) >= 10
    proc = subprocess.run([sys.executable, "-c", EVERY_HELP, json.dumps(list(HEAVY)),
                           json.dumps(commands)], capture_output=True, text=True, timeout=120,
                          check=False)
    line = [x for x in proc.stderr.splitlines() if x.startswith("PROBE ")][-1]
    report = json.loads(line.removeprefix("PROBE "))
    assert [r["argv"] for r in report] == commands
    for r in report:
        assert r["code"] == 0, r
        assert r["heavy"] == [], f"haken {' '.join(r['argv'])} --help imported {r['heavy']}"


def test_console_script_help_exits_zero() -> None:
    exe = Path(sys.executable).with_name("haken")
    exe_path = str(exe) if exe.exists() else shutil.which("haken")
    if exe_path is None:
        pytest.skip("the haken console script is not installed in this environment")
    proc = subprocess.run([exe_path, "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0
    assert "haken" in proc.stdout and "Traceback" not in proc.stderr


SAME_HELP = r'''
import sys
if sys.argv[1] == "real":
    import rich.markdown  # loaded first: install() leaves it alone
from haken_batch.cli.app import app
app(["--help"], prog_name="haken")
'''


def test_deferred_markdown_renders_the_same_help() -> None:
    """The stand-in for rich.markdown changes start-up time only, never the help text."""
    env = {**__import__("os").environ, "COLUMNS": "100", "TERM": "dumb"}
    texts = [subprocess.run([sys.executable, "-c", SAME_HELP, mode], capture_output=True,
                            text=True, timeout=60, check=False, env=env).stdout
             for mode in ("deferred", "real")]
    assert "settle" in texts[0]
    assert texts[0] == texts[1]


def test_deferred_markdown_loads_the_real_module_on_use() -> None:
    code = r'''
import sys
from haken_batch.cli import lazy_markdown
sys.modules.pop("rich.markdown", None)
lazy_markdown.install()
from rich.markdown import Markdown, Heading
md = Markdown("# title")
import rich.markdown as real
print(type(md) is real.Markdown, Heading is real.Heading, "markdown_it" in sys.modules)
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stdout.split() == ["True", "True", "True"], proc.stderr


def test_every_help_wraps_at_80_columns_instead_of_cutting() -> None:
    """Rich wraps at spaces only: a Japanese phrase wider than its cell was cut with '…'
    (cli/help_fold.py). Every word of every help must be there at 80 columns."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    for argv in [[], *_commands()]:
        result = CliRunner().invoke(app, [*argv, "--help"], terminal_width=80,
                                    env={"COLUMNS": "80", "TERM": "dumb"})
        assert result.exit_code == 0, (argv, result.output)
        assert "…" not in result.stdout, (argv, result.stdout)
        assert max(map(len, result.stdout.splitlines())) <= 80
    settle = CliRunner().invoke(app, ["settle", "--help"], env={"COLUMNS": "80"}).stdout
    joined = "".join(line.strip("│ ") for line in settle.splitlines())
    assert "エクスポートのフォルダ" in joined and "samples/payer.demo.yaml" in joined


def test_help_shows_types_a_clerk_reads_and_marks_what_is_required() -> None:
    """typer 0.29 showed <bool> beside every flag and <str> for a month or a date; --payer
    said '(required)' in words but had no '*' (session 15's 'noticed and left')."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    for argv in [[], *_commands()]:
        shown = CliRunner().invoke(app, [*argv, "--help"], env={"COLUMNS": "120"}).stdout
        for python_type in ("<bool>", "<str>", "<int>", "<float>", "{"):
            assert python_type not in shown, (argv, python_type, shown)
    settle = CliRunner().invoke(app, ["settle", "--help"], env={"COLUMNS": "120"}).stdout
    assert "Usage: haken settle [OPTIONS] CYCLE" in settle
    rows = {word: line for line in settle.splitlines() if line.startswith("│")
            for word in line.split()[1:3] if word.startswith("--") or word == "cycle"}
    assert "<YYYY-MM>" in rows["cycle"] and "<YYYY-MM-DD>" in rows["--cutoff"]
    assert rows["--payer"].startswith("│ *") and "[required]" in settle.split("--payer")[1]
    assert rows["--documents"].split("--no-documents")[1].split()[0] == "通知書・KPI等を作成"


def test_a_missing_option_is_told_with_what_it_is() -> None:
    from typer.testing import CliRunner

    from haken_batch.cli.app import app, usage_message

    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", "d", "--out", "o"],
                             standalone_mode=False)
    said = usage_message(res.exception)
    assert said.startswith("エラー オプション --payer を指定してください（依頼人設定ファイル"
                           "（見本 samples/payer.demo.yaml） / payer config）")


def test_a_name_with_a_space_left_unquoted_is_told_to_quote_it() -> None:
    """``--by 佐藤 花子`` splits the name; click's 'argument(s)' wording matched none of our
    patterns, so the clerk got only 「使い方が正しくありません」 (docs review, session 20)."""
    from typer.testing import CliRunner

    from haken_batch.cli.app import app, usage_message

    res = CliRunner().invoke(app, ["close", "2021-10", "--out", "o", "--by", "佐藤", "花子"],
                             standalone_mode=False)
    said = usage_message(res.exception)
    assert said.startswith("エラー 余分な引数があります（花子）。空白を含む値（氏名など）は"
                           "引用符で囲んでください（例: --by \"佐藤 花子\"）")
    assert 'quote a value that has a space: --by "Sato Hanako"' in said
