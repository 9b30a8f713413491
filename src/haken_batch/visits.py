"""Field visits (R-RPT-4): one scheduled dispatch a week, watched in person, spread over
regions and kinds of institution across the weeks, avoiding repeats.

Deterministic and redrawable by hand (docs/audit.md):

- weeks run Monday to Sunday; the first is the week of ``--from``, clipped to the range;
- candidates of a week: dispatches with ``scheduled_on`` in it and status 承認済 or 申請中;
- region = METI bureau of the company's prefecture (the institution's when missing);
  kind = the institution kind ①..⑫, or よろず for a よろず支援拠点;
- each week takes ``audit.field_visits_per_week`` candidates, smallest first by
  (institution already visited 0/1, uses of its region so far, uses of its kind so far,
  how many of its expert and company were already visited, draw key), the draw key being
  ``SHA-256("R-RPT-4|<monday>|<dispatch_id>")`` as an integer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.rules import RuleBook

SCHEDULED = ("承認済", "申請中")
YOROZU = "よろず"
COLUMNS = {
    "week_start": "週の開始",
    "week_end": "週の終了",
    "dispatch_id": "派遣ID",
    "scheduled_on": "派遣予定日",
    "status": "状態",
    "institution_id": "機関ID",
    "institution_kind": "機関種別",
    "bureau": "地域（経済産業局）",
    "company_prefecture": "企業都道府県",
    "expert_id": "専門家ID",
    "reason": "選定理由",
}


def visit_key(monday: dt.date, dispatch_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"R-RPT-4|{monday.isoformat()}|{dispatch_id}".encode())
                          .digest())


def weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(monday, first day in range, last day in range) of every week touching the range."""
    if end < start:
        raise HakenError(f"期間の終わり {end} が始まり {start} より前です",
                         f"--to {end} is before --from {start}")
    monday = start - dt.timedelta(days=start.weekday())
    out = []
    while monday <= end:
        sunday = monday + dt.timedelta(days=6)
        out.append((monday, max(monday, start), min(sunday, end)))
        monday += dt.timedelta(days=7)
    return out


def candidates(dispatches: pl.DataFrame, institutions: pl.DataFrame, rules: RuleBook
               ) -> pl.DataFrame:
    """Scheduled dispatches with their region and institution kind."""
    import polars as pl

    prefs = rules.code("prefectures")
    rows = prefs.get("prefectures", []) if isinstance(prefs, dict) else prefs
    bureau = {str(p["name"]): str(p["bureau"]) for p in rows}
    kinds = {int(k["code"]): str(k.get("mark", k["code"]))
             for k in (rules.code("institution_kinds").get("institution_kinds", []))}
    inst = institutions.select(
        "institution_id",
        pl.col("prefecture").cast(pl.String).alias("institution_prefecture"),
        pl.col("kind").cast(pl.Int64, strict=False).alias("kind"),
        (pl.col("channel") if "channel" in institutions.columns else pl.lit(None, pl.String))
        .cast(pl.String).alias("channel"),
    )
    d = dispatches.filter(pl.col("status").is_in(list(SCHEDULED)),
                          pl.col("scheduled_on").is_not_null())
    d = d.join(inst, on="institution_id", how="left")
    return d.select(
        pl.col("dispatch_id").cast(pl.String),
        pl.col("scheduled_on"),
        pl.col("status").cast(pl.String),
        pl.col("institution_id").cast(pl.String),
        pl.col("expert_id").cast(pl.String),
        pl.col("company_id").cast(pl.String) if "company_id" in d.columns
        else pl.lit(None, pl.String).alias("company_id"),
        pl.coalesce(pl.col("company_prefecture").cast(pl.String),
                    pl.col("institution_prefecture")).alias("company_prefecture"),
        pl.when(pl.col("channel") == "よろず支援拠点").then(pl.lit(YOROZU))
        .when(pl.col("kind").is_null()).then(pl.lit(YOROZU))
        .otherwise(pl.col("kind").replace_strict(kinds, default=None, return_dtype=pl.String))
        .alias("institution_kind"),
    ).with_columns(
        pl.col("company_prefecture").replace_strict(bureau, default="（不明）",
                                                    return_dtype=pl.String).alias("bureau"),
    ).sort("scheduled_on", "dispatch_id")


def pick_visits(dispatches: pl.DataFrame, institutions: pl.DataFrame, rules: RuleBook,
                start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per chosen visit (or per week without a candidate), sorted by week."""
    import polars as pl

    cands = candidates(dispatches, institutions, rules)
    region_uses: Counter[str] = Counter()
    kind_uses: Counter[str] = Counter()
    seen: dict[str, set[str]] = {"institution_id": set(), "expert_id": set(), "company_id": set()}
    rows: list[dict[str, Any]] = []
    for monday, first, last in weeks(start, end):
        per_week = int(rules.value_at("audit.field_visits_per_week", first))
        pool = cands.filter(pl.col("scheduled_on").is_between(first, last)).to_dicts()
        taken = 0
        while taken < per_week and pool:
            def score(c: dict[str, Any], monday: dt.date = monday
                      ) -> tuple[int, int, int, int, int, str]:
                again = [c[k] is not None and c[k] in seen[k] for k in seen]
                return (int(again[0]), region_uses[c["bureau"]], kind_uses[c["institution_kind"]],
                        sum(again[1:]), visit_key(monday, c["dispatch_id"]), c["dispatch_id"])

            best = min(pool, key=score)
            pool.remove(best)
            inst_again, r_uses, k_uses, others, _, _ = score(best)
            reason = (f"地域 {best['bureau']} はこれまで {r_uses} 回、"
                      f"種別 {best['institution_kind']} は {k_uses} 回; "
                      f"機関の再訪 {'あり' if inst_again else 'なし'}、"
                      f"専門家・企業の重複 {others} 件; 候補 {len(pool) + 1} 件から")
            region_uses[best["bureau"]] += 1
            kind_uses[best["institution_kind"]] += 1
            for k in seen:
                if best[k] is not None:
                    seen[k].add(best[k])
            rows.append({"week_start": first, "week_end": last, **{
                k: best[k] for k in ("dispatch_id", "scheduled_on", "status", "institution_id",
                                     "institution_kind", "bureau", "company_prefecture",
                                     "expert_id")}, "reason": reason})
            taken += 1
        if taken == 0:
            rows.append({"week_start": first, "week_end": last,
                         "reason": _no_candidate(dispatches, first, last)})
    schema = dict.fromkeys(COLUMNS, pl.String) | {
        "week_start": pl.Date, "week_end": pl.Date, "scheduled_on": pl.Date}
    frame = pl.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], schema=schema)
    return frame.sort("week_start", "dispatch_id", nulls_last=True)


def _no_candidate(dispatches: pl.DataFrame, first: dt.date, last: dt.date) -> str:
    """Why a week has no candidate: no dispatch scheduled in it, or only ones in other states
    (a clerk drawing visits for a past period sees every dispatch already 実施済)."""
    import polars as pl

    states = (dispatches.filter(pl.col("scheduled_on").is_between(first, last))
              .group_by(pl.col("status").cast(pl.String).fill_null("（空欄）"))
              .len().sort("status"))
    if states.is_empty():
        return f"候補なし: 予定日が {first}〜{last} の派遣はありません"
    counts = "・".join(f"{s} {n} 件" for s, n in states.iter_rows())
    return (f"候補なし: 予定日が {first}〜{last} の派遣は {states['len'].sum()} 件ありますが、"
            f"{'・'.join(SCHEDULED)} のものはありません（{counts}）")


def write_visits(frame: pl.DataFrame, path: Path, headers: str = "ja") -> None:
    from haken_batch.archive import write_csv

    write_csv(frame, path, COLUMNS, headers)


def visits_from_data(data_dir: Path, start: dt.date, end: dt.date,
                     rules_dir: Path | None = None) -> pl.DataFrame:
    """Load the exports of ``data_dir`` and pick the visits (the CLI's one call)."""
    from haken_batch.rules import load_rules

    rules = load_rules(rules_dir)
    data = _load(Path(data_dir), rules)
    return pick_visits(data.tables["dispatches"], data.tables["institutions"], rules, start, end)


def _load(data_dir: Path, rules: RuleBook) -> Any:
    import importlib

    load = importlib.import_module("haken_batch.load")
    return load.load_dataset(data_dir, rules)
