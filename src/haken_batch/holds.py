"""holds.csv: the cycle's held dispatches as a to-do list, one row per reason, sorted by the
applying institution (a clerk filters it by 申請機関ID and asks each institution, expert or
the secretariat itself for what is missing). The same facts as dispatches.csv (判定 held)
and findings.csv (区分 hold), joined with the institution's name and what to do about each
reason (templates/hold_reasons.yaml); no expert's name or account (personal data).

Since when (保留開始, 保留回数): how many cycles a dispatch has waited is what tells a clerk
whom to chase first, and no file said it. It comes from the earlier cycles' holds.csv of OUT
(``earlier_holds``), whose hashes the manifest keeps beside the earlier ledgers, so verify's
re-run reads the same ones."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from haken_batch.settle.decide import HELD

COLUMNS = ["institution_id", "institution_name", "dispatch_id", "support_date", "expert_id",
           "held_since", "held_cycles", "line_no", "rule_id", "message", "todo"]
EARLIER = {"dispatch_id": pl.String(), "cycle": pl.String()}
SORT_KEY = ["institution_id", "dispatch_id", "line_no", "rule_id", "message"]
HOLD = "hold"  # findings' severity of a reason that holds the dispatch


def holds(dispatches: pl.DataFrame, findings: pl.DataFrame,
          institutions: pl.DataFrame | None, todos: dict[str, str], cycle: str,
          earlier: pl.DataFrame | None = None) -> pl.DataFrame:
    """Held dispatches × their hold reasons, with the institution's name and the to-do.

    ``earlier`` (dispatch_id, cycle: ``earlier_holds``) gives each dispatch the first cycle
    that held it (``held_since``; ``cycle`` when none did) and how many cycles have, this
    one included (``held_cycles``). A dispatch held without a hold finding of its own (none
    today) still gets one row, so the list never has fewer dispatches than dispatches.csv
    holds."""
    before = (pl.DataFrame(schema=EARLIER) if earlier is None else earlier).group_by(
        "dispatch_id").agg(pl.col("cycle").min().alias("held_since"),
                           pl.col("cycle").n_unique().alias("_before"))
    held = (dispatches.filter(pl.col("status") == HELD)
            .select("dispatch_id", "institution_id", "support_date", "expert_id")
            .join(before, on="dispatch_id", how="left")
            .with_columns(pl.col("held_since").fill_null(pl.lit(cycle)),
                          (pl.col("_before").fill_null(0) + 1).cast(pl.Int64)
                          .alias("held_cycles")))
    reasons = findings.filter(pl.col("severity") == HOLD).select(
        "dispatch_id", "line_no", "rule_id", "message")
    names = _names(institutions)
    todo = pl.DataFrame({"rule_id": list(todos), "todo": list(todos.values())},
                        schema={"rule_id": pl.String(), "todo": pl.String()})
    return (held.join(reasons, on="dispatch_id", how="left")
            .join(names, on="institution_id", how="left")
            .join(todo, on="rule_id", how="left")
            .with_columns(pl.col("todo").replace("", None))
            .select(COLUMNS)
            .sort(SORT_KEY, nulls_last=False))


def _names(institutions: pl.DataFrame | None) -> pl.DataFrame:
    """institution_id -> name, one row per id: a duplicated id (a validation error) takes the
    smallest name, so the order of the export's rows never changes the file."""
    empty = pl.DataFrame(schema={"institution_id": pl.String(), "institution_name": pl.String()})
    if institutions is None or not {"institution_id", "name"} <= set(institutions.columns):
        return empty
    return (institutions.select("institution_id", pl.col("name").alias("institution_name"))
            .filter(pl.col("institution_id").is_not_null())
            .group_by("institution_id").agg(pl.col("institution_name").min()))


def earlier_holds(out: Path, cycle: str, headers: dict[str, str]) -> pl.DataFrame:
    """(dispatch_id, cycle) of every dispatch the earlier cycles of ``out`` listed in their
    holds.csv (Japanese or English headers: ``headers`` maps one to the other). A cycle
    without one (settled before it existed, or moved away) adds nothing; a file that does
    not read is left out the same way: the column is a reminder, not a record, and verify
    names a changed file by its hash (manifest ``previous_ledgers``)."""
    from haken_batch.archive import HOLDS_NAME, settled_before

    frames = [pl.DataFrame(schema=EARLIER)]
    for other in settled_before(out, cycle):  # the ones the manifest hashes
        path = out / other / HOLDS_NAME
        if not path.is_file():
            continue
        try:
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        head = rows[0] if rows else []
        at = next((head.index(n) for n in ("dispatch_id", headers["dispatch_id"]) if n in head),
                  None)
        if at is None:
            continue
        ids = sorted({r[at] for r in rows[1:] if len(r) > at and r[at]})
        frames.append(pl.DataFrame({"dispatch_id": ids, "cycle": [other] * len(ids)},
                                   schema=EARLIER))
    return pl.concat(frames)
