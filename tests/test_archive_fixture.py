"""A toy settlement engine with the interface of ``haken_batch.cycle`` (prepare,
write_outputs, settle_cycle) so the audit trail can be tested before and apart from the real
engine. It reads a tiny data folder (experts, institutions, dispatches, corrections CSV),
pays 2,640 yen per full half hour (R-FEE-2) capped per expert-day, and writes CSVs, an xlsx
whose save time changes on every run, and the archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import shutil
from pathlib import Path
from types import SimpleNamespace

import polars as pl

from haken_batch import archive
from haken_batch.errors import CycleError
from haken_batch.outdir import locked, staged_dir
from haken_batch.rules import load_rules
from haken_batch.run import CycleRun, Options, Settlement

REPO = Path(__file__).resolve().parents[1]

EXPERTS = """expert_id,name,prefecture,account_number
E1,山田 太郎,東京都,1234567
E2,佐藤 花子,大阪府,7654321
E3,鈴木 一郎,北海道,1111111
E4,高橋 次郎,福岡県,2222222
"""
INSTITUTIONS = """institution_id,name,prefecture,kind
I1,東京商工会議所,東京都,2
I2,大阪よろず支援拠点,大阪府,
I3,北海道信用保証協会,北海道,6
"""
DISPATCHES = """\
dispatch_id,expert_id,institution_id,support_date,start_time,minutes,approved_on,hold,company_name
D-01,E1,I1,2021-10-05,09:00,180,2021-10-20,,株式会社あおば
D-02,E1,I2,2021-10-05,13:00,240,2021-10-21,,有限会社みどり
D-03,E2,I2,2021-10-06,10:00,95,2021-10-22,R-CHK-6,さくら商店
D-04,E3,I3,2021-10-07,10:00,60,2021-10-25,,=HYPERLINK("x")
D-05,E4,I1,2021-11-02,10:00,120,2021-11-10,,はなや
D-06,E2,I2,2021-11-04,10:00,90,2021-11-12,,さくら商店
"""
CORRECTIONS = """table,key,column,value,reason,corrected_by,corrected_at
dispatches,D-04,minutes,90,報告書の転記誤り,事務局A,2021-10-26 10:00
"""


def make_rules(tmp: Path) -> Path:
    root = tmp / "rules"
    for sub in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / sub, root / sub)
    return root


def make_data(tmp: Path) -> Path:
    data = tmp / "data"
    data.mkdir(parents=True)
    for name, text in (("experts.csv", EXPERTS), ("institutions.csv", INSTITUTIONS),
                       ("dispatches.csv", DISPATCHES), ("corrections.csv", CORRECTIONS)):
        (data / name).write_text(text, encoding="utf-8")
    (tmp / "payer.yaml").write_text("payer_code: '0000000001'\nname: ｼﾞﾑｷｮｸ\n", encoding="utf-8")
    return data


def options(tmp: Path, cycle: str, **kw: object) -> Options:
    return Options(cycle=cycle, data_dir=tmp / "data", out_dir=tmp / "out",
                   rules_dir=tmp / "rules", payer_file=tmp / "payer.yaml", **kw)  # type: ignore[arg-type]


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _month_end(cycle: str) -> dt.date:
    y, m = map(int, cycle.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


_SAVES = itertools.count()


class FakeEngine:
    """Interface of haken_batch.cycle: prepare(options) -> CycleRun; write_outputs(run, folder)."""

    def prepare(self, opts: Options) -> CycleRun:
        rules = load_rules(opts.rules_dir)
        data_dir = Path(opts.data_dir)
        tables = {n: _read(data_dir / f"{n}.csv")
                  for n in ("experts", "institutions", "dispatches")}
        sources = {
            n: SimpleNamespace(
                path=data_dir / f"{n}.csv", sheet=None, encoding="utf-8",
                sha256=hashlib.sha256((data_dir / f"{n}.csv").read_bytes()).hexdigest())
            for n in (*tables, "corrections")
        }
        corr = _read(data_dir / "corrections.csv").with_row_index("seq", offset=1)
        d = tables["dispatches"]
        olds = []
        for row in corr.iter_rows(named=True):  # toy: apply corrections to dispatches only
            old = d.filter(pl.col("dispatch_id") == row["key"])[row["column"]].item()
            olds.append(old)
            d = d.with_columns(pl.when(pl.col("dispatch_id") == row["key"]).then(
                pl.lit(row["value"])).otherwise(pl.col(row["column"])).alias(row["column"]))
        tables["dispatches"] = d
        corrections = corr.with_columns(
            pl.Series("old", olds, pl.String), pl.col("value").alias("new"),
            pl.col("corrected_at").str.to_datetime("%Y-%m-%d %H:%M"),
            pl.col("seq").cast(pl.Int64)).drop("value")
        cutoff = opts.cutoff or _month_end(opts.cycle)
        y, m = map(int, opts.cycle.split("-"))
        transfer = opts.transfer_date or dt.date(y + (m == 12), m % 12 + 1, 19)
        out = Path(opts.out_dir)
        ledgers = [_read(p) for p in sorted(out.glob("*/ledger.csv")) if p.parent.name < opts.cycle]
        previous = pl.concat(ledgers) if ledgers else pl.DataFrame(
            schema={"cycle": pl.String, "dispatch_id": pl.String})
        paid_before = set(previous["dispatch_id"].to_list())
        d = d.filter(pl.col("approved_on").str.to_date() <= cutoff,
                     ~pl.col("dispatch_id").is_in(list(paid_before)))
        cap = rules.value_at("fee.daily_cap", "2021-10-01")
        unit = rules.value_at("fee.unit_minutes", "2021-10-01")
        rate = rules.value_at("fee.hourly_rate", "2021-10-01")
        d = d.with_columns(
            pl.when(pl.col("hold").is_null()).then(pl.lit("paid")).otherwise(pl.lit("held"))
            .alias("status"),
            (pl.col("minutes").cast(pl.Int64) // unit * (rate * unit // 60)).alias("claimed"),
        ).sort("expert_id", "support_date", "start_time")
        d = d.with_columns(
            pl.when(pl.col("status") == "paid").then(pl.col("claimed")).otherwise(0).alias("c2"))
        d = d.with_columns(
            (pl.min_horizontal(pl.col("c2").cum_sum().over("expert_id", "support_date"), cap)
             - pl.min_horizontal((pl.col("c2").cum_sum() - pl.col("c2"))
                                 .over("expert_id", "support_date"), cap)).alias("fee"))
        d = d.with_columns(
            pl.when(pl.col("fee") < pl.col("c2")).then(pl.lit("R-FEE-3"))
            .otherwise(pl.col("hold")).fill_null("").alias("rules"))
        dispatches = d.select(
            "dispatch_id", "expert_id", "institution_id", "support_date", "status", "fee",
            pl.lit(0).alias("transport"), pl.lit(0).alias("per_diem"), pl.lit(0).alias("lodging"),
            pl.col("fee").alias("total"), "rules").sort("dispatch_id")
        lines = d.select("dispatch_id", pl.lit(1).alias("line_no"), pl.lit("fee").alias("item"),
                         "claimed", pl.col("fee").alias("paid"),
                         pl.lit("R-FEE-2").alias("rule_id"), pl.lit("").alias("note")
                         ).sort("dispatch_id", "line_no")
        findings = pl.concat([
            d.filter(pl.col("hold").is_not_null()).select(
                "dispatch_id", pl.lit(None, pl.Int64).alias("line_no"),
                pl.col("hold").alias("rule_id"), pl.lit("hold").alias("severity"),
                pl.lit("従事証明の確認がありません").alias("message")),
            d.filter(pl.col("fee") < pl.col("c2")).select(
                "dispatch_id", pl.lit(1, pl.Int64).alias("line_no"),
                pl.lit("R-FEE-3").alias("rule_id"),
                pl.lit("reduce").alias("severity"), pl.lit("日額上限").alias("message")),
        ]).sort("dispatch_id", "rule_id")
        paid = d.filter(pl.col("status") == "paid")
        payments = paid.group_by("expert_id").agg(
            pl.len().cast(pl.Int64).alias("dispatch_count"), pl.col("fee").sum()).with_columns(
            pl.col("fee").alias("gross"), (pl.col("fee") * 1021 // 10000).alias("withholding"),
        ).with_columns((pl.col("gross") - pl.col("withholding")).alias("net")).sort("expert_id")
        ledger = paid.select(pl.lit(opts.cycle).alias("cycle"), "dispatch_id", "expert_id",
                             "support_date", "start_time", "fee", pl.lit(0).alias("per_diem"),
                             pl.col("fee").alias("total"),
                             pl.col("minutes").cast(pl.Int64).alias("face_to_face_minutes")
                             ).sort("dispatch_id")
        checks = d.select("dispatch_id", pl.lit("R-CHK-6").alias("rule_id"),
                          pl.when(pl.col("hold") == "R-CHK-6").then(pl.lit("hold"))
                          .otherwise(pl.lit("pass")).alias("outcome"),
                          pl.lit("company_confirmed").alias("detail"))
        settlement = Settlement(cycle=opts.cycle, cutoff=cutoff, transfer_date=transfer,
                                dispatches=dispatches, lines=lines, findings=findings,
                                payments=payments, ledger=ledger, extra={"checks": checks})
        data = SimpleNamespace(tables=tables, sources=sources, corrections=corrections,
                               findings=pl.DataFrame())
        payer = SimpleNamespace(path=opts.payer_file, raw={})
        return CycleRun(options=opts, rules=rules, data=data, settlement=settlement,  # type: ignore[arg-type]
                        payer=payer, previous=previous)

    def write_outputs(self, run: CycleRun, folder: Path) -> None:
        s = run.settlement
        for name, frame in (("dispatches", s.dispatches), ("lines", s.lines),
                            ("findings", s.findings), ("payments", s.payments),
                            ("ledger", s.ledger)):
            (folder / f"{name}.csv").write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode())
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "支払"
        ws.append(["expert_id", "net"])
        for row in s.payments.select("expert_id", "net").rows():
            ws.append(list(row))
        # a different save time every run: bytes are never repeatable, content is
        wb.properties.modified = dt.datetime(2000, 1, 1) + dt.timedelta(seconds=next(_SAVES))
        wb.properties.created = wb.properties.modified
        wb.save(folder / f"kpi_{run.options.cycle}.xlsx")
        zdate = s.transfer_date.strftime("%Y%m%d")
        total = int(s.payments["net"].sum() or 0)
        (folder / f"zengin_{zdate}.txt").write_bytes(f"1 21 {zdate} total={total}\r\n".encode())
        archive.write_archive(run, folder)

    def settle_cycle(self, opts: Options) -> Path:
        out = Path(opts.out_dir)
        with locked(out):
            if (out / opts.cycle / "CLOSED.json").exists():
                raise CycleError("確定済み", "closed")
            with staged_dir(out, opts.cycle) as tmp:
                self.write_outputs(self.prepare(opts), tmp)
        return out / opts.cycle


ENGINE = FakeEngine()


def settled(tmp: Path, cycles: tuple[str, ...] = ("2021-10", "2021-11")) -> Path:
    """A tmp OUT with the toy data settled for ``cycles``; returns OUT."""
    make_rules(tmp)
    make_data(tmp)
    for cycle in cycles:
        ENGINE.settle_cycle(options(tmp, cycle))
    return tmp / "out"


def test_fake_engine_settles_and_archives(tmp_path: Path) -> None:
    out = settled(tmp_path)
    folder = out / "2021-10"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert "manifest.json" in names
    assert "archive/inputs/dispatches.csv.zst" in names
    assert "archive/inputs/corrections.csv.zst" in names
    assert "archive/rules/parameters/fee.yaml" in names
    assert "archive/payer.yaml" in names
    assert "corrections_applied.csv" in names
    assert "audit_sample.csv" in names
