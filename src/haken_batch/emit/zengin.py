"""The Zengin 総合振込 file of a cycle (``zengin_YYYYMMDD.txt``) and its masked check list.

One data record per expert with ``net > 0`` in ``payments``, sorted by expert_id; bank data
from the experts master, holder kana converted to the Zengin name class (``kana.py``).
Experts with unpayable bank data were held by R-VAL-2 and have no payment; finding one
here anyway is a bug, so it stops the run (the cycle folder is staged: nothing half-written).

顧客コード1 carries the expert id when it is all digits (at most 10, zero-filled); otherwise,
or with ``zengin.customer_code: none``, spaces. 新規コード and the other bank-specific
fields come from the payer config. When a file would exceed ``zengin.max_records`` data
records, the transfer is split into ``zengin_YYYYMMDD_01.txt``, ``_02`` … each complete
with its own header and trailer. No payee with a positive net → no Zengin file (a bank
refuses an empty one); the check list is still written with its header.

Every file is checked before it is written: the trailer count and total must equal the
payments (count of net > 0, sum of net). The usual path formats all records at once with
polars string expressions and checks the bytes in bulk (every record matches the data-record
layout regex of ``zengin_format``, no stray ﾞ/ﾟ, exact length) — the same condition under
which the record-by-record writer takes its direct path, so the bytes are the same. Anything
unusual falls back to that writer plus a full ``zengin_format.parse`` of the result, which
names the record and field that is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch import zengin_format as zf
from haken_batch.errors import ConfigError
from haken_batch.zengin_checklist import CHECK_FILE

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.payer import PayerConfig
    from haken_batch.run import CycleRun

_BANK_COLUMNS = ("expert_id", "bank_code", "branch_code", "account_type", "account_number",
                 "account_holder_kana")
CHECK_HEADERS = {
    "file": "ファイル", "seq": "No", "expert_id": "専門家ID", "bank_code": "金融機関コード",
    "bank_name_kana": "金融機関名", "branch_code": "支店コード", "branch_name_kana": "支店名",
    "account_type": "預金種目", "account_masked": "口座番号", "name": "受取人名",
    "amount": "振込金額",
}


class ZenginEmitBug(RuntimeError):
    """Payments that cannot be written although R-VAL-2 should have held them (a bug)."""


def file_names(transfer_date: dt.date, parts: int) -> list[str]:
    from haken_batch.outdir import safe_name

    stem = f"zengin_{transfer_date:%Y%m%d}"
    if parts <= 1:
        return [safe_name(f"{stem}.txt")]
    return [safe_name(f"{stem}_{i:02d}.txt") for i in range(1, parts + 1)]


def transfers(payments: pl.DataFrame, experts: pl.DataFrame) -> pl.DataFrame:
    """Payments with net > 0 joined with the experts' bank data, sorted by expert_id.

    A payment with a negative net is refused, not left out: left out, the expert was never
    paid while the ledger said paid (settle/guard.py)."""
    import polars as pl

    from haken_batch.settle.guard import require_no_negative_net

    require_no_negative_net(payments)
    paid = payments.filter(pl.col("net") > 0).select(
        pl.col("expert_id").cast(pl.String), pl.col("net").cast(pl.Int64)
    )
    bank = experts.select(
        pl.col("expert_id").cast(pl.String),
        *[pl.col(c).cast(pl.String).str.strip_chars() for c in _BANK_COLUMNS[1:]],
    )
    joined = paid.join(bank, on="expert_id", how="left").sort("expert_id")
    if joined["expert_id"].n_unique() != paid.height or joined.height != paid.height:
        raise ZenginEmitBug("payments and experts do not match one to one on expert_id")
    return joined


def _check_payable(frame: pl.DataFrame, run: CycleRun, names: dict[str, Any]) -> None:
    from haken_batch.bankcheck import unpayable_experts

    problems = unpayable_experts(frame, run.rules, names)
    if problems.height:
        listed = ", ".join(
            f"{e}:{c}" for e, c in problems.select("expert_id", "column").unique()
            .sort("expert_id", "column").head(10).iter_rows()
        )
        raise ZenginEmitBug(
            f"R-VAL-2 should have held these experts, but they have payments: {listed}"
        )


def _bulk_records(frame: pl.DataFrame, names: dict[str, Any],
                  payer: PayerConfig) -> pl.DataFrame | None:
    """The fields of every data record and its 120 characters (``text``), formatted by polars
    expressions exactly as ``zengin_format._quick_data`` formats one; None when something is
    unusual (the record-by-record path then names the problem)."""
    import polars as pl

    from haken_batch import bankmaster

    holders = frame["account_holder_kana"]
    if holders.null_count() or not all(isinstance(names.get(h), str)
                                       for h in holders.unique().to_list()):
        return None
    net = frame["net"]
    if frame.height and (net.min() < 1 or net.max() > zf.MAX_AMOUNT):  # type: ignore[operator]
        return None
    options = payer.zengin
    name_map = pl.DataFrame({"account_holder_kana": list(names), "name": list(names.values())},
                            schema={"account_holder_kana": pl.String, "name": pl.String})
    pairs = frame.select("bank_code", "branch_code").unique()
    bank_names = pl.DataFrame({
        "bank_code": pairs["bank_code"],
        "branch_code": pairs["branch_code"],
        "bank_name": [(bankmaster.bank_name_kana(b) or "") if options.bank_names else ""
                      for b in pairs["bank_code"].to_list()],
        "branch_name": [(bankmaster.branch_name_kana(b, r) or "") if options.bank_names else ""
                        for b, r in pairs.iter_rows()],
    }, schema={c: pl.String for c in ("bank_code", "branch_code", "bank_name", "branch_name")})
    if options.customer_code == "expert_id":
        customer = pl.when(pl.col("expert_id").str.contains(r"^[0-9]{1,10}$")).then(
            pl.col("expert_id").str.pad_start(10, "0")).otherwise(pl.lit(""))
    else:
        customer = pl.lit("")
    table = (
        frame.join(name_map, on="account_holder_kana", how="left", maintain_order="left")
        .join(bank_names, on=["bank_code", "branch_code"], how="left", maintain_order="left",
              nulls_equal=True)
        .select(
            "expert_id", "net", "bank_code", "branch_code", "account_type",
            pl.col("account_number").str.pad_start(7, "0"), "name",
            pl.col("bank_name").fill_null(""), pl.col("branch_name").fill_null(""),
            customer.alias("customer_code1"),
        )
    )
    clearing = options.clearing_house or "    "
    text = pl.concat_str(
        pl.lit("2"), pl.col("bank_code").str.pad_start(4, "0"),
        pl.col("bank_name").str.pad_end(15, " "), pl.col("branch_code").str.pad_start(3, "0"),
        pl.col("branch_name").str.pad_end(15, " "), pl.lit(clearing), pl.col("account_type"),
        pl.col("account_number"), pl.col("name").str.pad_end(30, " "),
        pl.col("net").cast(pl.String).str.pad_start(10, "0"), pl.lit(options.new_code),
        pl.when(pl.col("customer_code1") == "").then(pl.lit(" " * 10))
        .otherwise(pl.col("customer_code1")),
        pl.lit(" " * 10 + f"{options.transfer_kind}" + " " + " " * 7),
    )
    return table.with_columns(text.alias("text"))


def _bulk_render(table: pl.DataFrame, payer: PayerConfig,
                 transfer_date: dt.date) -> list[bytes] | None:
    """Files from ``_bulk_records``: header, data, trailer, end, each chunk checked in bulk
    (layout regex per record, stray marks, length, trailer = the chunk's count and sum)."""

    options = payer.zengin
    if options.separator not in zf.SEPARATORS:
        return None
    sep = zf.SEPARATORS[options.separator]
    record = re.compile(zf._DATA_RX.pattern)
    header = zf.encode_header(header_for(payer, transfer_date))
    size = options.max_records
    files = []
    for start in range(0, table.height, size):
        chunk = table.slice(start, size)
        count, total = chunk.height, int(chunk["net"].sum())
        try:
            body = chunk["text"].str.join(sep.decode()).item().encode("cp932") if count else b""
        except UnicodeEncodeError:
            return None
        step = zf.RECORD_LEN + len(sep)
        if len(body) != count * step - len(sep) or zf._has_stray_mark(body) or not all(
                record.fullmatch(body, i, i + zf.RECORD_LEN) for i in range(0, len(body), step)):
            return None
        if sep and any(body[i - len(sep):i] != sep for i in range(step, len(body), step)):
            return None
        parts = [header, body, zf.encode_trailer(zf.Trailer(count, total)), zf.encode_end()]
        data = sep.join(parts) + sep
        files.append(data + zf.EOF_BYTE if options.eof_byte else data)
    return files


def build_records(frame: pl.DataFrame, payer: PayerConfig) -> list[zf.DataRecord]:
    """One DataRecord per row of ``transfers`` (already checked payable)."""
    from haken_batch import bankmaster
    from haken_batch.bankcheck import convert_names

    names = convert_names(frame["account_holder_kana"].unique().to_list())
    options = payer.zengin
    records = []
    for expert_id, net, bank, branch, acc_type, number, holder in frame.select(
        "expert_id", "net", *_BANK_COLUMNS[1:]
    ).iter_rows():  # one record per payee: formatting, not arithmetic
        name = names[holder]
        if not isinstance(name, str):
            raise ZenginEmitBug(f"expert {expert_id}: holder kana not writable")
        customer = ""
        if options.customer_code == "expert_id" and expert_id.isascii() and \
                expert_id.isdigit() and len(expert_id) <= 10:
            customer = expert_id.zfill(10)
        records.append(zf.DataRecord(
            bank_code=bank, branch_code=branch, account_type=acc_type,
            account_number=number.zfill(7), name=name, amount=int(net),
            bank_name=(bankmaster.bank_name_kana(bank) or "") if options.bank_names else "",
            branch_name=(bankmaster.branch_name_kana(bank, branch) or "")
            if options.bank_names else "",
            clearing_house=options.clearing_house, new_code=options.new_code,
            customer_code1=customer, transfer_kind=options.transfer_kind,
        ))
    return records


def header_for(payer: PayerConfig, transfer_date: dt.date) -> zf.Header:
    if not payer.requester_code or not payer.requester_name_kana or not payer.bank_code:
        raise ConfigError("依頼人設定（依頼人コード・依頼人名・仕向銀行）がありません",
                          "the payer config lacks requester code, name or bank",
                          where=str(payer.path) if payer.path else None)
    return zf.Header(
        requester_code=payer.requester_code, requester_name=payer.requester_name_kana,
        transfer_date=f"{transfer_date:%m%d}", bank_code=payer.bank_code,
        branch_code=payer.branch_code, account_type=payer.account_type,
        account_number=payer.account_number, bank_name=payer.bank_name_kana,
        branch_name=payer.branch_name_kana,
    )


def render(records: list[zf.DataRecord], payer: PayerConfig,
           transfer_date: dt.date) -> list[bytes]:
    """The bytes of each file (split at ``max_records``), each checked by parsing it back."""
    header = header_for(payer, transfer_date)
    size = payer.zengin.max_records
    chunks = [records[i:i + size] for i in range(0, len(records), size)]
    files = []
    for chunk in chunks:
        data = zf.build(header, chunk, separator=payer.zengin.separator,
                        eof=payer.zengin.eof_byte, max_records=size)
        parsed = zf.parse(data)
        if not parsed.ok or parsed.trailer is None or \
                (parsed.trailer.count, parsed.trailer.total) != \
                (len(chunk), sum(r.amount for r in chunk)):
            raise ZenginEmitBug(
                "the Zengin file does not read back: "
                + "; ".join(p.message("en") for p in parsed.problems[:5])
            )
        files.append(data)
    return files


def emit(run: CycleRun, folder: Path) -> None:
    """Write ``zengin_YYYYMMDD.txt`` (or its parts) and ``zengin_check.csv`` into folder."""
    from haken_batch.bankcheck import convert_names
    from haken_batch.jpcalendar import check_transfer_date, cycle_month

    settlement = run.settlement
    year, month = cycle_month(settlement.cycle)
    transfer_date = check_transfer_date(settlement.transfer_date, run.rules,
                                        money_on=dt.date(year, month, 1))
    frame = transfers(settlement.payments, run.data.tables["experts"])
    names = convert_names(frame["account_holder_kana"].unique().sort().to_list())
    _check_payable(frame, run, names)
    table = _bulk_records(frame, names, run.payer)
    files = _bulk_render(table, run.payer, transfer_date) if table is not None else None
    if files is None or table is None:  # the record-by-record writer names what is wrong
        records = build_records(frame, run.payer)
        files = render(records, run.payer, transfer_date) if records else []
        table = _records_frame(frame, records)
    elif not table.height:
        files = []
    total = int(table["net"].sum())
    expected = int(settlement.payments.filter(settlement.payments["net"] > 0)["net"].sum())
    if total != expected or table.height != frame.height:
        raise ZenginEmitBug(f"Zengin total {total} differs from the payments' net sum {expected}")
    names_out = file_names(transfer_date, len(files)) if files else []
    for name, data in zip(names_out, files, strict=True):
        (folder / name).write_bytes(data)
    _write_check(folder / CHECK_FILE, table, names_out, run)


def _records_frame(frame: pl.DataFrame, records: list[zf.DataRecord]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame({
        "expert_id": frame["expert_id"].to_list(),
        "net": [r.amount for r in records],
        "bank_code": [r.bank_code for r in records],
        "branch_code": [r.branch_code for r in records],
        "account_type": [r.account_type for r in records],
        "account_number": [r.account_number for r in records],
        "name": [r.name for r in records],
        "bank_name": [r.bank_name for r in records],
        "branch_name": [r.branch_name for r in records],
    }, schema={"net": pl.Int64, **{c: pl.String for c in (
        "expert_id", "bank_code", "branch_code", "account_type", "account_number", "name",
        "bank_name", "branch_name")}})


def _write_check(path: Path, records: pl.DataFrame, names: list[str], run: CycleRun) -> None:
    """A masked listing for the clerk: what each record carries, account number masked."""
    import polars as pl

    from haken_batch.bankcheck import mask_account_expr
    from haken_batch.textsafe import guarded

    size = run.payer.zengin.max_records
    seq = pl.int_range(1, records.height + 1, dtype=pl.Int64)
    files = pl.Series("file", names, dtype=pl.String)
    table = records.select(
        (files.gather((seq - 1) // size) if names else pl.lit(None, pl.String)).alias("file"),
        seq.alias("seq"),
        guarded(pl.col("expert_id")).alias("expert_id"),
        "bank_code",
        pl.col("bank_name").alias("bank_name_kana"),
        "branch_code",
        pl.col("branch_name").alias("branch_name_kana"),
        "account_type",
        mask_account_expr("account_number").alias("account_masked"),
        guarded(pl.col("name")).alias("name"),
        pl.col("net").alias("amount"),
    ).sort("seq")
    if getattr(run.options, "headers", "ja") != "en":
        table = table.rename(CHECK_HEADERS)
    path.write_bytes(b"\xef\xbb\xbf" + table.write_csv().encode("utf-8"))
