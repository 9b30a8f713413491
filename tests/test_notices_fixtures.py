"""A small hand-made CycleRun for the notice and withholding-summary tests.

Built from frames directly (Settlement per run.py, Dataset as a minimal stand-in with the
``tables`` of docs/design.md) so these tests do not depend on the loader or the engine.
Payments are derived here with the R-TAX-1 formula as an independent oracle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from haken_batch.run import CycleRun, Options, Settlement

REPO = Path(__file__).resolve().parents[1]

EXPERTS = [
    # expert_id, name, payee_type, fee_class, bank, branch, type, account
    ("E-001", "山田 太郎", "個人", None, "0001", "001", 1, "1234567"),
    ("E-002", "株式会社髙橋コンサルティング", "法人", None, "0005", "001", 2, "7654321"),
    ("E-003", "佐藤 花子", "個人", "2号", "0009", "001", 1, "0001234"),
    ("E-004", "鈴木 一郎", "個人", "1号", "0001", "001", 1, "1111111"),
    ("=HYPERLINK(1)", "渡辺 﨑子", "個人", "1号", "0001", "001", 4, "2222222"),
]
INSTITUTIONS = [
    ("I-01", "東京都よろず支援拠点"),
    ("I-02", "大宮商工会議所"),
    ("I-03", "北海道中小企業団体中央会"),
]
# dispatch_id, expert_id, institution_id, support_date, status, fee, transport, per_diem, lodging
DISPATCHES = [
    ("D-001", "E-001", "I-01", dt.date(2021, 10, 5), "paid", 5280, 1340, 0, 0),
    ("D-002", "E-001", "I-02", dt.date(2021, 10, 12), "paid", 31680, 4460, 1100, 9800),
    ("D-003", "E-002", "I-01", dt.date(2021, 10, 7), "paid", 10560, 0, 0, 0),
    ("D-004", "E-003", "I-03", dt.date(2021, 10, 20), "paid", 7920, 38000, 1100, 9800),
    ("D-005", "E-004", "I-01", dt.date(2021, 10, 21), "held", 0, 0, 0, 0),
    ("D-006", "=HYPERLINK(1)", "I-02", dt.date(2021, 10, 22), "paid", 2640, 0, 0, 0),
]
# dispatch_id, line_no, item, claimed, paid, rule_id, note
LINES = [
    ("D-001", 0, "fee", 5280, 5280, "R-FEE-2", "60分"),
    ("D-001", 1, "鉄道", 1340, 1340, "R-TRV-3", "東京→大宮"),
    ("D-002", 0, "fee", 34320, 31680, "R-FEE-3", "1日の上限"),
    ("D-002", 1, "鉄道", 2230, 2230, "R-TRV-3", "大宮→高崎"),
    ("D-002", 2, "特急料金", 1760, 0, "R-TRV-3", "片道100km未満"),
    ("D-002", 3, "鉄道", 2230, 2230, "R-TRV-3", "高崎→大宮"),
    ("D-002", 4, "per_diem", 1100, 1100, "R-TRV-9", ""),
    ("D-002", 5, "宿泊", 12000, 9800, "R-TRV-10", "1泊"),
    ("D-003", 0, "fee", 10560, 10560, "R-FEE-2", "120分"),
    ("D-004", 0, "fee", 7920, 7920, "R-FEE-2", "90分"),
    ("D-004", 1, "航空", 38000, 38000, "R-TRV-4", "羽田→新千歳"),
    ("D-004", 2, "per_diem", 1100, 1100, "R-TRV-9", ""),
    ("D-004", 3, "宿泊", 9800, 9800, "R-TRV-10", "1泊"),
    ("D-006", 0, "fee", 2640, 2640, "R-FEE-2", "30分"),
]
FINDINGS = [
    ("D-002", 0, "R-FEE-3", "reduce", "1日の上限31,680円を超えた分を減額"),
    ("D-002", 2, "R-TRV-3", "reduce", "片道100km未満のため特急料金は対象外"),
    ("D-002", 5, "R-TRV-10", "reduce", "1泊9,800円を超える宿泊費は対象外"),
    ("D-005", None, "R-CHK-2", "hold", "署名も誓約書もありません"),
]


@dataclass
class DatasetStandIn:
    tables: dict[str, pl.DataFrame]
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)
    corrections: pl.DataFrame = field(default_factory=pl.DataFrame)
    sources: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PayerStandIn:
    path: Path | None
    raw: dict[str, Any]
    display_name: str = "中小企業119 専門家派遣事務局"
    address: str = "〒100-0013 東京都千代田区霞が関1-3-1"


def withholding(gross: int, corporate: bool) -> int:
    """R-TAX-1 oracle: 10.21 % to 1,000,000, 20.42 % above, one floor on the total."""
    if corporate:
        return 0
    if gross <= 1_000_000:
        return gross * 1021 // 10000
    return (gross - 1_000_000) * 2042 // 10000 + 102_100


def frames(dispatches=DISPATCHES, experts=EXPERTS) -> dict[str, pl.DataFrame]:
    exp = pl.DataFrame(
        experts,
        schema={"expert_id": pl.String, "name": pl.String, "payee_type": pl.String,
                "fee_class": pl.String, "bank_code": pl.String, "branch_code": pl.String,
                "account_type": pl.Int64, "account_number": pl.String},
        orient="row",
    )
    inst = pl.DataFrame(INSTITUTIONS, schema={"institution_id": pl.String, "name": pl.String},
                        orient="row")
    disp = pl.DataFrame(
        dispatches,
        schema={"dispatch_id": pl.String, "expert_id": pl.String, "institution_id": pl.String,
                "support_date": pl.Date, "status": pl.String, "fee": pl.Int64,
                "transport": pl.Int64, "per_diem": pl.Int64, "lodging": pl.Int64},
        orient="row",
    ).with_columns(total=pl.sum_horizontal("fee", "transport", "per_diem", "lodging"),
                   rules=pl.lit(""))
    corporate = dict(zip(exp["expert_id"], exp["payee_type"] == "法人", strict=True))
    paid = disp.filter(pl.col("status") == "paid")
    pay = (paid.group_by("expert_id")
           .agg(pl.len().cast(pl.Int64).alias("dispatch_count"),
                *[pl.col(c).sum() for c in ("fee", "transport", "per_diem", "lodging")])
           .with_columns(gross=pl.sum_horizontal("fee", "transport", "per_diem", "lodging"))
           .sort("expert_id"))
    pay = pay.with_columns(withholding=pl.Series(
        [withholding(g, corporate[e]) for e, g in zip(pay["expert_id"], pay["gross"],
                                                      strict=True)], dtype=pl.Int64))
    pay = pay.with_columns(net=pl.col("gross") - pl.col("withholding"))
    lines = pl.DataFrame(
        LINES, schema={"dispatch_id": pl.String, "line_no": pl.Int64, "item": pl.String,
                       "claimed": pl.Int64, "paid": pl.Int64, "rule_id": pl.String,
                       "note": pl.String}, orient="row")
    lines = lines.join(disp.select("dispatch_id"), on="dispatch_id", how="semi")
    findings = pl.DataFrame(
        FINDINGS, schema={"dispatch_id": pl.String, "line_no": pl.Int64, "rule_id": pl.String,
                          "severity": pl.String, "message": pl.String}, orient="row")
    return {"experts": exp, "institutions": inst, "dispatches": disp, "payments": pay,
            "lines": lines, "findings": findings}


def make_run(tmp: Path, rules: Any, *, cycle: str = "2021-10",
             transfer_date: dt.date = dt.date(2021, 11, 19), headers: str = "ja",
             dispatches=DISPATCHES, experts=EXPERTS) -> CycleRun:
    f = frames(dispatches, experts)
    settlement = Settlement(
        cycle=cycle, cutoff=dt.date(2021, 10, 31), transfer_date=transfer_date,
        dispatches=f["dispatches"], lines=f["lines"], findings=f["findings"],
        payments=f["payments"], ledger=pl.DataFrame(),
    )
    options = Options(cycle=cycle, data_dir=tmp, out_dir=tmp, headers=headers)
    data = DatasetStandIn(tables={"experts": f["experts"], "institutions": f["institutions"]})
    return CycleRun(options=options, rules=rules, data=data,  # type: ignore[arg-type]
                    settlement=settlement, payer=PayerStandIn(path=None, raw={}),
                    previous=pl.DataFrame())


def many_dispatches(n_experts: int) -> tuple[list[tuple], list[tuple]]:
    """n experts with 1..3 paid dispatches each (for the speed test)."""
    experts, dispatches = [], []
    for i in range(n_experts):
        eid = f"X-{i:05d}"
        experts.append((eid, f"専門家 {i:05d} 号", "個人", None, "0001", "001", 1, f"{i:07d}"))
        for j in range(1 + i % 3):
            dispatches.append((f"DX-{i:05d}-{j}", eid, ("I-01", "I-02", "I-03")[j],
                               dt.date(2021, 10, 1 + j), "paid", 2640 * (2 + j), 1340 * j,
                               1100 * (j == 2), 9800 * (j == 2)))
    return experts, dispatches


def rules_without_columns(tmp: Path) -> Any:
    """The repo's parameters and code lists only (the column map is another area's file)."""
    import shutil

    from haken_batch.rules import load_rules

    root = tmp / "rules"
    for part in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / part, root / part)
    return load_rules(root)
