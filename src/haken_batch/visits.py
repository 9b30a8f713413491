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
  ``SHA-256("R-RPT-4|<monday>|<dispatch_id>")`` as an integer (the CSV's draw_week);
- "so far" includes the visits earlier runs wrote in the same folder for weeks before this
  run's first week (``earlier_visits``): a clerk runs it each week, and the spread must be the
  one a single run over all those weeks gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError, StructuralError
from haken_batch.textsafe import unneutralize

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
    "company_id": "企業ID",
    "draw_week": "抽選キーの週",
    "reason": "選定理由",
}
# the names the CLI gives its lists (visits_<from>_<to>.csv): a visits_memo.csv beside them is
# not one, and must not stop the run
_DAY = "-".join("[0-9]" * n for n in (4, 2, 2))  # YYYY-MM-DD as a glob
HISTORY = f"visits_{_DAY}_{_DAY}.csv"
# What a visit counts in the spread; the columns an earlier file must have (company_id and
# draw_week came later: a file without them still counts, see _earlier_file).
SPREAD = ("institution_id", "institution_kind", "bureau", "expert_id", "company_id")
NEEDED = ("week_start", "dispatch_id", "institution_id", "institution_kind", "bureau",
          "expert_id")


@dataclass(frozen=True)
class Earlier:
    """The visits earlier runs wrote in the output folder, for weeks before this run's."""

    visits: pl.DataFrame  # draw_week, dispatch_id and SPREAD: one row per visit
    files: tuple[str, ...]  # the files they were read from
    disagree: tuple[dt.date, ...]  # weeks two files picked differently (both are counted)
    before: dt.date  # this run's first Monday


def visit_key(monday: dt.date, dispatch_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"R-RPT-4|{monday.isoformat()}|{dispatch_id}".encode())
                          .digest())


MAX_DAYS = 731  # two years: a fiscal year's weeks at once with room to spare


def weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(monday, first day in range, last day in range) of every week touching the range."""
    if end < start:
        raise HakenError(f"期間の終わり {end} が始まり {start} より前です",
                         f"--to {end} is before --from {start}")
    if (end - start).days > MAX_DAYS or start.year < 2 or end.year > 9998:
        # 0001-01-01 to 9999-12-31 ended in an OverflowError traceback (hostile check)
        raise HakenError(f"期間 {start}〜{end} が長すぎます（{MAX_DAYS}日まで。週ごとの"
                         "抽出なので、ふつうは1週間か1か月です）",
                         f"the period {start} to {end} is too long (up to {MAX_DAYS} days; "
                         "the draw is weekly, usually for a week or a month)")
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
                start: dt.date, end: dt.date, earlier: pl.DataFrame | None = None
                ) -> pl.DataFrame:
    """One row per chosen visit (or per week without a candidate), sorted by week.
    ``earlier``: visits of weeks before this range (``Earlier.visits``), counted as visited."""
    import polars as pl

    cands = candidates(dispatches, institutions, rules)
    region_uses, kind_uses, seen = _seed(earlier)
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
            rows.append({"week_start": first, "week_end": last, "draw_week": monday, **{
                k: best[k] for k in ("dispatch_id", "scheduled_on", "status", "institution_id",
                                     "institution_kind", "bureau", "company_prefecture",
                                     "expert_id", "company_id")}, "reason": reason})
            taken += 1
        if taken == 0:
            rows.append({"week_start": first, "week_end": last, "draw_week": monday,
                         "reason": _no_candidate(dispatches, first, last)})
    schema = dict.fromkeys(COLUMNS, pl.String) | {
        "week_start": pl.Date, "week_end": pl.Date, "scheduled_on": pl.Date,
        "draw_week": pl.Date}
    frame = pl.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], schema=schema)
    return frame.sort("week_start", "dispatch_id", nulls_last=True)


def _seed(earlier: pl.DataFrame | None
          ) -> tuple[Counter[str], Counter[str], dict[str, set[str]]]:
    """Region uses, kind uses and the institutions, experts, companies already visited."""
    rows = [] if earlier is None else earlier.select(SPREAD).to_dicts()
    seen: dict[str, set[str]] = {k: {r[k] for r in rows if r[k] is not None}
                                 for k in ("institution_id", "expert_id", "company_id")}
    return (Counter(r["bureau"] for r in rows), Counter(r["institution_kind"] for r in rows),
            seen)


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
                     rules_dir: Path | None = None, history: Path | None = None
                     ) -> tuple[pl.DataFrame, Earlier]:
    """Load the exports of ``data_dir`` and pick the visits, counting the earlier visits
    written in ``history`` (the output folder) as visited (the CLI's one call)."""
    from haken_batch.rules import load_rules

    rules = load_rules(rules_dir)
    data = _load(Path(data_dir), rules)
    dispatches = data.tables["dispatches"]
    first_monday = weeks(start, end)[0][0]
    earlier = earlier_visits(history, first_monday, dispatches)
    return pick_visits(dispatches, data.tables["institutions"], rules, start, end,
                       earlier.visits), earlier


def earlier_visits(folder: Path | None, before: dt.date,
                   dispatches: pl.DataFrame | None = None) -> Earlier:
    """The visits of weeks before ``before`` (a Monday) in the ``visits_*.csv`` of ``folder``.

    Rows of that week or later never count: a re-run of a range (its own earlier file is
    there) must choose the same again. The same visit in several files counts once. A file
    that does not read as ours stops the run: skipping it would quietly lose the spread."""
    import polars as pl

    paths = sorted(Path(folder).glob(HISTORY)) if folder is not None and Path(folder).is_dir() \
        else []
    parts = [_earlier_file(p, dispatches).with_columns(pl.lit(str(p)).alias("file"))
             for p in paths]
    rows = pl.concat(parts) if parts else _empty_earlier().with_columns(
        pl.lit(None, pl.String).alias("file"))
    rows = rows.filter(pl.col("draw_week") < before)
    visits = (rows.filter(pl.col("dispatch_id").is_not_null()).drop("file")
              .unique(["draw_week", "dispatch_id"], keep="first", maintain_order=True)
              .sort("draw_week", "dispatch_id"))
    used = rows.filter(pl.col("dispatch_id").is_not_null())["file"].unique().sort()
    return Earlier(visits, tuple(used.to_list()), _disagreeing_weeks(rows), before)


def _disagreeing_weeks(rows: pl.DataFrame) -> tuple[dt.date, ...]:
    """Weeks for which two files name different visits (a week re-drawn after the exports
    changed): the clerk should keep only the list that was followed."""
    import polars as pl

    per_file = rows.group_by("draw_week", "file").agg(
        pl.col("dispatch_id").drop_nulls().sort().str.join("|"))
    weeks_ = per_file.group_by("draw_week").agg(pl.col("dispatch_id").n_unique())
    return tuple(weeks_.filter(pl.col("dispatch_id") > 1)["draw_week"].sort().to_list())


def _empty_earlier() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={"draw_week": pl.Date, "dispatch_id": pl.String}
                        | dict.fromkeys(SPREAD, pl.String))


def _earlier_file(path: Path, dispatches: pl.DataFrame | None) -> pl.DataFrame:
    """One earlier file as draw_week, dispatch_id and SPREAD (Japanese or English headers,
    as write_visits writes them); a StructuralError naming the file and what was expected."""
    import polars as pl

    try:
        # Decoded here: polars would replace bad bytes and report missing columns instead
        # (a list saved again by Excel is Shift_JIS).
        raw = pl.read_csv(io.StringIO(path.read_bytes().decode("utf-8-sig")), infer_schema=False)
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise _not_ours(path, f"UTF-8 の CSV として読めません（{exc}）",
                        f"it does not read as a UTF-8 CSV ({exc})") from None
    english = {ja: en for en, ja in COLUMNS.items()} | {en: en for en in COLUMNS}
    raw = raw.rename({c: english[c.lstrip("\ufeff")] for c in raw.columns
                      if c.lstrip("\ufeff") in english})
    missing = [c for c in NEEDED if c not in raw.columns]
    if missing:
        raise _not_ours(path, f"列「{'」「'.join(COLUMNS[c] for c in missing)}」がありません",
                        f"it lacks the columns {', '.join(missing)}")
    # write_csv guards a cell that starts like a formula with a leading ': undone here, so
    # an id reads back as the exports have it.
    text = [unneutralize(c) for c in ("dispatch_id", *SPREAD) if c in raw.columns]
    # Excel saves a date as 2021/5/3: the week still reads.
    day = (pl.col("week_start").str.strip_chars().str.replace_all("/", "-")
           .str.strptime(pl.Date, "%Y-%m-%d", strict=False))
    out = raw.with_columns(*text, day.alias("day"))
    bad = out.with_row_index("row").filter(pl.col("day").is_null())
    if not bad.is_empty():
        line, value = int(bad["row"][0]) + 2, bad["week_start"][0] or ""  # 1: the header
        raise _not_ours(path, f"{line} 行目の「{COLUMNS['week_start']}」{value!r} が日付"
                        "（YYYY-MM-DD）ではありません",
                        f"line {line}: week_start {value!r} is not a date (YYYY-MM-DD)")
    out = _with_company(out, dispatches).with_columns(
        (pl.col("day") - pl.duration(days=pl.col("day").dt.weekday() - 1)).alias("draw_week"))
    return out.select(_empty_earlier().columns).cast(_empty_earlier().schema)


def _with_company(frame: pl.DataFrame, dispatches: pl.DataFrame | None) -> pl.DataFrame:
    """A file written before the list had 企業ID: the company is the dispatch's in the
    exports (the same value a single run over those weeks would have used)."""
    import polars as pl

    if "company_id" in frame.columns:
        return frame
    if dispatches is None or "company_id" not in dispatches.columns:
        return frame.with_columns(pl.lit(None, pl.String).alias("company_id"))
    company = dispatches.group_by(pl.col("dispatch_id").cast(pl.String)).agg(
        pl.col("company_id").cast(pl.String).drop_nulls().min())
    return frame.join(company, on="dispatch_id", how="left")


def _not_ours(path: Path, ja: str, en: str) -> StructuralError:
    return StructuralError(
        f"これまでの現地確認の一覧 {path} を読めません: {ja}。--out のフォルダの visits_*.csv "
        f"は haken sample visits が書いた一覧（見出し「{COLUMNS['week_start']}」"
        f"「{COLUMNS['dispatch_id']}」… または week_start, dispatch_id …）として、これまでの"
        "週の選定に数えます。別のファイルなら名前を変えるか別のフォルダへ移してください",
        f"cannot read the earlier field-visit list {path}: {en}. The visits_*.csv in --out "
        "are read as lists haken sample visits wrote (headers 週の開始, 派遣ID … or "
        "week_start, dispatch_id …) and count as earlier visits; rename or move any other "
        "file")


def earlier_note(earlier: Earlier, lang: str = "ja") -> list[str]:
    """What the terminal says about the earlier visits counted (one line, and one per
    week two files disagree on)."""
    n, k, before = earlier.visits.height, len(earlier.files), earlier.before
    if lang == "en":
        lines = [f"counted {n} earlier visit(s) from {k} file(s) (weeks before {before})"
                 if n else f"no earlier visits (the visits_*.csv in --out list none for weeks"
                 f" before {before}): the spread starts here"]
        lines += [f"week {w}: files pick different visits; both count (keep only the list "
                  "that was followed)" for w in earlier.disagree]
        return lines
    lines = [f"これまでの現地確認 {n} 件（{k} ファイル、{before} より前の週）を選定に数えました"
             if n else f"これまでの現地確認はありません（--out の visits_*.csv に {before} より"
             "前の週の現地確認がありません）: ここから選びます"]
    lines += [f"週 {w}: ファイルにより選ばれた派遣が異なります（両方を数えました。"
              "実際に使った一覧だけを残してください）" for w in earlier.disagree]
    return lines


def partial_weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays of the weeks the range cuts (its first and/or last week not Monday-Sunday).
    Such a week draws from part of its days, so weekly runs no longer match one long run."""
    return [monday for monday, first, last in weeks(start, end)
            if first != monday or last != monday + dt.timedelta(days=6)]


def partial_week_note(start: dt.date, end: dt.date, lang: str = "ja") -> list[str]:
    """A warning for each week the range cuts (the clerk runs whole weeks, docs/audit.md)."""
    cut = partial_weeks(start, end)
    if not cut:
        return []
    days = ", ".join(m.isoformat() for m in cut)
    if lang == "en":
        return [f"the range cuts the week(s) of {days}: such a week draws only from its days in "
                "the range; run Monday to Sunday so that weekly runs choose what one long "
                "run would"]
    return [f"期間が週の途中で始まるか終わります（{days} の週）: その週はこの期間の日だけから"
            "選びます。毎週の実行は月曜〜日曜で指定すると、まとめて実行したときと同じ選定に"
            "なります"]


def _load(data_dir: Path, rules: RuleBook) -> Any:
    import importlib

    load = importlib.import_module("haken_batch.load")
    return load.load_dataset(data_dir, rules)
