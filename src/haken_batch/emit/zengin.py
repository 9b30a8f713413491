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

Every file is parsed back with ``zengin_format.parse`` before it is written: the trailer
count and total must equal the payments (count of net > 0, sum of net).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from haken_batch import zengin_format as zf
from haken_batch.errors import ConfigError

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.payer import PayerConfig
    from haken_batch.run import CycleRun

CHECK_FILE = "zengin_check.csv"
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
    """Payments with net > 0 joined with the experts' bank data, sorted by expert_id."""
    import polars as pl

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


def _check_payable(frame: pl.DataFrame, run: CycleRun) -> None:
    from haken_batch.bankcheck import unpayable_experts

    problems = unpayable_experts(frame, run.rules)
    if problems.height:
        listed = ", ".join(
            f"{e}:{c}" for e, c in problems.select("expert_id", "column").unique()
            .sort("expert_id", "column").head(10).iter_rows()
        )
        raise ZenginEmitBug(
            f"R-VAL-2 should have held these experts, but they have payments: {listed}"
        )


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
    from haken_batch.jpcalendar import check_transfer_date, cycle_month

    settlement = run.settlement
    year, month = cycle_month(settlement.cycle)
    transfer_date = check_transfer_date(settlement.transfer_date, run.rules,
                                        money_on=dt.date(year, month, 1))
    frame = transfers(settlement.payments, run.data.tables["experts"])
    _check_payable(frame, run)
    records = build_records(frame, run.payer)
    files = render(records, run.payer, transfer_date) if records else []
    total = sum(r.amount for r in records)
    expected = int(settlement.payments.filter(settlement.payments["net"] > 0)["net"].sum())
    if total != expected or len(records) != frame.height:
        raise ZenginEmitBug(f"Zengin total {total} differs from the payments' net sum {expected}")
    names = file_names(transfer_date, len(files)) if files else []
    for name, data in zip(names, files, strict=True):
        (folder / name).write_bytes(data)
    _write_check(folder / CHECK_FILE, records, frame, names, run)


def _write_check(path: Path, records: list[zf.DataRecord], frame: pl.DataFrame,
                 names: list[str], run: CycleRun) -> None:
    """A masked listing for the clerk: what each record carries, account number masked."""
    import polars as pl

    from haken_batch.bankcheck import mask_account_expr
    from haken_batch.textsafe import neutralize

    size = run.payer.zengin.max_records
    rows = {
        "file": [names[i // size] for i in range(len(records))],
        "seq": list(range(1, len(records) + 1)),
        "expert_id": [neutralize(e) for e in frame["expert_id"].to_list()],
        "bank_code": [r.bank_code for r in records],
        "bank_name_kana": [r.bank_name for r in records],
        "branch_code": [r.branch_code for r in records],
        "branch_name_kana": [r.branch_name for r in records],
        "account_type": [r.account_type for r in records],
        "account_masked": [r.account_number for r in records],
        "name": [neutralize(r.name) for r in records],
        "amount": [r.amount for r in records],
    }
    schema = {k: (pl.Int64 if k in ("seq", "amount") else pl.String) for k in rows}
    table = pl.DataFrame(rows, schema=schema).with_columns(
        mask_account_expr("account_masked").alias("account_masked")
    ).sort("seq")
    if getattr(run.options, "headers", "ja") != "en":
        table = table.rename(CHECK_HEADERS)
    path.write_bytes(b"\xef\xbb\xbf" + table.write_csv().encode("utf-8"))
