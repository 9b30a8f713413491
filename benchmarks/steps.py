"""Code the benchmark runs in a child process: ``python -c STEP_CODE NAME JSON``.

It prints one ``BENCH {json}`` line: the seconds of the measured part only (imports and the
shared ``prepare`` are timed apart), and what it counted.
"""

STEP_CODE = r'''
import json, sys, time
from pathlib import Path

name, params = sys.argv[1], json.loads(sys.argv[2])
report = {}


def floor(p):
    import polars as pl
    t0 = time.perf_counter()
    total = 0
    for path in sorted(Path(p["data"]).glob("*.csv")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # CP932 exports: decoding is part of reading them
            data = data.decode("cp932").encode("utf-8")
        total += pl.read_csv(data, infer_schema=False).height
    report.update(seconds=time.perf_counter() - t0, rows=total)


def emit(p):
    import dataclasses
    import datetime as dt
    import tempfile
    from haken_batch.cli.common import owner_only
    from haken_batch.cycle import prepare
    from haken_batch.run import Options

    owner_only()
    marks = [("start", time.perf_counter())]
    transfer = dt.date.fromisoformat(p["transfer"]) if p.get("transfer") else None
    out = Path(tempfile.mkdtemp(dir=p["work"], prefix="emit-out-"))
    options = Options(cycle=p["cycle"], data_dir=Path(p["data"]), out_dir=out,
                      payer_file=Path(p["payer"]), transfer_date=transfer,
                      documents=p["emitter"] != "prepare")
    mark = lambda step: marks.append((step, time.perf_counter()))  # noqa: E731
    run = prepare(options, mark)
    s = run.settlement
    if p["emitter"] == "prepare":  # the whole settle in-process, documents off, by phase
        from haken_batch.cycle import write_outputs
        folder = out / "cycle"
        folder.mkdir()
        write_outputs(run, folder, mark)
        marks.append(("end", time.perf_counter()))
        phases = {marks[i][0]: marks[i + 1][1] - marks[i][1] for i in range(len(marks) - 1)}
        phases["imports"] = phases.pop("start")
        report.update(phases=phases, seconds=marks[-1][1] - marks[1][1],
                      count=s.dispatches.height, unit="dispatches",
                      note=", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        return
    folder = out / "cycle"
    folder.mkdir()
    if p["emitter"] == "notices" and p.get("limit"):
        payments = s.payments.head(int(p["limit"]))
        run = dataclasses.replace(run, settlement=dataclasses.replace(s, payments=payments))
    import importlib
    module = importlib.import_module(f"haken_batch.emit.{p['emitter']}")
    t0 = time.perf_counter()
    module.emit(run, folder)
    seconds = time.perf_counter() - t0
    files = [f for f in folder.rglob("*") if f.is_file()]
    if p["emitter"] == "notices":
        count = sum(1 for f in files if f.suffix == ".pdf")
        report.update(seconds=seconds, count=count, unit="notices",
                      note=f"{count} notices of {s.payments.height} experts paid")
    elif p["emitter"] == "zengin":
        report.update(seconds=seconds, count=run.settlement.payments.height, unit="experts",
                      note=f"{run.settlement.payments.height} transfers")
    else:
        report.update(seconds=seconds, count=s.dispatches.height, unit="dispatches",
                      note=f"{len(files)} files")


{"floor": floor, "emit": emit}[name](params)
print("BENCH " + json.dumps(report, default=str), flush=True)
'''
