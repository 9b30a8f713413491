"""Monthly audit samples (R-PAY-6): ~10 experts for an evidence check, ~10 institutions for
checking the companies' e-mail confirmations (従事証明). Written as ``audit_sample.csv``.

The draw is reproducible by hand (docs/audit.md):

- candidates: experts (institutions) with a paid or held dispatch in the cycle (a dispatch
  without the id, held by R-VAL-1, names no one to check);
- weight ``w``: ``audit.sample_flag_weight`` when one of its dispatches is held or carries a
  hold/reduce/flag finding, else 1;
- draw key: ``min over k < w of SHA-256("R-PAY-6|<cycle>|<check>|<id>|<k>")`` read as a
  256-bit integer (smaller = drawn earlier). The minimum of ``w`` uniform draws leans towards
  flagged candidates without excluding the others; the key depends on nothing but the cycle
  and the id, so the row order of the exports changes nothing;
- spread: candidates are grouped by METI bureau (experts: the bureau of the expert's
  prefecture; institutions: of the institution's prefecture). Round after round, each bureau
  with candidates left offers its smallest key; within a round the offers are taken in key
  order, until the sample size (``audit.sample_experts`` / ``audit.sample_institutions``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.rules import RuleBook
    from haken_batch.run import CycleRun

EVIDENCE = "evidence"  # 証拠書類の確認（専門家）
EMAIL = "email_confirmation"  # 企業のメール確認（機関）

COLUMNS = {
    "cycle": "サイクル",
    "check": "確認種別",
    "rank": "順位",
    "subject_id": "対象ID",
    "bureau": "経済産業局",
    "dispatches": "派遣ID",
    "flagged_rules": "指摘ルール",
    "weight": "重み",
    "draw_key": "抽選値",
    "reason": "抽出理由",
}
CHECK_NAMES = {EVIDENCE: ("証拠書類の確認（専門家）", "evidence check (expert)"),
               EMAIL: ("従事証明メールの確認（機関）", "e-mail confirmation check (institution)")}
_UNKNOWN_BUREAU = "（不明）"


_FLAG_SEVERITIES = ("hold", "reduce", "flag")


def instruction(check: str, subject: str, dispatches: str, lang: str = "ja") -> str:
    """What the clerk checks for one drawn subject (R-PAY-6, from the specification's
    wording: evidence enough to prove the report; the companies' e-mail confirmation)."""
    listed = [d for d in dispatches.split(";") if d]
    if lang == "en":
        ids = ", ".join(listed) or "(none)"
        if check == EMAIL:
            return (f"institution {subject}: for dispatches {ids}, check the company's e-mail "
                    "confirmation that the support took place (従事証明)")
        return (f"expert {subject}: for dispatches {ids}, check evidence enough to prove the "
                "support report (materials handed over, photographs, receipts)")
    ids = "、".join(listed) or "（なし）"
    if check == EMAIL:
        return (f"機関 {subject} の派遣 {ids} について、中小企業・小規模事業者等のメールによる"
                "従事証明を確認してください")
    return (f"専門家 {subject} の派遣 {ids} について、実績報告を証明するに足る証拠書類"
            "（成果物・写真・領収書など）を確認してください")


def _digest(cycle: str, check: str, subject: str, weight: int) -> bytes:
    """The draw key as its 32 big-endian bytes (they order as the integers do)."""
    prefix = f"R-PAY-6|{cycle}|{check}|{subject}|"
    if weight <= 1:  # most subjects: one hash, no generator
        return hashlib.sha256(f"{prefix}0".encode()).digest()
    return min(hashlib.sha256(f"{prefix}{k}".encode()).digest() for k in range(weight))


def draw_key(cycle: str, check: str, subject: str, weight: int) -> int:
    """The documented draw key (R-PAY-6): smaller is drawn first."""
    return int.from_bytes(_digest(cycle, check, subject, weight))


@dataclass(frozen=True)
class Candidate:
    subject_id: str
    bureau: str
    dispatches: tuple[str, ...]
    flagged_rules: tuple[str, ...]
    weight: int
    key: int


def spread_draw(candidates: list[Candidate], size: int, bureau_order: list[str]) -> list[
        tuple[Candidate, int]]:
    """Round-robin over bureaus, smallest key first; returns (candidate, round) in draw order."""
    queues: dict[str, list[Candidate]] = {}
    for cand in sorted(candidates, key=lambda c: (c.key, c.subject_id)):
        queues.setdefault(cand.bureau, []).append(cand)
    order = {b: i for i, b in enumerate(bureau_order)}
    picked: list[tuple[Candidate, int]] = []
    rnd = 0
    while len(picked) < size and any(queues.values()):
        rnd += 1
        offers = sorted(
            (q.pop(0) for b, q in sorted(queues.items(), key=lambda kv: order.get(kv[0], 99))
             if q),
            key=lambda c: (c.key, c.subject_id),
        )
        for cand in offers:
            if len(picked) >= size:
                break
            picked.append((cand, rnd))
    return picked


def _bureau_of(rules: RuleBook) -> dict[str, str]:
    prefs = rules.code("prefectures")
    rows = prefs.get("prefectures", []) if isinstance(prefs, dict) else prefs
    return {str(p["name"]): str(p["bureau"]) for p in rows}


def _bureau_order(rules: RuleBook) -> list[str]:
    bureaus = rules.code("bureaus")
    return list(bureaus.get("bureaus", []) if isinstance(bureaus, dict) else bureaus)


def _keys(prefix: str, ids: pl.Series, weight: int) -> list[bytes]:
    """``_digest`` of each id of one weight. Polars builds the messages, the comprehension is
    one hashlib call per message, ``map(min, ...)`` takes the min over k in C: no Python
    frame or f-string per subject (a million dispatches need ~550,000 hashes)."""
    import polars as pl

    sha256 = hashlib.sha256
    per_k = []
    for k in range(max(weight, 1)):
        messages = pl.select(pl.concat_str(pl.lit(prefix), ids, pl.lit(f"|{k}"))
                             .cast(pl.Binary)).to_series().to_list()
        per_k.append([sha256(m).digest() for m in messages])
    return per_k[0] if len(per_k) == 1 else list(map(min, *per_k))


def _candidates(run: CycleRun, check: str, id_col: str, table: str,
                size: int | None = None) -> list[Candidate]:
    """Every subject with its draw key; with ``size``, only the ``size`` smallest keys of each
    bureau (the most ``spread_draw`` can take from one bureau), which draws the same sample
    without building a candidate for each of hundreds of thousands of experts."""
    import polars as pl

    s = run.settlement
    on = s.transfer_date
    weight_flagged = int(run.rules.value_at("audit.sample_flag_weight", on))
    # One lazy plan, so polars shares `considered` and runs the branches side by side.
    # A held dispatch may lack its expert (institution) id (R-VAL-1): no subject to check.
    considered = s.dispatches.lazy().filter(pl.col("status").is_in(["paid", "held"])
                                            & pl.col(id_col).is_not_null())
    findings = s.findings.lazy().filter(pl.col("severity").is_in(list(_FLAG_SEVERITIES)))
    flagged = (
        findings.select("dispatch_id", "rule_id")
        .join(considered.select("dispatch_id", id_col), on="dispatch_id", how="inner")
        .group_by(id_col).agg(pl.col("rule_id").unique().sort().alias("rules"))
    )
    # One row per subject: held?, its flagging rules (null if none), its prefecture.
    # Every subject needs its draw key; its dispatch list only if drawn (_with_dispatches).
    per_subject = (
        considered.group_by(id_col).agg((pl.col("status") == "held").any().alias("held"))
        .join(flagged, on=id_col, how="left"))
    master = run.data.tables.get(table)
    if master is not None and "prefecture" in master.columns:
        # as dict(rows()) did: the last row of an id wins (the row order of the output is moot)
        prefs = master.lazy().select(id_col, "prefecture").unique(id_col, keep="last")
        per_subject = per_subject.join(prefs, on=id_col, how="left")
    else:
        per_subject = per_subject.with_columns(pl.lit(None).alias("prefecture"))
    subjects = per_subject.select(
        pl.col(id_col).cast(pl.String).alias("subject"),
        pl.col("prefecture").cast(pl.String)
        .replace_strict(_bureau_of(run.rules), default=_UNKNOWN_BUREAU, return_dtype=pl.String)
        .alias("bureau"),
        "held", "rules",
        pl.when(pl.col("rules").is_not_null() | pl.col("held"))
        .then(weight_flagged).otherwise(1).alias("weight"),
    ).collect()
    if subjects.is_empty():
        return []
    prefix = f"R-PAY-6|{run.options.cycle}|{check}|"
    keyed = pl.concat([
        part.with_columns(pl.Series("key", _keys(prefix, part["subject"], weight), pl.Binary))
        for (weight,), part in subjects.partition_by("weight", as_dict=True).items()])
    if size is not None:
        # Keys are 32 big-endian bytes, so Binary order is key order; keys are distinct.
        smallest = keyed.group_by("bureau").agg(pl.col("key").bottom_k(size)).explode("key")
        keyed = keyed.join(smallest, on=["bureau", "key"], how="semi")
    return sorted(
        (Candidate(
            subject_id=row["subject"],
            bureau=row["bureau"],
            dispatches=(),
            flagged_rules=tuple(row["rules"] or (("held",) if row["held"] else ())),
            weight=row["weight"],
            key=int.from_bytes(row["key"]),
        ) for row in keyed.iter_rows(named=True)),
        key=lambda c: c.subject_id)


def _with_dispatches(run: CycleRun, id_col: str,
                     picked: list[tuple[Candidate, int]]) -> list[tuple[Candidate, int]]:
    """The drawn candidates with their paid/held dispatch ids (sorted, distinct)."""
    import dataclasses

    import polars as pl

    ids = [c.subject_id for c, _ in picked]
    per = dict(
        run.settlement.dispatches
        .filter(pl.col("status").is_in(["paid", "held"])
                & pl.col(id_col).cast(pl.String).is_in(ids))
        .group_by(pl.col(id_col).cast(pl.String))
        .agg(pl.col("dispatch_id").unique().sort()).rows())
    return [(dataclasses.replace(c, dispatches=tuple(per.get(c.subject_id) or ())), rnd)
            for c, rnd in picked]


def _reason(cand: Candidate, rnd: int) -> str:
    lean = (f"保留・注意あり（重み×{cand.weight}: {', '.join(cand.flagged_rules)}）"
            if cand.weight > 1 else "指摘なし（重み×1）")
    return f"{cand.bureau}から第{rnd}巡で抽出; {lean}"


_REASON_RX = re.compile(r"^(?P<bureau>.*)から第(?P<round>\d+)巡で抽出; (?:保留・注意あり（重み×"
                        r"(?P<weight>\d+): (?P<rules>.*)）|指摘なし（重み×1）)$")


def reason_en(text: str) -> str:
    """The file's 抽出理由 in English for ``sample audit --lang en`` (the file keeps one
    language, that of its headers); a text of another shape is shown as it is."""
    m = _REASON_RX.match(text)
    if not m:
        return text
    lean = (f"held or flagged (weight x{m['weight']}: {m['rules']})" if m["weight"]
            else "no findings (weight x1)")
    return f"drawn from {m['bureau']} in round {m['round']}; {lean}"


def draw(run: CycleRun) -> pl.DataFrame:
    """The cycle's audit sample, experts then institutions, each in draw order."""
    import polars as pl

    on = run.settlement.transfer_date
    rows: list[dict[str, Any]] = []
    order = _bureau_order(run.rules)
    plan = (
        (EVIDENCE, "expert_id", "experts", "audit.sample_experts"),
        (EMAIL, "institution_id", "institutions", "audit.sample_institutions"),
    )
    for check, id_col, table, size_param in plan:
        size = int(run.rules.value_at(size_param, on))
        picked = _with_dispatches(run, id_col, spread_draw(
            _candidates(run, check, id_col, table, size), size, order))
        for rank, (cand, rnd) in enumerate(picked, start=1):
            rows.append({
                "cycle": run.options.cycle,
                "check": check,
                "rank": rank,
                "subject_id": cand.subject_id,
                "bureau": cand.bureau,
                "dispatches": ";".join(cand.dispatches),
                "flagged_rules": ";".join(cand.flagged_rules),
                "weight": cand.weight,
                "draw_key": f"{cand.key:064x}"[:16],
                "reason": _reason(cand, rnd),
            })
    schema = {c: pl.String for c in COLUMNS} | {"rank": pl.Int64, "weight": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema)
    check_order = pl.col("check").replace_strict({EVIDENCE: 0, EMAIL: 1}, return_dtype=pl.Int64)
    return frame.sort(check_order, "rank")


def write_audit_sample(run: CycleRun, folder: Path) -> None:
    from haken_batch.archive import AUDIT_SAMPLE_NAME, write_csv

    write_csv(draw(run), Path(folder) / AUDIT_SAMPLE_NAME, COLUMNS, run.options.headers)
