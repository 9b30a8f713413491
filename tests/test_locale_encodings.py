"""A workstation whose locale is not UTF-8 (Shift_JIS, EUC-JP), or a terminal whose bytes
are not the locale's (session 15's environment red team):

- Python names files in the locale's encoding, polars in UTF-8, so a folder named in
  Japanese (出力/) that Python made was 'not found' when polars wrote into it. Every CSV
  polars reads or writes is now opened by Python.
- An argument that is not text in the locale's encoding (a name typed in Shift_JIS on a
  UTF-8 locale) ended ``haken close --by`` in a traceback: it is refused by name, exit 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from sample_runs import PAYER, SAMPLES, sample_options

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _haken(*args: str | bytes, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "haken_batch.cli.app", *args],
                          env={**os.environ, "PYTHONPATH": SRC, **(env or {})}, cwd=cwd,
                          capture_output=True, timeout=300, check=False)


@pytest.mark.parametrize("form", ["--by VALUE", "--by=VALUE"])
def test_an_argument_not_in_the_locale_encoding_is_refused_by_name(tmp_path: Path,
                                                                   form: str) -> None:
    sjis = "山田".encode("cp932")  # not UTF-8: Python keeps it as lone surrogates
    out = tmp_path / "out"
    by: list[bytes] = [b"--by", sjis] if form == "--by VALUE" else [b"--by=" + sjis]
    done = _haken("close", "2021-10", "--out", str(out), *by,
                  env={"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"})
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith("エラー --by の値を文字として読めません")
    assert "the value of --by is not text in the locale's encoding (UTF-8)" in err
    assert sjis not in done.stderr  # not echoed: it may be a person's name
    assert not out.exists()


def test_an_argument_after_a_flag_is_not_blamed_on_the_flag(tmp_path: Path) -> None:
    """--no-documents takes no value: the argument after it is told by its place."""
    sjis = "出力".encode("cp932")
    done = _haken("settle", "2021-10", "--no-documents", sjis,
                  env={"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"})
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2, err
    assert err.startswith("エラー 4 番目の引数を文字として読めません"), err
    # a sub-command's flag too (helper review)
    shown = _haken("zengin", "show", "--unmask", sjis,
                   env={"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"})
    assert shown.stderr.decode("utf-8").startswith("エラー 4 番目の引数を文字として読めません")


def test_no_csv_is_handed_to_polars_by_its_path(tmp_path: Path, monkeypatch) -> None:
    """Structural: a path given to polars is encoded as UTF-8 whatever the locale."""
    handed: list[tuple[str, Any]] = []
    write, read = pl.DataFrame.write_csv, pl.read_csv

    def write_csv(self: pl.DataFrame, file: Any = None, *a: Any, **kw: Any) -> Any:
        handed.append(("write_csv", file))
        return write(self, file, *a, **kw)

    def read_csv(source: Any, *a: Any, **kw: Any) -> Any:
        handed.append(("read_csv", source))
        return read(source, *a, **kw)

    monkeypatch.setattr(pl.DataFrame, "write_csv", write_csv)
    monkeypatch.setattr(pl, "read_csv", read_csv)
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, documents=True))
    cycle.settle_cycle(sample_options(out, "2021-11"))  # reads 2021-10's ledger
    res = CliRunner().invoke(app, ["kpi", "2021-10", "--out", str(out), "--to",
                                   str(tmp_path / "kpi")])
    assert res.exit_code == 0, res.output
    assert {name for name, _ in handed} == {"write_csv", "read_csv"}
    by_path = [(name, f) for name, f in handed if isinstance(f, str | os.PathLike)]
    assert by_path == []


def _euc_jp_locale(tmp_path: Path) -> dict[str, str] | None:
    localedef = shutil.which("localedef")
    if localedef is None:
        return None
    loc = tmp_path / "locales"
    loc.mkdir()
    made = subprocess.run([localedef, "-i", "ja_JP", "-f", "EUC-JP", str(loc / "ja_JP.eucJP")],
                          capture_output=True, check=False)
    if made.returncode != 0 or not (loc / "ja_JP.eucJP").exists():
        return None
    return {"LOCPATH": str(loc), "LC_ALL": "ja_JP.eucJP", "PYTHONUTF8": "0",
            "PYTHONIOENCODING": ""}


def test_settle_into_a_japanese_folder_under_an_euc_jp_locale(tmp_path: Path) -> None:
    env = _euc_jp_locale(tmp_path)
    if env is None:
        pytest.skip("localedef cannot build ja_JP.eucJP here (Debian's locales data)")
    folder = "出力".encode("euc_jp")
    done = _haken("settle", "2021-10", "--data", str(SAMPLES), "--out", folder, "--payer",
                  str(PAYER), env=env, cwd=tmp_path)
    said = done.stderr.decode("euc_jp", "replace")
    assert done.returncode == 0, said
    cycle_dir = tmp_path / "出力".encode("euc_jp").decode("utf-8", "surrogateescape") / "2021-10"
    made = sorted(p.name for p in cycle_dir.iterdir())
    for name in ("dispatches.csv", "payments.csv", "withholding_summary.csv",
                 "notices_index.csv", "manifest.json"):
        assert name in made
    verified = _haken("verify", folder + b"/2021-10", env=env, cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr.decode("euc_jp", "replace")


def _windows_named(tmp_path: Path, name: str, instead_of: str | None = None) -> Path:
    """The samples with one more file named in CP932 bytes (a ZIP made on Windows)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    source = data / (instead_of or "experts.csv")
    raw = os.path.join(os.fsencode(data), name.encode("cp932"))
    with open(raw, "wb") as fh:
        fh.write(source.read_bytes())
    if instead_of:
        source.unlink()
    return data


def test_a_stray_file_named_in_cp932_is_ignored_under_its_cp932_reading(tmp_path: Path) -> None:
    data = _windows_named(tmp_path, "メモ.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out", str(out),
                                   "--payer", str(PAYER), "--no-documents", "-q"])
    assert res.exit_code == 0, res.output
    listed = tmp_path / "findings.csv"
    res = CliRunner().invoke(app, ["validate", "--data", str(data), "--out", str(listed)])
    assert res.exit_code in (0, 1), res.output  # 1: the samples' own findings
    findings = pl.read_csv(listed.read_bytes(), infer_schema=False)
    stray = findings.filter(pl.col("ファイル") == "メモ.csv")
    assert stray["重要度"].to_list() == ["warning"], findings


def test_a_table_file_named_in_cp932_stops_the_run_naming_it(tmp_path: Path) -> None:
    data = _windows_named(tmp_path, "専門家.csv", instead_of="experts.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out", str(out),
                                   "--payer", str(PAYER), "--no-documents"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "ファイル名「専門家.csv」が Windows の文字コード（CP932）のままで" in res.output
    assert "unzip -O cp932" in res.output
    assert not (out / "2021-10").exists()


def test_a_rules_file_named_in_cp932_stops_the_run_naming_it(tmp_path: Path) -> None:
    """The whole rules tree is hashed and archived under its names (helper review: a
    traceback from the manifest)."""
    from haken_batch.resources import rules_dir

    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    with open(os.path.join(os.fsencode(rules), "メモ.txt".encode("cp932")), "wb") as fh:
        fh.write(b"note\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(SAMPLES), "--out",
                                   str(out), "--payer", str(PAYER), "--rules", str(rules),
                                   "--no-documents"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "ファイル名「メモ.txt」が Windows の文字コード（CP932）のままで" in res.output
    assert not (out / "2021-10").exists()
