"""An independent, plain-Python model of the money rules, for test_oracle_stressed.py.

Written from ../shared/spec/rules.md and docs/readings.md only: it does not import
haken_batch (the CSV reading is its own too), so a shared bug cannot hide. It prices what
the tool decided to pay: the statuses (paid / held / excluded) are taken from the tool's
``dispatches.csv``, because deciding them (R-CHK-*, R-LIM-1, R-VAL-*) is not money and
would double the model. Corrections are not modelled (the generator writes none).

Rules covered: R-FEE-1..3, R-TRV-3..10 (lines), R-TRV-9 (per diem, across cycles),
R-TAX-1..3 (withholding), R-PAY-1/2 (one payment per expert per cycle).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# rules.md numbers, restated here on purpose (not read from rules/): an independent model.
RATE_PER_HOUR = 5280  # R-FEE-1
UNIT_MIN = 30  # R-FEE-2
DAY_CAP = 31680  # R-FEE-3
EXPRESS_KM = 100  # R-TRV-3
CAR_YEN_PER_KM = 37  # R-TRV-7
PER_DIEM = 1100  # R-TRV-9
PER_DIEM_KM = 100
PER_DIEM_MIN = 30
NIGHT_CAP = 9800  # R-TRV-10
NOT_LODGING = {"民泊", "ゲストハウス"}
TAX_LOW, TAX_HIGH, TAX_STEP = 1021, 2042, 1_000_000  # R-TAX-1, in 1/10,000
MONEY = ("fee", "transport", "per_diem", "lodging")

Day = tuple[str, str]  # (expert id, support date)


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    """Rows of ``name``.csv as dicts; UTF-8 (BOM or not) or CP932, as the contract allows."""
    raw = (folder / f"{name}.csv").read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    head = [h.strip() for h in rows[0]]
    return [dict(zip(head, r, strict=False)) for r in rows[1:] if any(c.strip() for c in r)]


def nk(s: str | None) -> str:
    """Full-width digits and signs become ASCII (the exports may carry either)."""
    return unicodedata.normalize("NFKC", s or "").strip()


def num(s: str | None) -> float | None:
    t = nk(s).replace(",", "")
    return None if t == "" else float(t)


def inum(s: str | None) -> int | None:
    v = num(s)
    return None if v is None else int(v)


def day_of(s: str) -> str:
    return nk(s).replace("/", "-")


def seconds(s: str) -> int:
    parts = [int(p) for p in nk(s).split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


@dataclass
class Exports:
    experts: dict[str, dict[str, str]]
    dispatches: dict[str, dict[str, str]]
    reports: dict[str, dict[str, str]]
    claims: dict[str, list[dict[str, str]]]  # by dispatch id, in line order

    def day(self, d: str) -> Day:
        return self.dispatches[d]["専門家ID"], day_of(self.reports[d]["支援日"])

    def minutes(self, d: str) -> int:
        return inum(self.reports[d]["対面支援時間(分)"]) or 0


def load(folder: Path) -> Exports:
    claims: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read_table(folder, "travel_claims"):
        claims[r["派遣ID"]].append(r)
    for lines in claims.values():
        lines.sort(key=lambda r: inum(r["明細番号"]) or 0)
    return Exports(
        experts={r["専門家ID"]: r for r in read_table(folder, "experts")},
        dispatches={r["派遣ID"]: r for r in read_table(folder, "dispatches")},
        reports={r["派遣ID"]: r for r in read_table(folder, "reports")},
        claims=dict(claims),
    )


@dataclass
class Carry:
    """What earlier cycles settled per expert-day (R-FEE-3 cap, R-TRV-9 minutes and once)."""

    fee: dict[Day, int] = field(default_factory=dict)
    minutes: dict[Day, int] = field(default_factory=dict)
    per_diem_days: set[Day] = field(default_factory=set)


@dataclass
class Result:
    dispatches: dict[str, dict[str, int]]
    experts: dict[str, dict[str, int]]
    carry: Carry  # after this cycle
    capped_days: set[Day]  # days on which R-FEE-3 cut something


def raw_fee(minutes: int) -> int:
    """R-FEE-1/2: whole half hours of one report at 5,280 yen an hour."""
    return minutes // UNIT_MIN * UNIT_MIN * RATE_PER_HOUR // 60


def line_yen(r: dict[str, str]) -> int:
    """Paid yen of one non-car line (R-TRV-3..6, 8, 10)."""
    mode, fare = nk(r["区分"]), inum(r["運賃"]) or 0
    if mode == "鉄道":  # R-TRV-3; a missing km reads as under 100 km (readings.md)
        km = num(r["片道距離(km)"])
        fees = (inum(r["特急料金"]) or 0) + (inum(r["指定席料金"]) or 0)
        return fare + (fees if km is not None and km >= EXPRESS_KM else 0)
    if mode in ("航空", "船"):  # R-TRV-4
        rt = inum(r["往復割引運賃"])
        return fare if rt is None else min(fare, rt)
    if mode == "バス":  # R-TRV-5
        return fare
    if mode == "タクシー":  # R-TRV-6
        return inum(r["金額"]) or 0
    if mode == "レンタカー":  # R-TRV-8: the approved amount, not the claim
        return inum(r["事務局精査額"]) or 0
    if mode == "宿泊":  # R-TRV-10; missing nights cap as one (readings.md)
        if nk(r["宿泊施設区分"]) in NOT_LODGING:
            return 0
        nights = inum(r["泊数"])
        return min(inum(r["金額"]) or 0, NIGHT_CAP * (1 if nights is None else nights))
    raise ValueError(f"unknown travel mode {mode!r}")


def car_yen(legs: list[dict[str, str]]) -> int:
    """R-TRV-7: one route per dispatch, km summed in micrometres, fraction dropped once."""
    um = sum(round((num(r["走行距離(km)"]) or 0) * 1_000_000_000) for r in legs)
    return um // 1_000_000_000 * CAR_YEN_PER_KM


def travel(lines: list[dict[str, str]]) -> tuple[int, int]:
    """(transport, lodging) of one dispatch."""
    cars = [r for r in lines if nk(r["区分"]) == "私有車"]
    others = [r for r in lines if nk(r["区分"]) != "私有車"]
    lodging = sum(line_yen(r) for r in others if nk(r["区分"]) == "宿泊")
    transport = sum(line_yen(r) for r in others if nk(r["区分"]) != "宿泊")
    return transport + car_yen(cars), lodging


def withholding(base: int, corporate: bool) -> int:
    """R-TAX-1: 10.21 % up to 1,000,000, 20.42 % above; yen fraction dropped once."""
    if corporate:
        return 0
    if base <= TAX_STEP:
        return base * TAX_LOW // 10000
    return ((base - TAX_STEP) * TAX_HIGH + TAX_STEP * TAX_LOW) // 10000


def day_km(ex: Exports) -> dict[Day, float]:
    """R-TRV-9 reading: largest trip km of any report of a non-cancelled dispatch."""
    out: dict[Day, float] = defaultdict(float)
    for d, r in ex.reports.items():
        if nk(ex.dispatches[d]["状態"]) != "キャンセル":
            out[ex.day(d)] = max(out[ex.day(d)], num(r["全行程距離(km)"]) or 0.0)
    return out


def paid_by_day(ex: Exports, paid: set[str]) -> dict[Day, list[str]]:
    """Paid dispatches per expert-day in start-time order (ties: id), R-FEE-3 reading."""
    days: dict[Day, list[str]] = defaultdict(list)
    for d in paid:
        days[ex.day(d)].append(d)
    for ds in days.values():
        ds.sort(key=lambda d: (seconds(ex.reports[d]["開始時刻"]), d))
    return days


def settle(ex: Exports, paid: set[str], carry: Carry | None = None) -> Result:
    """Price one cycle's paid dispatches, given what earlier cycles settled."""
    carry = carry or Carry()
    new = Carry(dict(carry.fee), dict(carry.minutes), set(carry.per_diem_days))
    rows: dict[str, dict[str, int]] = {}
    capped: set[Day] = set()
    km = day_km(ex)
    for key, ds in paid_by_day(ex, paid).items():
        used = carry.fee.get(key, 0)
        for d in ds:
            fee = min(raw_fee(ex.minutes(d)), DAY_CAP - used)
            capped |= {key} if fee < raw_fee(ex.minutes(d)) else set()
            used += fee
            transport, lodging = travel(ex.claims.get(d, []))
            rows[d] = {"fee": fee, "transport": transport, "per_diem": 0, "lodging": lodging}
        new.fee[key] = used
        new.minutes[key] = carry.minutes.get(key, 0) + sum(ex.minutes(d) for d in ds)
        qualifies = km[key] >= PER_DIEM_KM and new.minutes[key] >= PER_DIEM_MIN
        if qualifies and key not in carry.per_diem_days:  # once a day, across cycles
            rows[ds[0]]["per_diem"] = PER_DIEM
            new.per_diem_days.add(key)
    for r in rows.values():
        r["total"] = sum(r[c] for c in MONEY)
    return Result(rows, _experts(ex, rows), new, capped)


def _experts(ex: Exports, rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """R-PAY-1/2, R-TAX-2/3: one payment per expert; travel is in the withholding base."""
    out: dict[str, dict[str, int]] = {}
    for d, r in rows.items():
        e = out.setdefault(ex.dispatches[d]["専門家ID"], dict.fromkeys((*MONEY, "n"), 0))
        e["n"] += 1
        for c in MONEY:
            e[c] += r[c]
    for eid, e in out.items():
        e["gross"] = sum(e[c] for c in MONEY)
        e["withholding"] = withholding(e["gross"], nk(ex.experts[eid]["区分"]) == "法人")
        e["net"] = e["gross"] - e["withholding"]
    return out
