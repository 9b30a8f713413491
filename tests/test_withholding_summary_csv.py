"""源泉所得税の納付集計 (R-TAX-4): classes, totals equal to payments, due dates, the page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from haken_batch.emit import withholding
from haken_batch.jpcalendar import tax_due_date
from haken_batch.rules import load_rules
from test_notices_fixtures import REPO, make_run, rules_without_columns


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return rules_without_columns(tmp_path_factory.mktemp("rules"))


def _rules_with(tmp: Path, old: str, new: str):
    root = tmp / "rules"
    for part in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / part, root / part)
    path = root / "parameters" / "tax.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_rules(root)


def _by_class(summary: pl.DataFrame) -> dict[str, dict]:
    return {r["fee_class"]: r for r in summary.iter_rows(named=True)}


def test_R_TAX_4_rows_per_class_in_fixed_order(tmp_path, rules):
    summary = withholding.summary_frame(make_run(tmp_path, rules))
    assert summary["fee_class"].to_list() == ["1号", "2号", "法人", "total"]
    rows = _by_class(summary)
    # E-001 (no class → default 1号) and the formula-looking id (1号); E-004 only held
    assert rows["1号"]["payees"] == 2 and rows["1号"]["gross"] == 53660 + 2640
    assert rows["1号"]["withholding"] == 5478 + 269
    assert (rows["2号"]["payees"], rows["2号"]["gross"], rows["2号"]["withholding"]) == (
        1, 56820, 5801)
    assert (rows["法人"]["payees"], rows["法人"]["gross"], rows["法人"]["withholding"]) == (
        1, 10560, 0)


def test_R_TAX_4_totals_equal_payments(tmp_path, rules):
    run = make_run(tmp_path, rules)
    total = _by_class(withholding.summary_frame(run))["total"]
    pay = run.settlement.payments
    assert total["gross"] == pay["gross"].sum()
    assert total["withholding"] == pay["withholding"].sum()
    assert total["payees"] == pay.height


def test_R_TAX_4_payment_month_and_due_date_from_the_transfer_date(tmp_path, rules):
    summary = withholding.summary_frame(make_run(tmp_path, rules))
    assert set(summary["payment_month"]) == {"2021-11"}
    assert set(summary["transfer_date"]) == {dt.date(2021, 11, 19)}
    assert set(summary["due_date"]) == {dt.date(2021, 12, 10)}


@pytest.mark.parametrize(("paid_on", "due"), [
    (dt.date(2021, 11, 19), dt.date(2021, 12, 10)),  # Friday: stays
    (dt.date(2021, 6, 18), dt.date(2021, 7, 12)),  # 10 July is a Saturday
    (dt.date(2021, 9, 17), dt.date(2021, 10, 11)),  # Sunday; 2021 moved スポーツの日 to July
    (dt.date(2021, 12, 20), dt.date(2022, 1, 11)),  # 10 Jan 2022 is 成人の日
    (dt.date(2021, 7, 20), dt.date(2021, 8, 10)),  # after the moved 山の日 (9 Aug) holiday
    (dt.date(2022, 2, 18), dt.date(2022, 3, 10)),
    (dt.date(2021, 4, 20), dt.date(2021, 5, 10)),  # Monday after Golden Week
])
def test_R_TAX_4_due_date_moves_to_the_next_open_day(rules, paid_on, due):
    assert tax_due_date(paid_on, rules) == due


def test_R_TAX_4_due_date_in_the_summary_follows_a_weekend(tmp_path, rules):
    run = make_run(tmp_path, rules, transfer_date=dt.date(2021, 6, 18))
    assert set(withholding.summary_frame(run)["due_date"]) == {dt.date(2021, 7, 12)}


def test_R_TAX_4_default_fee_class_is_a_rule_parameter(tmp_path):
    rules = _rules_with(tmp_path, "2021-04-01: 1号", "2021-04-01: 2号")
    rows = _by_class(withholding.summary_frame(make_run(tmp_path, rules)))
    assert rows["1号"]["payees"] == 1  # only the expert whose master says 1号
    assert rows["2号"]["payees"] == 2  # E-003 (2号) and E-001 (empty → default 2号)


def test_R_TAX_1_corporations_are_classed_when_withheld_by_rule(tmp_path):
    rules = _rules_with(tmp_path, "    2021-04-01: false\ntravel_in_base",
                        "    2021-04-01: true\ntravel_in_base")
    rows = _by_class(withholding.summary_frame(make_run(tmp_path, rules)))
    assert rows["法人"]["payees"] == 0 and rows["法人"]["gross"] == 0
    assert rows["1号"]["payees"] == 3


def test_R_TAX_1_page_says_corporations_are_withheld_when_the_rule_says_so(tmp_path):
    """The page said 「法人（源泉徴収なし）」 and 「対象外」 whatever the rule (found by a
    blind check)."""
    rules = _rules_with(tmp_path, "    2021-04-01: false\ntravel_in_base",
                        "    2021-04-01: true\ntravel_in_base")
    withholding.emit(make_run(tmp_path, rules), tmp_path)
    text = PdfReader(tmp_path / "withholding_summary.pdf").pages[0].extract_text()
    text = text.replace("\n", "")
    assert "法人（1号・2号に含む）" in text and "源泉徴収なし" not in text
    assert "源泉徴収の対象外" not in text


def test_R_TAX_4_due_day_outside_1_to_28_is_a_rules_error(tmp_path):
    """A due day of 31 crashed with a traceback for a January payment (31 February); the
    rules now refuse it when they load (rules/expected.py), before any date is computed."""
    from haken_batch.errors import RulesError

    with pytest.raises(RulesError) as err:
        rules = _rules_with(tmp_path, "    2021-04-01: 10\noffice_closed_days",
                            "    2021-04-01: 31\noffice_closed_days")
        tax_due_date(dt.date(2022, 1, 20), rules)
    assert "tax.due_day" in err.value.ja and "1〜28" in err.value.ja


def test_R_TAX_1_corporation_with_tax_withheld_is_refused(tmp_path, rules):
    run = make_run(tmp_path, rules)
    pay = run.settlement.payments.with_columns(
        pl.when(pl.col("expert_id") == "E-002").then(100).otherwise(pl.col("withholding"))
        .alias("withholding"))
    run = dataclasses.replace(run, settlement=dataclasses.replace(run.settlement, payments=pay))
    with pytest.raises(withholding.SummaryMismatch):
        withholding.emit(run, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_R_TAX_4_check_totals_catches_a_wrong_summary(tmp_path, rules):
    run = make_run(tmp_path, rules)
    summary = withholding.summary_frame(run)
    broken = summary.with_columns(
        pl.when(pl.col("fee_class") == "2号").then(pl.col("gross") + 1)
        .otherwise(pl.col("gross")).alias("gross"))
    with pytest.raises(withholding.SummaryMismatch):
        withholding.check_totals(broken, run.settlement.payments)


def test_unknown_fee_class_is_a_clear_error(tmp_path, rules):
    from test_notices_fixtures import EXPERTS

    experts = [(*e[:3], "3号" if e[0] == "E-003" else e[3], *e[4:]) for e in EXPERTS]
    with pytest.raises(withholding.HakenError) as err:
        withholding.summary_frame(make_run(tmp_path, rules, experts=experts))
    assert "E-003" in err.value.ja and "3号" in err.value.ja


def test_R_TAX_4_csv_file(tmp_path, rules):
    withholding.emit(make_run(tmp_path, rules), tmp_path)
    raw = (tmp_path / "withholding_summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "支払年月,支払日,納期限,区分,人員,支払金額,源泉徴収税額"
    assert lines[1:] == [
        "2021-11,2021-11-19,2021-12-10,1号,2,56300,5747",
        "2021-11,2021-11-19,2021-12-10,2号,1,56820,5801",
        "2021-11,2021-11-19,2021-12-10,法人,1,10560,0",
        "2021-11,2021-11-19,2021-12-10,合計,4,123680,11548",
    ]


def test_R_TAX_4_csv_headers_in_english(tmp_path, rules):
    withholding.emit(make_run(tmp_path, rules, headers="en"), tmp_path)
    frame = pl.read_csv(io.BytesIO((tmp_path / "withholding_summary.csv").read_bytes()))
    assert frame.columns == ["payment_month", "transfer_date", "due_date", "fee_class",
                             "payees", "gross", "withholding"]
    assert frame["fee_class"].to_list()[-1] == "total"


def test_R_TAX_4_printable_page_shows_the_csv_figures(tmp_path, rules):
    withholding.emit(make_run(tmp_path, rules), tmp_path)
    reader = PdfReader(tmp_path / "withholding_summary.pdf")
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("源泉所得税 納付集計表", "2021年12月10日（金）", "2021年11月19日",
                     "1号 報酬・料金", "2号 企業診断員", "法人（源泉徴収なし）",
                     "「給与所得・退職所得等の所得税徴収高計算書」の「税理士等の報酬」欄",
                     "56,300", "5,747", "56,820", "5,801", "10,560", "123,680", "11,548"):
        assert expected in text.replace("\n", ""), expected  # notes wrap


def test_R_TAX_4_page_is_byte_identical_on_rerun(tmp_path, rules):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    withholding.emit(make_run(a, rules), a)
    withholding.emit(make_run(b, rules), b)
    for name in ("withholding_summary.csv", "withholding_summary.pdf"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_documents_off_writes_the_csv_only(tmp_path, rules):
    run = make_run(tmp_path, rules)
    run = dataclasses.replace(run, options=dataclasses.replace(run.options, documents=False))
    withholding.emit(run, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["withholding_summary.csv"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3_000_000), st.sampled_from(["個人", "法人"]),
                          st.sampled_from([None, "1号", "2号"])), min_size=1, max_size=12))
def test_R_TAX_4_totals_equal_payments_for_any_payments(payees):
    from test_notices_fixtures import withholding as oracle

    n = len(payees)
    experts = pl.DataFrame({
        "expert_id": [f"P-{i:02d}" for i in range(n)],
        "payee_type": [p[1] for p in payees], "fee_class": [p[2] for p in payees]},
        schema={"expert_id": pl.String, "payee_type": pl.String, "fee_class": pl.String})
    gross = [p[0] for p in payees]
    tax = [oracle(g, p[1] == "法人") for g, p in zip(gross, payees, strict=True)]
    payments = pl.DataFrame({"expert_id": experts["expert_id"], "gross": gross,
                             "withholding": tax},
                            schema={"expert_id": pl.String, "gross": pl.Int64,
                                    "withholding": pl.Int64})
    run = _SHARED["run"]
    run = dataclasses.replace(
        run, data=dataclasses.replace(run.data, tables={"experts": experts}),
        settlement=dataclasses.replace(run.settlement, payments=payments))
    rows = _by_class(withholding.summary_frame(run))
    assert rows["total"]["gross"] == sum(gross)
    assert rows["total"]["withholding"] == sum(tax)
    assert rows["total"]["payees"] == sum(1 for g in gross if g > 0)
    assert rows["法人"]["withholding"] == 0
    assert sum(rows[c]["gross"] for c in ("1号", "2号", "法人")) == sum(gross)


_SHARED: dict = {}


@pytest.fixture(autouse=True, scope="module")
def _shared(rules, tmp_path_factory):
    _SHARED["rules"] = rules
    _SHARED["run"] = make_run(tmp_path_factory.mktemp("shared"), rules)
    yield
    _SHARED.clear()


def test_a_cycle_without_payments_gives_zero_rows(tmp_path, rules):
    from haken_batch.emit import notices
    from test_notices_fixtures import DISPATCHES

    held = [(*d[:4], "held", *d[5:]) for d in DISPATCHES]
    run = make_run(tmp_path, rules, dispatches=held)
    withholding.emit(run, tmp_path)
    notices.emit(run, tmp_path)
    lines = (tmp_path / "withholding_summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[-1] == "2021-11,2021-11-19,2021-12-10,合計,0,0,0"
    assert (tmp_path / "withholding_summary.pdf").stat().st_size > 0
    index = (tmp_path / "notices_index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(index) == 1  # the header only


def test_R_TAX_4_a_long_payer_name_stays_on_the_paper(tmp_path, rules):
    """An 87-character payer name (payer.md allows any text) went to 5.5 pt past the right
    margin, and the footer ran into both margins (documents check, session 23). The name
    wraps under the title and is cut with 「…」 in the footer, as on the notices."""
    from test_notices_pdf import _text_runs

    name = ("中小企業・小規模事業者ワンストップ総合支援事業（専門家派遣）全国事務局 精算担当 "
            "第二係（令和三年度 謝金・旅費の精算、源泉徴収、支払調書の作成を担当する係）")
    run = make_run(tmp_path, rules)
    run = dataclasses.replace(run, payer=dataclasses.replace(run.payer, display_name=name))
    withholding.emit(run, tmp_path)
    path = tmp_path / "withholding_summary.pdf"
    from haken_batch.pdf import load_template

    tmpl = load_template("withholding")
    width = float(PdfReader(path).pages[0].mediabox.width)
    right = width - float(tmpl["page"]["margin_mm"]) * 72 / 25.4
    for x, size, text in _text_runs(path):
        ems = sum(1.0 if ord(ch) > 0xFF else 0.5 for ch in text)
        assert x + ems * size <= right + 1, (x, size, text)
        assert size >= 6, (size, text)
    text = PdfReader(path).pages[0].extract_text()
    assert name.replace(" ", "") in text.replace("\n", "").replace(" ", "")
    assert "…" in text.splitlines()[-1]  # the footer's cut copy
