"""A column failing alike in (nearly) every row is told once, as a re-save through Excel
(R-VAL-1): check-in times saved as Excel showed them (「53:32.0」) held 875 of 942 dispatches
with exit 0 and no word of the cause (Excel round-trip check, session 20)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from corpus.cases import rows, write_rows
from haken_batch.cli.app import app
from haken_batch.load.findings import FINDING_SCHEMA
from haken_batch.load.whole_column import told, whole_columns
from sample_runs import PAYER, SAMPLES


def _findings(n: int, *, message: str = "日時: 読めません", table: str = "checkins"
              ) -> pl.DataFrame:
    return pl.DataFrame([{"file": f"{table}.csv", "sheet": None, "row": r + 2, "column": "日時",
                          "value": "53:32.0", "table": table, "key": f"D{r};x",
                          "rule_id": "R-VAL-1", "severity": "error", "message_ja": message,
                          "message_en": "at: unreadable"} for r in range(n)],
                        schema=FINDING_SCHEMA)


def test_R_VAL_1_a_column_failing_in_every_row_is_told_once() -> None:
    told_ = whole_columns(_findings(10), {"checkins": 10})
    assert [(t["file"], t["column"], t["failing"], t["rows"]) for t in told_] == [
        ("checkins.csv", "日時", 10, 10)]
    line = told(told_[0], "ja")
    assert "checkins.csv の列「日時」は 10 行中 10 行" in line and "出力し直して" in line
    assert "column 日時 of checkins.csv: 10 of 10 rows" in told(told_[0], "en")


def test_R_VAL_1_a_few_failing_rows_are_not_a_resave() -> None:
    # 8 of 10 rows: a clerk's typos, listed row by row only
    assert whole_columns(_findings(8), {"checkins": 10}) == []
    # 4 of 4 rows: too few to tell a re-save from four typos
    assert whole_columns(_findings(4), {"checkins": 4}) == []
    # different messages down the column are different faults, not one re-save
    mixed = pl.concat([_findings(5), _findings(5, message="日時: 別の指摘")
                       .with_columns(pl.col("row") + 5)])
    assert whole_columns(mixed, {"checkins": 10}) == []
    # warnings hold nothing and are not told
    assert whole_columns(_findings(10).with_columns(severity=pl.lit("warning")),
                         {"checkins": 10}) == []


def test_R_VAL_1_a_column_left_empty_is_told_as_empty_not_as_a_resave() -> None:
    blank = _findings(10, message="日時: 必須の項目が空です").with_columns(
        value=pl.lit(None, pl.String))
    [item] = whole_columns(blank, {"checkins": 10})
    assert item["empty"] and "10 行中 10 行が空です" in told(item, "ja")
    assert "Excel" not in told(item, "ja") and "is empty in 10 of 10 rows" in told(item, "en")
    assert not whole_columns(_findings(10), {"checkins": 10})[0]["empty"]


def _resaved(folder: Path) -> Path:
    """The samples with every check-in time as Excel shows an mm:ss.0 cell."""
    shutil.copytree(SAMPLES, folder)
    data = rows(folder, "checkins")  # the BOM stays in the first header cell, written back
    at = data[0].index("日時")
    for row in data[1:]:
        row[at] = row[at][14:19] + ".0"
    write_rows(folder, "checkins", data, newline="\r\n")
    return folder


def test_R_VAL_1_validate_and_settle_tell_the_resaved_column(tmp_path: Path) -> None:
    data = _resaved(tmp_path / "data")
    n = len(rows(data, "checkins")) - 1
    runner = CliRunner()
    checked = runner.invoke(app, ["validate", "--data", str(data), "--out",
                                  str(tmp_path / "f.csv")])
    assert checked.exit_code == 1, checked.output
    said = " ".join(checked.output.split())
    assert f"checkins.csv の列「日時」は {n:,} 行中 {n:,} 行に同じ指摘" in said
    listed = runner.invoke(app, ["validate", "--data", str(data), "--out",
                                 str(tmp_path / "g.csv"), "--format", "json"])
    facts = json.loads(listed.output)["summary"]["whole_columns"]
    assert [(f["table"], f["column"], f["failing"]) for f in facts] == [
        ("checkins", "日時", n)]
    settled = runner.invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                  str(tmp_path / "out"), "--payer", str(PAYER),
                                  "--no-documents", "--lang", "en"])
    assert settled.exit_code == 0, settled.output
    said = " ".join(settled.output.split())
    assert f"column 日時 of checkins.csv: {n:,} of {n:,} rows have the same finding" in said


def test_R_VAL_1_the_bundled_month_tells_no_column(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--data", str(SAMPLES), "--out",
                                      str(tmp_path / "f.csv"), "--format", "json"])
    assert json.loads(result.output)["summary"]["whole_columns"] == []
