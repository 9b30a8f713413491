"""KPI inputs from a settled cycle folder (``haken kpi`` / ``haken statement``).

Reads ``OUT/CYCLE/dispatches.csv`` and ``findings.csv`` (Japanese or English headers,
templates/csv_headers.yaml), the ledgers of the other cycles of OUT, the cut-off and transfer
date from the cycle's ``manifest.json``, and the attribute tables from ``--data`` or else from
the cycle's archived inputs and rules (archive.restore).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from haken_batch.errors import StructuralError
from haken_batch.kpi.inputs import KpiInputs
from haken_batch.scratch import private_dir
from haken_batch.textsafe import unneutralize

DISPATCHES_CSV = "dispatches.csv"
FINDINGS_CSV = "findings.csv"
MANIFEST = "manifest.json"
_MONEY = ("fee", "transport", "per_diem", "lodging", "total")


@dataclass(frozen=True)
class Source:
    inputs: KpiInputs
    folder: Path  # OUT/CYCLE
    data_from: str  # "--data" or "archive"


def read_decisions(path: Path) -> pl.DataFrame:
    """``dispatches.csv`` of a settled cycle as settlement.dispatches (run.py docstring)."""
    from haken_batch.emit.csvs import headers

    names = headers("dispatches")
    to_en = {ja: en for en, ja in names.items()} | {en: en for en in names}
    try:
        with open(path, "rb") as fh:  # by Python: polars opens a path as UTF-8 (emit/csvs)
            raw = pl.read_csv(fh, infer_schema=False, encoding="utf8")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise StructuralError(f"{path} を読めません（{exc}）", f"cannot read {path} ({exc})",
                              where=str(path)) from None
    raw = raw.rename({c: to_en[c.lstrip("\ufeff")] for c in raw.columns
                      if c.lstrip("\ufeff") in to_en})
    missing = [c for c in names if c not in raw.columns and c != "rules"]
    if missing:
        labels = [names[c] for c in missing]
        raise StructuralError(f"{path} に列 {labels} がありません",
                              f"{path} lacks columns {missing}", where=str(path))
    try:
        return raw.select(
            unneutralize("dispatch_id"), unneutralize("expert_id"),
            unneutralize("institution_id"),
            pl.col("support_date").str.to_date("%Y-%m-%d", strict=True),
            pl.col("status"),
            *[pl.col(c).cast(pl.Int64) for c in _MONEY],
        ).sort("dispatch_id")
    except pl.exceptions.PolarsError as exc:
        raise StructuralError(f"{path} の値が不正です（{exc}）", f"{path} has a bad value ({exc})",
                              where=str(path)) from None


def read_findings(path: Path) -> pl.DataFrame:
    """``findings.csv`` of a settled cycle as settlement.findings. The cells were
    neutralised when written: undone, so that the list shows what settle's in-process list
    shows (the workbook neutralises them again)."""
    from haken_batch.emit.csvs import headers
    from haken_batch.ledger import read_record

    columns = ["dispatch_id", "line_no", "rule_id", "severity", "message"]
    raw = read_record(path, headers("findings"), columns, ("指摘一覧", "the findings"))
    return raw.select(unneutralize("dispatch_id"),
                      pl.col("line_no").cast(pl.Int64, strict=False),  # blank: the dispatch
                      unneutralize("rule_id"), pl.col("severity"), unneutralize("message"))


def _manifest_dates(folder: Path) -> tuple[dt.date | None, dt.date | None]:
    path = folder / MANIFEST
    if not path.is_file():
        return None, None
    from haken_batch.manifest import read_json

    manifest, _ = read_json(path)
    summary = manifest.get("settlement") or {}

    def day(v: object) -> dt.date | None:
        return dt.date.fromisoformat(str(v)) if v else None

    return day(summary.get("cutoff")), day(summary.get("transfer_date"))


def load(out: Path, cycle: str, data_dir: Path | None = None,
         rules_dir: Path | None = None) -> Source:
    from haken_batch import jpcalendar, ledger
    from haken_batch.load import load_dataset
    from haken_batch.outdir import check_cycle
    from haken_batch.rules import load_rules

    check_cycle(cycle)
    folder = Path(out) / cycle
    csv = folder / DISPATCHES_CSV
    if not csv.is_file():
        raise StructuralError(
            f"サイクル {cycle} は {out} で精算されていません（{DISPATCHES_CSV} がありません）",
            f"cycle {cycle} is not settled in {out} (no {DISPATCHES_CSV})", where=str(folder))
    decisions = read_decisions(csv)
    # a settled cycle always has it (emit.csvs): a folder without it is not one settle wrote
    findings = read_findings(folder / FINDINGS_CSV)
    previous = ledger.previous_ledger(Path(out), cycle)
    cutoff, transfer = _manifest_dates(folder)
    with private_dir("kpi") as work:
        if data_dir is None:
            if not (folder / MANIFEST).is_file():
                raise StructuralError(
                    f"サイクル {cycle} にアーカイブ（{MANIFEST}）がありません。--data で入力"
                    "フォルダを指定してください",
                    f"cycle {cycle} has no archive ({MANIFEST}); give the data folder with --data",
                    where=str(folder))
            from haken_batch.archive import restore

            options = restore(folder, Path(work))
            data_dir, rules_dir = options.data_dir, rules_dir or options.rules_dir
            origin = "archive"
        else:
            origin = "--data"
        rules = load_rules(rules_dir)
        data = load_dataset(Path(data_dir), rules)
    cutoff = cutoff or jpcalendar.default_cutoff(cycle, rules)
    transfer = transfer or jpcalendar.default_transfer_date(cycle, rules)
    inputs = KpiInputs.build(cycle=cycle, rules=rules, cutoff=cutoff, transfer_date=transfer,
                             decisions=decisions, previous=previous, tables=data.tables,
                             findings=findings)
    return Source(inputs=inputs, folder=folder, data_from=origin)
