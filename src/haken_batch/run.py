"""One cycle's run: the objects every step after `settle` reads (emitters, archive, explain).

The settlement engine fills ``Settlement``; the emitters each get the whole ``CycleRun`` and
a folder to write into. Nothing here reads the clock: dates come from the cycle and rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.load import Dataset
    from haken_batch.rules import RuleBook


@dataclass(frozen=True)
class Options:
    """What the clerk chose on the command line (recorded in the manifest)."""

    cycle: str  # "YYYY-MM"
    data_dir: Path
    out_dir: Path
    rules_dir: Path | None = None
    payer_file: Path | None = None
    cutoff: dt.date | None = None  # default: rules payment.cutoff_day
    transfer_date: dt.date | None = None  # default: rules payment.transfer_day_of_next_month
    headers: str = "ja"  # "ja" or "en" CSV headers
    documents: bool = True  # PDFs and workbooks; off for scale runs
    lang: str = "ja"
    # an archived bank-master snapshot (haken verify / explain); None: the installed package
    bank_master: Path | None = None


@dataclass(frozen=True)
class Settlement:
    """What the engine decided and computed for one cycle. Every frame is sorted by its keys.

    dispatches: dispatch_id, expert_id, institution_id, support_date, status, fee, transport,
                per_diem, lodging, total, rules
    lines:      dispatch_id, line_no, item, claimed, paid, rule_id, note, note_en
                (note is Japanese, written to lines.csv; note_en its English twin with the
                same values, for `explain --lang en`, never written to lines.csv)
    findings:   dispatch_id, line_no, rule_id, severity, message
    payments:   expert_id, dispatch_count, fee, transport, per_diem, lodging, gross,
                withholding, net
    ledger:     cycle, dispatch_id, expert_id, support_date, start_time, fee, transport,
                per_diem, lodging, total, face_to_face_minutes, trip_km (cap and per diem
                of later cycles read them), institution_id (the KPIs' cumulative)
    extra["checks"]: dispatch_id, line_no, rule_id, outcome (pass/hold/exclude/reduce/flag),
                message (Japanese, with the parameter values used), message_en (its English
                twin, same values; for `explain --lang en`, never written to findings.csv);
                only non-pass rows when options.documents is off (scale runs)
    """

    cycle: str
    cutoff: dt.date
    transfer_date: dt.date
    dispatches: pl.DataFrame
    lines: pl.DataFrame
    findings: pl.DataFrame
    payments: pl.DataFrame
    ledger: pl.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def excluded(self) -> pl.DataFrame:
        """excluded.csv: cycle, dispatch_id, expert_id, support_date, rules of the dispatches
        this cycle excluded. An exclusion is final ("Decisions" in rules.md): later cycles
        read these and exclude the dispatch again, whatever later exports say."""
        import polars as pl

        from haken_batch.settle.decide import EXCLUDED

        return (self.dispatches.filter(pl.col("status") == EXCLUDED)
                .select(pl.lit(self.cycle).alias("cycle"), "dispatch_id", "expert_id",
                        "support_date", "rules")
                .sort("dispatch_id"))


@dataclass(frozen=True)
class CycleRun:
    options: Options
    rules: RuleBook
    data: Dataset
    settlement: Settlement
    payer: Any  # haken_batch.payer.PayerConfig
    previous: pl.DataFrame  # the ledger of earlier cycles in OUT (what was already paid)
    # (ja, en) notes about OUT for the clerk, e.g. a previous run that died half-way and
    # whose leftovers were swept (outdir.locked); never part of the outputs
    notes: tuple[tuple[str, str], ...] = ()
    # what the cycle leaves for the clerk to follow up (followups.collect): said on the
    # terminal and kept in the manifest; empty in a verify re-run (never compared)
    followups: tuple[dict[str, Any], ...] = ()
    # (ja, en) what OUT said of this cycle's place when it was settled (the first cycle of
    # an OUT in mid-year, a skipped month, a record rebuilt from the folders): also in
    # ``notes``, and kept in the manifest for the auditor; never compared by verify
    context: tuple[tuple[str, str], ...] = ()
