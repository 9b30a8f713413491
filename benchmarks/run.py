"""Benchmarks at scale (`nox -s bench`; never part of the tests).

For each size (dispatches) the generator writes a data set, then every step runs in its own
subprocess, so its wall time and peak memory (``ru_maxrss`` of that child, via ``wait4``) are
its own: ``haken --help`` start-up, the polars read floor (just reading the same CSVs),
``haken validate``, ``haken settle`` with documents off, and the emitters (Zengin file,
KPI workbook, notices) each timed on their own after a shared ``prepare``.

    python benchmarks/run.py --sizes 10000,100000,1000000
    python benchmarks/run.py --sizes 10000 --no-docs      # quick look, docs untouched

The figures, the targets, the machine (nproc, memory, CPU model) and the date go to
``docs/benchmarks.md`` unless ``--no-docs``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "benchmarks" / "notes.md"  # appended to docs/benchmarks.md as written
sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import STEP_CODE  # noqa: E402

PY = sys.executable
PAYER = REPO / "samples" / "payer.demo.yaml"
SAMPLE_CYCLE = "2021-10"
GIB = 1 << 30


@dataclass
class Result:
    step: str
    size: int
    wall: float | None  # seconds of the step itself
    rss: int | None  # peak resident bytes of the child
    rows: int | None = None  # what rows/s counts (dispatches, experts, notices)
    unit: str = "dispatches"
    note: str = ""
    ok: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        if self.rows is None or not self.wall:
            return None
        return self.rows / self.wall


def measure(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 3600,
            cwd: Path | None = None) -> tuple[float, int, int, str, str]:
    """Run a child; its wall time, peak RSS in bytes (wait4), exit code, stdout, stderr."""
    full_env = {**os.environ, "COLUMNS": "120", **(env or {})}
    # An installed tool imports from cached bytecode; with this set (some CI images and
    # sandboxes do) every run would recompile the whole package and time the compiler.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env, cwd=cwd)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_maxrss * 1024, proc.returncode,
                out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def haken(*args: str) -> list[str]:
    return [PY, "-m", "haken_batch.cli.app", *args]


def python_step(name: str, **params: object) -> list[str]:
    return [PY, "-c", STEP_CODE, name, json.dumps(params, default=str)]


def parse_report(stdout: str) -> dict[str, object]:
    """The last ``BENCH {...}`` line a Python step printed."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH "):
            result: dict[str, object] = json.loads(line[6:])
            return result
    return {}


# -- the steps ------------------------------------------------------------------------------

def precompile() -> None:
    """Bytecode for the package, as ``pip install`` leaves it for an installed tool (an
    editable install writes it on first run unless PYTHONDONTWRITEBYTECODE is set)."""
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "src" / "haken_batch")],
                   check=True, env={k: v for k, v in os.environ.items()
                                    if k != "PYTHONDONTWRITEBYTECODE"})


def step_help(repeat: int = 7) -> Result:
    walls, rss, code = [], 0, 0
    for _ in range(repeat):
        wall, peak, code, _, _ = measure(haken("--help"))
        walls.append(wall)
        rss = max(rss, peak)
    return Result("haken --help", 0, statistics.median(walls), rss, None, "",
                  f"median of {repeat}, min {min(walls):.3f} s", ok=code == 0)


STARTUP_IMPORTS = ("haken_batch.cli.commands, haken_batch.cycle, haken_batch.load, "
                   "haken_batch.validate, haken_batch.settle.engine, haken_batch.archive, "
                   "haken_batch.emit.csvs, "
                   "haken_batch.emit.zengin, haken_batch.emit.withholding, pandera.polars")


def step_startup(repeat: int = 5) -> Result:
    """What every settle pays before reading a byte: the interpreter and the modules a settle
    imports (polars, pandera, typer, rich, ours). Sets the ratio's floor at small sizes."""
    walls, rss, code = [], 0, 0
    for _ in range(repeat):
        wall, peak, code, _, _ = measure([PY, "-c", f"import {STARTUP_IMPORTS}"])
        walls.append(wall)
        rss = max(rss, peak)
    return Result("settle start-up (imports only)", 0, statistics.median(walls), rss, None, "",
                  f"median of {repeat}, min {min(walls):.3f} s", ok=code == 0)


def step_generate(size: int, data: Path, seed: int) -> Result:
    wall, rss, code, _out, err = measure(haken(
        "samples", "generate", "--dispatches", str(size), "--seed", str(seed), "--out",
        str(data)))
    return Result("generate", size, wall, rss, size, note=_tail(err) if code else "",
                  ok=code == 0)


def step_floor(size: int, data: Path) -> Result:
    wall, rss, code, out, err = measure(python_step("floor", data=str(data)))
    rep = parse_report(out)
    return Result("read floor (polars)", size, wall, rss, size,
                  note=_tail(err) if code else f"{rep.get('rows', '?')} rows in all",
                  ok=code == 0, extra=rep)


def step_validate(size: int, data: Path, work: Path) -> Result:
    wall, rss, code, out, err = measure(haken("validate", "--data", str(data), "--out",
                                              str(work / "findings.csv")), cwd=work)
    return Result("haken validate", size, wall, rss, size, note=f"exit {code}" +
                  (f": {_tail(err or out)}" if code not in (0, 1) else ""), ok=code in (0, 1))


def step_settle(size: int, data: Path, out_dir: Path, cycle: str, extra: list[str]) -> Result:
    shutil.rmtree(out_dir, ignore_errors=True)
    wall, rss, code, out, err = measure(haken(
        "settle", cycle, "--data", str(data), "--out", str(out_dir), "--no-documents",
        "--payer", str(PAYER), "--quiet", *extra))
    return Result("haken settle (documents off)", size, wall, rss, size,
                  note=f"exit {code}" + (f": {_tail(err or out)}" if code else ""),
                  ok=code == 0)


def paired(size: int, data: Path, out_dir: Path, cycle: str, extra: list[str],
           repeat: int) -> tuple[Result, Result]:
    """The read floor and settle, run one after the other ``repeat`` times; each reported as
    its median. A burst of other work on the machine then moves both alike, and the ratio
    (what the target is about) is not one lucky or unlucky run: single runs of either
    varied by up to 30 % on this machine within minutes."""
    floors, settles = [], []
    for _ in range(repeat):
        floors.append(step_floor(size, data))
        settles.append(step_settle(size, data, out_dir, cycle, extra))
    return _median(floors), _median(settles)


def _median(runs: list[Result]) -> Result:
    failed = [r for r in runs if not r.ok or r.wall is None]
    if failed:
        return failed[0]
    walls = [r.wall for r in runs if r.wall is not None]
    if len(walls) == 1:
        return runs[0]
    note = (f"{runs[0].note}; " if runs[0].note else "") + \
        f"median of {len(walls)}, min {min(walls):.3f} s, max {max(walls):.3f} s"
    return replace(runs[0], wall=statistics.median(walls), rss=max(r.rss or 0 for r in runs),
                   note=note)


def step_sample(work: Path) -> Result:
    """The bundled realistic month (samples/fy2021, ~1,000 dispatches), as a clerk runs it."""
    sample = REPO / "samples" / "fy2021"
    out = work / "out-sample"
    shutil.rmtree(out, ignore_errors=True)
    rows = max(0, sum(1 for _ in (sample / "dispatches.csv").open(encoding="utf-8-sig")) - 1) \
        if (sample / "dispatches.csv").exists() else None
    wall, rss, code, out_text, err = measure(haken(
        "settle", SAMPLE_CYCLE, "--data", str(sample), "--out", str(out), "--no-documents",
        "--payer", str(PAYER), "--quiet"))
    return Result("settle bundled sample (whole command)", 0, wall, rss, rows,
                  note=f"cycle {SAMPLE_CYCLE}, exit {code}" +
                  (f": {_tail(err or out_text)}" if code else ""), ok=code == 0)


def step_emitter(size: int, data: Path, work: Path, cycle: str, emitter: str,
                 transfer: str | None, limit: int | None = None) -> Result:
    _wall, rss, code, out, err = measure(python_step(
        "emit", data=str(data), work=str(work), cycle=cycle, emitter=emitter,
        transfer=transfer, limit=limit, payer=str(PAYER)))
    rep = parse_report(out)
    names = {"zengin": "Zengin file", "kpi": "KPI workbook", "notices": "notices (PDF)",
             "withholding": "withholding summary", "statements": "statements", "csvs": "CSVs",
             "prepare": "settle in-process, by phase"}
    seconds = rep.get("seconds")
    count = rep.get("count")
    unit = str(rep.get("unit", "dispatches"))
    return Result(names.get(emitter, emitter), size,
                  float(seconds) if isinstance(seconds, (int, float)) else None, rss,
                  int(count) if isinstance(count, int) else None, unit,
                  note=_tail(err) if code else str(rep.get("note", "")), ok=code == 0,
                  extra=rep)


def _tail(text: str, n: int = 160) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return (lines[-1] if lines else "")[:n]


# -- report ---------------------------------------------------------------------------------

TARGETS = [
    ("haken --help", 0, "wall < 0.3 s", lambda r: r.wall is not None and r.wall < 0.3),
    ("haken settle (documents off)", 1_000_000, "wall < 60 s, peak < 4 GiB",
     lambda r: r.wall is not None and r.wall < 60 and (r.rss or 0) < 4 * GIB),
    ("notices (PDF)", None, "≥ 30 notices/s", lambda r: (r.rate or 0) >= 30),
]


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    versions = subprocess.run(
        [PY, "-c", "import polars, sys; print(sys.version.split()[0], polars.__version__)"],
        capture_output=True, text=True, check=False).stdout.split()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu, "load": load,
            "python": versions[0] if versions else "?",
            "polars": versions[1] if len(versions) > 1 else "?",
            "os": platform.platform(), "commit": commit or "?",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def fmt_wall(r: Result) -> str:
    return "—" if r.wall is None else f"{r.wall:.3f} s" if r.wall < 10 else f"{r.wall:.1f} s"


def fmt_rss(r: Result) -> str:
    return "—" if not r.rss else f"{r.rss / (1 << 20):,.0f} MiB"


def fmt_rate(r: Result) -> str:
    rate = r.rate
    if rate is None:
        return "—"
    return f"{rate:,.0f} {r.unit}/s" if rate >= 10 else f"{rate:.1f} {r.unit}/s"


def table(results: list[Result]) -> list[str]:
    lines = ["| step | dispatches | wall | rate | peak memory | note |",
             "|---|---:|---:|---:|---:|---|"]
    for r in results:
        size = f"{r.size:,}" if r.size else "—"
        status = "" if r.ok else "**failed** "
        lines.append(f"| {r.step} | {size} | {fmt_wall(r)} | {fmt_rate(r)} | {fmt_rss(r)} | "
                     f"{status}{r.note.replace('|', '/')} |")
    return lines


def verdicts(results: list[Result]) -> list[str]:
    lines = ["| target | measured | met? |", "|---|---|---|"]
    helps = [r for r in results if r.step == "haken --help"]
    if helps:
        r = helps[0]
        lines.append(f"| `haken --help` < 0.3 s | {fmt_wall(r)} | {_yes(r.ok and r.wall < 0.3)} |"
                     if r.wall is not None else "| `haken --help` < 0.3 s | — | not measured |")
    sample = next((r for r in results if r.step.startswith("settle bundled sample")), None)
    if sample is not None and sample.wall is not None:
        lines.append(f"| realistic month (bundled sample, {sample.rows or '?'} dispatches) "
                     f"settles < 2 s incl. start-up | {fmt_wall(sample)} | "
                     f"{_yes(sample.ok and sample.wall < 2)} |")
    for size in sorted({r.size for r in results if r.size}):
        settle = _find(results, "haken settle (documents off)", size)
        floor = _find(results, "read floor (polars)", size)
        if settle and settle.ok and settle.wall is not None:
            if size >= 1_000_000:
                met = settle.wall < 60 and (settle.rss or 0) < 4 * GIB
                lines.append(f"| {size:,} settled < 60 s, peak < 4 GiB | {fmt_wall(settle)}, "
                             f"{fmt_rss(settle)} | {_yes(met)} |")
            if floor and floor.ok and floor.wall:
                ratio = settle.wall / floor.wall
                start = _find(results, "settle start-up (imports only)", 0)
                of_it = (f"; start-up {fmt_wall(start)} of it"
                         if start and start.ok and start.wall is not None else "")
                lines.append(f"| settle ≤ 3× read floor ({size:,}) | {ratio:.1f}× "
                             f"({fmt_wall(settle)} vs {fmt_wall(floor)}{of_it}) | "
                             f"{_yes(ratio <= 3)} |")
        elif settle:
            lines.append(f"| settle at {size:,} | failed: {settle.note} | no |")
        zengin = _find(results, "Zengin file", size)
        if zengin and zengin.ok and zengin.rate is not None and zengin.rows:
            lines.append(f"| Zengin file: 10,000 experts < 1 s ({zengin.rows:,} at {size:,}) | "
                         f"{fmt_rate(zengin)} | {_yes(zengin.rate >= 10_000)} |")
        kpi = _find(results, "KPI workbook", size)
        if kpi and kpi.ok and kpi.wall is not None and size == 100_000:
            lines.append(f"| KPI workbook for 100,000 dispatches < 30 s | {fmt_wall(kpi)} | "
                         f"{_yes(kpi.wall < 30)} |")
        notices = _find(results, "notices (PDF)", size)
        if notices and notices.ok and notices.rate is not None:
            lines.append(f"| notices ≥ 30/s, 300 in < 10 s ({size:,}) | {fmt_rate(notices)} | "
                         f"{_yes(notices.rate >= 30)} |")
    return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _find(results: list[Result], step: str, size: int) -> Result | None:
    return next((r for r in results if r.step == step and r.size == size), None)


def slowest(results: list[Result]) -> list[str]:
    """The steps that cost most at the largest size, for whoever tunes the engine."""
    top = max((r.size for r in results if r.size), default=0)
    ranked = sorted((r for r in results if r.size == top and r.wall and r.step != "generate"),
                    key=lambda r: r.wall or 0, reverse=True)
    return [f"{n}. {r.step}: {fmt_wall(r)}" for n, r in enumerate(ranked[:5], start=1)]


def write_docs(path: Path, results: list[Result], info: dict[str, str], sizes: list[int],
               phases: dict[int, dict[str, float]]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run.py` (`nox -s bench`); never part of the tests. Each step",
        "runs in its own subprocess; *wall* is the step's own time and *peak memory* the",
        "child's `ru_maxrss`. The read floor is polars reading the same CSV files and nothing",
        "else. Emitter steps (Zengin, KPI, notices) share an in-process `prepare` (load +",
        "settle) that is not counted in their wall time, but is in their peak memory.",
        "",
        f"- Date: {info['date']}  ·  commit `{info['commit']}`",
        f"- Machine: {info['nproc']} cores, {info['memory']}, {info['cpu']}; load average "
        f"at the end {info['load']} (other work on the machine inflates the figures)",
        f"- Python {info['python']}, polars {info['polars']}, {info['os']}",
        f"- Sizes: {', '.join(f'{s:,}' for s in sizes)} dispatches (generator, seed 1)",
        "",
        "## Targets",
        "",
        *verdicts(results),
        "",
        "## Figures",
        "",
        *table(results),
        "",
    ]
    if phases:
        lines += ["## Where settle spends its time (in-process phases)", "",
                  "| dispatches | " + " | ".join(next(iter(phases.values()))) + " |",
                  "|---:|" + "---:|" * len(next(iter(phases.values())))]
        for size, ph in sorted(phases.items()):
            lines.append(f"| {size:,} | " + " | ".join(f"{v:.2f} s" for v in ph.values())
                         + " |")
        lines.append("")
    lines += ["## Slowest steps at the largest size", "", *slowest(results), ""]
    if NOTES.is_file():  # the hand-written reading of the figures survives a re-run
        lines += [NOTES.read_text(encoding="utf-8").rstrip("\n"), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


# -- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated dispatch counts (default 10000,100000,1000000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5,
                    help="runs of the read floor and settle (median) up to 100,000 dispatches")
    ap.add_argument("--cycle", default="2021-11",
                    help="cycle to settle (it considers every approval up to its cut-off)")
    ap.add_argument("--transfer-date", default=None, help="passed to settle if given")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    ap.add_argument("--keep", action="store_true", help="keep generated data")
    ap.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    ap.add_argument("--no-docs", action="store_true", help="print only")
    ap.add_argument("--notice-limit", type=int, default=300,
                    help="notices timed on this many experts (rate = notices/s)")
    ap.add_argument("--results", type=Path, default=None,
                    help="JSON file the figures are saved to after each step "
                         "(default: WORK/results.json)")
    ap.add_argument("--render", type=Path, default=None,
                    help="only rewrite the docs from a saved results JSON (no measuring)")
    args = ap.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        results = [Result(**r) for r in saved["results"]]
        write_docs(args.docs, results, saved["machine"], saved["sizes"],
                   {int(k): v for k, v in saved.get("phases", {}).items()})
        print(f"written: {args.docs}")
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="haken-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    extra = ["--transfer-date", args.transfer_date] if args.transfer_date else []
    results: list[Result] = []
    phases: dict[int, dict[str, float]] = {}

    store = args.results or work / "results.json"

    def save() -> None:
        store.write_text(json.dumps({"results": [asdict(r) for r in results],
                                     "machine": machine(), "sizes": sizes,
                                     "phases": phases}, ensure_ascii=False, indent=1),
                         encoding="utf-8")

    def show(r: Result) -> None:
        results.append(r)
        save()
        status = "" if r.ok else "  FAILED"
        print(f"{r.step:<36} {r.size:>10,} {fmt_wall(r):>10} {fmt_rate(r):>22} "
              f"{fmt_rss(r):>11}{status}  {r.note}", flush=True)

    print(f"work folder: {work}")
    precompile()
    show(step_help())
    show(step_startup())
    show(step_sample(work))
    try:
        for size in sizes:
            data = work / f"data-{size}"
            if not (data.is_dir() and any(data.iterdir())):
                show(step_generate(size, data, args.seed))
            floor, settle = paired(size, data, work / f"out-{size}", args.cycle, extra,
                                   args.repeat if size <= 100_000 else 1)
            show(floor)
            show(step_validate(size, data, work))
            show(settle)
            prep = step_emitter(size, data, work, args.cycle, "prepare", args.transfer_date)
            show(prep)
            ph = prep.extra.get("phases")
            if isinstance(ph, dict):
                phases[size] = {str(k): float(v) for k, v in ph.items()}
            for emitter in ("zengin", "kpi"):
                show(step_emitter(size, data, work, args.cycle, emitter, args.transfer_date))
            show(step_emitter(size, data, work, args.cycle, "notices", args.transfer_date,
                              limit=args.notice_limit))
            if not args.keep:
                shutil.rmtree(data, ignore_errors=True)
                shutil.rmtree(work / f"out-{size}", ignore_errors=True)
    finally:
        info = machine()
        print()
        print("\n".join(verdicts(results)))
        print("\n".join(slowest(results)))
        if not args.no_docs:
            write_docs(args.docs, results, info, sizes, phases)
            print(f"written: {args.docs}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
