"""Settlement vs an independent model (tests/oracle_model.py) on stressed generated data.

Generated exports are edited (seeded) so that the hard cases of the money rules occur:
daily caps with start times out of file order, multi-leg private-car routes with fractional
and full-width km, express fees on 99.9 / 99.99 / 100 / "１００" / missing km, lodging with
missing / 0 / 3 nights and 民泊 / ゲストハウス, experts above 1,000,000 yen, 0-yen payees,
per diem qualified by summed minutes or by an unpaid dispatch's distance, and expert-days
paid across two cycles. Each test first asserts that its edge cases are among the paid
dispatches, so it cannot pass by testing nothing, then compares to the yen.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pytest

from haken_batch import cycle
from haken_batch.run import Options
from oracle_model import (
    DAY_CAP,
    NOT_LODGING,
    PER_DIEM_KM,
    Day,
    Exports,
    Result,
    day_km,
    inum,
    load,
    nk,
    num,
    paid_by_day,
    read_table,
    settle,
)

REPO = Path(__file__).resolve().parents[1]
PAYER = REPO / "samples" / "payer.demo.yaml"
N_DISPATCHES, SEED = 2000, 5
MONEY = ("fee", "transport", "per_diem", "lodging", "total")
PAYMENT = ("gross", "withholding", "net")
SUMMARY = ("payees", "gross", "withholding")
OCT_APPROVAL, NOV_APPROVAL = "2021/10/15 10:00", "2021/11/10 10:00"  # either side of 10-31


# ---------------------------------------------------------------- stress edits


def _hm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


class Stress:
    """Seeded edits of generated exports; each draws fresh dispatches that the clean run paid."""

    def __init__(self, src: Path, paid: set[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.tables = {t: read_table(src, t) for t in
                       ("dispatches", "reports", "checkins", "travel_claims")}
        self.disp = {r["派遣ID"]: r for r in self.tables["dispatches"]}
        self.rep = {r["派遣ID"]: r for r in self.tables["reports"]}
        self.checkin = {(r["派遣ID"], r["種別"]): r for r in self.tables["checkins"]}
        self.lines: dict[str, list[dict[str, str]]] = defaultdict(list)  # travel, by dispatch
        travel = self.tables.pop("travel_claims")
        self.blank_line = dict.fromkeys(travel[0], "")
        for t in travel:
            self.lines[t["派遣ID"]].append(t)
        self.paid = paid
        ids = sorted(paid)
        self.rng.shuffle(ids)
        self.pool = iter(ids)

    def paid_lines(self, mode: str) -> list[dict[str, str]]:
        return [t for d, ls in self.lines.items() if d in self.paid
                for t in ls if nk(t["区分"]) == mode]

    def move(self, d: str, expert: str, date: str, start: int, mins: int, approved: str) -> None:
        """Put a report on another expert-day, with check-in/out agreeing (no R-CHK-3 hold)."""
        self.disp[d]["専門家ID"] = expert
        self.disp[d]["派遣予定日"] = date
        r = self.rep[d]
        r.update({"支援日": date, "開始時刻": _hm(start), "終了時刻": _hm(start + mins),
                  "対面支援時間(分)": str(mins), "機関承認日時": approved})
        for kind, at in (("チェックイン", start), ("チェックアウト", start + mins)):
            c = self.checkin.get((d, kind))
            if c:
                c.update({"日時": f"{date}T{_hm(at)}:05+09:00", "緯度": r["支援場所緯度"],
                          "経度": r["支援場所経度"]})
        for t in self.lines[d]:
            t["利用日"] = date

    def cap_days(self, n: int) -> None:
        """R-FEE-3: three reports on one expert-day, over 6 hours, listed out of start order."""
        for g in range(n):
            a, b, c = (next(self.pool) for _ in range(3))
            ra = self.rep[a]
            mins = self.rng.choice([[180, 150, 150], [240, 120, 90], [179, 181, 200],
                                    [60, 59, 240]])
            starts = [16 * 60 + 30, 9 * 60, 13 * 60] if g % 2 else [9 * 60, 16 * 60 + 30, 13 * 60]
            date, expert, approved = ra["支援日"], self.disp[a]["専門家ID"], ra["機関承認日時"]
            for d, s, m in zip((a, b, c), starts, mins, strict=True):
                self.move(d, expert, date, s, m, approved)

    def summed_minutes(self, n: int) -> None:
        """R-TRV-9: two short reports whose minutes only together reach 30, on a far day."""
        for g in range(n):
            a, b = next(self.pool), next(self.pool)
            ra = self.rep[a]
            m = [[20, 20], [15, 15], [29, 1], [10, 25]][g % 4]
            expert, date, approved = self.disp[a]["専門家ID"], ra["支援日"], ra["機関承認日時"]
            self.move(a, expert, date, 10 * 60, m[0], approved)
            self.move(b, expert, date, 14 * 60, m[1], approved)
            self.rep[a]["全行程距離(km)"], self.rep[b]["全行程距離(km)"] = "5.0", "120.5"

    def car_routes(self, n: int) -> None:
        """R-TRV-7: extra private-car legs with fractions of a km, some in full width."""
        for _ in range(n):
            d = next(self.pool)
            top = max([inum(t["明細番号"]) or 0 for t in self.lines[d]] + [0])
            for i in range(self.rng.choice([2, 3, 4])):
                km = self.rng.choice(["10.5", "7.9", "0.6", "12.35", "3.333", "９.９", "4.45"])
                self.lines[d].append({
                    **self.blank_line, "派遣ID": d, "明細番号": str(top + i + 1), "区分": "私有車",
                    "利用日": self.rep[d]["支援日"], "出発地": "自宅", "到着地": "支援先",
                    "走行距離(km)": km, "金額": self.rng.choice(["", "100"]), "領収書": "無"})

    def rail_km(self) -> None:
        """R-TRV-3: one-way km at and around the 100 km line on legs with express fees."""
        for t in self.paid_lines("鉄道"):
            if t["特急料金"] or t["指定席料金"]:
                t["片道距離(km)"] = self.rng.choice(
                    ["99.9", "", "100.0", "１００", "99.99", t["片道距離(km)"]])

    def lodging(self) -> None:
        """R-TRV-10: missing / 0 / 3 nights, and guest houses."""
        for t in self.paid_lines("宿泊"):
            x = self.rng.random()
            if x < 0.2:
                t["泊数"] = ""
            elif x < 0.35:
                t["宿泊施設区分"] = self.rng.choice(["ゲストハウス", "民泊"])
            elif x < 0.55:
                t["泊数"], t["金額"] = "3", "31,000"
            elif x < 0.65:
                t["泊数"] = "0"

    def big_fares(self) -> None:
        """R-TAX-1: air fares that lift experts over 1,000,000 yen (round-trip vs paid); a
        line is plausible up to 1,000,000 yen (columns.yaml), the fee does the rest."""
        fares = [("1,000,000", ""), ("999,000", "1,000,000"), ("995,000", ""),
                 ("1,000,000", "999,999"), ("998,000", "990,000")]
        for t, (fare, rt) in zip(self.paid_lines("航空"), fares, strict=False):
            t["運賃"], t["往復割引運賃"] = fare, rt

    def minutes(self, n: int) -> None:
        """R-FEE-2: minutes around the half hour, some in full width."""
        for i in range(n):
            minutes = ["0", "29", "30", "59", "６０", "１２０"][i % 6]
            self.rep[next(self.pool)]["対面支援時間(分)"] = minutes

    def zero_payees(self, n: int) -> None:
        """Decisions: an expert whose only dispatch pays 0 yen still gets a payment row."""
        per_expert = Counter(r["専門家ID"] for r in self.tables["dispatches"])
        lone = islice((d for d in self.pool if per_expert[self.disp[d]["専門家ID"]] == 1), n)
        for i, d in enumerate(lone):
            self.rep[d].update({"対面支援時間(分)": "25" if i % 2 else "0", "全行程距離(km)": "0"})
            self.lines[d] = []

    def far_unpaid_reports(self, n: int) -> None:
        """R-TRV-9 reading: an excluded report's 500 km qualifies the day, a cancelled one not."""
        cancelled = sorted(d for d, r in self.disp.items() if nk(r["状態"]) == "キャンセル")
        near = list(islice((d for d in self.pool if nk(self.rep[d]["開始時刻"]) >= "12:00"
                            and (num(self.rep[d]["全行程距離(km)"]) or 0) < 100), n))
        for i, (a, c) in enumerate(zip(near, cancelled, strict=False)):
            self.rep[a]["対面支援時間(分)"] = "45"
            self.disp[c]["専門家ID"] = self.disp[a]["専門家ID"]
            if i % 2:  # R-EXC-4: carried out at the expert's own request
                self.disp[c].update({"状態": "実施済", "専門家からの要請": "1"})
            report = {**self.rep[a], "派遣ID": c, "開始時刻": "08:00", "終了時刻": "08:50",
                      "対面支援時間(分)": "50", "全行程距離(km)": "500.0"}
            self.tables["reports"].append(report)
            self.rep[c] = report

    def split_cycles(self) -> None:
        """R-FEE-3 / R-TRV-9 across cycles: one report of a day approved after October's cut-off."""
        days: dict[tuple[str, str], list[str]] = defaultdict(list)
        for d in self.paid:
            if d in self.rep and nk(self.rep[d]["支援日"]) < "2021-10-01":
                days[(self.disp[d]["専門家ID"], nk(self.rep[d]["支援日"]))].append(d)
        for n, (_, ds) in enumerate(sorted(days.items())):
            if len(ds) < 2:
                continue
            ds.sort(key=lambda d: nk(self.rep[d]["開始時刻"]))
            late = ds[0] if n % 2 else ds[-1]  # the first or the last by start comes later
            for d in ds:
                self.rep[d]["機関承認日時"] = NOV_APPROVAL if d == late else OCT_APPROVAL

    def write(self, dst: Path) -> None:
        travel = [t for ls in self.lines.values() for t in ls]
        for name, rows in {**self.tables, "travel_claims": travel}.items():
            with (dst / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow(list(rows[0]))  # the header: the first row's keys
                w.writerows([r.get(h, "") for h in rows[0]] for r in rows)


def stress(src: Path, dst: Path, paid: set[str], n: int) -> None:
    """All edits, in an order where later ones see the earlier (splits include cap days)."""
    s = Stress(src, paid, SEED)
    k = max(1, n // 100)  # scale the edit counts with the data size
    s.cap_days(3 * k)
    s.summed_minutes(k)
    s.car_routes(3 * k)
    s.minutes(2 * k)
    s.zero_payees(k)
    s.far_unpaid_reports(k)
    s.rail_km()
    s.lodging()
    s.big_fares()
    s.split_cycles()
    dst.mkdir()
    for name in ("experts", "institutions"):
        shutil.copy(src / f"{name}.csv", dst)
    s.write(dst)


# ---------------------------------------------------------------- runs


def run(data: Path, out: Path, cycle_: str) -> Path:
    cycle.settle_cycle(Options(cycle=cycle_, data_dir=data, out_dir=out, payer_file=PAYER,
                               documents=False, headers="en"))
    return out / cycle_


@dataclass
class Cycle:
    folder: Path
    tool_d: dict[str, dict[str, str]]
    tool_p: dict[str, dict[str, str]]
    paid: set[str]
    days: dict[Day, list[str]]  # paid dispatches per expert-day, by start time
    model: Result


def settled(ex: Exports, folder: Path, before: Result | None = None) -> Cycle:
    tool_d = {r["dispatch_id"]: r for r in read_table(folder, "dispatches")}
    tool_p = {r["expert_id"]: r for r in read_table(folder, "payments")}
    paid = {d for d, r in tool_d.items() if r["status"] == "paid"}
    model = settle(ex, paid, before.carry if before else None)
    return Cycle(folder, tool_d, tool_p, paid, paid_by_day(ex, paid), model)


@dataclass
class World:
    ex: Exports
    one: Cycle  # 2021-11 alone
    two: tuple[Cycle, Cycle]  # 2021-10 then 2021-11 into one OUT


def build(tmp: Path, n: int) -> World:
    from haken_batch.samplegen import generate, write_tables

    clean = tmp / "clean"
    write_tables(generate(n, SEED), clean)
    first = read_table(run(clean, tmp / "probe", "2021-11"), "dispatches")
    data = tmp / "data"
    stress(clean, data, {r["dispatch_id"] for r in first if r["status"] == "paid"}, n)
    ex = load(data)
    one = settled(ex, run(data, tmp / "one", "2021-11"))
    oct_ = settled(ex, run(data, tmp / "two", "2021-10"))
    return World(ex, one, (oct_, settled(ex, run(data, tmp / "two", "2021-11"), oct_.model)))


@pytest.fixture(scope="module",
                params=[N_DISPATCHES, pytest.param(10_000, marks=pytest.mark.slow)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """2,000 dispatches by default (~10 s); the slow variant repeats every test at 10,000."""
    return build(tmp_path_factory.mktemp("oracle"), request.param)


# ---------------------------------------------------------------- comparing and counting


def diffs(tool: dict[str, dict[str, str]], mine: dict[str, dict[str, int]],
          cols: tuple[str, ...]) -> list[str]:
    out = []
    for key in sorted(set(tool) | set(mine)):
        for c in cols:
            t, m = tool.get(key, {}).get(c), mine.get(key, {}).get(c)
            if t is None or m is None or int(t) != m:
                out.append(f"{key} {c}: tool={t} oracle={m}")
    return out


def assert_same(what: str, found: list[str]) -> None:
    assert not found, f"{what}: {len(found)} differ, first: " + "; ".join(found[:5])


def paid_rows(c: Cycle) -> dict[str, dict[str, str]]:
    return {d: r for d, r in c.tool_d.items() if d in c.paid}


def assert_dispatches(c: Cycle, cols: tuple[str, ...]) -> None:
    assert_same(f"{c.folder.name} dispatches", diffs(paid_rows(c), c.model.dispatches, cols))


def paid_lines(ex: Exports, c: Cycle, mode: str) -> list[dict[str, str]]:
    return [t for d in c.paid for t in ex.claims.get(d, []) if nk(t["区分"]) == mode]


def has_fullwidth(s: str) -> bool:
    return nk(s) != s.strip()


def assert_occur(counts: dict[str, int]) -> None:
    assert all(counts.values()), f"edge cases missing from the paid data: {counts}"


# ---------------------------------------------------------------- tests: one cycle


def test_R_FEE_1_2_3_fees_match_with_caps_out_of_start_order(world: World) -> None:
    ex, c = world.ex, world.one
    file_order = {d: i for i, d in enumerate(ex.reports)}
    late_first = [day for day in c.model.capped_days
                  if min(c.days[day], key=file_order.__getitem__) != c.days[day][0]]
    assert_occur({"capped days": len(c.model.capped_days), "listed out of order": len(late_first),
                  "full-width minutes": sum(has_fullwidth(ex.reports[d]["対面支援時間(分)"])
                                            for d in c.paid)})
    assert_dispatches(c, ("fee",))
    assert all(sum(int(c.tool_d[d]["fee"]) for d in c.days[day]) == DAY_CAP
               for day in c.model.capped_days)


def test_R_TRV_3_7_rail_express_and_private_car_routes_match(world: World) -> None:
    ex, c = world.ex, world.one
    express = [t for t in paid_lines(ex, c, "鉄道") if t["特急料金"] or t["指定席料金"]]
    km = Counter(t["片道距離(km)"] for t in express)
    routes = defaultdict(list)
    for t in paid_lines(ex, c, "私有車"):
        routes[t["派遣ID"]].append(num(t["走行距離(km)"]) or 0.0)
    fractional = [d for d, legs in routes.items() if int(sum(legs)) != sum(int(x) for x in legs)]
    assert_occur({**{f"rail km {k!r}": km[k] for k in ("99.9", "99.99", "100.0", "１００", "")},
                  "car routes whose fractions add up": len(fractional),
                  "full-width car km": sum(has_fullwidth(t["走行距離(km)"])
                                           for t in paid_lines(ex, c, "私有車"))})
    assert_dispatches(c, ("transport",))


def test_R_TRV_10_lodging_nights_and_guest_houses_match(world: World) -> None:
    ex, c = world.ex, world.one
    lines = paid_lines(ex, c, "宿泊")
    assert_occur({"nights missing": sum(t["泊数"] == "" for t in lines),
                  "0 nights": sum(t["泊数"] == "0" for t in lines),
                  "3 nights": sum(t["泊数"] == "3" for t in lines),
                  "民泊/ゲストハウス": sum(nk(t["宿泊施設区分"]) in NOT_LODGING for t in lines)})
    assert_dispatches(c, ("lodging",))


def test_R_TRV_9_per_diem_by_summed_minutes_and_unpaid_distance(world: World) -> None:
    ex, c = world.ex, world.one
    km = day_km(ex)
    granted = [ex.day(d) for d, r in c.model.dispatches.items() if r["per_diem"]]
    paid_km = defaultdict(float)
    for d in c.paid:
        paid_km[ex.day(d)] = max(paid_km[ex.day(d)], num(ex.reports[d]["全行程距離(km)"]) or 0)
    cancelled_far = {ex.day(d) for d, r in ex.dispatches.items()
                     if nk(r["状態"]) == "キャンセル" and d in ex.reports
                     and (num(ex.reports[d]["全行程距離(km)"]) or 0) >= PER_DIEM_KM}
    assert_occur({
        "days from summed short minutes": sum(
            all(ex.minutes(d) < 30 for d in c.days[day]) for day in granted),
        "days qualified by an unpaid report": sum(paid_km[day] < PER_DIEM_KM for day in granted),
        "far cancelled reports ignored": sum(km[day] < PER_DIEM_KM
                                             for day in cancelled_far if day in paid_km)})
    assert_dispatches(c, ("per_diem",))


def test_decisions_totals_per_dispatch_and_nothing_for_held_or_excluded(world: World) -> None:
    c = world.one
    assert_dispatches(c, MONEY)
    unpaid = [f"{d}: {r['status']} total={r['total']}" for d, r in c.tool_d.items()
              if d not in c.paid and int(r["total"]) != 0]
    assert not unpaid, f"{len(unpaid)} unpaid dispatches carry yen: {unpaid[:5]}"


def test_R_TAX_1_2_3_expert_gross_withholding_net_match(world: World) -> None:
    c = world.one
    individuals = {e for e, r in world.ex.experts.items() if nk(r["区分"]) != "法人"}
    assert_occur({
        "individuals over 1,000,000 yen": sum(
            r["gross"] > 1_000_000 for e, r in c.model.experts.items() if e in individuals),
        "0-yen payees": sum(r["gross"] == 0 for r in c.model.experts.values()),
        "corporations": sum(e not in individuals for e in c.model.experts)})
    assert_same("payments", diffs(c.tool_p, c.model.experts, PAYMENT))
    counts = {e: {"dispatch_count": r["n"]} for e, r in c.model.experts.items()}
    assert_same("dispatch counts", diffs(c.tool_p, counts, ("dispatch_count",)))


def test_R_PAY_2_cycle_totals_match(world: World) -> None:
    cols = (*MONEY[:4], *PAYMENT)
    tool = {c: sum(int(r[c]) for r in world.one.tool_p.values()) for c in cols}
    mine = {c: sum(r[c] for r in world.one.model.experts.values()) for c in cols}
    assert_same("totals", diffs({"all": {c: str(v) for c, v in tool.items()}}, {"all": mine}, cols))


# ---------------------------------------------------------------- tests: two cycles


def test_R_FEE_3_R_TRV_9_two_cycles_carry_the_cap_and_the_per_diem(world: World) -> None:
    ex, (oct_, nov) = world.ex, world.two
    split = {ex.day(d) for d in oct_.paid} & {ex.day(d) for d in nov.paid}
    carried_cap = {day for day in nov.model.capped_days if oct_.model.carry.fee.get(day)}
    late_per_diem = {ex.day(d) for d, r in nov.model.dispatches.items() if r["per_diem"]} & split
    assert_occur({"expert-days split over two cycles": len(split),
                  "caps biting on what October paid": len(carried_cap),
                  "per diem booked in the later cycle": len(late_per_diem)})
    for c in world.two:
        assert_dispatches(c, MONEY)
        assert_same(f"{c.folder.name} payments", diffs(c.tool_p, c.model.experts, PAYMENT))


def test_R_TRV_2_travel_does_not_depend_on_how_cycles_split_the_year(world: World) -> None:
    """Only the cap (R-FEE-3) and the per diem (R-TRV-9) look at other dispatches: transport
    and lodging of a dispatch must be the same whether it is paid in one cycle or in two."""
    both = {**world.two[0].model.dispatches, **world.two[1].model.dispatches}
    assert set(both) == set(world.one.model.dispatches)
    tool = {**paid_rows(world.two[0]), **paid_rows(world.two[1])}
    assert_same("two cycles vs one", diffs(tool, world.one.model.dispatches,
                                           ("transport", "lodging")))


# ---------------------------------------------------------------- tests: documents


def fee_class(expert: dict[str, str]) -> str:
    """R-TAX-4 reading: 法人 apart; else the 報酬区分 column, a blank being 1号."""
    return "法人" if nk(expert["区分"]) == "法人" else (nk(expert["報酬区分"]) or "1号")


@pytest.mark.parametrize("which", ["one", "oct", "nov"])
def test_R_TAX_4_withholding_summary_rows_and_total_match_payments(world: World,
                                                                  which: str) -> None:
    c = {"one": world.one, "oct": world.two[0], "nov": world.two[1]}[which]
    want: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMARY, 0))
    for e, r in c.tool_p.items():
        for row in (want[fee_class(world.ex.experts[e])], want["total"]):
            row["payees"] += int(r["gross"]) > 0  # a 0-yen payee is no payee (readings.md)
            row["gross"] += int(r["gross"])
            row["withholding"] += int(r["withholding"])
    got = {r["fee_class"]: r for r in read_table(c.folder, "withholding_summary")}
    assert_same("withholding summary", diffs(got, want, SUMMARY))


@pytest.mark.parametrize("which", ["one", "oct", "nov"])
def test_R_PAY_1_zengin_trailer_matches_payments(world: World, which: str) -> None:
    c = {"one": world.one, "oct": world.two[0], "nov": world.two[1]}[which]
    (path,) = c.folder.glob("zengin_*.txt")
    records = [r for r in path.read_bytes().split(b"\r\n") if r not in (b"", b"\x1a")]
    assert {len(r) for r in records} == {120}
    amounts = sorted(int(r[80:90]) for r in records if r[:1] == b"2")
    (trailer,) = [r for r in records if r[:1] == b"8"]
    nets = sorted(int(r["net"]) for r in c.tool_p.values() if int(r["net"]) > 0)
    assert amounts == nets
    assert (int(trailer[1:7]), int(trailer[7:19])) == (len(nets), sum(nets))
