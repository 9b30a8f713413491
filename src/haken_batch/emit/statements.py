"""Statements (R-RPT-1) under ``statements/``: one workbook per よろず支援拠点, per platform
representative (itself, each constituent and the total) and per constituent (its own).

Each shows applications, dispatches paid and the yen used, month and cumulative, and lists
the dispatches that the yen covers. File names: ``statement_<id>_<CYCLE>.xlsx`` (safe_name).
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from haken_batch.emit.xlsx_style import Book, Col, Group
from haken_batch.errors import HakenError
from haken_batch.kpi.facts import paid_facts
from haken_batch.kpi.inputs import PLATFORM, KpiInputs
from haken_batch.kpi.statements import (
    Unit,
    detail_frame,
    details,
    per_institution,
    summary,
    units,
)
from haken_batch.kpi.tables import TOTAL_LABEL, with_total
from haken_batch.outdir import safe_name

if TYPE_CHECKING:
    from haken_batch.run import CycleRun

FOLDER = "statements"
PARALLEL_ROWS = 40_000  # detail rows from which worker processes repay their start-up
MAX_WORKERS = 4
MONEY_DETAIL = ("fee", "transport", "per_diem", "lodging", "travel", "total")


def file_name(owner_id: str, cycle: str) -> str:
    return f"statement_{safe_name(owner_id, case_blind=True)}_{cycle}.xlsx"


def emit(run: CycleRun, folder: Path) -> None:
    """Write every institution's statement for the cycle into ``folder/statements/``."""
    write(KpiInputs.from_run(run), folder)


@dataclass(frozen=True)
class Meta:
    """What a statement prints about the cycle."""

    cycle: str
    fiscal_year: int
    fy_start: dt.date
    transfer_date: dt.date
    created: dt.datetime

    @classmethod
    def of(cls, inp: KpiInputs) -> Meta:
        return cls(inp.cycle, inp.fiscal_year, inp.fy_start, inp.transfer_date, inp.created)


# (file name, unit, summary, month details, cumulative details)
Job = tuple[str, Unit, pl.DataFrame, pl.DataFrame, pl.DataFrame]


def write(inp: KpiInputs, folder: Path, *, institution: str | None = None,
          workers: int | None = None) -> list[Path]:
    """All statements, or only the one ``institution`` (an institution or platform id) sees.

    A fiscal year's worth of detail rows is built in ``workers`` processes (default: one
    per CPU from PARALLEL_ROWS rows on); the bytes do not depend on how the work is split.
    """
    chosen = units(inp)
    if institution is not None:
        chosen = [u for u in chosen
                  if u.owner_id == institution
                  or (u.scope == PLATFORM and u.platform_id == institution)]
        if not chosen:
            raise HakenError(
                f"機関ID「{institution}」は機関データ（institutions）にありません",
                f"institution id {institution!r} is not in the institutions table")
    out = folder / FOLDER
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    jobs = _jobs(inp, chosen)
    n = workers if workers is not None else _workers(sum(j[3].height + j[4].height
                                                         for j in jobs))
    if n > 1 and len(jobs) > 1:
        built = _build_in_processes(Meta.of(inp), jobs, n)
    else:
        built = build_chunk(Meta.of(inp), jobs)
    written: list[Path] = []
    for name, data in built:
        (out / name).write_bytes(data)  # staged folder, fsynced whole by outdir
        written.append(out / name)
    return written


def _jobs(inp: KpiInputs, chosen: list[Unit]) -> list[Job]:
    facts = paid_facts(inp)
    per_inst = per_institution(facts, inp)
    detail = detail_frame(facts, inp)
    parts = {str(k[0]): v for k, v in detail.partition_by("institution_id", as_dict=True,
                                                          include_key=True).items()}
    empty = detail.clear()
    jobs: list[Job] = []
    used: set[str] = set()
    for unit in chosen:
        name = file_name(unit.owner_id, inp.cycle)
        if name in used:  # two ids that sanitise alike: keep both, deterministically
            name = name.replace(".xlsx", f"_{len(used)}.xlsx")
        used.add(name)
        jobs.append(
            (
                name,
                unit,
                summary(unit, per_inst),
                details(unit, parts, empty, month_only=True),
                details(unit, parts, empty, month_only=False),
            )
        )
    return jobs


def _workers(rows: int) -> int:
    if rows < PARALLEL_ROWS:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def _split(jobs: list[Job], n: int) -> list[list[Job]]:
    """``n`` contiguous chunks of about equal detail rows, order kept."""
    weights = [1 + j[3].height + j[4].height for j in jobs]
    step = sum(weights) / n
    chunks: list[list[Job]] = [[]]
    done = 0
    for job, weight in zip(jobs, weights, strict=True):
        if done >= step * len(chunks) and len(chunks) < n:
            chunks.append([])
        chunks[-1].append(job)
        done += weight
    return [c for c in chunks if c]


def _build_in_processes(meta: Meta, jobs: list[Job], n: int) -> list[tuple[str, bytes]]:
    """Build chunks in ``python -m haken_batch.kpi.worker`` processes (pickles over pipes).
    Should a worker fail to start or finish, the whole run is built here instead (same
    bytes either way)."""
    chunks = _split(jobs, n)
    src = str(Path(__file__).resolve().parents[2])  # so the worker imports this very package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in chunks:
            # its own session: a Ctrl-C at the terminal interrupts this process alone,
            # which kills the workers below (no worker traceback, no worker left behind)
            procs.append(subprocess.Popen([sys.executable, "-m", "haken_batch.kpi.worker"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          env=env, start_new_session=True))
        for proc, chunk in zip(procs, chunks, strict=True):
            assert proc.stdin is not None
            proc.stdin.write(pickle.dumps((meta, chunk), protocol=5))
            proc.stdin.close()  # the worker has read everything before it writes
        built: list[tuple[str, bytes]] = []
        for proc in procs:
            assert proc.stdout is not None
            data = proc.stdout.read()
            if proc.wait() != 0:
                raise OSError(f"statement worker exit {proc.returncode}")
            built.extend(pickle.loads(data))
        return built
    except (OSError, pickle.UnpicklingError, EOFError):
        return build_chunk(meta, jobs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def build_chunk(meta: Meta, jobs: list[Job]) -> list[tuple[str, bytes]]:
    return [(name, build(meta, unit, head, month, cum)) for name, unit, head, month, cum in jobs]


STATEMENT_NOTES = (
    "申請件数：派遣予定日（ない場合は申請日）が本年度の派遣案件を、申請日（ない場合は"
    "派遣予定日）の月に数えます。年度の始まる前に申請されたものは年度の最初の月に数えます。"
    "当月＝当月の申請、累計＝年度初め〜当月末。"
    "キャンセルは申請件数に含めず、キャンセル件数に示します。",
    "支払件数・金額：当月＝本サイクルで支払った派遣、累計＝本年度の各サイクルで支払った派遣。"
    "保留中の派遣は支払われたサイクルで計上し、対象外は計上しません。",
    "旅費＝交通費＋日当＋宿泊費。合計＝謝金＋旅費（源泉徴収前）。金額は円。",
    "明細は、支払額が充てられた派遣の一覧です（当月明細・累計明細）。",
)


def build(
    meta: Meta, unit: Unit, head: pl.DataFrame, month: pl.DataFrame, cumulative: pl.DataFrame
) -> bytes:
    book = Book(
        created=meta.created,
        title=f"専門家派遣 利用状況 {unit.owner_id} {meta.cycle}",
        subject="R-RPT-1",
    )
    scope = unit.scope if unit.platform_name is None else f"{unit.scope}（{unit.platform_name}）"
    lines = [f"機関ID {unit.owner_id}　区分 {scope}",
             f"サイクル {meta.cycle}（{meta.fiscal_year}年度）　当月＝本サイクル支払分、"
             f"累計＝{meta.fy_start:%Y/%m/%d}以降の支払分　"
             f"振込指定日 {meta.transfer_date:%Y/%m/%d}"]
    ws = book.sheet("概要", landscape=True)
    row = book.title(ws, f"専門家派遣 利用状況　{unit.owner_name}", lines)
    cols = (
        Col("institution_id", "機関ID"), Col("institution_name", "機関名"),
        Col("role", "区分"),
        Col("month_apps", "申請件数", "int"), Col("month_cancelled", "キャンセル", "int"),
        Col("month_count", "支払件数", "int"), Col("month_fee", "謝金（円）", "yen"),
        Col("month_travel", "旅費（円）", "yen"), Col("month_total", "合計（円）", "yen"),
        Col("cum_apps", "申請件数", "int"), Col("cum_cancelled", "キャンセル", "int"),
        Col("cum_count", "支払件数", "int"), Col("cum_fee", "謝金（円）", "yen"),
        Col("cum_travel", "旅費（円）", "yen"), Col("cum_total", "合計（円）", "yen"),
    )
    groups = (Group("当月", "month_apps", "month_total"),
              Group("累計（年度）", "cum_apps", "cum_total"))
    w = book.table(ws, head, cols, row=row, groups=groups,
                   totals=pl.col("institution_id") == TOTAL_LABEL, freeze_cols=2)
    book.notes(ws, w.last_row + 2, STATEMENT_NOTES, width_cols=len(cols), chars=150)
    for sheet, frame, with_cycle in (("当月明細", month, False), ("累計明細", cumulative, True)):
        _detail_sheet(book, sheet, frame, lines, with_cycle=with_cycle,
                      many=len(unit.members) > 1)
    return book.to_bytes()


def _detail_sheet(book: Book, name: str, frame: pl.DataFrame, lines: list[str], *,
                  with_cycle: bool, many: bool) -> None:
    ws = book.sheet(name, landscape=True)
    row = book.title(ws, f"{name}（支払った派遣）", lines)
    framed = with_total(frame.with_columns(pl.col("dispatch_id").alias("label")), "label",
                        label=f"{TOTAL_LABEL}（{frame.height}件）", sums=MONEY_DETAIL)
    cols = [
        *([Col("institution_id", "機関ID")] if many else []),
        *([Col("cycle", "支払サイクル")] if with_cycle else []),
        Col("label", "派遣ID"), Col("support_date", "支援日", "date"),
        Col("company_name", "企業名"), Col("issue_category", "経営課題"),
        Col("expert_id", "専門家ID"), Col("expert_name", "専門家氏名"),
        Col("fee", "謝金（円）", "yen"), Col("transport", "交通費（円）", "yen"),
        Col("per_diem", "日当（円）", "yen"), Col("lodging", "宿泊費（円）", "yen"),
        Col("travel", "旅費計（円）", "yen"), Col("total", "合計（円）", "yen"),
    ]
    book.table(ws, framed, cols, row=row,
               totals=pl.col("label").str.starts_with(TOTAL_LABEL) & pl.col("dispatch_id")
               .is_null(), freeze_cols=1 + int(many) + int(with_cycle))
