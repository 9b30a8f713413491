"""The bad-input corpus through `haken validate` (and `haken settle` once it exists).

Every case: the right exit code, the Japanese message naming file/row/column/value, no
traceback, nothing secret on the terminal or in findings.csv, and for a structural fault
nothing written at all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus.cases import CASES, Case, make
from haken_batch.cli.app import app
from test_corpus_load import matches, params

WIDE = {"COLUMNS": "300", "NO_COLOR": "1"}


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=WIDE)


def no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)


@pytest.mark.parametrize("case", params(CASES))
def test_validate_text(case: Case, tmp_path: Path) -> None:
    data = make(case, tmp_path / "data")
    report = tmp_path / "findings.csv"
    result = invoke("validate", "--data", str(data), "--out", str(report))
    no_traceback(result)
    assert result.exit_code == case.exit, result.output
    for fragment in case.says:
        assert fragment in result.output
    if case.exit == 2:
        assert result.output.startswith("エラー ")
        assert not report.exists(), "a structural fault must write nothing"
        return
    assert report.exists()
    for want in case.findings:
        lines = [x for x in result.output.splitlines() if str(want["file"]) in x]
        if "row" in want:  # "file:row" or "file［sheet］:row" on one line, with the column
            lines = [x for x in lines if re.search(f":{want['row']}( |$)", x)]
        if "column" in want:
            lines = [x for x in lines if str(want["column"]) in x]
        assert lines, f"{want} not shown in:\n{result.output}"
    shown = result.output + report.read_text(encoding="utf-8-sig")
    for secret in case.never:
        assert secret not in shown, f"{secret!r} shown on the terminal or in findings.csv"


JSON_SAMPLE = ("extra-column", "my-number-by-values", "duplicate-checkin", "impossible-time",
               "absurd-fare", "account-number-8-digits", "formula-plus-minus-at",
               "xlsx-merged-cells", "cp932-everywhere")


@pytest.mark.parametrize("case", params([c for c in CASES if c.id in JSON_SAMPLE]))
def test_validate_json(case: Case, tmp_path: Path) -> None:
    # the findings themselves are checked case by case in test_corpus_load; here a sample
    # shows that --format json carries them (file, row, column, value) for machines
    data = make(case, tmp_path / "data")
    result = invoke("validate", "--data", str(data), "--out", str(tmp_path / "f.csv"),
                    "--format", "json")
    no_traceback(result)
    assert result.exit_code == case.exit
    payload = json.loads(result.stdout)
    assert payload["exit_code"] == case.exit
    for want in case.findings:
        assert any(matches(want, f) for f in payload["findings"]), (want, payload["findings"])
    for secret in case.never:
        assert secret not in result.stdout


def test_validate_english_messages(tmp_path: Path) -> None:
    from corpus.cases import by_id

    data = make(by_id("missing-required-column"), tmp_path / "data")
    result = invoke("validate", "--data", str(data), "--out", str(tmp_path / "f.csv"),
                    "--lang", "en")
    assert result.exit_code == 2
    assert "required column" in result.output and "reports.csv" in result.output


PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"


def _all_bytes(root: Path, *, archive: bool) -> bytes:
    """Every output byte under root, archives decompressed (zstd/gzip/zip would hide a secret).

    ``archive=False`` leaves out ``archive/`` (the inputs as read, kept to re-run the cycle:
    account numbers are in it by design; a My Number must not be, even there)."""
    import gzip
    import zipfile

    from haken_batch.archive import unpack

    chunks = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or (not archive and "archive" in path.relative_to(root).parts):
            continue
        data = path.read_bytes()
        chunks.append(data)
        if data[:2] == b"\x1f\x8b":
            chunks.append(gzip.decompress(data))
        elif data[:4] == b"\x28\xb5\x2f\xfd":  # zstd: the archived inputs
            chunks.append(unpack(path))
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(path) as zf:
                chunks += [zf.read(n) for n in zf.namelist()]
    return b"\n".join(chunks)


def settle_params() -> list[object]:
    out = []
    for c in CASES:
        # settle adds something only where the run must stop, hold or hide; the positive
        # controls and finding-only cases settle in the slow session
        heavy = c.slow or not (c.exit == 2 or c.held or c.never)
        marks = [pytest.mark.slow] if heavy else []
        # a loader gap matters to settle only when it should have stopped the run
        gap = c.settle_gap or (c.gap if c.exit == 2 else None)
        if gap:
            marks.append(pytest.mark.xfail(strict=True, reason=f"gap: {gap}"))
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.mark.parametrize("case", settle_params())
def test_settle(case: Case, tmp_path: Path) -> None:
    import csv
    import io

    data = make(case, tmp_path / "data")
    out = tmp_path / "out"
    result = invoke("settle", "2021-10", "--data", str(data), "--out", str(out), "--payer",
                    str(PAYER), "--no-documents", "--headers", "en", "--quiet")
    no_traceback(result)
    visible = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not [n for n in visible if n.startswith((".tmp-", ".old-"))]
    settle_exit = case.settle_exit if case.settle_exit is not None else case.exit
    if settle_exit == 2:
        assert result.exit_code == 2, result.output
        for fragment in case.settle_says or case.says:
            assert fragment in result.output
        # OUT did not exist: not even the folder or a hidden .haken.lock may remain (issue 7)
        assert not out.exists(), f"output left behind: {visible}"
        return
    assert result.exit_code == 0, result.output  # holds are normal: the cycle settled
    # the cycle and its line in the record of settled cycles, nothing else (no .haken.lock)
    assert visible == [".haken-history.csv", "2021-10"], visible
    folder = out / "2021-10"
    rows = list(csv.DictReader(io.StringIO(
        (folder / "dispatches.csv").read_text(encoding="utf-8-sig"))))
    status = {r["dispatch_id"]: r["status"] for r in rows}
    for dispatch in case.held:  # held (R-VAL-1/2), excluded, or not up for payment yet
        assert status.get(dispatch) != "paid", (dispatch, status)
    paid = [r["dispatch_id"] for r in csv.DictReader(io.StringIO(
        (folder / "ledger.csv").read_text(encoding="utf-8-sig")))]
    assert not set(paid) & set(case.held)
    assert len(paid) == len(set(paid))
    written = _all_bytes(folder, archive=case.id.startswith("my-number"))
    for secret in case.never:
        assert secret.encode() not in written, f"{secret!r} written under OUT"
        assert secret not in result.output
