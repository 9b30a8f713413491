"""Cycle-level properties over generated data (hypothesis; few examples, small data).

- permuting the rows (and columns) of every input changes no output byte;
- splitting the same approvals over two cycles pays the same total as one cycle: the daily
  fee cap (R-FEE-3) and the per diem (R-TRV-9) are respected across cycles, no dispatch is
  paid twice;
- totals reconcile at every level: lines → dispatches → payments → Zengin trailer →
  withholding summary, and the ledger is exactly the paid dispatches.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from haken_batch.cli.common import owner_only

REPO = Path(__file__).resolve().parents[1]
PAYER = REPO / "samples" / "payer.demo.yaml"
N_DISPATCHES = 150
FEW = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def settle(data: Path, out: Path, cycle: str, cutoff: dt.date | None = None) -> Path:
    from haken_batch.cycle import settle_cycle
    from haken_batch.run import Options

    owner_only()
    settle_cycle(
        Options(
            cycle=cycle,
            data_dir=data,
            out_dir=out,
            payer_file=PAYER,
            cutoff=cutoff,
            headers="en",
            documents=False,
        )
    )
    return out / cycle


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def outputs(folder: Path) -> dict[str, bytes]:
    """The cycle's outputs; the archive of inputs and the manifest hash the inputs' own bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != "archive" and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    from haken_batch.samplegen import generate_to

    folder = tmp_path_factory.mktemp("gen") / "data"
    generate_to(N_DISPATCHES, 11, folder, anomaly_rate=0.03)
    return folder


@pytest.fixture(scope="module")
def reference(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settle(generated, tmp_path_factory.mktemp("ref") / "out", "2021-11")


def shuffled_copy(src: Path, dst: Path, rng: random.Random, columns: bool) -> Path:
    dst.mkdir(parents=True)
    for path in sorted(src.iterdir()):
        raw = path.read_bytes()
        try:
            text, encoding = raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:  # the generator writes some tables as CP932, like Excel
            text, encoding = raw.decode("cp932"), "cp932"
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        rng.shuffle(body)
        order = list(range(len(header)))
        if columns:
            rng.shuffle(order)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([header[i] for i in order])
        writer.writerows([[r[i] for i in order] for r in body])
        (dst / path.name).write_bytes(buf.getvalue().encode(encoding))
    return dst


@FEW
@given(seed=st.integers(0, 2**31), columns=st.booleans())
def test_permuting_input_rows_changes_no_output_byte(
    generated: Path,
    reference: Path,
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    columns: bool,
) -> None:
    work = tmp_path_factory.mktemp("perm")
    data = shuffled_copy(generated, work / "data", random.Random(seed), columns)
    got = outputs(settle(data, work / "out", "2021-11"))
    want = outputs(reference)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], f"{name} differs after shuffling the inputs"


def _paid(folder: Path) -> list[dict[str, str]]:
    return table(folder / "ledger.csv")


# A day plan: for each (expert, day) up to three dispatches in fixed slots (no overlap,
# R-CHK-7), each with its face-to-face minutes, whole-trip km and approval day. Six hours
# make the daily cap (R-FEE-3) bite; 120 km trips earn the per diem (R-TRV-9).
SLOTS = ((9, 0), (12, 0), (15, 0))
DAYS = (dt.date(2021, 10, 5), dt.date(2021, 10, 6))
EXPERTS = (("E001", "Y13"), ("E002", "P27A"))
visit = st.tuples(st.sampled_from([30, 60, 90, 120, 150, 170]), st.sampled_from([10.0, 120.0]),
                  st.integers(0, 35))  # minutes, km, approval days after the support
plan_strategy = st.lists(st.lists(visit, min_size=1, max_size=3),
                         min_size=len(DAYS) * len(EXPERTS), max_size=len(DAYS) * len(EXPERTS))


def build_plan(folder: Path, plan: list[list[tuple[int, float, int]]]) -> Path:
    base = Path(__file__).parent / "corpus" / "base"
    folder.mkdir(parents=True)
    for name in ("experts.csv", "institutions.csv"):
        shutil.copy(base / name, folder / name)
    heads = {t: (base / f"{t}.csv").read_text(encoding="utf-8").splitlines()[0]
             for t in ("dispatches", "reports", "checkins", "travel_claims")}
    rows: dict[str, list[str]] = {t: [h] for t, h in heads.items()}
    n = 0
    cells = [(e, d) for d in DAYS for e in EXPERTS]
    for (expert, day), visits in zip(cells, plan, strict=True):
        for (h, m), (minutes, km, lag) in zip(SLOTS, visits, strict=False):
            n += 1
            did = f"D{n:04d}"
            start = dt.datetime.combine(day, dt.time(h, m))
            end = start + dt.timedelta(minutes=minutes)
            approved = dt.datetime.combine(day + dt.timedelta(days=lag), dt.time(18, 0))
            company = f"{1010001000000 + n}"
            rows["dispatches"].append(
                f"{did},{expert[1]},{expert[0]},{company},株式会社テスト{n},東京都港区1-{n},"
                f"03-0000-{n:04d},東京都,E,10,小規模事業者,経営改善,2021-09-01,{day},実施済,"
                "無,無,無,無")
            rows["reports"].append(
                f"{did},{day},{start:%H:%M},{end:%H:%M},{minutes},東京都港区1-{n},35.6581,"
                f"139.7516,{km},有,{minutes},,有,有,{approved:%Y-%m-%d %H:%M}")
            before = start - dt.timedelta(minutes=2)
            after = end + dt.timedelta(minutes=2)
            rows["checkins"] += [
                f"{did},チェックイン,{before:%Y-%m-%d %H:%M},35.6581,139.7516,",
                f"{did},チェックアウト,{after:%Y-%m-%d %H:%M},35.6581,139.7516,有"]
            rows["travel_claims"].append(
                f"{did},1,鉄道,{day},新宿,浜松町,{km / 2},330,,,,,無,,,,,,無,無,")
    for t, lines in rows.items():
        (folder / f"{t}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=plan_strategy, cut=st.integers(5, 31))
# the cap bites across cycles, on an earlier-starting dispatch approved later (R-FEE-3)
@example(plan=[[(170, 120.0, 0), (170, 120.0, 30), (170, 10.0, 3)]] * 4, cut=10)
def test_splitting_approvals_over_two_cycles_pays_the_same(
        tmp_path_factory: pytest.TempPathFactory, plan: list[list[tuple[int, float, int]]],
        cut: int) -> None:
    # 2021-10 with its cut-off on 10/<cut> pays what was approved by then; 2021-11 pays the
    # rest. Together they pay what 2021-11 alone pays, per expert and day, to the yen.
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    from haken_batch.rules import load_rules

    rules = load_rules(None)
    cap = int(rules.value_at("fee.daily_cap", DAYS[0]))
    per_diem = int(rules.value_at("travel.per_diem", DAYS[0]))
    work = tmp_path_factory.mktemp("split")
    data = build_plan(work / "data", plan)
    first = settle(data, work / "split", "2021-10", cutoff=dt.date(2021, 10, cut))
    second = settle(data, work / "split", "2021-11")
    alone = settle(data, work / "alone", "2021-11")
    split = _paid(first) + _paid(second)
    ids = [r["dispatch_id"] for r in split]
    assert len(ids) == len(set(ids)), "a dispatch paid twice"
    assert sorted(ids) == sorted(r["dispatch_id"] for r in _paid(alone))

    def per_day(rows: list[dict[str, str]], col: str) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for r in rows:
            total[(r["expert_id"], r["support_date"])] += int(r[col])
        return total

    for col in ("fee", "transport", "per_diem", "lodging", "total"):
        assert per_day(split, col) == per_day(_paid(alone), col), col
    assert max(per_day(split, "fee").values(), default=0) <= cap  # R-FEE-3 across cycles
    assert set(per_day(split, "per_diem").values()) <= {0, per_diem}  # R-TRV-9 once a day
    gross: defaultdict[str, int] = defaultdict(int)
    for folder in (first, second):
        for r in table(folder / "payments.csv"):
            gross[r["expert_id"]] += int(r["gross"])
    assert dict(gross) == {r["expert_id"]: int(r["gross"])
                           for r in table(alone / "payments.csv")}
    check_reconciles(first)
    check_reconciles(second)


def check_reconciles(folder: Path) -> None:
    from haken_batch import zengin_format

    lines = table(folder / "lines.csv")
    dispatches = table(folder / "dispatches.csv")
    payments = table(folder / "payments.csv")
    ledger = table(folder / "ledger.csv")
    # lines → dispatches
    line_sum: Counter[str] = Counter()
    for r in lines:
        line_sum[r["dispatch_id"]] += int(r["paid"] or 0)
    for d in dispatches:
        parts = sum(int(d[c]) for c in ("fee", "transport", "per_diem", "lodging"))
        assert int(d["total"]) == parts, d
        assert line_sum[d["dispatch_id"]] == int(d["total"]), d["dispatch_id"]
        if d["status"] != "paid":
            assert int(d["total"]) == 0, d
    paid = [d for d in dispatches if d["status"] == "paid"]
    # dispatches → payments
    per_expert: dict[str, Counter[str]] = defaultdict(Counter)
    for d in paid:
        for c in ("fee", "transport", "per_diem", "lodging", "total"):
            per_expert[d["expert_id"]][c] += int(d[c])
        per_expert[d["expert_id"]]["count"] += 1
    assert {p["expert_id"] for p in payments} == set(per_expert)
    for p in payments:
        e = per_expert[p["expert_id"]]
        assert int(p["dispatch_count"]) == e["count"]
        for c in ("fee", "transport", "per_diem", "lodging"):
            assert int(p[c]) == e[c], (p, c)
        assert int(p["gross"]) == e["total"]
        assert int(p["net"]) == int(p["gross"]) - int(p["withholding"])
        assert 0 <= int(p["withholding"]) <= int(p["gross"])
    # ledger = exactly the paid dispatches, same yen
    assert sorted(r["dispatch_id"] for r in ledger) == sorted(d["dispatch_id"] for d in paid)
    by_id = {d["dispatch_id"]: d for d in paid}
    for r in ledger:
        assert int(r["total"]) == int(by_id[r["dispatch_id"]]["total"])
    # payments → Zengin trailer(s)
    count = total = 0
    for path in sorted(folder.glob("zengin_*.txt")):
        parsed = zengin_format.parse(path.read_bytes())
        assert parsed.ok, [p.message() for p in parsed.problems]
        assert parsed.trailer is not None
        assert parsed.trailer.count == parsed.computed_count
        assert parsed.trailer.total == parsed.computed_total
        count += parsed.trailer.count
        total += parsed.trailer.total
    nets = [int(p["net"]) for p in payments if int(p["net"]) > 0]
    assert (count, total) == (len(nets), sum(nets))
    # payments → withholding summary (its total row)
    summary = list(
        csv.reader(
            io.StringIO((folder / "withholding_summary.csv").read_text(encoding="utf-8-sig"))
        )
    )
    last = summary[-1]
    assert int(last[-1]) == sum(int(p["withholding"]) for p in payments)
    assert int(last[-2]) == sum(int(p["gross"]) for p in payments)
    assert int(last[-3]) == len(payments)


def test_totals_reconcile_on_the_generated_month(reference: Path) -> None:
    check_reconciles(reference)


@FEW
@given(seed=st.integers(1, 10_000))
def test_totals_reconcile_for_other_seeds(
    tmp_path_factory: pytest.TempPathFactory, seed: int
) -> None:
    if not PAYER.exists():
        pytest.skip("samples/payer.demo.yaml is not there yet")
    from haken_batch.samplegen import generate_to

    work = tmp_path_factory.mktemp("rec")
    generate_to(60, seed, work / "data", anomaly_rate=0.05)
    check_reconciles(settle(work / "data", work / "out", "2021-11"))


def test_reconciles_on_the_corpus_base(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "corpus" / "base", data)
    check_reconciles(settle(data, tmp_path / "out", "2021-10"))
