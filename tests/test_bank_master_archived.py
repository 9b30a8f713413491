"""R-DATA-1 / docs/audit.md: a cycle re-runs from its archive alone, also after the bank
master (zengin-code) has changed. The bank master decides R-VAL-2 holds and the bank names
of the Zengin file, so the archive keeps the part the cycle read and `haken verify` re-runs
on it. Found by a blind audit check: a cycle settled with the 2021 master (長野銀行, merged in
2023) failed verify under the installed 2026 master."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from haken_batch import bankmaster, cycle
from haken_batch.archive import BANK_MASTER_DIR
from haken_batch.run import Options
from haken_batch.verify import verify_cycle
from sample_runs import PAYER, SAMPLES, sample_options


def _options(out: Path) -> Options:
    return sample_options(out)


def _use_master(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setattr(bankmaster, "_package_dir", lambda: root)
    bankmaster._clear()


def _experts() -> pl.DataFrame:
    raw = (SAMPLES / "experts.csv").read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the samples' experts export is CP932, as the real one
        text = raw.decode("cp932")
    return pl.read_csv(text.encode("utf-8"), infer_schema=False)


def _paid_expert_bank(out: Path) -> str:
    """The bank of an expert paid in the cycle (not the payer's bank)."""
    paid = pl.read_csv(out / "2021-10" / "payments.csv", infer_schema=False).get_column(
        "専門家ID").to_list()
    experts = _experts()
    banks = experts.filter(pl.col("専門家ID").is_in(paid)).get_column("金融機関コード")
    payer_bank = "0001" if "0001" in PAYER.read_text(encoding="utf-8") else None
    return next(b for b in banks.to_list() if b and b != payer_bank)


@pytest.fixture
def masters(tmp_path: Path):
    """The installed master, and a copy to make 'newer' (a bank gone). The master's caches
    are emptied afterwards, so later tests read the installed master again."""
    installed = bankmaster._package_dir()
    newer = tmp_path / "newer"
    shutil.copytree(installed, newer)
    yield installed, newer
    bankmaster._clear()


def test_R_VAL_2_verify_reruns_on_the_archived_bank_master(tmp_path, masters, monkeypatch):
    installed, newer = masters
    out = tmp_path / "out"
    cycle.settle_cycle(_options(out))
    archived = out / "2021-10" / BANK_MASTER_DIR
    assert (archived / "banks.json").read_bytes() == (installed / "banks.json").read_bytes()
    assert (archived / "VERSION").read_text(encoding="utf-8").strip() == bankmaster.version()

    bank = _paid_expert_bank(out)
    banks = json.loads((newer / "banks.json").read_text(encoding="utf-8"))
    del banks[bank]  # the bank merged away: a settle today would hold its experts
    (newer / "banks.json").write_text(json.dumps(banks, ensure_ascii=False), encoding="utf-8")
    _use_master(monkeypatch, newer)

    report = verify_cycle(out / "2021-10")
    assert report.ok, report.problems
    assert report.reran

    # control: the newer master does change this cycle's money when settled afresh
    again = tmp_path / "again"
    cycle.settle_cycle(_options(again))
    before = (out / "2021-10" / "payments.csv").read_bytes()
    assert (again / "2021-10" / "payments.csv").read_bytes() != before


def test_the_snapshot_holds_only_the_banks_the_cycle_read(tmp_path):
    out = tmp_path / "out"
    cycle.settle_cycle(_options(out))
    archived = out / "2021-10" / BANK_MASTER_DIR / "branches"
    experts = _experts()
    used = set(experts.get_column("金融機関コード").drop_nulls().to_list())
    kept = {p.stem for p in archived.glob("*.json")}
    assert kept and kept <= used | {"0001", "0005", "0009"}  # experts' banks (+ the payer's)
    assert len(kept) < 50  # not the whole master (about 1,150 banks)
