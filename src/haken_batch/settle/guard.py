"""Paid money is never negative, and the tax withheld never exceeds the payment (R-PAY-2).

The loader refuses absurd rule values (rules/expected.py); this is the second line, in the
engine and again in the Zengin emitter. With a withholding rate of 102.1 % the run used to
end with exit 0: 304 payees got a negative net, were silently left out of the Zengin file
(it keeps net > 0), and ledger.csv marked all their dispatches paid, so later cycles would
never pay them (blind red team, round 3). Such a payment is a rules error: the run stops
with exit 2 before the staged cycle folder replaces anything.
"""

from __future__ import annotations

import polars as pl

from haken_batch.errors import RulesError
from haken_batch.settle.decide import PAID

_ITEMS = {  # column -> (ja, en)
    "fee": ("謝金", "fee"), "transport": ("交通費", "transport"), "per_diem": ("日当", "per diem"),
    "lodging": ("宿泊費", "lodging"), "total": ("合計", "total"),
}
_STOP_JA = ("支払済みとして記録できないため、精算を中止しました（出力は書き換えていません）。"
            "rules/parameters の単価・税率を確かめてください")
_STOP_EN = ("cannot be recorded as paid, so the run stopped (no output was replaced); "
            "check the rates in rules/parameters")


def _others(count: int) -> tuple[str, str]:
    return ((f"（ほか {count} 件）", f" ({count} more)") if count else ("", ""))


def require_paid_dispatches(dispatches: pl.DataFrame) -> None:
    """No paid dispatch carries a negative amount (fee, transport, per diem, lodging, total)."""
    money = [c for c in _ITEMS if c in dispatches.columns]
    bad = dispatches.filter((pl.col("status") == PAID)
                            & pl.any_horizontal(pl.col(c) < 0 for c in money))
    if not bad.height:
        return
    row = bad.row(0, named=True)
    col = next(c for c in money if row[c] is not None and row[c] < 0)
    ja, en = _ITEMS[col]
    more_ja, more_en = _others(bad.height - 1)
    raise RulesError(
        f"派遣 {row['dispatch_id']}（支援日 {row['support_date']}）の{ja}が {row[col]:,} 円"
        f"です{more_ja}。負の金額は{_STOP_JA}（R-PAY-2）",
        f"dispatch {row['dispatch_id']} (support date {row['support_date']}): {en} "
        f"{row[col]:,} yen{more_en}; a negative amount {_STOP_EN} (R-PAY-2)")


def require_payments(payments: pl.DataFrame) -> None:
    """Every payment: gross ≥ 0, 0 ≤ withholding ≤ gross, net = gross − withholding ≥ 0."""
    _refuse(payments.filter(
        (pl.col("gross") < 0) | (pl.col("withholding") < 0)
        | (pl.col("withholding") > pl.col("gross")) | (pl.col("net") < 0)
    ))


def require_no_negative_net(payments: pl.DataFrame) -> None:
    """The Zengin emitter's own check, on the one column it reads (net)."""
    _refuse(payments.filter(pl.col("net") < 0))


def _refuse(bad: pl.DataFrame) -> None:
    if not bad.height:
        return
    row = bad.row(0, named=True)
    more_ja, more_en = _others(bad.height - 1)
    parts = [(c, ja, en) for c, ja, en in (("gross", "支払総額", "gross"),
                                           ("withholding", "源泉徴収額", "withholding"),
                                           ("net", "振込額", "net")) if c in row]
    amounts_ja = "、".join(f"{ja} {row[c]:,} 円" for c, ja, _ in parts)
    amounts_en = ", ".join(f"{en} {row[c]:,} yen" for c, _, en in parts)
    raise RulesError(
        f"専門家 {row['expert_id']} の支払: {amounts_ja}{more_ja}。"
        f"振込額が負になる（源泉徴収額が支払総額を超える）支払は{_STOP_JA}（R-PAY-2、R-TAX-1）",
        f"expert {row['expert_id']}: {amounts_en}{more_en}; a negative net (tax above "
        f"the gross) {_STOP_EN} (R-PAY-2, R-TAX-1)")
