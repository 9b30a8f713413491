"""The bundled FY2021 sample: seeded background exports + the planted cases of ``planted``.

``build()`` is pure (same bytes every time); ``write(root)`` writes ``samples/fy2021/*.csv``,
``samples/fy2021-xlsx/haken_fy2021.xlsx``, ``samples/expected-fy2021.yaml`` and
``samples/README.md``. ``samples/make_fy2021.py`` calls it; a test checks the committed
files equal what it produces.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from haken_batch.samplegen import planted as P
from haken_batch.samplegen import refdata as R
from haken_batch.samplegen.contract import KEYS, label
from haken_batch.samplegen.core import Shape, _houjin_digits, _rows_to_str, generate
from haken_batch.samplegen.readme_text import README_HEAD
from haken_batch.samplegen.writer import Overrides, csv_bytes, write_xlsx

SEED = 20211206
BACKGROUND_DISPATCHES = 1150
BACKGROUND_EXPERTS = 420
PLATFORMS = 8
CSV_TABLES = (
    "experts",
    "institutions",
    "dispatches",
    "reports",
    "checkins",
    "travel_claims",
    "corrections",
)


@dataclass(frozen=True)
class Sample:
    tables: dict[str, pl.DataFrame]
    overrides: Overrides
    validation: list[dict[str, object]]
    cases: list[P.Case]


def _experts(bg: pl.DataFrame) -> pl.DataFrame:
    template = bg.row(0, named=True)
    rows = []
    for i, e in enumerate(P.EXPERTS):
        pref = next(p for p in R.PREFECTURES if p[0] == e.prefecture)
        rows.append(
            {
                **template,
                "expert_id": e.id,
                "name": e.name,
                "name_kana": e.kana,
                "payee_type": e.payee_type,
                "fee_class": e.fee_class,
                "postal_code": f"{pref[5]}-{1000 + i * 37:04d}",
                "address": f"{e.prefecture}{pref[1]}{R.TOWNS[i % len(R.TOWNS)]}"
                f"{i % 5 + 1}-{i + 2}-{i % 9 + 1}",
                "prefecture": e.prefecture,
                "qualifications": e.qualifications,
                "specialties": "経営戦略;販路開拓",
                "recommending_institution_id": "YR13",
                "certified_support_org": e.payee_type == "法人",
                "years_experience": 12 + i % 20,
                "years_sme_support": 5 + i % 15,
                "years_teaching": 0,
                "registered_on": dt.date(2016 + i % 5, 4, 1 + i % 28),
                "commission_terms_agreed_on": dt.date(2021, 3, 20),
                "commission_accepted_on": dt.date(2021, 3, 25),
                "bank_code": e.bank,
                "branch_code": e.branch,
                "account_type": 2 if e.payee_type == "法人" else 1,
                "account_number": e.account,
                "account_holder_kana": e.holder,
                "public_salary_subsidy": e.subsidy,
                "paid_by_institution_ids": e.paid_by,
                "member_of_institution_ids": e.member_of,
                "my_number_on_file": True,
                "renew_next_year": None,
            }
        )
    return pl.DataFrame(rows, schema=bg.schema, orient="row")


def _institutions(bg: pl.DataFrame) -> pl.DataFrame:
    if bg.filter(pl.col("platform_id") == P.PLATFORM_ID).height:
        raise AssertionError("the seeded platforms must not include the planted one")
    rows = [
        {
            "institution_id": iid,
            "name": name,
            "channel": "地域プラットフォーム",
            "kind": kind,
            "platform_id": P.PLATFORM_ID,
            "platform_name": P.PLATFORM_NAME,
            "is_representative": rep,
            "prefecture": "東京都",
            "email": f"{iid.lower()}@example.jp",
        }
        for iid, name, kind, rep in P.PLATFORM
    ]
    return pl.concat([bg, pl.DataFrame(rows, schema=bg.schema, orient="row")])


def _companies(cases: list[P.Case]) -> dict[str, dict[str, object]]:
    keys = sorted({c.company for c in cases})
    rng = np.random.default_rng(SEED + 1)
    numbers = _rows_to_str(_houjin_digits(rng, len(keys))).to_list()
    stems = rng.integers(0, len(R.COMPANY_STEMS), size=len(keys))
    letters = [x[0] for x in R.INDUSTRY_WEIGHTS]
    ind = rng.integers(0, len(letters), size=len(keys))
    out = {}
    for i, key in enumerate(keys):
        first = next(c for c in cases if c.company == key)
        _lat, _lon, pref, stem = P.PLACES[first.place]
        area = next(p[4] for p in R.PREFECTURES if p[0] == pref)
        letter = letters[int(ind[i])]
        out[key] = {
            "company_id": numbers[i],
            "company_name": "株式会社"
            + R.COMPANY_STEMS[int(stems[i])]
            + R.INDUSTRY_SUFFIX[letter][0],
            "company_address": f"{stem}{i % 4 + 1}-{i % 17 + 1}-{i % 11 + 1}",
            "company_phone": f"{area}-{(1234 + i * 7) % 10000:04d}-{(5678 + i * 13) % 10000:04d}"
            if len(area) == 2
            else f"{area}-{(123 + i) % 1000:03d}-{(5678 + i * 13) % 10000:04d}",
            "company_prefecture": pref,
            "industry": letter,
            "employees": 3 + i % 40,
            "company_class": "小規模事業者" if i % 3 else "中小企業",
        }
    return out


def _at(day: dt.date, t: dt.time, minutes: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, t) + dt.timedelta(minutes=minutes)


def _planted_frames(cases: list[P.Case], schema: dict[str, pl.Schema]) -> dict[str, pl.DataFrame]:
    comp = _companies(cases)
    disp, reps, cins, claims = [], [], [], []
    for c in cases:
        lat, lon, _pref, _stem = P.PLACES[c.place]
        company = comp[c.company]
        disp.append(
            {
                "dispatch_id": c.id,
                "institution_id": c.institution,
                "expert_id": c.expert,
                **company,
                "issue_category": c.issue,
                "applied_on": c.day - dt.timedelta(days=14),
                "scheduled_on": c.day,
                "status": c.status,
                "expert_initiated": c.expert_initiated,
                "web_meeting": c.web,
                "web_meeting_approved": c.web_ok,
                "limit_exception": c.limit_exception,
            }
        )
        if c.status != "実施済":
            continue
        reps.append(
            {
                "dispatch_id": c.id,
                "support_date": c.day,
                "start_time": c.start,
                "end_time": c.end,
                "face_to_face_minutes": c.face,
                "place_address": company["company_address"],
                "place_lat": lat,
                "place_lon": lon,
                "trip_km": c.trip_km,
                "accompanied": c.accompanied,
                "accompany_minutes": c.face if c.accompanied else None,
                "no_accompany_reason": c.no_accompany_reason,
                "declaration_submitted": c.declaration,
                "company_confirmed": c.confirmed,
                "approved_at": c.approved_at(),
            }
        )
        if c.checkins:
            cin = {
                "dispatch_id": c.id,
                "event": "チェックイン",
                "at": _at(c.day, c.start, c.checkin_shift),
                "lat": round(lat + c.checkin_dlat, 6),
                "lon": lon,
                "signed": None,
            }
            cins.append(cin)
            if c.duplicate_checkin:
                cins.append(dict(cin))
            cins.append(
                {
                    "dispatch_id": c.id,
                    "event": "チェックアウト",
                    "at": c.extra.get("checkout_at", _at(c.day, c.end, 4)),
                    "lat": lat,
                    "lon": lon,
                    "signed": c.signed,
                }
            )
        for n, cl in enumerate(c.claims, start=1):
            claims.append(
                {
                    "dispatch_id": c.id,
                    "line_no": n,
                    "mode": cl.mode,
                    "used_on": c.day + dt.timedelta(days=cl.day_offset),
                    "origin": cl.origin,
                    "destination": cl.destination,
                    "one_way_km": cl.one_way_km,
                    "fare": cl.fare,
                    "express_fee": cl.express_fee,
                    "reserved_fee": cl.reserved_fee,
                    "round_trip_fare": cl.round_trip_fare,
                    "seat_class": cl.seat_class,
                    "high_speed_boat": cl.high_speed_boat,
                    "distance_km": cl.distance_km,
                    "nights": cl.nights,
                    "lodging_type": cl.lodging_type,
                    "amount": cl.amount,
                    "approved_amount": cl.approved_amount,
                    "receipt": cl.receipt,
                    "boarding_pass": cl.boarding_pass,
                    "reason": cl.reason,
                }
            )
    # a travel line whose dispatch id does not exist (a typo in the export), R-VAL-1
    claims.append(
        {
            **dict.fromkeys(schema["travel_claims"].names()),
            "dispatch_id": P.UNKNOWN_DISPATCH,
            "line_no": 1,
            "mode": "バス",
            "used_on": dt.date(2021, 10, 6),
            "origin": "新宿駅",
            "destination": "支援先",
            "fare": 500,
            "receipt": False,
        }
    )
    return {
        "dispatches": pl.DataFrame(disp, schema=schema["dispatches"], orient="row"),
        "reports": pl.DataFrame(reps, schema=schema["reports"], orient="row"),
        "checkins": pl.DataFrame(cins, schema=schema["checkins"], orient="row"),
        "travel_claims": pl.DataFrame(claims, schema=schema["travel_claims"], orient="row"),
    }


def _corrections() -> pl.DataFrame:
    rows = [
        dict(
            zip(
                ("table", "key", "column", "value", "reason", "corrected_by", "corrected_at"),
                c,
                strict=True,
            )
        )
        for c in P.CORRECTIONS
    ]
    return pl.DataFrame(
        rows,
        schema={
            "table": pl.String,
            "key": pl.String,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "corrected_by": pl.String,
            "corrected_at": pl.Datetime("us"),
        },
        orient="row",
    )


def _sort(table: str, df: pl.DataFrame) -> pl.DataFrame:
    if table == "checkins":  # チェックイン before チェックアウト
        return df.sort("dispatch_id", "event", descending=[False, True], maintain_order=True)
    if not KEYS[table]:
        return df
    return df.sort(list(KEYS[table]), maintain_order=True)


def _row_of(df: pl.DataFrame, table: str, key: tuple[str, ...], occurrence: int = 1) -> int:
    """The Excel row (header = 1) of the n-th row with this key."""
    mask = pl.lit(True)
    for name, value in zip(KEYS[table], key, strict=True):
        mask = mask & (pl.col(name).cast(pl.String) == value)
    idx = df.with_row_index("_r").filter(mask)["_r"].to_list()
    return int(idx[occurrence - 1]) + 2


def build() -> Sample:
    bg = generate(
        BACKGROUND_DISPATCHES,
        SEED,
        Shape(
            anomaly_rate=0.0,
            platforms=PLATFORMS,
            experts=BACKGROUND_EXPERTS,
            platform_skip=("東京都",),
        ),
    )
    cases = P.cases()
    schema = {k: v.schema for k, v in bg.items()}
    planted = _planted_frames(cases, schema)
    tables = {
        "experts": pl.concat([bg["experts"], _experts(bg["experts"])]),
        "institutions": _institutions(bg["institutions"]),
        **{k: pl.concat([bg[k], planted[k]]) for k in planted},
        "corrections": _corrections(),
    }
    tables = {k: _sort(k, v) for k, v in tables.items()}

    overrides: Overrides = {(t, key, col): text for t, key, col, text, _rule, _what in P.CELLS}
    validation: list[dict[str, object]] = [
        {
            "file": f"{t}.csv",
            "row": _row_of(tables[t], t, key),
            "column": label(t, col),
            "value": text,
            "rule_id": rule,
            "what": what,
        }
        for t, key, col, text, rule, what in P.CELLS
    ]
    dup = next(c for c in cases if c.duplicate_checkin)
    for occurrence in (1, 2):  # both rows of a duplicated key (派遣ID + 種別)
        validation.append(
            {
                "file": "checkins.csv",
                "row": _row_of(
                    tables["checkins"], "checkins", (dup.id, "チェックイン"), occurrence
                ),
                "column": "種別",
                "value": "チェックイン",
                "rule_id": "R-VAL-1",
                "what": "キー（派遣ID+種別）の重複",
            }
        )
    validation.append(
        {
            "file": "travel_claims.csv",
            "row": _row_of(tables["travel_claims"], "travel_claims", (P.UNKNOWN_DISPATCH, "1")),
            "column": "派遣ID",
            "value": P.UNKNOWN_DISPATCH,
            "rule_id": "R-VAL-1",
            "what": "存在しない派遣IDへの参照",
        }
    )
    for eid, col, what in (
        ("EP032", "bank_code", "存在しない金融機関コード（zengin-code にない）"),
        ("EP033", "account_number", "口座番号が8桁"),
        ("EP034", "account_holder_kana", "口座名義が漢字（全銀カナに変換できない）"),
    ):
        e = next(x for x in P.EXPERTS if x.id == eid)
        value = {"bank_code": e.bank, "account_number": e.account, "account_holder_kana": e.holder}[
            col
        ]
        validation.append(
            {
                "file": "experts.csv",
                "row": _row_of(tables["experts"], "experts", (eid,)),
                "column": label("experts", col),
                "value": value,
                "rule_id": "R-VAL-2",
                "what": what,
            }
        )
    return Sample(tables, overrides, validation, cases)


# ---------------------------------------------------------------------------------------
# expectations and README


def expected(sample: Sample) -> dict[str, object]:
    cases = []
    for c in sample.cases:
        for e in c.expect:
            cases.append(
                {
                    "dispatch_id": c.id,
                    "rule": c.rule,
                    "cycle": e.cycle,
                    "status": e.status,
                    "fee": e.fee,
                    "transport": e.transport,
                    "per_diem": e.per_diem,
                    "lodging": e.lodging,
                    "total": e.total,
                    "rules_any": list(e.rules),
                    "flags": list(e.flags),
                    "also": list(c.also),
                    "expert_id": c.expert,
                    "what": c.what,
                    "calc": c.calc,
                }
            )
    return {
        "description": "Planted cases of samples/fy2021 with expectations computed by hand from "
        "rules.md. "
        "A cycle is settled into an OUT that holds no later cycle; 2021-10 is the first "
        "(everything approved up to 2021-10-31), 2021-11 entries assume 2021-10 was settled "
        "first in the same OUT. Held and excluded dispatches pay 0. rules_any: the dispatch's "
        "rules column contains at least one of these ids.",
        "cases": cases,
        "tax": [dict(asdict(t), rules=list(t.rules)) for t in P.TAX],
        "validation": sample.validation,
        "corrections": [
            {"table": t, "key": k, "column": col, "value": v, "reason": r, "corrected_by": by}
            for t, k, col, v, r, by, _at in P.CORRECTIONS
        ],
        "not_triggerable": P.NOT_TRIGGERABLE,
    }


def _cell(text: str) -> str:
    """Markdown table cell: a literal pipe must not end the cell."""
    return text.replace("|", "\\|")


def _yen(v: int) -> str:
    return f"{v:,}"


def readme(sample: Sample, exp: dict[str, object]) -> str:
    bg = sample.tables["dispatches"].filter(~pl.col("dispatch_id").str.starts_with("D21-P"))
    n_pf = sample.tables["institutions"]["platform_id"].drop_nulls().n_unique()
    out = io.StringIO()
    out.write(
        README_HEAD.format(
            n_bg=bg.height,
            n_exp=BACKGROUND_EXPERTS,
            seed=SEED,
            n_pf=n_pf,
            n_cases=len(sample.cases),
        )
    )
    for c in sorted(sample.cases, key=lambda c: (c.rule, c.id)):
        rule = c.rule + (" (" + ", ".join(c.also) + ")" if c.also else "")
        if not c.expect:
            out.write(
                f"| {c.id} | {rule} | {_cell(c.what)} | — | (cancelled) | | | | | | "
                f"{_cell(c.calc)} |\n"
            )
        for e in c.expect:
            status = (
                e.status
                + (" · " + "/".join(e.rules) if e.rules else "")
                + (" · flag " + "/".join(e.flags) if e.flags else "")
            )
            out.write(
                f"| {c.id} | {rule} | {_cell(c.what)} | {e.cycle} | {status} | {_yen(e.fee)} | "
                f"{_yen(e.transport)} | {_yen(e.per_diem)} | {_yen(e.lodging)} | {_yen(e.total)} | "
                f"{_cell(c.calc)} |\n"
            )
    out.write("\n## 源泉徴収 / Withholding per expert (R-TAX-1..3, cycle 2021-10)\n")
    out.write(
        "| expert | type | rules | gross | withholding | net | arithmetic |\n"
        "|---|---|---|---:|---:|---:|---|\n"
    )
    for t in P.TAX:
        out.write(
            f"| {t.expert_id} | {t.payee_type} | {', '.join(t.rules)} | {_yen(t.gross)} | "
            f"{_yen(t.withholding)} | {_yen(t.net)} | {_cell(t.calc)} |\n"
        )
    out.write(
        "\nThe unknown bank code (EP032) is well-formed; it is found by the bank-master check "
        "(zengin-code), which may run in `validate` or only in `settle`.\n"
    )
    out.write("\n## 事務局修正 / Corrections (`corrections.csv`, applied in order)\n")
    out.write("| table | key | column | new value | reason | by |\n|---|---|---|---|---|---|\n")
    for table, k, col, value, r, by, _at in P.CORRECTIONS:
        out.write(f"| {table} | {k} | {col} | {value} | {_cell(r)} | {by} |\n")
    out.write("\n## 精算で起こらない規則 / Rule ids no dispatch can trigger\n")
    for rid, why in P.NOT_TRIGGERABLE.items():
        out.write(f"- {rid}: {why}\n")
    return out.getvalue()


def outputs(sample: Sample | None = None) -> dict[str, bytes]:
    """Relative path under samples/ → bytes, for everything but the workbook."""
    s = sample or build()
    files = {f"fy2021/{t}.csv": csv_bytes(t, s.tables[t], s.overrides) for t in CSV_TABLES}
    exp = expected(s)
    files["expected-fy2021.yaml"] = (
        "# Generated by samples/make_fy2021.py from haken_batch.samplegen.planted — do not edit.\n"
        + yaml.safe_dump(exp, allow_unicode=True, sort_keys=False, width=120)
    ).encode("utf-8")
    files["README.md"] = readme(s, exp).encode("utf-8")
    return files


def write(root: Path) -> list[Path]:
    s = build()
    written = []
    for rel, data in outputs(s).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    xlsx_tables = {t: s.tables[t] for t in CSV_TABLES}
    written.append(write_xlsx(xlsx_tables, root / "fy2021-xlsx" / "haken_fy2021.xlsx", s.overrides))
    return written
