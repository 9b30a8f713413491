"""Field visits across runs (R-RPT-4): a clerk runs ``sample visits`` each week into the same
--out; the earlier lists there carry the spread, so N weekly runs choose what one N-week run
chooses, and the CSV's 抽選キーの週 is the Monday the draw key hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haken_batch.rules import load_rules
from haken_batch.visits import (
    COLUMNS,
    earlier_visits,
    pick_visits,
    weeks,
    write_visits,
)
from test_archive_fixture import make_rules
from test_visits_weekly import frames


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory):
    return load_rules(make_rules(tmp_path_factory.mktemp("r")))


def run_into(out: Path, d: pl.DataFrame, inst: pl.DataFrame, rules, start: dt.date,
             end: dt.date, lang: str = "ja") -> pl.DataFrame:
    """What the CLI does: read the earlier lists in ``out``, pick, write the list there."""
    earlier = earlier_visits(out, weeks(start, end)[0][0], d)
    frame = pick_visits(d, inst, rules, start, end, earlier.visits)
    write_visits(frame, out / f"visits_{start}_{end}.csv", lang)
    return frame


def formula_like_ids(d: pl.DataFrame, inst: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Ids the CSV writer guards with a leading ' (=, -, +): they must read back as they are."""
    def guard(c: str) -> pl.Expr:
        return pl.when(pl.col(c).str.ends_with("1")).then(pl.lit("=") + pl.col(c)).otherwise(
            pl.when(pl.col(c).str.ends_with("2")).then(pl.lit("-") + pl.col(c))
            .otherwise(pl.col(c))).alias(c)

    return (d.with_columns(guard("institution_id"), guard("expert_id"), guard("company_id")),
            inst.with_columns(guard("institution_id")))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(offset=st.integers(0, 20), n_weeks=st.integers(2, 7),
       langs=st.lists(st.sampled_from(["ja", "en"]), min_size=8, max_size=8),
       guarded=st.booleans())
def test_R_RPT_4_weekly_runs_into_one_out_choose_as_one_run(rules, offset: int, n_weeks: int,
                                                            langs: list[str],
                                                            guarded: bool) -> None:
    d, inst = frames()
    if guarded:
        d, inst = formula_like_ids(d, inst)
    start = dt.date(2021, 10, 1) + dt.timedelta(days=offset)  # any weekday
    end = start + dt.timedelta(days=7 * n_weeks - 1)
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as weekly:
        whole = run_into(Path(one), d, inst, rules, start, end)
        # Each week as its own run, Monday to Sunday (the first from --from), in either
        # header language.
        parts = [run_into(Path(weekly), d, inst, rules, a, b, langs[i])
                 for i, (_, a, b) in enumerate(weeks(start, end))]
    assert pl.concat(parts).equals(whole)


def test_R_RPT_4_weekly_runs_keep_the_spread(rules) -> None:
    """Without the history each week starts from zero and repeats institutions/regions."""
    d, inst = frames()
    start, end = dt.date(2021, 10, 4), dt.date(2021, 11, 28)
    with tempfile.TemporaryDirectory() as out:
        parts = [run_into(Path(out), d, inst, rules, a, b) for _, a, b in weeks(start, end)]
    picked = pl.concat(parts)
    alone = pl.concat([pick_visits(d, inst, rules, a, b) for _, a, b in weeks(start, end)])
    assert picked["bureau"].n_unique() > alone["bureau"].n_unique()


def test_R_RPT_4_rerun_of_a_range_gives_the_same_bytes(rules, tmp_path: Path) -> None:
    d, inst = frames()
    start, end = dt.date(2021, 10, 4), dt.date(2021, 11, 28)
    for _, a, b in weeks(start, end)[:3]:  # three weeks run before, then the whole range
        run_into(tmp_path, d, inst, rules, a, b)
    target = tmp_path / f"visits_{start}_{end}.csv"
    run_into(tmp_path, d, inst, rules, start, end)
    first = target.read_bytes()
    run_into(tmp_path, d, inst, rules, start, end)  # its own list is in --out now
    assert target.read_bytes() == first
    # ...and a later week's list is not counted either.
    week = tmp_path / "visits_2021-10-11_2021-10-17.csv"
    before = week.read_bytes()
    run_into(tmp_path, d, inst, rules, dt.date(2021, 10, 11), dt.date(2021, 10, 17))
    assert week.read_bytes() == before


def test_R_RPT_4_draw_week_column_redraws_the_key(rules, tmp_path: Path) -> None:
    d, inst = frames()
    start, end = dt.date(2021, 10, 6), dt.date(2021, 10, 24)  # a Wednesday: week clipped
    run_into(tmp_path, d, inst, rules, start, end)
    csv = pl.read_csv(tmp_path / f"visits_{start}_{end}.csv", infer_schema=False)
    first = csv.row(0, named=True)
    assert first[COLUMNS["week_start"]] == "2021-10-06"
    assert first[COLUMNS["draw_week"]] == "2021-10-04"  # the Monday, not the clipped start
    assert all(dt.date.fromisoformat(w).weekday() == 0 for w in csv[COLUMNS["draw_week"]])
    # Hand redraw of the first week: nothing visited yet, so every candidate ties on the
    # counts and the smallest SHA-256 of R-RPT-4|<抽選キーの週>|<派遣ID> wins.
    pool = d.filter(pl.col("status").is_in(["承認済", "申請中"]),
                    pl.col("scheduled_on").is_between(start, dt.date(2021, 10, 10)))
    by_hand = min(pool["dispatch_id"], key=lambda i: hashlib.sha256(
        f"R-RPT-4|{first[COLUMNS['draw_week']]}|{i}".encode()).hexdigest())
    assert first[COLUMNS["dispatch_id"]] == by_hand


def test_R_RPT_4_a_list_without_company_or_draw_week_still_counts(rules, tmp_path: Path
                                                                  ) -> None:
    d, inst = frames()
    frame = pick_visits(d, inst, rules, dt.date(2021, 10, 4), dt.date(2021, 10, 17))
    write_visits(frame.drop("company_id", "draw_week").with_columns(
        pl.lit(None, pl.String).alias("company_id"), pl.lit(None, pl.Date).alias("draw_week")),
        tmp_path / "visits_2021-10-04_2021-10-17.csv")
    old = tmp_path / "visits_2021-10-04_2021-10-17.csv"
    text = old.read_text(encoding="utf-8-sig").splitlines()
    cut = [",".join(c for i, c in enumerate(line.split(","))
                    if i not in (10, 11)) for line in text]  # 企業ID, 抽選キーの週
    old.write_text("\n".join(cut) + "\n", encoding="utf-8")
    earlier = earlier_visits(tmp_path, dt.date(2021, 10, 18), d)
    assert earlier.visits.select("dispatch_id", "company_id").equals(
        frame.select("dispatch_id", "company_id"))
    assert earlier.visits["draw_week"].to_list() == [dt.date(2021, 10, 4),
                                                     dt.date(2021, 10, 11)]


def test_R_RPT_4_two_lists_that_disagree_on_a_week_are_named(rules, tmp_path: Path) -> None:
    d, inst = frames()
    frame = pick_visits(d, inst, rules, dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    write_visits(frame, tmp_path / "visits_2021-10-04_2021-10-10.csv")
    write_visits(frame.with_columns(pl.lit("D-9999").alias("dispatch_id")),
                 tmp_path / "visits_2021-10-01_2021-10-10.csv")
    # the same visit twice counts once
    write_visits(frame, tmp_path / "visits_2021-10-04_2021-10-09.csv")
    earlier = earlier_visits(tmp_path, dt.date(2021, 10, 11), d)
    assert earlier.visits.height == 2
    assert earlier.disagree == (dt.date(2021, 10, 4),)


def _cli(data: Path, out: Path, start: str, end: str, *more: str):
    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    return CliRunner().invoke(app, ["sample", "visits", "--from", start, "--to", end,
                                    "--data", str(data), "--out", str(out), *more])


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from haken_batch.samplegen import generate, write_tables

    data = tmp_path_factory.mktemp("visits") / "data"
    write_tables(generate(200, 3), data)
    return data


def test_R_RPT_4_cli_says_how_many_earlier_visits_count(exports: Path, tmp_path: Path) -> None:
    first = _cli(exports, tmp_path, "2021-12-06", "2021-12-12")
    assert first.exit_code == 0, first.output
    assert "これまでの現地確認はありません" in first.stderr
    second = _cli(exports, tmp_path, "2021-12-13", "2021-12-19")
    assert second.exit_code == 0, second.output
    assert "これまでの現地確認 1 件（1 ファイル、2021-12-13 より前の週）" in second.stderr
    en = _cli(exports, tmp_path, "2021-12-20", "2021-12-26", "--lang", "en")
    assert "counted 2 earlier visit(s) from 2 file(s) (weeks before 2021-12-20)" in en.stderr
    # The run's own week and later ones are never counted: a re-run says the same.
    again = _cli(exports, tmp_path, "2021-12-13", "2021-12-19")
    assert "これまでの現地確認 1 件" in again.stderr


@pytest.mark.parametrize(("content", "said"), [
    ("名前,電話\n山田,03-0000-0000\n".encode(), "列「週の開始」「派遣ID」"),
    ("週の開始,週の終了,派遣ID,機関ID,機関種別,地域（経済産業局）,専門家ID\n".encode("cp932"),
     "UTF-8 の CSV として読めません"),
    ("週の開始,派遣ID,機関ID,機関種別,地域（経済産業局）,専門家ID\n"
     "来週,D-1,I01,⑤,関東経済産業局,E01\n".encode(), "2 行目の「週の開始」'来週' が日付"),
])
def test_R_RPT_4_an_unreadable_earlier_list_stops_with_exit_2(exports: Path, tmp_path: Path,
                                                             content: bytes, said: str) -> None:
    name = "visits_2021-11-01_2021-11-07.csv"  # named as the command names its lists
    (tmp_path / name).write_bytes(content)
    res = _cli(exports, tmp_path, "2021-12-06", "2021-12-12")
    assert res.exit_code == 2
    message = " ".join(res.stderr.split())
    assert name in message and said in message, res.stderr
    assert "haken sample visits が書いた一覧" in message
    assert not (tmp_path / "visits_2021-12-06_2021-12-12.csv").exists()
    en = _cli(exports, tmp_path, "2021-12-06", "2021-12-12", "--lang", "en")
    assert en.exit_code == 2 and "cannot read the earlier field-visit list" in en.stderr


def test_R_RPT_4_a_file_not_named_as_a_list_is_not_read(exports: Path, tmp_path: Path) -> None:
    """--out defaults to the current folder: a visits_memo.csv there is not a list."""
    (tmp_path / "visits_memo.csv").write_text("メモ\n来週の予定\n", encoding="utf-8")
    res = _cli(exports, tmp_path, "2021-12-06", "2021-12-12")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "visits_2021-12-06_2021-12-12.csv").is_file()


def test_R_RPT_4_a_range_that_cuts_a_week_is_named(exports: Path, tmp_path: Path) -> None:
    """Weekly runs match one long run only over whole Monday-Sunday weeks: a range that
    starts or ends mid-week says which weeks it cuts (terminal and JSON)."""
    whole = _cli(exports, tmp_path, "2021-12-06", "2021-12-12")
    assert whole.exit_code == 0 and "週の途中" not in whole.stderr
    cut = _cli(exports, tmp_path / "c", "2021-12-08", "2021-12-19")
    assert cut.exit_code == 0, cut.output
    assert "期間が週の途中で始まるか終わります（2021-12-06 の週）" in cut.stderr
    en = _cli(exports, tmp_path / "e", "2021-12-06", "2021-12-15", "--lang", "en")
    assert "cuts the week(s) of 2021-12-13" in en.stderr
    js = _cli(exports, tmp_path / "j", "2021-12-08", "2021-12-15", "--format", "json")
    assert json.loads(js.stdout)["partial_weeks"] == ["2021-12-06", "2021-12-13"]
