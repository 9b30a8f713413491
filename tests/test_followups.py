"""What a cycle leaves to follow up is said AND kept in its manifest (followups.py): a paid
dispatch now cancelled, two cycles paying in one tax month, and what the fiscal year's last
cycle leaves unpaid for good (from a blind check of a whole year of operations)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import cycle
from haken_batch.manifest import sealed
from sample_runs import SAMPLES, sample_options


def _followups(out: Path, cycle_: str, kind: str) -> list[dict]:
    manifest = json.loads((out / cycle_ / "manifest.json").read_text(encoding="utf-8"))
    return [f for f in manifest["followups"] if f["kind"] == kind]


def _said(run, item: dict) -> bool:
    return (item["ja"], item["en"]) in run.notes


@pytest.fixture
def data(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "data")
    return tmp_path / "data"


def test_a_paid_dispatch_cancelled_later_is_named_for_reclaim(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    paid = sorted(ledger.get_column("派遣ID"))[:2]
    path = data / "dispatches.csv"
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(pl.when(pl.col("派遣ID").is_in(paid)).then(pl.lit("キャンセル"))
                               .otherwise(pl.col("状態")).alias("状態"))
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
    run = cycle.settle_cycle(sample_options(out, "2021-11", data))
    [item] = _followups(out, "2021-11", "paid_cancelled")
    assert item["dispatch_ids"] == paid and _said(run, item)
    assert "R-FEE-5" in item["ja"] and f"{paid[0]}（2021-10）" in item["ja"]
    assert not _followups(out, "2021-11", "paid_missing")
    # the list of follow-ups follows --headers en, messages too (it stayed Japanese)
    cycle.settle_cycle(sample_options(out, "2021-11", data, headers="en"))
    listed = pl.read_csv(out / "followups" / "2021-11.csv", infer_schema=False)
    assert listed.columns[:3] == ["cycle", "kind", "dispatch_id"]
    assert listed.filter(pl.col("kind") == "paid_cancelled")["message"].to_list() == [
        item["en"]] * len(paid)


def test_a_paid_dispatch_cancelled_by_a_correction_is_one_note_that_says_so(
        data: Path, tmp_path: Path) -> None:
    """A correction to キャンセル of a paid dispatch: one note, naming the correction (it said
    "the export marks it" and "if the export is wrong, correct it", and a second note said the
    same correction changes no payment); one cancelled in the export keeps its own wording."""
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    by_clerk, by_export = sorted(ledger.get_column("派遣ID"))[:2]
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write(f"dispatches,{by_clerk},状態,キャンセル,未実施と判明,事務局 試験,"
                "2021/11/05 10:00\n")
    path = data / "dispatches.csv"
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(pl.when(pl.col("派遣ID") == by_export).then(pl.lit("キャンセル"))
                               .otherwise(pl.col("状態")).alias("状態"))
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
    cycle.settle_cycle(sample_options(out, "2021-11", data))
    clerk, export = _followups(out, "2021-11", "paid_cancelled")
    assert clerk["dispatch_ids"] == [by_clerk] and "事務局修正で「キャンセル」" in clerk["ja"]
    assert export["dispatch_ids"] == [by_export] and "エクスポートでは" in export["ja"]
    assert not [f for f in _followups(out, "2021-11", "paid_correction")
                if by_clerk in f["dispatch_ids"]]


def _summary_tax(out: Path, cycle_: str) -> dict[str, int]:
    """1号 / 2号 tax of a cycle as its withholding_summary.csv (the forms' source) says."""
    rows = pl.read_csv(out / cycle_ / "withholding_summary.csv", infer_schema=False)
    return {r["区分"]: int(r["源泉徴収税額"]) for r in rows.iter_rows(named=True)}


def test_R_TAX_4_two_cycles_paying_in_one_month_are_told_each_forms_sum(
        data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = cycle.settle_cycle(sample_options(out, "2021-10", data))
    second = cycle.settle_cycle(sample_options(out, "2021-11", data,
                                               transfer_date=dt.date(2021, 11, 30)))
    assert first.settlement.transfer_date.month == second.settlement.transfer_date.month == 11
    [item] = _followups(out, "2021-11", "same_tax_month")
    w1 = int(first.settlement.payments.get_column("withholding").sum())
    w2 = int(second.settlement.payments.get_column("withholding").sum())
    assert w1 > 0 and w2 > 0
    assert f"2021-10（{w1:,} 円）" in item["ja"] and f"{w1 + w2:,} 円" in item["ja"]
    assert "2021-12-10" in item["ja"] and _said(second, item)
    assert not _followups(out, "2021-10", "same_tax_month")
    # 1号 and 2号 are paid on two forms: each form's sum over both cycles (blind check, s12)
    one, two = _summary_tax(out, "2021-10"), _summary_tax(out, "2021-11")
    assert one["2号"] > 0 and two["2号"] > 0
    assert f"1号（報酬・料金等の所得税徴収高計算書）{one['1号'] + two['1号']:,} 円" in item["ja"]
    assert f"{one['2号'] + two['2号']:,} 円です" in item["ja"]
    assert f"2号 (給与所得・退職所得等の所得税徴収高計算書, 税理士等の報酬 row) " \
           f"{one['2号'] + two['2号']:,} yen" in item["en"]
    # kept in the clerk's list too, as one row without a dispatch id
    listed = pl.read_csv(out / "followups" / "2021-11.csv", infer_schema=False)
    rows = listed.filter(pl.col("種類") == "同じ月の源泉徴収")
    assert rows.height == 1 and rows["派遣ID"][0] is None and rows["お知らせ"][0] == item["ja"]


def test_R_TAX_4_an_earlier_manifest_without_the_split_reads_its_summary(
        data: Path, tmp_path: Path) -> None:
    """A cycle settled before its manifest kept the tax per form: the split comes from its
    withholding_summary.csv (as checked by the earlier cycles' integrity check)."""
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    path = out / "2021-10" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["settlement"]["withholding_by_class"]  # as a cycle settled before session 12
    path.write_bytes(sealed(manifest))
    cycle.settle_cycle(sample_options(out, "2021-11", data, transfer_date=dt.date(2021, 11, 30)))
    [item] = _followups(out, "2021-11", "same_tax_month")
    one, two = _summary_tax(out, "2021-10"), _summary_tax(out, "2021-11")
    assert "2号（給与所得・" in item["ja"] and f"{one['2号'] + two['2号']:,} 円です" in item["ja"]


def test_R_TAX_4_a_summary_that_cannot_be_read_gives_no_split(tmp_path: Path) -> None:
    """read_rows: unreadable, other headers, or tax not adding up to the manifest's: None,
    and a month with such a cycle gives no split (nothing unsure printed as the month's)."""
    from haken_batch.emit.withholding import CLASSES, read_rows
    from haken_batch.followups import _month_per_class

    path = tmp_path / "withholding_summary.csv"
    head = "支払年月,支払日,納期限,区分,人員,支払金額,源泉徴収税額\n"
    body = ("2021-11,2021-11-19,2021-12-10,1号,2,30000,3063\n"
            "2021-11,2021-11-19,2021-12-10,2号,1,10000,1021\n"
            "2021-11,2021-11-19,2021-12-10,法人,1,5000,0\n"
            "2021-11,2021-11-19,2021-12-10,合計,4,45000,4084\n")
    path.write_text("\ufeff" + head + body, encoding="utf-8")
    assert read_rows(path, 4084) == {"1号": {"payees": 2, "gross": 30000, "withholding": 3063},
                                     "2号": {"payees": 1, "gross": 10000, "withholding": 1021}}
    assert read_rows(path, 4085) is None  # not the manifest's tax
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert read_rows(path, 4084) is None
    assert read_rows(tmp_path / "gone.csv", 4084) is None
    rows = {c: {"payees": 1, "gross": 10, "withholding": 1} for c in CLASSES}
    assert _month_per_class([{"rows": rows}, {"rows": None}], CLASSES) is None
    taxed_only = {c: {"payees": None, "gross": None, "withholding": 2} for c in CLASSES}
    assert _month_per_class([{"rows": rows}, {"rows": taxed_only}], CLASSES) == {
        c: {"payees": None, "gross": None, "withholding": 3} for c in CLASSES}


def test_the_last_cycle_names_what_can_never_be_paid(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # a case of the next fiscal year, applied for in March: not this year's to name
    with (data / "dispatches.csv").open("a", encoding="utf-8") as fh:
        fh.write("D22-NEXT01,YR13,EP030,6611322935794,株式会社大栄ソフト,東京都千代田区丸の内4-4-6,"
                 "03-1731-6601,東京都,G,34,小規模事業者,経営改善,2022/03/15,2022/04/12,申請中,"
                 "0,0,0,0\n")
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    assert not _followups(out, "2021-10", "never_payable")
    run = cycle.settle_cycle(sample_options(out, "2022-03", data,
                                            transfer_date=dt.date(2022, 3, 31)))
    [item] = _followups(out, "2022-03", "never_payable")
    # independently: the export's cases of FY2021, not cancelled, neither paid nor excluded
    export = pl.read_csv(data / "dispatches.csv", infer_schema=False)
    reports = pl.read_csv(data / "reports.csv", infer_schema=False).select("派遣ID", "支援日")
    days = export.join(reports, on="派遣ID", how="left").with_columns(
        pl.coalesce("支援日", "派遣予定日").str.replace_all("/", "-").alias("day"))
    cases = set(days.filter((pl.col("状態") != "キャンセル") & (pl.col("day") >= "2021-04-01")
                            & (pl.col("day") < "2022-04-01")).get_column("派遣ID"))
    assert "D22-NEXT01" in set(export["派遣ID"]) - cases
    settled = set()
    for c in ("2021-10", "2022-03"):
        settled |= set(pl.read_csv(out / c / "ledger.csv", infer_schema=False)["派遣ID"])
        settled |= set(pl.read_csv(out / c / "excluded.csv", infer_schema=False)["派遣ID"])
    assert item["dispatch_ids"] == sorted(cases - settled)
    held = pl.read_csv(out / "2022-03" / "dispatches.csv", infer_schema=False).filter(
        pl.col("判定") == "held").height
    assert f"このサイクルで保留 {held} 件" in item["ja"] and _said(run, item)
    # every id in a list the clerk can open (the terminal names five)
    listed = pl.read_csv(out / "followups" / "2022-03.csv", infer_schema=False)
    assert sorted(listed.filter(pl.col("種類") == "この後は支払えない")["派遣ID"]) == sorted(
        item["dispatch_ids"])
    assert listed.filter(pl.col("このサイクルの判定") == "保留").height == held
    assert any("followups/2022-03.csv" in ja for ja, _ in run.notes)
    # explain of a dispatch held in the last cycle does not promise a later payment
    from haken_batch import explain

    held_id = pl.read_csv(out / "2022-03" / "dispatches.csv", infer_schema=False).filter(
        pl.col("判定") == "held").get_column("派遣ID")[0]
    text = explain.render(explain.story(out, held_id))
    assert "この後の精算では支払えません" in text and "自動的に支払対象に戻ります" not in text
    assert "対処（" in text
    # one no cycle considered (not reported or approved): explain names the follow-up
    # instead of "in no cycle" only (blind follow-ups check, session 14)
    considered = set(pl.read_csv(out / "2022-03" / "dispatches.csv",
                                 infer_schema=False)["派遣ID"])
    never = sorted(set(item["dispatch_ids"]) - considered - set(
        pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)["派遣ID"]))[0]
    with pytest.raises(explain.ExplainError) as told:
        explain.story(out, never)
    assert "サイクル 2022-03 の「この後は支払えない」" in told.value.ja


def test_a_paid_dispatch_no_longer_cancelled_is_told_and_cancelled_again_told_again(
        data: Path, tmp_path: Path) -> None:
    """Told once per state (blind follow-ups check, session 15: the correction setting it
    back to 実施済 said nothing, and explain kept 'consider reclaiming'; cancelled again,
    nothing either)."""
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    paid = sorted(pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)["派遣ID"])[0]
    status = pl.read_csv(data / "dispatches.csv", infer_schema=False).filter(
        pl.col("派遣ID") == paid)["状態"][0]

    def set_status(value: str, at: str, cycle_: str) -> list[dict]:
        with (data / "corrections.csv").open("a", encoding="utf-8") as f:
            f.write(f"dispatches,{paid},状態,{value},確認,事務局 試験,{at}\n")
        cycle.settle_cycle(sample_options(out, cycle_, data))
        return _followups(out, cycle_, "paid_cancelled")

    [told] = set_status("キャンセル", "2021/11/05 10:00", "2021-11")
    assert told["dispatch_ids"] == [paid]
    [back] = set_status(status, "2021/12/05 10:00", "2021-12")
    assert back["dispatch_ids"] == [paid] and "返還（R-FEE-5）の検討は要りません" in back["ja"]
    cycle.settle_cycle(sample_options(out, "2022-01", data))
    assert _followups(out, "2022-01", "paid_cancelled") == []
    [again] = set_status("キャンセル", "2022/02/05 10:00", "2022-02")
    assert again["dispatch_ids"] == [paid] and "事務局修正で「キャンセル」" in again["ja"]


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_R_TAX_4_the_later_cycles_summary_prints_the_months_total(
        data: Path, tmp_path: Path) -> None:
    """Two cycles paying in one month: the later one's withholding_summary.pdf prints each
    cycle's tax per form and the month's total, the earlier one's says it covers itself
    only (a clerk filing from either page alone paid half: lifecycle check, session 21)."""
    from haken_batch.emit import withholding
    from haken_batch.followups import month_total
    from haken_batch.pdf import load_template

    out = tmp_path / "out"
    first = cycle.settle_cycle(sample_options(out, "2021-10", data))
    second = cycle.settle_cycle(sample_options(out, "2021-11", data,
                                               transfer_date=dt.date(2021, 11, 30)))
    tmpl = load_template("withholding")
    one, two = _summary_tax(out, "2021-10"), _summary_tax(out, "2021-11")
    together = month_total(second.followups)
    assert together is not None and together["total"] == one["合計"] + two["合計"]
    later = _pdf_text(withholding.render_pdf(second, withholding.summary_frame(second), tmpl))
    assert "2021年11月に振込む精算済みの全サイクルの合計" in later
    assert (f"納付額{one['合計'] + two['合計']:,}円（納期限2021年12月10日）"
            in later.replace(" ", ""))
    rows = {c: pl.read_csv(out / c / "withholding_summary.csv", infer_schema=False)
            .rows_by_key("区分", named=True, unique=True) for c in ("2021-10", "2021-11")}

    def line(label: str, cls: str, payees: int, gross: int, tax: int) -> str:
        return f"{label} {cls} {payees:,} {gross:,} {tax:,}"

    def cell(c: str, cls: str, key: str) -> int:
        return int(rows[c][cls][key])

    expected = [line(c, cls, cell(c, cls, "人員"), cell(c, cls, "支払金額"),
                     cell(c, cls, "源泉徴収税額")) for c in rows for cls in ("1号", "2号")]
    expected += [line("月の合計", cls, *(sum(cell(c, cls, k) for c in rows)
                                       for k in ("人員", "支払金額", "源泉徴収税額")))
                 for cls in ("1号", "2号")]
    assert " ".join(expected) + f" 月の合計 合計 {one['合計'] + two['合計']:,}" in later
    earlier = _pdf_text(withholding.render_pdf(first, withholding.summary_frame(first), tmpl))
    assert "上の表はこのサイクルの支払分だけです" in earlier and "月の合計 1号" not in earlier
    assert "上の表はこのサイクルの支払分だけです" in later  # a third cycle may follow
    # the follow-up no longer sends the clerk to add the two summaries up by hand
    [item] = _followups(out, "2021-11", "same_tax_month")
    assert item["month_total"] == together
