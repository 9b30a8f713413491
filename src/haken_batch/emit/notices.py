"""支払通知書 (R-PAY-3): one PDF per expert per cycle, and ``notices_index.csv``.

Writes ``folder/notices/notice_<safe expert id>_<cycle>.pdf`` for every expert with a paid
dispatch in ``payments`` and ``folder/notices_index.csv`` (expert_id, file, gross,
withholding, net, pages, sha256). Wording and layout: ``templates/notice/notice.yaml``.
Every figure printed is checked against ``payments`` before anything is drawn; the same
inputs give the same bytes (``pdf.layout``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError
from haken_batch.outdir import safe_name
from haken_batch.pdf.fonts import strip_controls as _clean

if TYPE_CHECKING:
    import polars as pl
    from fpdf import FPDF

    from haken_batch.pdf import DocTemplate, FontBook, Table
    from haken_batch.run import CycleRun

NOTICE_DIR = "notices"
INDEX_FILE = "notices_index.csv"
_MONEY = ("fee", "transport", "per_diem", "lodging")


class NoticeMismatch(HakenError):
    """A notice's figures would not equal payments.csv (a bug upstream; nothing is written)."""


# ---------------------------------------------------------------- the data of one notice
@dataclass(frozen=True)
class TravelItem:
    label: str
    note: str
    column: str  # transport / per_diem / lodging
    paid: int


@dataclass(frozen=True)
class DispatchRow:
    dispatch_id: str
    support_date: dt.date
    institution: str
    paid_minutes: int | None
    fee: int
    transport: int
    per_diem: int
    lodging: int
    total: int
    items: tuple[TravelItem, ...]


@dataclass(frozen=True)
class Reduction:
    dispatch_id: str
    item: str
    claimed: int | None
    paid: int | None
    rule_id: str
    reason: str


@dataclass(frozen=True)
class Notice:
    expert_id: str
    expert_name: str
    corporate: bool
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    gross: int
    withholding: int
    net: int
    totals: dict[str, int]
    dispatches: tuple[DispatchRow, ...]
    reductions: tuple[Reduction, ...]
    file: str = field(default="")


# ---------------------------------------------------------------- public entry points
def emit(run: CycleRun, folder: Path) -> None:
    """Write every notice of the cycle and the index into ``folder`` (documents on only)."""
    if not run.options.documents:
        return
    render_notices(run, folder)


def render_notices(run: CycleRun, folder: Path, *, fonts: FontBook | None = None,
                   template: DocTemplate | None = None,
                   workers: int | None = None) -> list[dict[str, Any]]:
    """Write the PDFs and the index; returns the index rows (for callers and tests).

    ``workers`` > 1 renders in that many processes (default: the CPU count, at most 4, for
    batches of ``PARALLEL_MIN`` notices or more); every PDF is the same either way.
    """
    from haken_batch.pdf import FontBook, load_template

    tmpl = template or load_template("notice")
    book = fonts or FontBook()
    notices = build_notices(run, tmpl)
    common = _common_values(run, tmpl)
    pages = [_compose(n, common, tmpl, book) for n in notices]
    book.prepare(_strings(tmpl, pages))
    rendered = _render_all(pages, common, tmpl, book, _workers(workers, len(pages)))

    out = folder / NOTICE_DIR
    out.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, Any]] = []
    for notice, (data, page_count) in zip(notices, rendered, strict=True):
        (out / notice.file).write_bytes(data)
        index.append({
            "expert_id": notice.expert_id, "file": f"{NOTICE_DIR}/{notice.file}",
            "gross": notice.gross, "withholding": notice.withholding, "net": notice.net,
            "pages": page_count, "sha256": hashlib.sha256(data).hexdigest(),
        })
    _write_index(index, folder / INDEX_FILE, run.options.headers, tmpl)
    return index


PARALLEL_MIN = 60  # below this, starting a process costs more than it saves


def _workers(asked: int | None, count: int) -> int:
    import os

    if asked is not None:
        return max(1, asked)
    if count < PARALLEL_MIN:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _render_chunk(task: tuple[Path, tuple[bytes, frozenset[int]], dict[str, Any],
                              list[Composed]]) -> list[tuple[bytes, int]]:
    """Render a run of notices in a worker process (module level so it can be pickled)."""
    from haken_batch.pdf import FontBook, load_template

    root, state, common, chunk = task
    tmpl = load_template("notice", root)
    book = FontBook.from_state(state)
    return [_render_one(c, common, tmpl, book) for c in chunk]


def _render_one(c: Composed, common: dict[str, Any], tmpl: DocTemplate,
                book: FontBook) -> tuple[bytes, int]:
    pdf = _draw(c, common, tmpl, book)
    return bytes(pdf.output()), pdf.pages_count


def _render_all(pages: list[Composed], common: dict[str, Any], tmpl: DocTemplate,
                book: FontBook, workers: int) -> list[tuple[bytes, int]]:
    """Every notice's bytes, in order. The main process renders the first share itself;
    the others go to forked worker processes, which only run fpdf2/fontTools (never polars)
    on the pickled notice texts. Where fork is not available or a worker fails, the whole
    batch is rendered in this process (same bytes).

    The workers never see Ctrl-C or SIGTERM themselves (blocked across the fork, then
    ignored / default): the main process alone is interrupted, and it kills them on the
    way out. With a pool, a Ctrl-C could leave the main process waiting for ever on a
    worker that was reading its next task (a blind clerk check saw it hang, lock held).
    """
    import multiprocessing

    if (workers <= 1 or len(pages) < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return [_render_one(c, common, tmpl, book) for c in pages]
    size = -(-len(pages) // workers)
    chunks = [pages[i:i + size] for i in range(0, len(pages), size)]
    task = (tmpl.path.parent.parent, book.prepared_state(), common)
    started: list[tuple[Any, Any]] = []  # (process, receiving end)
    try:
        for chunk in chunks[1:]:
            started.append(_start_worker((*task, chunk)))
        first = [_render_one(c, common, tmpl, book) for c in chunks[0]]
        rest: list[tuple[bytes, int]] = []
        for proc, receiver in started:
            rest += receiver.recv()  # EOFError: the worker died without an answer
            proc.join()
            if proc.exitcode != 0:
                raise OSError(f"notice worker exit {proc.exitcode}")
        return first + rest
    except (EOFError, OSError, RuntimeError, pickle.UnpicklingError):
        return [_render_one(c, common, tmpl, book) for c in pages]
    finally:
        for proc, receiver in started:
            receiver.close()
            if proc.is_alive():
                proc.kill()
            proc.join()


def _start_worker(task: tuple[Path, Any, dict[str, Any], list[Composed]]) -> tuple[Any, Any]:
    """Fork one notice worker with SIGINT and SIGTERM blocked across the fork (so neither
    reaches it as a Python exception); its answer comes back through a pipe."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker_main, args=(sender, task, receiver), daemon=True)
    stop = {signal.SIGINT, signal.SIGTERM}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    try:
        proc.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        sender.close()
    return proc, receiver


def _worker_main(sender: Any, task: tuple[Path, Any, dict[str, Any], list[Composed]],
                 receiver: Any = None) -> None:
    """In the worker: Ctrl-C is the main process's to handle, SIGTERM (its kill) ends the
    worker at once; no traceback either way, a failure is an exit code and no answer.

    The worker closes its copy of the receiving end first: holding it, a worker whose
    parent had died (SIGHUP) blocked for ever on sending into a pipe nobody read."""
    if receiver is not None:
        receiver.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        sender.send(_render_chunk(task))
    except BaseException:  # the main process then renders the batch itself
        os._exit(1)
    finally:
        sender.close()


def notice_file_name(expert_id: str, cycle: str) -> str:
    return f"notice_{safe_name(expert_id, case_blind=True)}_{cycle}.pdf"


def build_notices(run: CycleRun, tmpl: DocTemplate) -> list[Notice]:
    """The figures of every notice, checked against payments (sorted by expert id)."""
    import polars as pl

    st = run.settlement
    payments = st.payments.filter(pl.col("dispatch_count") > 0).sort("expert_id")
    # only the experts notified (all of them in a cycle; a slice when a caller limits them):
    # the per-row Python work below then follows the notices built, not the whole cycle
    paid = (_paid_dispatches(run).join(payments.select("expert_id"), on="expert_id", how="semi")
            .sort("expert_id", "support_date", "dispatch_id"))
    lines = st.lines.join(paid.select("dispatch_id"), on="dispatch_id", how="semi")
    reductions = _reductions(lines, st.findings, paid, tmpl)
    experts = _experts(run)
    items_map: dict[str, Any] = tmpl["items"]
    account_types = {str(k): str(v) for k, v in tmpl["account_types"].items()}

    by_expert = _group(paid, "expert_id")
    lines_by_dispatch = _group(lines.sort("dispatch_id", "line_no"), "dispatch_id")
    red_by_expert = _group(reductions, "expert_id")

    notices: list[Notice] = []
    for pay in payments.iter_rows(named=True):
        eid = pay["expert_id"]
        expert = experts.get(eid)
        if expert is None:
            raise NoticeMismatch(f"専門家 {eid} が専門家マスタにありません",
                                 f"expert {eid} is not in the experts master",
                                 where="experts")
        rows = [_dispatch_row(d, lines_by_dispatch.get(d["dispatch_id"], []), items_map, run)
                for d in by_expert.get(eid, [])]
        totals = {m: sum(r.__dict__[m] for r in rows) for m in _MONEY}
        _check_against_payment(eid, pay, rows, totals)
        bank_name, branch_name = _bank_names(str(expert["bank_code"]),
                                             str(expert["branch_code"]))
        notices.append(Notice(
            expert_id=eid,
            expert_name=_required(expert, "name", eid),
            corporate=expert.get("payee_type") == "法人",
            bank_code=_required(expert, "bank_code", eid),
            bank_name=bank_name,
            branch_code=_required(expert, "branch_code", eid),
            branch_name=branch_name,
            account_type=account_types.get(str(expert.get("account_type")), ""),
            account_number=_required(expert, "account_number", eid),
            gross=int(pay["gross"]), withholding=int(pay["withholding"]), net=int(pay["net"]),
            totals=totals,
            dispatches=tuple(rows),
            reductions=tuple(
                Reduction(_clean(r["dispatch_id"]), _clean(r["item"]), r["claimed"], r["paid"],
                          _clean(r["rule_id"]), _clean(r["reason"]))
                for r in red_by_expert.get(eid, [])),
            file=notice_file_name(eid, st.cycle),
        ))
    return notices


# ---------------------------------------------------------------- frames → notice data
def _paid_dispatches(run: CycleRun) -> pl.DataFrame:
    import polars as pl

    st = run.settlement
    inst = run.data.tables["institutions"].select(
        "institution_id", pl.col("name").alias("institution_name"))
    frame = st.dispatches.filter(pl.col("status") == "paid").join(
        inst, on="institution_id", how="left")
    missing = frame.filter(pl.col("institution_name").is_null())
    if missing.height:
        row = missing.row(0, named=True)
        raise NoticeMismatch(
            f"派遣 {row['dispatch_id']} の機関 {row['institution_id']} が機関マスタにありません",
            f"dispatch {row['dispatch_id']}: institution {row['institution_id']} not in master",
            where="institutions")
    return frame


def _reductions(lines: pl.DataFrame, findings: pl.DataFrame, paid: pl.DataFrame,
                tmpl: DocTemplate) -> pl.DataFrame:
    """Lines paid below their claim, and reduce findings, with their reason (R-PAY-3)."""
    import polars as pl

    reduce = (findings.filter(pl.col("severity") == "reduce")
              .join(paid.select("dispatch_id"), on="dispatch_id", how="semi"))
    first_msg = (reduce.filter(pl.col("line_no").is_not_null())
                 .group_by("dispatch_id", "line_no")
                 .agg(pl.col("rule_id").sort().first().alias("f_rule"),
                      pl.col("message").sort_by("rule_id").str.join("／").alias("f_msg")))
    cut = (lines.filter(pl.col("paid") < pl.col("claimed"))
           .join(first_msg, on=["dispatch_id", "line_no"], how="left")
           .select("dispatch_id", "line_no", "item", "claimed", "paid",
                   pl.coalesce("f_rule", "rule_id").fill_null("").alias("rule_id"),
                   pl.coalesce("f_msg", "note").fill_null("").alias("reason")))
    # reduce findings that name no line (or a line with no reduction) still show their reason
    loose = (reduce.join(cut.select("dispatch_id", "line_no"), on=["dispatch_id", "line_no"],
                         how="anti", nulls_equal=True)
             .select("dispatch_id", "line_no", pl.lit("").alias("item"),
                     pl.lit(None, pl.Int64).alias("claimed"), pl.lit(None, pl.Int64).alias("paid"),
                     "rule_id", pl.col("message").alias("reason")))
    labels = {str(k): str(v["label"]) for k, v in tmpl["items"].items()}
    both = pl.concat([cut.with_columns(pl.col("claimed", "paid").cast(pl.Int64)), loose],
                     how="vertical_relaxed")
    return (both.join(paid.select("dispatch_id", "expert_id", "support_date"), on="dispatch_id")
            .with_columns(pl.col("item").replace(labels).fill_null(""))
            .sort("expert_id", "support_date", "dispatch_id", "line_no", "rule_id",
                  nulls_last=True))


def _experts(run: CycleRun) -> dict[str, dict[str, Any]]:
    experts = run.data.tables["experts"]
    wanted = ["expert_id", "name", "payee_type", "bank_code", "branch_code", "account_type",
              "account_number"]
    cols = [c for c in wanted if c in experts.columns]
    ids = run.settlement.payments.get_column("expert_id")
    subset = experts.filter(experts.get_column("expert_id").is_in(ids.implode())).select(cols)
    return {r["expert_id"]: r for r in subset.iter_rows(named=True)}


def _group(frame: pl.DataFrame, key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in frame.iter_rows(named=True):
        out.setdefault(row[key], []).append(row)
    return out


def _dispatch_row(d: dict[str, Any], lines: list[dict[str, Any]], items_map: dict[str, Any],
                  run: CycleRun) -> DispatchRow:
    items = []
    for line in lines:
        spec = items_map.get(str(line["item"]), {})
        column = str(spec.get("column", "transport"))
        if column == "fee" and (int(line["paid"] or 0) or int(d["fee"])):
            continue  # the fee is its own column; its reduction shows below the table
        # a fee of 0 yen (under 30 minutes face to face, R-FEE-2) is listed with its note:
        # otherwise a paid dispatch shows 0 yen and no reason (blind check, session 12)
        items.append(TravelItem(label=_clean(str(spec.get("label", line["item"]))),
                                note=_clean(str(line.get("note") or "")), column=column,
                                paid=int(line["paid"] or 0)))
    return DispatchRow(
        dispatch_id=_clean(str(d["dispatch_id"])), support_date=d["support_date"],
        institution=_clean(str(d["institution_name"])),
        paid_minutes=_paid_minutes(d, run),
        fee=int(d["fee"]), transport=int(d["transport"]), per_diem=int(d["per_diem"]),
        lodging=int(d["lodging"]), total=int(d["total"]), items=tuple(items))


def _paid_minutes(d: dict[str, Any], run: CycleRun) -> int | None:
    """Paid support time: the engine's figure when it gives one, else fee ÷ R-FEE-1 rate
    (exact under R-FEE-2/3). None under a fee formula without hours (FY2022 flat fee)."""
    if d.get("paid_minutes") is not None:
        return int(d["paid_minutes"])
    day = d["support_date"]
    from haken_batch.settle.fee import HOURLY

    if run.rules.value_at("fee.formula", day) != HOURLY:
        return None
    rate = int(run.rules.value_at("fee.hourly_rate", day))
    return int(d["fee"]) * 60 // rate


def _check_against_payment(eid: str, pay: dict[str, Any], rows: list[DispatchRow],
                           totals: dict[str, int]) -> None:
    problems = [m for m in _MONEY if totals[m] != int(pay[m])]
    if len(rows) != int(pay["dispatch_count"]):
        problems.append("dispatch_count")
    if sum(totals.values()) != int(pay["gross"]):
        problems.append("gross")
    if int(pay["gross"]) - int(pay["withholding"]) != int(pay["net"]):
        problems.append("net")
    for r in rows:
        if r.fee + r.transport + r.per_diem + r.lodging != r.total:
            problems.append(f"total of {r.dispatch_id}")
    if problems:
        raise NoticeMismatch(
            f"専門家 {eid} の支払通知書の金額が payments と一致しません: {problems}",
            f"notice figures of expert {eid} do not equal payments: {problems}")


def _required(row: dict[str, Any], column: str, eid: str) -> str:
    value = row.get(column)
    if value is None or str(value) == "":
        raise NoticeMismatch(f"専門家 {eid} の「{column}」が空のため支払通知書を作れません",
                             f"expert {eid}: {column} is empty, cannot write the notice",
                             where=f"experts, {eid}, {column}")
    return _clean(str(value))


def _bank_names(bank_code: str, branch_code: str) -> tuple[str, str]:
    """Kanji bank/branch names from the bank master; the code itself if unknown."""
    try:
        from haken_batch import bankmaster

        bank = bankmaster.bank_name(bank_code)
        branch = bankmaster.branch_name(bank_code, branch_code)
    except (ImportError, AttributeError):
        bank = branch = None
    return _clean(bank or bank_code), _clean(branch or branch_code)


def mask_account(number: str, visible: int) -> str:
    """All but the last ``visible`` digits as * (R-DATA-2: a notice may travel by e-mail)."""
    from haken_batch.privacy import mask_account as mask

    return mask(number, keep=visible)


# ---------------------------------------------------------------- text (templates)
# kind, cells, spans, and what a sub-row carries on (repeated after a page break)
Row = tuple[str, dict[str, str], dict[str, int], str | None]


@dataclass(frozen=True)
class Composed:
    """Every string one notice prints, rendered from the templates."""

    notice: Notice
    head: dict[str, str]
    payer_lines: list[str]
    rows: list[Row]
    reductions: list[dict[str, str]]
    notes: list[str]
    footer_values: dict[str, Any]


def _payer_fields(run: CycleRun, tmpl: DocTemplate) -> tuple[str, str, str]:
    """display_name / address / contact of the payer config (payer.PayerConfig)."""
    payer = run.payer
    default = tmpl["payer_default"]
    name = getattr(payer, "display_name", "") or default["name"]
    address = getattr(payer, "address", "") or default["address"]
    contact = getattr(payer, "contact", "") or default["contact"]
    return _clean(str(name)), _clean(str(address or "")), _clean(str(contact or ""))


def _common_values(run: CycleRun, tmpl: DocTemplate) -> dict[str, Any]:
    st = run.settlement
    name, address, contact = _payer_fields(run, tmpl)
    on = st.transfer_date
    return {
        "cycle": st.cycle, "transfer_date": st.transfer_date,
        "payer_name": name, "payer_address": address, "payer_contact": contact,
        "rate_low": _percent(int(run.rules.value_at("tax.rate_low_bp", on))),
        "rate_high": _percent(int(run.rules.value_at("tax.rate_high_bp", on))),
        "threshold": int(run.rules.value_at("tax.threshold", on)),
        # The note names the base the engine taxed: fee alone when travel is outside it (R-TAX-2).
        "travel_in_base": bool(run.rules.value_at("tax.travel_in_base", on)),
    }


def _percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}"


def _compose(n: Notice, common: dict[str, Any], tmpl: DocTemplate, fonts: FontBook) -> Composed:
    from haken_batch.pdf import yen

    v = {**common, "expert_id": _clean(n.expert_id), "expert_name": n.expert_name,
         "corporate": n.corporate, "bank_name": n.bank_name, "bank_code": n.bank_code,
         "branch_name": n.branch_name, "branch_code": n.branch_code,
         "account_type": n.account_type,
         "account_masked": mask_account(n.account_number, int(tmpl["account_visible_digits"])),
         "dispatch_count": len(n.dispatches), "gross": n.gross, "net": n.net}
    head = {k: tmpl.text(k, **v) for k in (
        "title", "issued", "notice_no", "addressee", "greeting", "summary_heading",
        "gross_label", "withholding_label", "net_label", "yen_suffix", "bank_heading",
        "bank_line", "account_line", "dispatch_heading", "reduction_heading", "total_row")}
    payer_lines = [line for line in tmpl.texts("payer_lines", **v) if line]
    rows: list[Row] = []
    for d in n.dispatches:
        if d.paid_minutes is None:
            paid_time = tmpl.text("paid_time_none")
        else:
            h, m = divmod(d.paid_minutes, 60)
            paid_time = tmpl.render(tmpl["paid_time"], key="paid_time", hours=h, minutes=m)
        rows.append(("dispatch", {
            "support_date": d.support_date.strftime("%Y/%m/%d"), "dispatch_id": d.dispatch_id,
            "institution": d.institution,
            "paid_time": paid_time,
            "fee": yen(d.fee), "transport": yen(d.transport), "per_diem": yen(d.per_diem),
            "lodging": yen(d.lodging), "total": yen(d.total)}, {}, None))
        # a page break among the sub-rows names their dispatch again (independent-data
        # check, session 19: page 2 began with "└ 航空 46,000" of no dispatch)
        carried = tmpl.text("continued", dispatch_id=d.dispatch_id) if d.items else None
        for item in d.items:
            # the engine's note may quote the claim's free text (実費（理由: …）)
            label = tmpl.text("travel_item", label=item.label, note=fonts.drawable(item.note))
            rows.append(("item", {"dispatch_id": label, item.column: yen(item.paid)},
                         {"dispatch_id": 3}, carried))
    rows.append(("total", {"dispatch_id": head["total_row"],
                           **{m: yen(n.totals[m]) for m in _MONEY}, "total": yen(n.gross)},
                 {"dispatch_id": 3}, None))
    reductions = [{
        "dispatch_id": r.dispatch_id, "item": r.item,
        "claimed": "" if r.claimed is None else yen(r.claimed),
        "paid": "" if r.paid is None else yen(r.paid),
        "reduced": "" if r.claimed is None or r.paid is None else yen(r.claimed - r.paid),
        "reason": tmpl.text("reduction_reason", rule_id=r.rule_id,
                            reason=fonts.drawable(r.reason)),
    } for r in n.reductions]
    notes = [tmpl.text("reduction_none", **v)] if not reductions else []
    if n.gross > 0:  # how tax was withheld from nothing says nothing (documents check)
        notes.append(tmpl.text("withholding_note_corporate"
                               if n.corporate and n.withholding == 0 else "withholding_note",
                               **v))
    notes.append(tmpl.text("contact", **v))
    composed = Composed(notice=n, head=head, payer_lines=payer_lines, rows=rows,
                        reductions=reductions, notes=notes,
                        footer_values={k: v[k] for k in ("payer_name", "cycle", "expert_id")})
    for text in _composed_strings(composed):
        fonts.check(text, where=f"支払通知書 {n.expert_id}")
    return composed


def _composed_strings(c: Composed) -> Iterator[str]:
    yield from c.head.values()
    yield from c.payer_lines
    for _, cells, _, carried in c.rows:
        yield from cells.values()
        if carried:
            yield carried
    for red in c.reductions:
        yield from red.values()
    yield from c.notes
    yield from (f"{c.notice.gross:,}", f"{c.notice.withholding:,}", f"{c.notice.net:,}")


def _strings(tmpl: DocTemplate, pages: list[Composed]) -> Iterator[str]:
    for spec in (*tmpl["dispatch_columns"], *tmpl["reduction_columns"]):
        yield str(spec["header"])
    yield "0123456789/／,*{nb}…"  # … ends a payer name cut in the footer
    for c in pages:
        yield from _composed_strings(c)
        yield tmpl.text("footer", **c.footer_values, page=1, pages=1)


# ---------------------------------------------------------------- drawing
def _draw(c: Composed, common: dict[str, Any], tmpl: DocTemplate, fonts: FontBook) -> FPDF:
    from haken_batch.pdf import Column, Table, fit_cell, new_pdf
    from haken_batch.pdf.layout import keep_room, line_cell, lines_to_fit, paragraph, shortened

    n = c.notice
    size = tmpl["font_size"]

    def footer(pdf: FPDF) -> None:
        pdf.set_y(-12)
        pdf.set_font_size(float(size["small"]))
        pdf.set_text_color(110)

        def render(name: str, pages: str = "99") -> str:  # measured as if 99 pages
            return tmpl.text("footer", **{**c.footer_values, "payer_name": name},
                             page=pdf.page_no(), pages=pages)

        # a long payer name is cut in the footer only (it stands whole in the payer block)
        name = shortened(pdf, render, str(c.footer_values.get("payer_name") or ""),
                         pdf.epw - 2 * pdf.c_margin)
        text = render(name, pdf.str_alias_nb_pages)
        pdf.set_x(pdf.l_margin)
        pdf.cell(pdf.epw, 5, text, align="C")  # FPDF.cell: it fills in the page count alias
        pdf.set_text_color(0)

    pdf = new_pdf(fonts, created=common["transfer_date"], title=c.head["title"],
                  author=common["payer_name"], page=tmpl["page"], footer=footer)
    pdf.add_page()
    full = pdf.epw
    left = pdf.l_margin

    # title and the right-hand header block
    pdf.set_font_size(float(size["title"]))
    line_cell(pdf, full, 12, c.head["title"], align="C")
    pdf.set_font_size(float(size["body"]))
    for key in ("issued", "notice_no"):
        line_cell(pdf, full, 5, c.head[key], align="R")
    pdf.ln(2)

    # addressee (left) and payer (right)
    top = pdf.get_y()
    pdf.set_font_size(float(size["heading"]) + 2)
    # wrapped, not shrunk past a fifth: a 法人's long name went to 5.5 pt over the payer
    # block (documents check, session 23)
    names = lines_to_fit(pdf, c.head["addressee"], full * 0.55 - 2 * pdf.c_margin)
    for i, part in enumerate(names):
        pdf.set_xy(left, top + 8 * i)
        fit_cell(pdf, full * 0.55, 8, part)
    below = top + 8 * len(names)
    pdf.line(left, below, left + full * 0.55, below)
    pdf.set_font_size(float(size["body"]))
    pdf.set_xy(left + full * 0.58, top)
    for line in c.payer_lines:
        # wrapped, not shrunk past a fifth: a long name or address ran off the paper below
        # 5.5 pt (independent documents check, session 21); payer.md allows any text
        for part in lines_to_fit(pdf, line, full * 0.42 - 2 * pdf.c_margin):
            pdf.set_x(left + full * 0.58)
            fit_cell(pdf, full * 0.42, 5, part)
            pdf.ln(5)
    pdf.set_y(max(pdf.get_y(), below + 2) + 3)

    paragraph(pdf, c.head["greeting"], line_h=5)
    pdf.ln(3)

    # summary box (left) and the bank account (right)
    top = pdf.get_y()
    box_w, label_w, row_h = full * 0.5, full * 0.2, 7.5
    pdf.set_font_size(float(size["heading"]))
    pdf.set_fill_color(225, 230, 240)
    line_cell(pdf, box_w, row_h, c.head["summary_heading"], border=1, align="C", fill=True)
    money = ((c.head["gross_label"], n.gross, False),
             (c.head["withholding_label"], n.withholding, False),
             (c.head["net_label"], n.net, True))
    for label, value, strong in money:
        pdf.set_fill_color(245, 245, 245)
        fit_cell(pdf, label_w, row_h, label, border=1, fill=True)
        pdf.set_font_size(float(size["heading"]) + (2 if strong else 0))
        line_cell(pdf, box_w - label_w, row_h, f"{value:,} {c.head['yen_suffix']}", border=1,
                  align="R")
        pdf.set_font_size(float(size["heading"]))
    bottom = pdf.get_y()
    bx, bw = left + box_w + full * 0.04, full * 0.46
    pdf.set_xy(bx, top)
    pdf.set_fill_color(225, 230, 240)
    fit_cell(pdf, bw, row_h, c.head["bank_heading"], border=1, align="C", fill=True)
    pdf.set_font_size(float(size["body"]))
    for i, key in enumerate(("bank_line", "account_line")):
        pdf.set_xy(bx, top + row_h * (i + 1))
        fit_cell(pdf, bw, row_h, c.head[key], border="LR" if i == 0 else "LRB")
    pdf.set_y(bottom + 5)

    # dispatch table
    cols = [Column.from_spec(s) for s in tmpl["dispatch_columns"]]
    table = Table(pdf, cols, size=float(size["table"]), row_h=6)
    if c.rows:  # the heading, the header, the first dispatch and its first item
        keep_room(pdf, 6 + table.row_h + _kept(table, c.rows, 0))
    pdf.set_font_size(float(size["heading"]))
    line_cell(pdf, full, 6, c.head["dispatch_heading"])
    table.header()
    for i, (kind, cells, spans, carried) in enumerate(c.rows):
        if kind == "dispatch":
            table.keep(_kept(table, c.rows, i))
        table.row(cells, bold_fill=kind == "total", spans=spans, continued=carried)
    pdf.ln(4)

    # reductions: the heading, the table's header and its first row (or the first note)
    # stay together
    rtable = Table(pdf, [Column.from_spec(s) for s in tmpl["reduction_columns"]],
                   size=float(size["table"]), row_h=6)
    note_h = 4.5
    keep_room(pdf, 6 + (rtable.row_h + rtable.height_of(c.reductions[0]) if c.reductions
                        else note_h if c.notes else 0))
    pdf.set_font_size(float(size["heading"]))
    line_cell(pdf, full, 6, c.head["reduction_heading"])
    if c.reductions:
        rtable.header()
        for red in c.reductions:
            rtable.row(red)
        pdf.ln(3)
    pdf.set_font_size(float(size["small"]) + 1)
    for note in c.notes:
        paragraph(pdf, note, line_h=note_h)
        pdf.ln(1)
    return pdf


def _kept(table: Table, rows: list[Row], i: int) -> float:
    """The height of ``rows[i]``, and of a dispatch with its first item when a page holds
    both: a page ended on a dispatch whose items all went on under 「…（続き）」, or on the
    table's heading alone (documents check and its review, session 23)."""
    kind, cells, spans, carried = rows[i]
    height = table.height_of(cells, spans=spans, continued=carried)
    after = rows[i + 1] if i + 1 < len(rows) else None
    if kind == "dispatch" and after is not None and after[0] == "item":
        both = height + table.height_of(after[1], spans=after[2], continued=after[3])
        if table.holds(both):
            return both
    return height


# ---------------------------------------------------------------- index CSV
def _write_index(rows: list[dict[str, Any]], path: Path, headers: str,
                 tmpl: DocTemplate) -> None:
    import polars as pl

    from haken_batch.textsafe import neutralize

    names = ["expert_id", "file", "gross", "withholding", "net", "pages", "sha256"]
    frame = pl.DataFrame(
        {
            "expert_id": [neutralize(r["expert_id"]) for r in rows],
            "file": [r["file"] for r in rows],
            "gross": [r["gross"] for r in rows],
            "withholding": [r["withholding"] for r in rows],
            "net": [r["net"] for r in rows],
            "pages": [r["pages"] for r in rows],
            "sha256": [r["sha256"] for r in rows],
        },
        schema={"expert_id": pl.String, "file": pl.String, "gross": pl.Int64,
                "withholding": pl.Int64, "net": pl.Int64, "pages": pl.Int64,
                "sha256": pl.String},
    ).sort("expert_id")
    labels = tmpl["index_headers"].get(headers, names)
    with path.open("wb") as fh:  # opened by Python: a path polars opens is UTF-8 (emit/csvs)
        frame.rename(dict(zip(names, labels, strict=True))).write_csv(
            fh, include_bom=True, line_terminator="\n")
