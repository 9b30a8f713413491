"""R-TRV-9: a per diem paid on the strength of another dispatch's report (the day's longest
trip counts whatever its approval: the Reading) is told when that dispatch is cancelled
afterwards (lifecycle check, session 21: nothing was said; what was paid stands)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import polars as pl

from corpus.cases import rows, write_rows
from haken_batch import cycle
from haken_batch.ledger import read_ledger
from sample_runs import SAMPLES, sample_options

DAY = "2021-10-12"
SHORT, LONG = "D21-9000001", "D21-9000002"  # 20 km approved in October; 180 km in November


def _append(folder: Path, table: str, rows: list[dict[str, str]]) -> None:
    path = folder / f"{table}.csv"
    text = path.read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [[row.get(h, "") for h in header] for row in rows])
    path.write_text(text.rstrip("\r\n") + "\n" + out.getvalue(), encoding="utf-8-sig")


def _dispatch(folder: Path, did: str, company: str, start: str, end: str, km: str,
              approved: str) -> None:
    _append(folder, "dispatches", [{
        "派遣ID": did, "申請機関ID": "YR36", "専門家ID": "E000221", "企業ID": company,
        "企業名": f"有限会社テスト{company}", "企業住所": "徳島県徳島市本町2-17-11",
        "企業電話番号": "088-241-0070", "企業都道府県": "徳島県", "業種": "N", "従業員数": "16",
        "企業区分": "小規模事業者", "経営課題": "人材・労務", "申請日": "2021/10/01",
        "派遣予定日": DAY.replace("-", "/"), "状態": "実施済", "専門家からの要請": "0",
        "WEB会議": "0", "WEB会議事前確認": "0", "回数上限例外": "0"}])
    _append(folder, "reports", [{
        "派遣ID": did, "支援日": DAY, "開始時刻": start, "終了時刻": end,
        "対面支援時間(分)": "60", "支援場所住所": "徳島県徳島市本町2-17-11",
        "支援場所緯度": "34.025633", "支援場所経度": "134.592261", "全行程距離(km)": km,
        "同行有無": "いいえ", "同行時間(分)": "", "同行なし理由": "単独で対応可能なため",
        "誓約書提出": "いいえ", "従事証明確認": "はい", "機関承認日時": approved}])
    _append(folder, "checkins", [
        {"派遣ID": did, "種別": "チェックイン", "日時": f"{DAY}T{start}:00+09:00",
         "緯度": "34.025633", "経度": "134.592261", "署名": ""},
        {"派遣ID": did, "種別": "チェックアウト", "日時": f"{DAY}T{end}:00+09:00",
         "緯度": "34.025633", "経度": "134.592261", "署名": "TRUE"}])


def _followups(out: Path, cycle_: str) -> list[dict]:
    manifest = json.loads((out / cycle_ / "manifest.json").read_text(encoding="utf-8"))
    return [f for f in manifest["followups"] if f["kind"] == "per_diem_basis"]


def _paid_october(tmp_path: Path, short_km: str, long_km: str, long_approved: str
                  ) -> tuple[Path, Path]:
    """The samples plus the two dispatches of one expert-day, 2021-10 settled: SHORT paid
    with the day's per diem. Returns (data, out)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    _dispatch(data, SHORT, "C9000001", "09:00", "10:00", short_km, "2021/10/20 10:00")
    _dispatch(data, LONG, "C9000002", "14:00", "15:00", long_km, long_approved)
    out = tmp_path / "out"
    cycle.settle_cycle(sample_options(out, "2021-10", data))
    paid = read_ledger(out / "2021-10" / "ledger.csv").filter(pl.col("dispatch_id") == SHORT)
    assert paid.get_column("per_diem").to_list() == [1100]
    return data, out


def _correct(data: Path, line: str) -> None:
    with (data / "corrections.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{line},事務局,2021/11/10 09:00\n")


def test_R_TRV_9_a_per_diem_whose_trip_was_cancelled_is_told_once(tmp_path: Path) -> None:
    # SHORT's per diem rests on LONG's 180 km, reported but approved only in November
    data, out = _paid_october(tmp_path, "20", "180", "2021/11/05 10:00")
    _correct(data, f"dispatches,{LONG},状態,キャンセル,企業都合で中止")
    second = cycle.settle_cycle(sample_options(out, "2021-11", data))
    [item] = _followups(out, "2021-11")
    assert item["dispatch_ids"] == [SHORT, LONG] and item["keys"] == [f"{SHORT}|2021-10"]
    assert ("支払済みの日当（R-TRV-9）の根拠がなくなりました: "
            f"{SHORT}（2021-10 に支払、根拠だった派遣 {LONG}）") in item["ja"]
    assert (item["ja"], item["en"]) in second.notes
    cycle.settle_cycle(sample_options(out, "2021-12", data))
    assert _followups(out, "2021-12") == []  # said once, kept in 2021-11's manifest


def test_R_TRV_9_a_per_diem_on_its_own_trip_is_never_told(tmp_path: Path) -> None:
    data, out = _paid_october(tmp_path, "180", "20", "2021/10/21 10:00")
    _correct(data, f"reports,{SHORT},全行程距離(km),20,誤記")
    second = cycle.settle_cycle(sample_options(out, "2021-11", data))
    assert SHORT in second.data.corrections.get_column("key").to_list()  # applied
    # paid with its own 180 km (the ledger keeps it): what it was paid with stands
    assert _followups(out, "2021-11") == []


def _rewrite_reports(data: Path, edit) -> None:
    write_rows(data, "reports", edit(rows(data, "reports")))


def test_R_TRV_9_no_ground_lost_without_evidence(tmp_path: Path) -> None:
    """The other dispatch's distance unreadable in a later export (its own error finding),
    or its report gone from the export: nothing says the trip did not happen, so no reclaim
    is suggested (review, session 21: both were told)."""
    data, out = _paid_october(tmp_path, "20", "180", "2021/11/05 10:00")

    def unreadable(rows: list[list[str]]) -> list[list[str]]:
        at = rows[0].index("全行程距離(km)")
        return [[*r[:at], "180km", *r[at + 1:]] if r[0] == LONG else r for r in rows]

    _rewrite_reports(data, unreadable)
    cycle.settle_cycle(sample_options(out, "2021-11", data))
    assert _followups(out, "2021-11") == []
    _rewrite_reports(data, lambda rows: [r for r in rows if r[0] != LONG])
    cycle.settle_cycle(sample_options(out, "2021-12", data))
    assert _followups(out, "2021-12") == []
