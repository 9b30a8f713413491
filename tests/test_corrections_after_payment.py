"""A correction of a dispatch an earlier cycle paid changes nothing (paid once, R-PAY-1); the
clerk is told so in the settle summary instead of silence (found by a blind corrections
check: a correction cutting a paid dispatch to 30 minutes went unnoticed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "fy2021"
PAYER = REPO / "samples" / "payer.demo.yaml"


def test_a_correction_of_a_paid_dispatch_is_named_in_the_summary(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    cycle.settle_cycle(Options(cycle="2021-10", data_dir=data, out_dir=out, payer_file=PAYER,
                               documents=False))  # type: ignore[call-arg]
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    paid = str(d.filter(pl.col("判定") == "paid").get_column("派遣ID")[0])
    before = len((data / "corrections.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write(f"reports,{paid},対面支援時間(分),30,支払後に判明,事務局 試験,2021/11/05 10:00\n")
    res = CliRunner().invoke(app, ["settle", "2021-11", "--data", str(data), "--out", str(out),
                                   "--payer", str(PAYER), "--no-documents"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert f"#{before + 1}（派遣 {paid}、2021-10 に支払済み）" in said
    assert "は支払額に反映されません" in said
    assert "#1（" not in said  # the samples' own corrections were applied when paid
    assert "事務局修正: 適用" in said
    d11 = pl.read_csv(out / "2021-11" / "dispatches.csv", infer_schema=False)
    assert paid not in d11.get_column("派遣ID").to_list()  # not settled again

    # durable: the manifest keeps it, and explain of the paid dispatch shows it (a blind
    # check of a whole year: said once on the console, then lost)
    import json

    from haken_batch import explain

    manifest = json.loads((out / "2021-11" / "manifest.json").read_text(encoding="utf-8"))
    kept = [f for f in manifest["followups"] if f["kind"] == "paid_correction"]
    assert len(kept) == 1 and paid in kept[0]["dispatch_ids"]
    assert f"#{before + 1}（派遣 {paid}" in kept[0]["ja"]
    story = explain.story(out, paid)
    assert story["cycle"] == "2021-10"
    assert [(f["cycle"], f["ja"]) for f in story["followups"]] == [("2021-11", kept[0]["ja"])]
    assert "7. その後のお知らせ" in explain.render(story)
    assert kept[0]["en"] in explain.render(story, "en")
    # said once: the next cycle, reading the same correction again, does not repeat it
    again = CliRunner().invoke(app, ["settle", "2021-12", "--data", str(data), "--out",
                                     str(out), "--payer", str(PAYER), "--no-documents"])
    assert again.exit_code == 0, again.output
    assert f"#{before + 1}（派遣 {paid}" not in " ".join(again.output.split())
    later = json.loads((out / "2021-12" / "manifest.json").read_text(encoding="utf-8"))
    assert not [f for f in later["followups"] if f["kind"] == "paid_correction"]
    assert [f["cycle"] for f in explain.story(out, paid)["followups"]] == ["2021-11"]
