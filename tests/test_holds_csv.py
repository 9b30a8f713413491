"""holds.csv: the held dispatches as a to-do list by institution (a clerk had to join
dispatches.csv, findings.csv and the institutions export by hand to know whom to ask)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch import cycle, hold_reasons
from haken_batch.holds import COLUMNS, holds
from haken_batch.verify import verify_path
from sample_runs import sample_options


def _dispatches(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"dispatch_id": [r[0] for r in rows], "institution_id": [r[1] for r in rows],
         "support_date": [dt.date(2021, 10, 1)] * len(rows), "expert_id": ["E1"] * len(rows),
         "status": [r[2] for r in rows]},
        schema={"dispatch_id": pl.String(), "institution_id": pl.String(),
                "support_date": pl.Date(), "expert_id": pl.String(), "status": pl.String()})


def _findings(rows: list[tuple[str, int | None, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, orient="row",
                        schema={"dispatch_id": pl.String(), "line_no": pl.Int64(),
                                "rule_id": pl.String(), "severity": pl.String(),
                                "message": pl.String()})


INSTITUTIONS = pl.DataFrame({"institution_id": ["B", "A", "B"], "name": ["乙", "甲", "乙'"]})


def test_holds_lists_each_reason_of_each_held_dispatch_by_institution() -> None:
    d = _dispatches([("D1", "B", "held"), ("D2", "A", "held"), ("D3", "A", "paid"),
                     ("D4", "A", "excluded")])
    f = _findings([("D1", 2, "R-CHK-5", "hold", "領収書なし"),
                   ("D1", None, "R-CHK-2", "hold", "署名なし"),
                   ("D2", None, "R-FEE-4", "hold", "事前確認なし"),
                   ("D2", None, "R-CHK-4", "flag", "同行の理由"),  # a flag holds nothing
                   ("D3", None, "R-CHK-4", "flag", "同行の理由"),
                   ("D4", None, "R-EXC-4", "exclude", "対象外")])
    out = holds(d, f, INSTITUTIONS, {"R-CHK-5": "領収書を求める", "R-FEE-4": ""}, "2021-10")
    assert out.columns == COLUMNS
    assert out.select("institution_id", "institution_name", "dispatch_id", "line_no",
                      "rule_id", "todo").rows() == [
        ("A", "甲", "D2", None, "R-FEE-4", None),  # a blank to-do is an empty cell
        ("B", "乙", "D1", None, "R-CHK-2", None),
        ("B", "乙", "D1", 2, "R-CHK-5", "領収書を求める"),
    ]


def test_holds_keeps_a_held_dispatch_without_a_hold_reason() -> None:
    out = holds(_dispatches([("D1", "Z", "held")]), _findings([]), None, {}, "2021-10")
    assert out.select("dispatch_id", "institution_name", "rule_id").rows() == [
        ("D1", None, None)]


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(INSTITUTIONS.height)), st.permutations(range(3)))
def test_holds_do_not_depend_on_the_order_of_input_rows(inst: list[int], disp: list[int]
                                                          ) -> None:
    d = _dispatches([("D1", "B", "held"), ("D2", "A", "held"), ("D3", "B", "held")])
    f = _findings([("D1", None, "R-CHK-2", "hold", "x"), ("D3", 1, "R-CHK-5", "hold", "y"),
                   ("D3", 1, "R-CHK-5", "hold", "z")])
    earlier = pl.DataFrame({"dispatch_id": ["D3", "D1", "D3"],
                            "cycle": ["2021-09", "2021-08", "2021-08"]})
    base = holds(d, f, INSTITUTIONS, {}, "2021-10", earlier)
    moved = holds(d[disp], f.reverse(), INSTITUTIONS[inst], {}, "2021-10", earlier.reverse())
    assert moved.equals(base)
    assert base.filter(pl.col("institution_id") == "B")["institution_name"].unique().to_list() \
        == ["乙"]  # a duplicated id takes its smallest name, whatever the row order


def test_holds_say_since_when_and_for_how_many_cycles() -> None:
    d = _dispatches([("D1", "A", "held"), ("D2", "A", "held"), ("D3", "A", "paid")])
    f = _findings([("D1", None, "R-CHK-2", "hold", "x"), ("D2", None, "R-CHK-2", "hold", "y")])
    earlier = pl.DataFrame({"dispatch_id": ["D1", "D1", "D3", "D1"],
                            "cycle": ["2021-09", "2021-08", "2021-09", "2021-09"]})
    out = holds(d, f, INSTITUTIONS, {}, "2021-10", earlier)
    assert out.select("dispatch_id", "held_since", "held_cycles").rows() == [
        ("D1", "2021-08", 3),  # held in 08 and 09 (listed twice in 09: one cycle), and now
        ("D2", "2021-10", 1),  # first held now
    ]


def test_holds_csv_of_a_later_cycle_counts_the_earlier_holds_and_verify_seals_them(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    for c in ("2021-10", "2021-11"):
        cycle.settle_cycle(sample_options(out, cycle=c))
    read = lambda c: pl.read_csv(out / c / "holds.csv", infer_schema=False)  # noqa: E731
    first, later = read("2021-10"), read("2021-11")
    assert set(first["保留開始サイクル"]) == {"2021-10"} and set(first["保留回数"]) == {"1"}
    both = set(first["派遣ID"]) & set(later["派遣ID"])
    assert both, "the samples hold some dispatches in both cycles"
    for row in later.iter_rows(named=True):
        since, count = (("2021-10", "2") if row["派遣ID"] in both else ("2021-11", "1"))
        assert (row["保留開始サイクル"], row["保留回数"]) == (since, count), row
    assert verify_path(out).ok  # the re-run reads the same earlier holds.csv
    path = out / "2021-10" / "holds.csv"
    path.write_bytes(path.read_bytes().replace(b"2021-10", b"2021-09"))
    report = verify_path(out)
    later_problems = [p.path for c in report.cycles if c.cycle == "2021-11" for p in c.problems]
    assert "../2021-10/holds.csv" in later_problems


def test_holds_csv_of_the_samples_matches_dispatches_and_findings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out))
    folder = out / "2021-10"
    read = lambda name: pl.read_csv(folder / name, infer_schema=False)  # noqa: E731
    h, d, f = read("holds.csv"), read("dispatches.csv"), read("findings.csv")
    assert h.columns[:3] == ["申請機関ID", "機関名", "派遣ID"]
    held = d.filter(pl.col("判定") == "held")
    assert held.height > 0
    assert sorted(set(h["派遣ID"])) == sorted(held["派遣ID"])
    reasons = f.filter(pl.col("区分") == "hold").join(held.select("派遣ID"), on="派遣ID")
    assert h.height == reasons.height
    got = h.select("派遣ID", "明細番号", "ルールID", "内容").sort(pl.all())
    want = reasons.select("派遣ID", "明細番号", "ルールID", "内容").sort(pl.all())
    assert got.equals(want)
    # the institution is the dispatch's, named from the institutions export
    assert h.join(held.select("派遣ID", "申請機関ID"), on="派遣ID")\
        .filter(pl.col("申請機関ID") != pl.col("申請機関ID_right")).height == 0
    assert h["機関名"].null_count() == 0
    todo = hold_reasons.todos("ja")
    assert all(t == todo[r] for r, t in h.select("ルールID", "対処").iter_rows())
    assert h.sort("申請機関ID", "派遣ID", maintain_order=True).equals(h)
    assert (folder / "holds.csv").stat().st_mode & 0o077 == 0
    manifest = (folder / "manifest.json").read_text("utf-8")
    assert '"holds.csv"' in manifest


def test_R_TRV_4_a_seat_class_corrected_to_ordinary_releases_the_hold(tmp_path: Path) -> None:
    """The rule reads the corrected data: 上位 written by mistake and corrected to 普通 is an
    ordinary fare, paid as claimed; holds.csv no longer lists it (rules review, session 19:
    the scenario of this branch could not fail)."""
    from sample_runs import SAMPLES, with_correction

    data = with_correction(SAMPLES, tmp_path / "data", "travel_claims,D21-P051;1,座席区分,普通,"
                           "搭乗券で普通席を確認,事務局 佐藤,2021/10/20 09:00")
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, data=data))
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    row = d.filter(pl.col("派遣ID") == "D21-P051").row(0, named=True)
    assert row["判定"] == "paid" and int(row["交通費"]) == 45000 + 29800
    h = pl.read_csv(out / "2021-10" / "holds.csv", infer_schema=False)
    assert "D21-P051" not in h["派遣ID"].to_list()
