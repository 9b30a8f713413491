"""A generated fiscal year for the KPI/statement benchmark and tests (seeded, no clock).

Not the project's sample generator: only the columns the KPIs read, shaped like the contract.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import polars as pl

from haken_batch.jpcalendar import add_months, cycle_month, fiscal_year_start
from haken_batch.kpi.inputs import PLATFORM, YOROZU, Codes, KpiInputs
from haken_batch.rules import RuleBook


@dataclass(frozen=True)
class SyntheticYear:
    tables: dict[str, pl.DataFrame]
    decisions: pl.DataFrame  # settlement.dispatches of the last cycle
    previous: pl.DataFrame  # ledger of the earlier cycles


def generate(rules: RuleBook, *, cycle: str, dispatches: int, institutions: int = 100,
             experts: int = 2000, companies: int | None = None, seed: int = 1) -> SyntheticYear:
    rnd = random.Random(seed)
    codes = Codes.from_rules(rules)
    year, month = cycle_month(cycle)
    fy = fiscal_year_start(dt.date(year, month, 1), rules)
    cycles: list[str] = []
    y, m = fy.year, fy.month
    while (y, m) <= (year, month):
        cycles.append(f"{y:04d}-{m:02d}")
        y, m = add_months(y, m, 1)
    prefs = [p[1] for p in codes.prefectures]

    inst_rows: list[tuple[object, ...]] = []
    n_yorozu = min(47, max(1, institutions // 3))
    for i in range(institutions):
        iid = f"I{i:04d}"
        if i < n_yorozu:
            inst_rows.append((iid, f"{prefs[i % 47]}よろず支援拠点", YOROZU, None, None, None,
                              False, prefs[i % 47]))
        else:
            p = (i - n_yorozu) // 4
            inst_rows.append((iid, f"支援機関{i}", PLATFORM, rnd.randint(1, 12), f"P{p:03d}",
                              f"地域プラットフォーム{p}", (i - n_yorozu) % 4 == 0,
                              prefs[p % 47]))
    inst = pl.DataFrame(inst_rows, orient="row", schema={
        "institution_id": pl.String, "name": pl.String, "channel": pl.String,
        "kind": pl.Int64, "platform_id": pl.String, "platform_name": pl.String,
        "is_representative": pl.Boolean, "prefecture": pl.String})

    quals = list(codes.qualifications)
    exp = pl.DataFrame({
        "expert_id": [f"E{i:05d}" for i in range(experts)],
        "name": [f"専門家 {i}" for i in range(experts)],
        "payee_type": [rnd.choice(["個人", "個人", "個人", "法人"]) for _ in range(experts)],
        "qualifications": [rnd.sample(quals, rnd.choice([0, 1, 1, 2])) for _ in range(experts)],
    }, schema={"expert_id": pl.String, "name": pl.String, "payee_type": pl.String,
               "qualifications": pl.List(pl.String)})

    n_comp = companies or max(1, dispatches // 2)
    comp_pref = [rnd.choice(prefs) for _ in range(n_comp)]
    comp_ind = [rnd.choice(codes.jsic)[0] for _ in range(n_comp)]
    comp_class = [rnd.choice(codes.company_classes) for _ in range(n_comp)]
    rows = []
    dec = []
    for d in range(dispatches):
        cyc = cycles[d * len(cycles) // dispatches]
        cy, cm = cycle_month(cyc)
        day = dt.date(cy, cm, rnd.randint(1, 28))
        c = rnd.randrange(n_comp)
        did = f"D{d:07d}"
        iid = f"I{rnd.randrange(institutions):04d}"
        eid = f"E{rnd.randrange(experts):05d}"
        rows.append((did, iid, eid, f"C{c:06d}", f"株式会社サンプル{c}",
                     f"{comp_pref[c]}サンプル市{c % 97}-{c % 13}", f"03-{c % 10000:04d}-0000",
                     comp_pref[c], comp_ind[c], rnd.randint(0, 300), comp_class[c],
                     rnd.choice(codes.issue_categories), day - dt.timedelta(days=14), day,
                     "実施済"))
        status = "paid" if cyc != cycle else rnd.choice(["paid"] * 8 + ["held", "excluded"])
        fee = 2640 * rnd.randint(0, 12) if status != "excluded" else 0
        transport = rnd.randint(0, 20000) if status != "excluded" else 0
        per_diem = rnd.choice([0, 1100]) if status != "excluded" else 0
        lodging = rnd.choice([0, 0, 0, 9800]) if status != "excluded" else 0
        if status == "held":
            fee = transport = per_diem = lodging = 0
        dec.append((cyc, did, eid, iid, day, status, fee, transport, per_diem, lodging,
                    fee + transport + per_diem + lodging))
    table = pl.DataFrame(rows, orient="row", schema={
        "dispatch_id": pl.String, "institution_id": pl.String, "expert_id": pl.String,
        "company_id": pl.String, "company_name": pl.String, "company_address": pl.String,
        "company_phone": pl.String, "company_prefecture": pl.String, "industry": pl.String,
        "employees": pl.Int64, "company_class": pl.String, "issue_category": pl.String,
        "applied_on": pl.Date, "scheduled_on": pl.Date, "status": pl.String})
    all_dec = pl.DataFrame(dec, orient="row", schema={
        "cycle": pl.String, "dispatch_id": pl.String, "expert_id": pl.String,
        "institution_id": pl.String, "support_date": pl.Date, "status": pl.String,
        "fee": pl.Int64, "transport": pl.Int64, "per_diem": pl.Int64, "lodging": pl.Int64,
        "total": pl.Int64})
    decisions = (
        all_dec.filter(pl.col("cycle") == cycle)
        .select("dispatch_id", "expert_id", "institution_id", "support_date", "status",
                "fee", "transport", "per_diem", "lodging", "total",
                pl.lit("").alias("rules"))
        .sort("dispatch_id")
    )
    previous = (
        all_dec.filter(pl.col("cycle") != cycle)
        .select("cycle", "dispatch_id", "expert_id", "support_date",
                pl.lit(None, dtype=pl.Time).alias("start_time"),
                "fee", "transport", "per_diem", "lodging", "total",
                pl.lit(60, dtype=pl.Int64).alias("face_to_face_minutes"))
        .sort("cycle", "dispatch_id")
    )
    return SyntheticYear(
        tables={"institutions": inst, "experts": exp, "dispatches": table},
        decisions=decisions, previous=previous)


def inputs(rules: RuleBook, year: SyntheticYear, cycle: str) -> KpiInputs:
    y, m = cycle_month(cycle)
    end = dt.date(*add_months(y, m, 1), 1) - dt.timedelta(days=1)
    return KpiInputs.build(cycle=cycle, rules=rules, cutoff=end,
                           transfer_date=dt.date(*add_months(y, m, 1), 20),
                           decisions=year.decisions, previous=year.previous,
                           tables=year.tables)
