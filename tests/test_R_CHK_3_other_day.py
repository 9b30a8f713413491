"""R-CHK-3 when the app's day is not the report's support day: 8631 minutes apart said
nothing of a support date typed wrong (blind clerk check, session 18); the hold now names
both days. A difference on the same day is worded as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from haken_batch import cycle
from sample_runs import SAMPLES, sample_options


def test_R_CHK_3_names_the_app_day_and_the_support_date_when_they_differ(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    reports = data / "reports.csv"
    text = reports.read_text(encoding="utf-8-sig")
    row = "D21-0000118,2021-10-11,"
    assert text.count(row) == 1
    reports.write_text(text.replace(row, "D21-0000118,2021-10-05,"), encoding="utf-8-sig")
    # only the check-out on another day: its day is named, not the check-in's (review)
    checkins = data / "checkins.csv"
    text = checkins.read_text(encoding="utf-8-sig")
    out_row = "D21-0000048,チェックアウト,2021-04-08T14:10:52+09:00"
    assert text.count(out_row) == 1
    moved = out_row.replace("2021-04-08", "2021-04-09")
    checkins.write_text(text.replace(out_row, moved), encoding="utf-8-sig")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, data=data, headers="en"))
    f = pl.read_csv(out / "2021-10" / "findings.csv", infer_schema=False).filter(
        pl.col("rule_id") == "R-CHK-3")
    said = dict(f.select("dispatch_id", "message").iter_rows())
    assert "アプリの記録は 2021-10-11、報告の支援日は 2021-10-05" in said["D21-0000118"]
    assert said["D21-P036"] == "チェックイン時刻が承認開始と16分差（許容 15分・500m）"
    assert "アプリの記録は 2021-04-09、報告の支援日は 2021-04-08" in said["D21-0000048"]
