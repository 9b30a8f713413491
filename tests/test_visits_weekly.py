"""Field visits (R-RPT-4): one scheduled dispatch a week, spread, no repeats, deterministic."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from haken_batch.errors import HakenError
from haken_batch.rules import load_rules
from haken_batch.visits import pick_visits, visit_key, weeks
from test_archive_fixture import make_rules

PREFS = ["北海道", "宮城県", "東京都", "愛知県", "大阪府", "広島県", "香川県", "福岡県", "沖縄県"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory):
    return load_rules(make_rules(tmp_path_factory.mktemp("r")))


def frames(n: int = 240) -> tuple[pl.DataFrame, pl.DataFrame]:
    start = dt.date(2021, 10, 1)
    statuses = ["承認済", "申請中", "実施済", "キャンセル"]
    d = pl.DataFrame({
        "dispatch_id": [f"D-{i:04d}" for i in range(n)],
        "institution_id": [f"I{i % 12:02d}" for i in range(n)],
        "expert_id": [f"E{i % 17:02d}" for i in range(n)],
        "company_id": [f"C{i % 31:02d}" for i in range(n)],
        "company_prefecture": [PREFS[(i * 5) % 9] for i in range(n)],
        "scheduled_on": [start + dt.timedelta(days=i % 61) for i in range(n)],
        "status": [statuses[i % 4] for i in range(n)],
    })
    inst = pl.DataFrame({
        "institution_id": [f"I{i:02d}" for i in range(12)],
        "prefecture": [PREFS[i % 9] for i in range(12)],
        "kind": [None if i < 3 else i for i in range(12)],
        "channel": ["よろず支援拠点" if i < 3 else "地域プラットフォーム" for i in range(12)],
    }, schema_overrides={"kind": pl.Int64})
    return d, inst


def test_R_RPT_4_one_visit_a_week_of_a_scheduled_dispatch(rules) -> None:
    d, inst = frames()
    start, end = dt.date(2021, 10, 1), dt.date(2021, 11, 30)
    v = pick_visits(d, inst, rules, start, end)
    assert v.height == len(weeks(start, end)) == 10
    assert v["dispatch_id"].null_count() == 0
    assert set(v["status"].to_list()) <= {"承認済", "申請中"}
    for row in v.iter_rows(named=True):
        assert row["week_start"] <= row["scheduled_on"] <= row["week_end"]
        assert start <= row["scheduled_on"] <= end


def test_R_RPT_4_spread_over_regions_and_kinds_without_repeats(rules) -> None:
    d, inst = frames()
    v = pick_visits(d, inst, rules, dt.date(2021, 10, 1), dt.date(2021, 11, 30))
    assert v["bureau"].n_unique() >= 8  # 10 weeks over 9 bureaus
    assert v["institution_kind"].n_unique() >= 5
    assert v["dispatch_id"].n_unique() == v.height
    # An institution is visited again only in a week where every candidate's was visited.
    seen: set[str] = set()
    ok = d.filter(pl.col("status").is_in(["承認済", "申請中"]))
    for row in v.iter_rows(named=True):
        if row["institution_id"] in seen:
            week = ok.filter(pl.col("scheduled_on").is_between(row["week_start"], row["week_end"]))
            assert set(week["institution_id"].to_list()) <= seen
        seen.add(row["institution_id"])


def test_R_RPT_4_deterministic_under_row_order(rules) -> None:
    d, inst = frames()
    a = pick_visits(d, inst, rules, dt.date(2021, 10, 1), dt.date(2021, 11, 30))
    b = pick_visits(d.sample(fraction=1.0, shuffle=True, seed=3), inst.reverse(), rules,
                    dt.date(2021, 10, 1), dt.date(2021, 11, 30))
    assert a.equals(b)


def test_R_RPT_4_week_without_candidates_is_listed(rules) -> None:
    d, inst = frames(10)
    v = pick_visits(d, inst, rules, dt.date(2021, 12, 1), dt.date(2021, 12, 14))
    assert v["reason"].to_list() == [
        f"候補なし: 予定日が {a}〜{b} の派遣はありません"
        for a, b in (("2021-12-01", "2021-12-05"), ("2021-12-06", "2021-12-12"),
                     ("2021-12-13", "2021-12-14"))]
    with pytest.raises(HakenError):
        weeks(dt.date(2021, 12, 2), dt.date(2021, 12, 1))


def test_R_RPT_4_week_of_past_dispatches_says_their_states(rules) -> None:
    d, inst = frames(8)  # 2021-10-01..08: statuses cycle 承認済, 申請中, 実施済, キャンセル
    d = d.with_columns(pl.col("status").replace({"承認済": "実施済", "申請中": "実施済"}))
    v = pick_visits(d, inst, rules, dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    assert v["reason"].to_list() == [
        "候補なし: 予定日が 2021-10-04〜2021-10-10 の派遣は 5 件ありますが、承認済・申請中 の"
        "ものはありません（キャンセル 2 件・実施済 3 件）"]


def test_visit_key_is_the_documented_hash() -> None:
    import hashlib

    assert visit_key(dt.date(2021, 10, 4), "D-1") == int(
        hashlib.sha256(b"R-RPT-4|2021-10-04|D-1").hexdigest(), 16)


def test_R_RPT_4_sample_visits_cli_on_exports(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from haken_batch.cli.app import app
    from haken_batch.samplegen import generate, write_tables

    write_tables(generate(200, 3), tmp_path / "data")
    args = ["sample", "visits", "--from", "2021-12-01", "--to", "2021-12-31",
            "--data", str(tmp_path / "data"), "--out", str(tmp_path)]
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    visits = json.loads(res.output)["visits"]
    assert len(visits) == 5  # five weeks touch December 2021
    assert any(v["dispatch_id"] for v in visits)
    text = (tmp_path / "visits_2021-12-01_2021-12-31.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("週の開始,週の終了,派遣ID")
    bad = CliRunner().invoke(app, ["sample", "visits", "--from", "2021-12-31", "--to",
                                   "2021-12-01", "--data", str(tmp_path / "data")])
    assert bad.exit_code == 2


def test_R_RPT_4_a_period_beyond_two_years_is_refused_not_a_traceback() -> None:
    """0001-01-01 to 9999-12-31 ended in an OverflowError (hostile check, session 22)."""
    for start, end in ((dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                       (dt.date(1, 1, 1), dt.date(1, 1, 2)),
                       (dt.date(9999, 12, 30), dt.date(9999, 12, 31)),
                       (dt.date(2021, 4, 1), dt.date(2023, 4, 3))):
        with pytest.raises(HakenError):
            weeks(start, end)
    assert len(weeks(dt.date(2021, 4, 1), dt.date(2022, 3, 31))) == 53
