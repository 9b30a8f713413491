"""Typed input frames from short YAML scenarios (docs/design.md dtypes), and a runner.

A scenario names only what matters; every other cell takes a default below so that a
dispatch is, by default, paid: 120 face-to-face minutes 10:00-12:00 on 2021-10-05, approved
2021-10-20, company confirmed, accompanied, a check-in and a signed check-out on the spot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from haken_batch.settle.engine import empty_ledger, settle
from haken_batch.settle.inputs import SCHEMAS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLACE = (35.681236, 139.767125)  # 東京駅

EXTRA: dict[str, dict[str, pl.DataType]] = {
    "experts": {
        "name": pl.String(),
        "bank_code": pl.String(),
        "branch_code": pl.String(),
        "account_type": pl.Int64(),
        "account_number": pl.String(),
        "account_holder_kana": pl.String(),
        "fee_class": pl.String(),
    },
    "dispatches": {"company_name": pl.String()},
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "experts": {
        "payee_type": "個人",
        "public_salary_subsidy": False,
        "paid_by_institution_ids": [],
        "member_of_institution_ids": [],
    },
    "institutions": {"kind": 2},
    "dispatches": {
        "institution_id": "I1",
        "expert_id": "E1",
        "issue_category": "経営改善",
        "status": "実施済",
        "expert_initiated": False,
        "web_meeting": False,
        "web_meeting_approved": False,
        "limit_exception": False,
    },
    "reports": {
        "support_date": "2021-10-05",
        "start_time": "10:00",
        "end_time": "12:00",
        "face_to_face_minutes": 120,
        "place_lat": PLACE[0],
        "place_lon": PLACE[1],
        "trip_km": 10.0,
        "accompanied": True,
        "declaration_submitted": False,
        "company_confirmed": True,
        "approved_at": "2021-10-20 12:00",
    },
    "travel_claims": {
        "receipt": True,
        "boarding_pass": True,
        "seat_class": "普通",
        "high_speed_boat": False,
    },
}


def _convert(value: Any, dtype: pl.DataType) -> Any:
    if value is None:
        return None
    if dtype == pl.Date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if dtype == pl.Time and isinstance(value, str):
        return dt.time.fromisoformat(value)
    if isinstance(dtype, pl.Datetime) and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if dtype == pl.Float64 and isinstance(value, int):
        return float(value)
    return value


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {**SCHEMAS[table], **EXTRA.get(table, {})}
    unknown = {k for r in rows for k in r} - set(schema)
    assert not unknown, f"{table}: unknown columns {unknown}"
    data = {c: [_convert(r.get(c), t) for r in rows] for c, t in schema.items()}
    return pl.DataFrame(data, schema=schema)


@dataclass
class Data:
    """Stands in for haken_batch.load.Dataset (the engine reads ``tables``; ``findings`` and
    ``error_cells`` only when they hold something)."""

    tables: dict[str, pl.DataFrame]
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)
    corrections: pl.DataFrame = field(default_factory=pl.DataFrame)
    sources: dict[str, Any] = field(default_factory=dict)
    error_cells: pl.DataFrame | None = None


def _default_checkins(reports: list[dict[str, Any]], given: set[str]) -> list[dict[str, Any]]:
    out = []
    for r in reports:
        if r["dispatch_id"] in given:
            continue
        day = r["support_date"]
        lat, lon = r.get("place_lat", PLACE[0]), r.get("place_lon", PLACE[1])
        out.append(
            {
                "dispatch_id": r["dispatch_id"],
                "event": "チェックイン",
                "at": f"{day} {r['start_time']}",
                "lat": lat,
                "lon": lon,
            }
        )
        out.append(
            {
                "dispatch_id": r["dispatch_id"],
                "event": "チェックアウト",
                "at": f"{day} {r['end_time']}",
                "lat": lat,
                "lon": lon,
                "signed": True,
            }
        )
    return out


def build(spec: dict[str, Any]) -> Data:
    """Frames from a scenario: `dispatches` rows may carry report fields inline."""
    report_cols = set(SCHEMAS["reports"]) - {"dispatch_id"}
    dispatches, reports = [], []
    for i, row in enumerate(spec.get("dispatches", [])):
        row = dict(row)
        has_report = row.pop("report", True)
        rep = {k: row.pop(k) for k in list(row) if k in report_cols}
        d = {**DEFAULTS["dispatches"], "company_id": f"C{i + 1:03d}", **row}
        dispatches.append(d)
        if has_report:
            reports.append({**DEFAULTS["reports"], "dispatch_id": d["dispatch_id"], **rep})
    experts = spec.get("experts") or [{"expert_id": "E1"}]
    experts = [{**DEFAULTS["experts"], **e} for e in experts]
    known = {e["expert_id"] for e in experts}
    if spec.get("experts_exact"):  # a dispatch may name an expert missing from the master
        known = {d["expert_id"] for d in dispatches}
    experts += [
        {**DEFAULTS["experts"], "expert_id": d["expert_id"]}
        for d in dispatches
        if d["expert_id"] not in known and not known.add(d["expert_id"])
    ]  # type: ignore[func-returns-value]
    institutions = spec.get("institutions") or [{"institution_id": "I1"}]
    institutions = [{**DEFAULTS["institutions"], **i} for i in institutions]
    given = spec.get("checkins", [])
    checkins = list(given) + _default_checkins(
        reports, {c["dispatch_id"] for c in given} | set(spec.get("no_checkins", []))
    )
    claims = [{**DEFAULTS["travel_claims"], **c} for c in spec.get("travel_claims", [])]
    return Data(
        tables={
            "experts": frame("experts", experts),
            "institutions": frame("institutions", institutions),
            "dispatches": frame("dispatches", dispatches),
            "reports": frame("reports", reports),
            "checkins": frame("checkins", checkins),
            "travel_claims": frame("travel_claims", claims),
        },
        # `corrected`: cells a correction set, as the corrections trail names them
        corrections=pl.DataFrame(spec.get("corrected") or [], schema={
            "table": pl.String(), "key": pl.String(), "column": pl.String()}),
    )


def run_cycles(spec: dict[str, Any], rules: Any) -> list[Any]:
    """Settle each cycle of the scenario in turn, feeding each ledger to the next. A cycle's
    ``changes`` ({table: {key: {column: value}}}) edit the rows before it and after."""
    import copy

    spec = copy.deepcopy(spec)
    data = build(spec)
    previous = empty_ledger()
    out = []
    for c in spec.get("cycles") or [{"cycle": "2021-10"}]:
        for table, rows in (c.get("changes") or {}).items():
            key = f"{table.rstrip('s')}_id" if table != "dispatches" else "dispatch_id"
            for row in spec[table]:
                row.update(rows.get(row[key], {}))
            data = build(spec)
        cycle = c["cycle"]
        year, month = map(int, cycle.split("-"))
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        cutoff = _convert(c.get("cutoff"), pl.Date()) or nxt - dt.timedelta(days=1)
        transfer = _convert(c.get("transfer_date"), pl.Date()) or dt.date(nxt.year, nxt.month, 19)
        empty = pl.DataFrame(
            schema={
                "dispatch_id": pl.String(),
                "rule_id": pl.String(),
                "message_ja": pl.String(),
                "message_en": pl.String(),
            }
        )
        unpayable = pl.DataFrame(
            [{"expert_id": e, "message_ja": "口座番号が不正"} for e in spec.get("unpayable", [])],
            schema={"expert_id": pl.String(), "message_ja": pl.String()},
        )
        touched = (
            pl.DataFrame(
                [{"message_en": "", **t} for t in spec.get("touched", [])], schema=empty.schema
            )
            if spec.get("touched")
            else empty
        )
        s = settle(
            data,
            rules,
            cycle=cycle,
            cutoff=cutoff,
            transfer_date=transfer,
            previous=previous,
            touched=touched,
            unpayable=unpayable,
        )
        out.append(s)
        previous = pl.concat([previous, s.ledger])
    return out


def load_scenarios() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(HERE.glob("R-*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if doc:
                found.append((f"{path.stem}#{i}:{doc.get('name', '')}", doc))
    return found


def with_overrides(rules: Any, overrides: dict[str, Any]) -> Any:
    """A copy of the rule book where each named parameter has one value from 2021-04-01."""
    import dataclasses

    if not overrides:
        return rules
    params = dict(rules.parameters)
    for name, value in overrides.items():
        params[name] = dataclasses.replace(params[name], values=((dt.date(2021, 4, 1), value),))
    return dataclasses.replace(rules, parameters=params)


@pytest.fixture(scope="session")
def engine_rules(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The bundled parameters and code lists (what the engine reads; not the column map)."""
    import shutil

    from haken_batch.rules import load_rules

    root = tmp_path_factory.mktemp("rules")
    for part in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / part, root / part)
    return load_rules(root)
