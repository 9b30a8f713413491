"""The input columns the engine reads, with their types (docs/design.md, input-contract.md).

The loader already gives these types; ``conform`` only adds a missing optional column as
nulls and casts (strictly) so that frames built by hand in tests behave like loaded ones.
"""

from __future__ import annotations

import polars as pl

STR = pl.String()
LIST = pl.List(pl.String)

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "experts": {
        "expert_id": STR,
        "payee_type": STR,
        "public_salary_subsidy": pl.Boolean(),
        "paid_by_institution_ids": LIST,
        "member_of_institution_ids": LIST,
    },
    "institutions": {"institution_id": STR, "kind": pl.Int64()},
    "dispatches": {
        "dispatch_id": STR,
        "institution_id": STR,
        "expert_id": STR,
        "company_id": STR,
        "issue_category": STR,
        "scheduled_on": pl.Date(),
        "status": STR,
        "expert_initiated": pl.Boolean(),
        "web_meeting": pl.Boolean(),
        "web_meeting_approved": pl.Boolean(),
        "limit_exception": pl.Boolean(),
    },
    "reports": {
        "dispatch_id": STR,
        "support_date": pl.Date(),
        "start_time": pl.Time(),
        "end_time": pl.Time(),
        "face_to_face_minutes": pl.Int64(),
        "place_lat": pl.Float64(),
        "place_lon": pl.Float64(),
        "trip_km": pl.Float64(),
        "accompanied": pl.Boolean(),
        "accompany_minutes": pl.Int64(),
        "no_accompany_reason": STR,
        "declaration_submitted": pl.Boolean(),
        "company_confirmed": pl.Boolean(),
        "approved_at": pl.Datetime("us"),
    },
    "checkins": {
        "dispatch_id": STR,
        "event": STR,
        "at": pl.Datetime("us"),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "signed": pl.Boolean(),
    },
    "travel_claims": {
        "dispatch_id": STR,
        "line_no": pl.Int64(),
        "mode": STR,
        "used_on": pl.Date(),
        "one_way_km": pl.Float64(),
        "fare": pl.Int64(),
        "express_fee": pl.Int64(),
        "reserved_fee": pl.Int64(),
        "round_trip_fare": pl.Int64(),
        "seat_class": STR,
        "high_speed_boat": pl.Boolean(),
        "distance_km": pl.Float64(),
        "nights": pl.Int64(),
        "lodging_type": STR,
        "amount": pl.Int64(),
        "approved_amount": pl.Int64(),
        "receipt": pl.Boolean(),
        "boarding_pass": pl.Boolean(),
        "reason": STR,
    },
}


def conform(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Only the engine's columns, typed; a table or optional column that is absent is empty/null."""
    out: dict[str, pl.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        frame = tables.get(name)
        if frame is None:
            out[name] = pl.DataFrame(schema=schema)
            continue
        out[name] = frame.select(
            (pl.col(col).cast(dtype) if col in frame.columns else pl.lit(None, dtype)).alias(col)
            for col, dtype in schema.items()
        )
    return out
