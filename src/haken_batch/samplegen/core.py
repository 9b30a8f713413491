"""A seeded, vectorised generator of the dispatch system's exports (any size, ≤ 1,000,000).

``generate(n, seed)`` returns typed frames (English column names of the input contract)
describing the fiscal year as the system exports it in early December 2021: support dates
from 2021-04-01 on working days, December dispatches still scheduled, a few cancelled,
reports approved a few days after the support (the latest not yet approved), check-ins,
travel claims of every mode. Random draws are numpy (one ``Generator`` seeded once, drawn
in a fixed order), frames are built with polars gathers — no per-row Python, so 1,000,000
dispatches take seconds. Same ``n`` and ``seed`` → the same frames.

Distributions (documented for benchmarks; none of them is a rule of the program):
companies by prefecture population; experts mostly from the company's prefecture and
unevenly busy (log-normal activity); at most one support per expert per day; start 9:00–
15:30 on the half hour, 60–180 minutes; round trips log-normal locally, great-circle × 1.25
between prefectures; modes by one-way distance (bus / private car / rail, express from
100 km, air from 600 km or to Okinawa, some boats, taxis and rental cars); lodging on most
trips of 150 km or more one way; approval lag log-normal (median 3 days).
``anomaly_rate`` plants a small share of realistic faults (unsigned check-outs, late
check-ins, missing receipts, unapproved web meetings, no company confirmation, over-limit
companies) so benchmarks exercise holds; the bundled sample uses 0 and plants its own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from haken_batch.samplegen import refdata as R

FIRST_DAY = dt.date(2021, 4, 1)
LAST_DAY = dt.date(2021, 12, 24)
EXPORTED_AT = dt.datetime(2021, 12, 6, 9, 0)  # the export's snapshot (JST)
EXPERTS_PER_DISPATCH = 7000 / 11500  # the seed's volumes
MIN_EXPERTS = 300
MAX_DISPATCHES = 1_000_000


@dataclass(frozen=True)
class Shape:
    """What a caller may tune; defaults give the realistic mix."""

    anomaly_rate: float = 0.01
    platforms: int | None = None  # None: one per prefecture; the bundled sample uses 8
    experts: int | None = None  # None: scales with n
    id_prefix: str = "D21-"
    platform_skip: tuple[str, ...] = ()  # prefectures given no seeded platform


def working_days(first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY) -> list[dt.date]:
    """Weekdays that are not public holidays nor 29 Dec – 3 Jan (supports happen on these)."""
    import jpholiday

    days = []
    d = first
    while d <= last:
        closed = (d.month, d.day) in {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
        if d.weekday() < 5 and not jpholiday.is_holiday(d) and not closed:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _pick(rng: np.random.Generator, weights: tuple[tuple[str, int], ...], size: int) -> np.ndarray:
    w = np.array([x[1] for x in weights], dtype=float)
    return rng.choice(len(weights), size=size, p=w / w.sum())


def _s(values: list[str] | tuple[str, ...]) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String)


def _gather(values: list[str] | tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return _s(values).gather(pl.Series(idx.astype(np.int64)))


def _dates(start: dt.date, offsets: np.ndarray) -> pl.Series:
    """``start`` + offsets (days) as a Date series."""
    epoch = (start - dt.date(1970, 1, 1)).days
    return pl.Series(offsets.astype(np.int32) + epoch).cast(pl.Date)


def _short(pref: str) -> str:
    return pref if pref == "北海道" else pref[:-1]


def _city(capital: str, pref: str) -> str:
    return capital.split("市")[0] if "市" in capital else _short(pref)


def _airport(pref: str, capital: str) -> str:
    special = {
        "北海道": "新千歳空港",
        "東京都": "羽田空港",
        "大阪府": "伊丹空港",
        "愛知県": "中部国際空港",
        "千葉県": "成田空港",
        "沖縄県": "那覇空港",
    }
    return special.get(pref, _city(capital, pref) + "空港")


def _digits(rng: np.random.Generator, size: int, n: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**n, size=size)).cast(pl.String).str.zfill(n)


def _rows_to_str(a: np.ndarray) -> pl.Series:
    """Digits matrix → strings, vectorised via integer arithmetic (13 digits fit in int64)."""
    v = np.zeros(a.shape[0], dtype=np.int64)
    for j in range(a.shape[1]):
        v = v * 10 + a[:, j]
    return pl.Series(v).cast(pl.String).str.zfill(a.shape[1])


def _great_circle_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def _round10(x: np.ndarray) -> np.ndarray:
    return (np.ceil(x / 10.0) * 10).astype(np.int64)


def rail_fare(km: np.ndarray) -> np.ndarray:
    """A JR-like fare by one-way km (the generator's model, not a rule)."""
    base = np.where(km <= 300, km * 16.2, 300 * 16.2 + (km - 300) * 12.85)
    return np.maximum(_round10(base), 150)


def express_fee(km: np.ndarray) -> np.ndarray:
    return _round10(1760 + np.maximum(km - 100, 0) * 9.5)


# ---------------------------------------------------------------------------------------
# institutions


def institutions(
    rng: np.random.Generator, platforms: int | None, skip: tuple[str, ...] = ()
) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for i, (pref, *_rest) in enumerate(R.PREFECTURES):
        code = i + 1
        rows.append(
            {
                "institution_id": f"YR{code:02d}",
                "name": f"{pref}よろず支援拠点",
                "channel": "よろず支援拠点",
                "kind": None,
                "platform_id": None,
                "platform_name": None,
                "is_representative": False,
                "prefecture": pref,
                "email": f"yorozu{code:02d}@example.jp",
            }
        )
    n_pf = len(R.PREFECTURES) if platforms is None else platforms
    pop = np.array([0.0 if p[0] in skip else p[6] for p in R.PREFECTURES], dtype=float)
    chosen = (
        np.flatnonzero(pop > 0)
        if n_pf >= int((pop > 0).sum())
        else np.sort(rng.choice(len(R.PREFECTURES), size=n_pf, replace=False, p=pop / pop.sum()))
    )
    for pi in chosen.tolist():
        pref, capital = R.PREFECTURES[pi][0], R.PREFECTURES[pi][1]
        code = pi + 1
        pf_id = f"PF{code:02d}"
        pf_name = f"{_short(pref)}地域中小企業支援プラットフォーム"
        rep_kind = int(rng.choice([2, 5, 7]))
        others = [k for k in range(1, 13) if k != rep_kind]
        n_const = int(rng.integers(3, 7))
        kinds = [rep_kind, *sorted(int(k) for k in rng.choice(others, size=n_const, replace=False))]
        for j, kind in enumerate(kinds):
            name = R.KIND_NAMES[kind].format(p=_short(pref), c=_city(capital, pref))
            rows.append(
                {
                    "institution_id": f"{pf_id}-{j + 1:02d}",
                    "name": name,
                    "channel": "地域プラットフォーム",
                    "kind": kind,
                    "platform_id": pf_id,
                    "platform_name": pf_name,
                    "is_representative": j == 0,
                    "prefecture": pref,
                    "email": f"pf{code:02d}-{j + 1:02d}@example.jp",
                }
            )
    schema = {
        "institution_id": pl.String,
        "name": pl.String,
        "channel": pl.String,
        "kind": pl.Int64,
        "platform_id": pl.String,
        "platform_name": pl.String,
        "is_representative": pl.Boolean,
        "prefecture": pl.String,
        "email": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("institution_id")


# ---------------------------------------------------------------------------------------
# experts


def _kana_tables() -> tuple[list[str], list[str], list[str]]:
    """Per (surname, given) combo: full-width kana, the bank's half-width large-kana form."""
    import jaconv

    small = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")
    full, half, names = [], [], []
    for s, sk in R.SURNAMES:
        for g, gk in R.GIVEN_NAMES:
            names.append(f"{s}\u3000{g}")
            full.append(f"{sk}\u3000{gk}")
            half.append(jaconv.z2h(f"{sk} {gk}".translate(small), kana=True, ascii=True))
    return names, full, half


def experts(rng: np.random.Generator, n_exp: int, inst: pl.DataFrame) -> pl.DataFrame:
    import jaconv

    n_pref = len(R.PREFECTURES)
    pop = np.array([p[6] for p in R.PREFECTURES], dtype=float)
    pref = rng.choice(n_pref, size=n_exp, p=pop / pop.sum())
    corp = rng.random(n_exp) < 0.06
    combo = rng.integers(0, len(R.SURNAMES) * len(R.GIVEN_NAMES), size=n_exp)
    firm = rng.integers(0, len(R.FIRM_STEMS), size=n_exp)
    half_holder = rng.random(n_exp) < 0.6
    names, kana_full, kana_half = _kana_tables()
    firm_names = [f"株式会社{s}" for s, _ in R.FIRM_STEMS]
    firm_kana = [f"カブシキガイシャ{k}" for _, k in R.FIRM_STEMS]
    firm_holder = [
        "ｶ)" + jaconv.z2h(k.replace("-", "ｰ"), kana=True, ascii=True).replace("ｰ", "-")
        for _, k in R.FIRM_STEMS
    ]
    person_name = _gather(names, combo)
    person_kana = _gather(kana_full, combo)
    holder = pl.select(
        pl.when(pl.Series(half_holder)).then(_gather(kana_half, combo)).otherwise(person_kana)
    ).to_series()
    q_choice = _pick(rng, R.QUALIFICATIONS, n_exp)
    q2 = _pick(rng, R.QUALIFICATIONS, n_exp)
    q_names = [q for q, _ in R.QUALIFICATIONS]
    q1s, q2s = _gather(q_names, q_choice), _gather(q_names, q2)
    two = (
        (rng.random(n_exp) < 0.25)
        & (q2 != q_choice)
        & (q_choice != len(q_names) - 1)
        & (q2 != len(q_names) - 1)
    )
    sp = rng.integers(0, len(R.SPECIALTIES), size=(n_exp, 2))
    sp_two = (rng.random(n_exp) < 0.6) & (sp[:, 0] != sp[:, 1])
    caps = [p[1] for p in R.PREFECTURES]
    pref_names = [p[0] for p in R.PREFECTURES]
    postal = [p[5] for p in R.PREFECTURES]
    town = rng.integers(0, len(R.TOWNS), size=n_exp)
    chome = rng.integers(1, 6, size=(n_exp, 3)) * np.array([1, 5, 4]) + np.array([0, 0, 1])
    # recommending institution: own prefecture's よろず, sometimes a platform institution
    yr_ids = [f"YR{i + 1:02d}" for i in range(n_pref)]
    pf_ids = inst.filter(pl.col("channel") == "地域プラットフォーム")
    pf_list = pf_ids["institution_id"].to_list()
    spared = set(pf_ids.filter(pl.col("kind") <= 4)["institution_id"].to_list())
    use_pf = (rng.random(n_exp) < 0.25) & (len(pf_list) > 0)
    pf_pick = rng.integers(0, max(len(pf_list), 1), size=n_exp)
    rec = pl.select(
        pl.when(pl.Series(use_pf))
        .then(_gather(pf_list or ["YR01"], pf_pick))
        .otherwise(_gather(yr_ids, pref))
    ).to_series()
    member = rng.random(n_exp) < 0.5
    bank_pair = rng.integers(0, len(R.BANK_BRANCHES), size=n_exp)
    acct_type = np.where(
        corp, np.where(rng.random(n_exp) < 0.5, 1, 2), np.where(rng.random(n_exp) < 0.98, 1, 4)
    )
    reg = rng.integers(0, (dt.date(2021, 3, 15) - dt.date(2015, 4, 1)).days, size=n_exp)
    agreed = rng.integers(0, 16, size=n_exp)
    accepted = agreed + rng.integers(0, 10, size=n_exp)
    diag = q1s == "中小企業診断士"
    fee_class_draw = rng.random(n_exp)
    years_exp = rng.integers(5, 36, size=n_exp)
    years_sup = rng.integers(0, 31, size=n_exp)
    years_teach = np.where(rng.random(n_exp) < 0.15, rng.integers(1, 21, size=n_exp), 0)
    certified = rng.random(n_exp) < 0.3
    my_number = rng.random(n_exp) < 0.97
    account = rng.integers(1, 10_000_000, size=n_exp)
    postal4 = _digits(rng, n_exp, 4)

    df = pl.DataFrame(
        {
            "_i": np.arange(n_exp),
            "_corp": corp,
            "_firm": firm,
            "_pref": pref,
            "_town": town,
            "_c0": chome[:, 0],
            "_c1": chome[:, 1],
            "_c2": chome[:, 2],
        }
    ).with_columns(
        expert_id=pl.format("E{}", (pl.col("_i") + 1).cast(pl.String).str.zfill(6)),
        name=pl.when(pl.col("_corp")).then(_gather(firm_names, firm)).otherwise(person_name),
        name_kana=pl.when(pl.col("_corp")).then(_gather(firm_kana, firm)).otherwise(person_kana),
        payee_type=pl.when(pl.col("_corp")).then(pl.lit("法人")).otherwise(pl.lit("個人")),
        fee_class=pl.when(pl.Series(diag) & pl.Series(fee_class_draw < 0.35))
        .then(pl.lit("2号"))
        .when(pl.Series(fee_class_draw < 0.9))
        .then(pl.lit("1号"))
        .otherwise(pl.lit(None)),
        postal_code=pl.format("{}-{}", _gather(postal, pref), postal4),
        prefecture=_gather(pref_names, pref),
        address=pl.format(
            "{}{}{}{}-{}-{}",
            _gather(pref_names, pref),
            _gather(caps, pref),
            _gather(list(R.TOWNS), town),
            pl.col("_c0"),
            pl.col("_c1"),
            pl.col("_c2"),
        ),
        qualifications=pl.when(pl.Series(two)).then(pl.format("{};{}", q1s, q2s)).otherwise(q1s),
        specialties=pl.when(pl.Series(sp_two))
        .then(
            pl.format("{};{}", _gather(R.SPECIALTIES, sp[:, 0]), _gather(R.SPECIALTIES, sp[:, 1]))
        )
        .otherwise(_gather(R.SPECIALTIES, sp[:, 0])),
        recommending_institution_id=rec,
        certified_support_org=pl.Series(certified),
        years_experience=pl.Series(years_exp, dtype=pl.Int64),
        years_sme_support=pl.Series(years_sup, dtype=pl.Int64),
        years_teaching=pl.Series(years_teach, dtype=pl.Int64),
        terms_agreed=pl.lit(True),
        registered_on=_dates(dt.date(2015, 4, 1), reg),
        commission_terms_agreed_on=_dates(dt.date(2021, 3, 15), agreed),
        commission_accepted_on=_dates(dt.date(2021, 3, 15), accepted),
        bank_code=_gather([p[:4] for p in R.BANK_BRANCHES], bank_pair),
        branch_code=_gather([p[4:] for p in R.BANK_BRANCHES], bank_pair),
        account_type=pl.Series(acct_type, dtype=pl.Int64),
        account_number=pl.Series(account).cast(pl.String),
        account_holder_kana=pl.when(pl.col("_corp"))
        .then(_gather(firm_holder, firm))
        .otherwise(holder),
        public_salary_subsidy=pl.lit(False),
        paid_by_institution_ids=pl.lit(None, dtype=pl.String),
        member_of_institution_ids=pl.when(rec.is_in(list(spared)) & pl.Series(member))
        .then(rec)
        .otherwise(pl.lit(None, dtype=pl.String)),
        my_number_on_file=pl.Series(my_number),
        renew_next_year=pl.lit(None, dtype=pl.Boolean),
    )
    return df.drop(pl.selectors.starts_with("_")).sort("expert_id")


# ---------------------------------------------------------------------------------------
# dispatches and everything hanging off them


def generate(n: int, seed: int, shape: Shape | None = None) -> dict[str, pl.DataFrame]:
    """The exports for ``n`` dispatches, seeded. Typed frames keyed by English table name."""
    if not 1 <= n <= MAX_DISPATCHES:
        raise ValueError(f"n must be between 1 and {MAX_DISPATCHES}: {n}")
    shape = shape or Shape()
    rng = np.random.default_rng(seed)
    inst = institutions(rng, shape.platforms, shape.platform_skip)
    n_exp = shape.experts or max(MIN_EXPERTS, round(n * EXPERTS_PER_DISPATCH))
    exp = experts(rng, n_exp, inst)
    tables = dispatch_tables(rng, n, exp, inst, shape)
    return {"experts": exp, "institutions": inst, **tables}


def dispatch_tables(
    rng: np.random.Generator, n: int, exp: pl.DataFrame, inst: pl.DataFrame, shape: Shape
) -> dict[str, pl.DataFrame]:
    n_pref = len(R.PREFECTURES)
    pref_names = [p[0] for p in R.PREFECTURES]
    caps = [p[1] for p in R.PREFECTURES]
    plat = np.array([p[2] for p in R.PREFECTURES])
    plon = np.array([p[3] for p in R.PREFECTURES])
    pop = np.array([p[6] for p in R.PREFECTURES], dtype=float)
    a = shape.anomaly_rate

    # companies: 1–3 dispatches each (R-LIM-1 allows 3), shuffled over the year
    sizes = rng.choice([1, 2, 3], size=n + 1, p=[0.62, 0.28, 0.10])
    ends = np.cumsum(sizes)
    company_of = np.searchsorted(ends, np.arange(n), side="right")
    company_of = company_of[rng.permutation(n)]
    if a > 0:  # over-limit companies: move a few dispatches onto a company that has 3
        over = rng.random(n) < a * 0.3
        full = np.flatnonzero(sizes == 3)
        if len(full):
            company_of[over] = full[rng.integers(0, len(full), size=int(over.sum()))]
    m = int(company_of.max()) + 1
    c_pref = rng.choice(n_pref, size=m, p=pop / pop.sum())
    c_ind = _pick(rng, R.INDUSTRY_WEIGHTS, m)
    c_class = rng.choice(4, size=m, p=[0.62, 0.33, 0.04, 0.01])
    c_emp = np.where(c_class == 0, rng.integers(1, 21, size=m), rng.integers(6, 300, size=m))
    c_emp = np.where(c_class == 2, 0, c_emp)
    c_stem = rng.integers(0, len(R.COMPANY_STEMS), size=m)
    c_suffix_pick = rng.integers(0, 3, size=m)
    c_form = rng.choice(4, size=m, p=[0.55, 0.2, 0.1, 0.15])  # 株式会社 前/後, 有限会社, 個人
    c_town = rng.integers(0, len(R.TOWNS), size=m)
    c_no = rng.integers(1, 30, size=(m, 3))
    c_lat = plat[c_pref] + rng.normal(0, 0.08, size=m)
    c_lon = plon[c_pref] + rng.normal(0, 0.08, size=m)
    hb = _houjin_numbers(rng, m)
    internal = pl.format("C{}", pl.Series(np.arange(m) + 1).cast(pl.String).str.zfill(7))
    phone_tail = _digits(rng, m, 8)
    letters = [x[0] for x in R.INDUSTRY_WEIGHTS]
    suffixes = [
        R.INDUSTRY_SUFFIX[L][k % len(R.INDUSTRY_SUFFIX[L])] for L in letters for k in range(3)
    ]
    areas = [p[4] for p in R.PREFECTURES]
    comp = (
        pl.DataFrame({"_c": np.arange(m)})
        .with_columns(
            company_id=pl.when(pl.Series(c_form) == 3).then(internal).otherwise(hb),
            _stem=_gather(R.COMPANY_STEMS, c_stem),
            _suffix=_gather(suffixes, c_ind * 3 + c_suffix_pick),
            _form=pl.Series(c_form),
            company_prefecture=_gather(pref_names, c_pref),
            company_address=pl.format(
                "{}{}{}{}-{}-{}",
                _gather(pref_names, c_pref),
                _gather(caps, c_pref),
                _gather(list(R.TOWNS), c_town),
                pl.Series(c_no[:, 0] % 6 + 1),
                pl.Series(c_no[:, 1]),
                pl.Series(c_no[:, 2]),
            ),
            _area=_gather(areas, c_pref),
            _tail=phone_tail,
            industry=_gather(letters, c_ind),
            employees=pl.Series(c_emp, dtype=pl.Int64),
            company_class=_gather(["小規模事業者", "中小企業", "創業予定者", "その他"], c_class),
            _lat=pl.Series(c_lat),
            _lon=pl.Series(c_lon),
            _pref=pl.Series(c_pref),
        )
        .with_columns(
            company_name=pl.when(pl.col("_form") == 0)
            .then(pl.format("株式会社{}{}", "_stem", "_suffix"))
            .when(pl.col("_form") == 1)
            .then(pl.format("{}{}株式会社", "_stem", "_suffix"))
            .when(pl.col("_form") == 2)
            .then(pl.format("有限会社{}{}", "_stem", "_suffix"))
            .otherwise(pl.format("{}{}", "_stem", "_suffix")),
            # area code + local number = 10 digits (市外局番-市内局番-加入者番号)
            company_phone=pl.format(
                "{}-{}-{}",
                "_area",
                pl.col("_tail").str.slice(0, 6 - pl.col("_area").str.len_chars()),
                pl.col("_tail").str.slice(4, 4),
            ),
        )
    )

    # the dispatch's company, institution and expert
    d_pref = c_pref[company_of]
    yr = np.arange(n_pref)  # YR index = prefecture index
    pf = (
        inst.filter(pl.col("channel") == "地域プラットフォーム")
        .with_columns(
            _p=pl.col("prefecture").replace_strict(
                pref_names, list(range(n_pref)), return_dtype=pl.Int64
            )
        )
        .sort("_p", "institution_id")
    )
    pf_ids = pf["institution_id"].to_list()
    pf_pref = pf["_p"].to_numpy()
    pf_count = np.bincount(pf_pref, minlength=n_pref)
    pf_start = np.concatenate([[0], np.cumsum(pf_count)[:-1]])
    via_pf = (rng.random(n) < 0.3) & (pf_count[d_pref] > 0)
    pf_pick = pf_start[d_pref] + np.floor(rng.random(n) * np.maximum(pf_count[d_pref], 1)).astype(
        np.int64
    )
    inst_ids = [f"YR{i + 1:02d}" for i in range(n_pref)] + pf_ids
    d_inst = np.where(via_pf, n_pref + np.minimum(pf_pick, max(len(pf_ids) - 1, 0)), yr[d_pref])

    e_pref = (
        exp["prefecture"]
        .replace_strict(pref_names, list(range(n_pref)), return_dtype=pl.Int64)
        .to_numpy()
    )
    n_exp = len(e_pref)
    activity = rng.lognormal(0.0, 0.8, size=n_exp)
    order = np.lexsort((np.arange(n_exp), e_pref))
    e_sorted_pref = e_pref[order]
    cum = np.cumsum(activity[order])
    e_count = np.bincount(e_sorted_pref, minlength=n_pref)
    e_end = np.cumsum(e_count)
    e_start = e_end - e_count
    lo = np.where(e_start > 0, cum[np.maximum(e_start - 1, 0)], 0.0)
    hi = cum[np.maximum(e_end - 1, 0)]
    u = rng.random(n)
    local = (rng.random(n) < 0.78) & (e_count[d_pref] > 0)
    target = np.where(local, lo[d_pref] + u * (hi[d_pref] - lo[d_pref]), u * cum[-1])
    d_exp = order[np.minimum(np.searchsorted(cum, target, side="right"), n_exp - 1)]

    # one support per expert per day: stratified working days within each expert's count
    days = working_days()
    n_days = len(days)
    by_exp = np.lexsort((np.arange(n), d_exp))
    counts = np.bincount(d_exp, minlength=n_exp)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[by_exp] = np.arange(n) - first[d_exp[by_exp]]
    c = counts[d_exp]
    # rank r gets its own stratum [floor(r·D/c), floor((r+1)·D/c)): distinct days while c ≤ D
    lo_day = (rank * n_days) // c
    hi_day = ((rank + 1) * n_days) // c
    width = np.maximum(hi_day - lo_day, 1)
    day_idx = np.minimum(lo_day + np.floor(rng.random(n) * width).astype(np.int64), n_days - 1)
    day_ord = np.array([d.toordinal() for d in days])
    support = day_ord[day_idx]

    # times: start on the half hour 9:00–15:30, 60–180 minutes
    start_slots = np.array([540, 570, 600, 630, 660, 780, 810, 840, 870, 900, 930])
    start_w = np.array([3, 4, 8, 5, 3, 6, 8, 8, 5, 4, 2], dtype=float)
    start_min = start_slots[rng.choice(len(start_slots), size=n, p=start_w / start_w.sum())]
    dur = rng.choice([60, 90, 120, 150, 180], size=n, p=[0.2, 0.25, 0.35, 0.1, 0.1])
    start_min = np.minimum(start_min, 18 * 60 - dur)
    face = np.where(rng.random(n) < 0.15, dur - rng.choice([5, 10, 15], size=n), dur)

    cancelled = rng.random(n) < 0.03
    future = support > EXPORTED_AT.date().toordinal() - 1
    web = rng.random(n) < 0.04
    web_ok = ~(rng.random(n) < a * 2)
    status = np.where(cancelled, 3, np.where(future, np.where(rng.random(n) < 0.8, 1, 0), 2))
    lag_days = np.ceil(rng.lognormal(math.log(3), 0.8, size=n)).astype(np.int64)
    approve_min = rng.integers(9 * 60, 19 * 60, size=n)
    approved_ord = support + lag_days
    approved_dt = (approved_ord - dt.date(1970, 1, 1).toordinal()) * 86400 + approve_min * 60
    snapshot = int((EXPORTED_AT - dt.datetime(1970, 1, 1)).total_seconds())
    never = rng.random(n) < 0.02
    approved_ok = (approved_dt <= snapshot) & ~never
    applied = support - rng.integers(7, 41, size=n)

    # trips: local log-normal, otherwise capital-to-capital great circle × 1.25, there and back
    xp = e_pref[d_exp]
    gc = _great_circle_km(plat[xp], plon[xp], plat[d_pref], plon[d_pref])
    local_km = rng.lognormal(math.log(12), 0.7, size=n)
    one_way = np.where(xp == d_pref, local_km, gc * 1.25 + rng.uniform(0, 15, size=n))
    one_way = np.round(one_way, 1)
    trip = np.where(web, 0.0, np.round(one_way * 2, 1))

    ids = pl.format(
        "{}{}", pl.lit(shape.id_prefix), pl.Series(np.arange(n) + 1).cast(pl.String).str.zfill(7)
    )
    issue = _pick(rng, R.ISSUE_WEIGHTS, n)
    expert_init = rng.random(n) < a * 0.2
    epoch = dt.date(1970, 1, 1).toordinal()
    disp = pl.DataFrame(
        {
            "_company": company_of,
            "_inst": d_inst,
            "_exp": d_exp,
            "_support": support - epoch,
            "_applied": applied - epoch,
        }
    ).with_columns(
        dispatch_id=ids,
        institution_id=_gather(inst_ids, d_inst),
        expert_id=exp["expert_id"].gather(pl.Series(d_exp)),
        issue_category=_gather([x[0] for x in R.ISSUE_WEIGHTS], issue),
        applied_on=pl.col("_applied").cast(pl.Date),
        scheduled_on=pl.col("_support").cast(pl.Date),
        status=_gather(["申請中", "承認済", "実施済", "キャンセル"], status),
        expert_initiated=pl.Series(expert_init),
        web_meeting=pl.Series(web),
        web_meeting_approved=pl.when(pl.Series(web))
        .then(pl.Series(web_ok))
        .otherwise(pl.lit(False)),
        limit_exception=pl.lit(False),
    )
    disp = disp.join(
        comp.select(pl.col("_c").alias("_company"), pl.exclude("_c")),
        on="_company",
        how="left",
        maintain_order="left",
    )
    del comp
    dispatches = disp.select(
        "dispatch_id",
        "institution_id",
        "expert_id",
        "company_id",
        "company_name",
        "company_address",
        "company_phone",
        "company_prefecture",
        "industry",
        "employees",
        "company_class",
        "issue_category",
        "applied_on",
        "scheduled_on",
        "status",
        "expert_initiated",
        "web_meeting",
        "web_meeting_approved",
        "limit_exception",
    )

    # reports of carried-out dispatches
    done = status == 2
    idx = np.flatnonzero(done)
    k = len(idx)
    accompanied = rng.random(k) < 0.85
    reason_pick = rng.integers(0, len(R.NO_ACCOMPANY_REASONS), size=k)
    no_app = (rng.random(k) < 0.02) | web[idx]  # no check-in/out: web meeting or app trouble
    confirmed = ~(rng.random(k) < a)
    end_min = start_min[idx] + dur[idx]
    place_lat = c_lat[company_of[idx]]
    place_lon = c_lon[company_of[idx]]
    rep = (
        pl.DataFrame(
            {
                "_d": idx,
                "dispatch_id": disp["dispatch_id"].gather(pl.Series(idx)),
                "support_date": pl.Series(support[idx] - epoch).cast(pl.Date),
                "start_time": pl.Series(start_min[idx] * 60_000_000_000, dtype=pl.Int64).cast(
                    pl.Time
                ),
                "end_time": pl.Series(end_min * 60_000_000_000, dtype=pl.Int64).cast(pl.Time),
                "face_to_face_minutes": pl.Series(face[idx], dtype=pl.Int64),
                "place_address": disp["company_address"].gather(pl.Series(idx)),
                "place_lat": np.round(place_lat, 6),
                "place_lon": np.round(place_lon, 6),
                "trip_km": trip[idx],
                "accompanied": accompanied,
                "accompany_minutes": pl.Series(np.where(accompanied, face[idx], 0), dtype=pl.Int64),
                "no_accompany_reason": _gather(R.NO_ACCOMPANY_REASONS, reason_pick),
                "declaration_submitted": no_app,
                "company_confirmed": confirmed,
                "approved_at": pl.Series(
                    np.where(approved_ok[idx], approved_dt[idx], 0) * 1_000_000, dtype=pl.Int64
                ).cast(pl.Datetime("us")),
                "_ok": approved_ok[idx],
            }
        )
        .with_columns(
            accompany_minutes=pl.when(pl.col("accompanied")).then("accompany_minutes"),
            no_accompany_reason=pl.when(~pl.col("accompanied")).then("no_accompany_reason"),
            approved_at=pl.when(pl.col("_ok")).then("approved_at"),
        )
        .sort("_d")
        .drop("_ok", "_d")
    )  # ids are zero-padded: index order = id order

    # check-ins: a few minutes before the start / after the end, within ~100 m
    ci = idx[~no_app]
    kk = len(ci)
    late = rng.random(kk) < a
    unsigned = rng.random(kk) < a
    in_off = np.where(
        late, rng.integers(17, 41, size=kk), -rng.integers(0, 11, size=kk)
    ) * 60 + rng.integers(0, 60, size=kk)
    out_off = rng.integers(0, 11, size=kk) * 60 + rng.integers(0, 60, size=kk)
    base = (support[ci] - epoch) * 86400
    cin = (base + start_min[ci] * 60 + in_off) * 1_000_000
    cout = (base + (start_min[ci] + dur[ci]) * 60 + out_off) * 1_000_000
    jit = rng.normal(0, 0.0004, size=(kk, 4))
    cid = disp["dispatch_id"].gather(pl.Series(ci))
    ev_in = pl.DataFrame(
        {
            "_d": ci * 2,
            "dispatch_id": cid,
            "event": pl.repeat("チェックイン", kk, dtype=pl.String, eager=True),
            "at": pl.Series(cin, dtype=pl.Int64).cast(pl.Datetime("us")),
            "lat": np.round(c_lat[company_of[ci]] + jit[:, 0], 6),
            "lon": np.round(c_lon[company_of[ci]] + jit[:, 1], 6),
            "signed": pl.repeat(None, kk, dtype=pl.Boolean, eager=True),
        }
    )
    ev_out = pl.DataFrame(
        {
            "_d": ci * 2 + 1,
            "dispatch_id": cid,
            "event": pl.repeat("チェックアウト", kk, dtype=pl.String, eager=True),
            "at": pl.Series(cout, dtype=pl.Int64).cast(pl.Datetime("us")),
            "lat": np.round(c_lat[company_of[ci]] + jit[:, 2], 6),
            "lon": np.round(c_lon[company_of[ci]] + jit[:, 3], 6),
            "signed": ~unsigned,
        }
    )
    # (dispatch, チェックイン before チェックアウト), sorted on an integer key
    checkins = pl.concat([ev_in, ev_out]).sort("_d").drop("_d")

    claims = travel(
        rng,
        idx,
        one_way[idx],
        trip[idx],
        web[idx],
        support[idx] - epoch,
        xp[idx],
        d_pref[idx],
        c_town[company_of[idx]],
        disp["dispatch_id"].gather(pl.Series(idx)),
        a,
    )
    return {"dispatches": dispatches, "reports": rep, "checkins": checkins, "travel_claims": claims}


def _houjin_digits(rng: np.random.Generator, size: int) -> np.ndarray:
    """13-digit 法人番号 as a digit matrix, check digit first (9 − Σ P·Q mod 9)."""
    base = rng.integers(0, 10, size=(size, 12))
    weights = np.where(np.arange(12)[::-1] % 2 == 0, 1, 2)
    check = 9 - (base * weights).sum(axis=1) % 9
    return np.concatenate([check[:, None], base], axis=1)


def _houjin_numbers(rng: np.random.Generator, size: int) -> pl.Series:
    """The same as ``_houjin_digits`` but built from one int64 draw (fast at scale)."""
    base = rng.integers(0, 10**12, size=size, dtype=np.int64)
    total = np.zeros(size, dtype=np.int64)
    v = base.copy()
    for k in range(12):  # P_n is the n-th digit from the right; Q_n = 1 when n is odd
        total += (v % 10) * (1 if k % 2 == 0 else 2)
        v //= 10
    check = 9 - total % 9
    return pl.Series(check * 10**12 + base).cast(pl.String).str.zfill(13)


TRAVEL_SCHEMA: dict[str, pl.DataType] = {
    "dispatch_id": pl.String(),
    "line_no": pl.Int64(),
    "mode": pl.String(),
    "used_on": pl.Date(),
    "origin": pl.String(),
    "destination": pl.String(),
    "one_way_km": pl.Float64(),
    "fare": pl.Int64(),
    "express_fee": pl.Int64(),
    "reserved_fee": pl.Int64(),
    "round_trip_fare": pl.Int64(),
    "seat_class": pl.String(),
    "high_speed_boat": pl.Boolean(),
    "distance_km": pl.Float64(),
    "nights": pl.Int64(),
    "lodging_type": pl.String(),
    "amount": pl.Int64(),
    "approved_amount": pl.Int64(),
    "receipt": pl.Boolean(),
    "boarding_pass": pl.Boolean(),
    "reason": pl.String(),
}


def travel(
    rng: np.random.Generator,
    idx: np.ndarray,
    one_way: np.ndarray,
    trip: np.ndarray,
    web: np.ndarray,
    day: np.ndarray,
    xp: np.ndarray,
    cp: np.ndarray,
    town: np.ndarray,
    ids: pl.Series,
    a: float,
) -> pl.DataFrame:
    """Travel claim lines for the reports (one frame per mode, then numbered per dispatch)."""
    k = len(idx)
    caps = [p[1] for p in R.PREFECTURES]
    prefs = [p[0] for p in R.PREFECTURES]
    city = [_city(c, p) + "駅" for p, c in zip(prefs, caps, strict=True)]
    airport = [_airport(p, c) for p, c in zip(prefs, caps, strict=True)]
    okinawa = prefs.index("沖縄県")
    island = {
        prefs.index(p) for p in ("長崎県", "鹿児島県", "沖縄県", "香川県", "広島県", "愛媛県")
    }
    u = rng.random((k, 8))
    air = (~web) & ((one_way >= 600) | ((xp == okinawa) != (cp == okinawa)))
    rail_x = (~web) & ~air & (one_way >= 100)
    boat = (~web) & ~air & (one_way < 100) & np.isin(cp, list(island)) & (u[:, 0] < 0.05)
    short = (~web) & ~air & ~rail_x & ~boat
    none_claim = short & (one_way < 3) & (u[:, 1] < 0.7)
    bus = short & ~none_claim & (u[:, 2] < np.where(one_way < 8, 0.5, 0.08))
    car = short & ~none_claim & ~bus & (u[:, 3] < 0.45)
    rail = short & ~none_claim & ~bus & ~car
    taxi = (~web) & (u[:, 4] < 0.02)
    rental = boat & (u[:, 5] < 0.2)
    lodging = (~web) & (one_way >= 150) & (u[:, 6] < 0.7)
    nights = np.where(u[:, 7] < 0.05, 2, 1)
    missing = rng.random(k) < a
    fares_rail = rail_fare(one_way)
    exp_fee = express_fee(one_way)
    reserved = np.where(one_way >= 100, 530, 0)
    air_fare = _round10(14000 + one_way * 17 + rng.integers(0, 3000, size=k))
    rt = _round10(air_fare * 0.86)
    has_rt = rng.random(k) < 0.7
    bus_fare = np.minimum(_round10(180 + one_way * 28), 2500)
    boat_fare = _round10(600 + one_way * 60)
    fast = rng.random(k) < 0.4
    taxi_amt = _round10(rng.uniform(1200, 4800, size=k))
    rent_amt = rng.integers(60, 121, size=k) * 100
    rent_ok = rent_amt - rng.integers(0, 11, size=k) * 100
    lodge_amt = rng.integers(65, 116, size=k) * 100 * nights
    minpaku = rng.random(k) < a * 0.5

    base = pl.DataFrame(
        {
            "dispatch_id": ids,
            "_d": idx,
            "_day": day,
            "_ow": one_way,
            "_trip": trip,
            "_from": _gather(city, xp),
            # a local trip ends at the company's own station, a long one at the city's main one
            "_to": pl.select(
                pl.when(pl.Series(xp == cp))
                .then(_gather([t + "駅" for t in R.TOWNS], town))
                .otherwise(_gather(city, cp))
            ).to_series(),
            "_afrom": _gather(airport, xp),
            "_ato": _gather(airport, cp),
            "_rail": fares_rail,
            "_exp": exp_fee,
            "_res": reserved,
            "_air": air_fare,
            "_rt": rt,
            "_has_rt": has_rt,
            "_bus": bus_fare,
            "_boat": boat_fare,
            "_fast": fast,
            "_taxi": taxi_amt,
            "_rent": rent_amt,
            "_rent_ok": rent_ok,
            "_lodge": lodge_amt,
            "_nights": nights,
            "_missing": missing,
            "_minpaku": minpaku,
        }
    )

    def legs(
        mask: np.ndarray,
        mode: str,
        order: int,
        ends: tuple[str, str] = ("_from", "_to"),
        **cols: pl.Expr,
    ) -> list[pl.DataFrame]:
        sub = base.filter(pl.Series(mask))
        out = []
        there, back = ends
        for leg, (o, d) in enumerate(((there, back), (back, there))):
            frame = sub.select(
                "dispatch_id",
                "_d",
                pl.lit(order * 10 + leg).alias("_order"),
                pl.lit(mode).alias("mode"),
                pl.col("_day").cast(pl.Date).alias("used_on"),
                pl.col(o).alias("origin"),
                pl.col(d).alias("destination"),
                **cols,
            )
            out.append(frame)
        return out

    parts: list[pl.DataFrame] = []
    parts += legs(
        rail | rail_x,
        "鉄道",
        1,
        one_way_km=pl.col("_ow"),
        fare=pl.col("_rail"),
        express_fee=pl.when(pl.col("_ow") >= 100).then(pl.col("_exp")),
        reserved_fee=pl.when(pl.col("_ow") >= 100).then(pl.col("_res")),
        receipt=pl.lit(False),
    )
    parts += legs(
        air,
        "航空",
        2,
        ("_afrom", "_ato"),
        fare=pl.col("_air"),
        round_trip_fare=pl.when(pl.col("_has_rt")).then(pl.col("_rt")),
        seat_class=pl.lit("普通"),
        receipt=pl.lit(True),
        boarding_pass=~pl.col("_missing"),
    )
    parts += legs(bus, "バス", 3, fare=pl.col("_bus"), receipt=pl.lit(False))
    parts += legs(
        boat,
        "船",
        4,
        fare=pl.col("_boat"),
        high_speed_boat=pl.col("_fast"),
        seat_class=pl.lit("普通"),
        receipt=pl.col("_fast") & ~pl.col("_missing"),
    )
    sub = base.filter(pl.Series(car))
    parts.append(
        sub.select(
            "dispatch_id",
            "_d",
            pl.lit(50).alias("_order"),
            pl.lit("私有車").alias("mode"),
            pl.col("_day").cast(pl.Date).alias("used_on"),
            pl.col("_from").str.replace("駅$", "").alias("origin"),
            pl.col("_to").str.replace("駅$", "").alias("destination"),
            distance_km=pl.col("_trip"),
            receipt=pl.lit(False),
        )
    )
    for mask, mode, order, amount, extra in (
        (
            taxi,
            "タクシー",
            60,
            "_taxi",
            {"reason": pl.lit("最寄り駅から支援先まで公共交通機関がないため")},
        ),
        (
            rental,
            "レンタカー",
            70,
            "_rent",
            {
                "approved_amount": pl.col("_rent_ok"),
                "reason": pl.lit("離島で公共交通機関が少なく、タクシーより安価なため"),
            },
        ),
    ):
        sub = base.filter(pl.Series(mask))
        parts.append(
            sub.select(
                "dispatch_id",
                "_d",
                pl.lit(order).alias("_order"),
                pl.lit(mode).alias("mode"),
                pl.col("_day").cast(pl.Date).alias("used_on"),
                pl.col("_to").alias("origin"),
                pl.lit("支援先").alias("destination"),
                amount=pl.col(amount),
                receipt=pl.lit(True),
                **extra,
            )
        )
    sub = base.filter(pl.Series(lodging))
    parts.append(
        sub.select(
            "dispatch_id",
            "_d",
            pl.lit(80).alias("_order"),
            pl.lit("宿泊").alias("mode"),
            (pl.col("_day") - 1).cast(pl.Date).alias("used_on"),
            pl.col("_to").str.replace("駅$", "").alias("destination"),
            nights=pl.col("_nights"),
            lodging_type=pl.when(pl.col("_minpaku"))
            .then(pl.lit("民泊"))
            .otherwise(pl.lit("ホテル・旅館")),
            amount=pl.col("_lodge"),
            receipt=~pl.col("_missing"),
            reason=pl.when(pl.col("_nights") > 1).then(
                pl.lit("早朝開始のため前泊、翌日移動のため後泊")
            ),
        )
    )
    cols = list(TRAVEL_SCHEMA)
    base = base.clear()  # memory: at 1M dispatches every copy counts
    aligned = []
    while parts:
        p = parts.pop(0)
        missing_cols = [c for c in cols if c not in p.columns and c != "line_no"]
        aligned.append(
            p.with_columns(
                [pl.lit(None, dtype=TRAVEL_SCHEMA[c]).alias(c) for c in missing_cols]
            ).with_columns([pl.col(c).cast(TRAVEL_SCHEMA[c]) for c in cols if c != "line_no"])
        )
    allc = pl.concat(
        [p.select([*(c for c in cols if c != "line_no"), "_d", "_order"]) for p in aligned]
    )
    aligned.clear()
    # integer sort (dispatch index = id order), then number the lines within each dispatch
    allc = allc.sort("_d", "_order")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when(pl.col("_d") != pl.col("_d").shift(1)).then(row).forward_fill().fill_null(0)
    return allc.with_columns(line_no=row - first + 1).select(cols)
