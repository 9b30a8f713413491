"""Archive and manifest of a cycle (R-DATA-1): complete, deterministic, chained."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from haken_batch import archive
from haken_batch.manifest import LIBRARIES, canonical, seal_of, sha256_file
from haken_batch.verify import verify_path
from test_archive_fixture import ENGINE, make_data, make_rules, options, settled


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settled(tmp_path_factory.mktemp("arch"))


def manifest(out: Path, cycle: str) -> dict:
    return json.loads((out / cycle / "manifest.json").read_text(encoding="utf-8"))


def test_R_DATA_1_manifest_lists_everything_with_size_and_hash(out: Path) -> None:
    m = manifest(out, "2021-10")
    assert m["cycle"] == "2021-10" and m["format"] == "haken-batch/manifest/1"
    assert set(m["tool"]["libraries"]) == set(LIBRARIES)
    assert m["tool"]["libraries"]["polars"].startswith("2.")
    assert m["parameters"] == {"cycle": "2021-10", "cutoff": None, "transfer_date": None,
                               "headers": "ja", "documents": True, "lang": "ja"}
    assert m["settlement"]["transfer_date"] == "2021-11-19"
    names = {e["original"]["name"] for e in m["inputs"]}
    assert names == {"experts.csv", "institutions.csv", "dispatches.csv", "corrections.csv"}
    folder = out / "2021-10"
    for section in ("inputs", "rules", "outputs"):
        for e in m[section]:
            assert sha256_file(folder / e["path"]) == e["sha256"]
            assert (folder / e["path"]).stat().st_size == e["size"]
    assert m["payer"]["path"] == "archive/payer.yaml"
    outputs = {e["path"] for e in m["outputs"]}
    assert {"dispatches.csv", "ledger.csv", "corrections_applied.csv",
            "audit_sample.csv"} <= outputs
    assert not any(p.startswith("archive/") for p in outputs)
    assert m["previous"] is None and m["previous_ledgers"] == []


def test_R_DATA_1_inputs_archived_exactly_as_read(out: Path, tmp_path: Path) -> None:
    raw = archive.unpack(out / "2021-10" / "archive/inputs/dispatches.csv.zst")
    data = make_data(tmp_path)
    assert raw == (data / "dispatches.csv").read_bytes()


def test_R_DATA_1_chain_names_the_previous_manifest(out: Path) -> None:
    m = manifest(out, "2021-11")
    assert m["previous"] == {"cycle": "2021-10", "closed_sha256": None,
                             "manifest_sha256": sha256_file(out / "2021-10" / "manifest.json")}
    assert m["previous_ledgers"] == [{"cycle": "2021-10",
                                      "sha256": sha256_file(out / "2021-10" / "ledger.csv")}]


def test_R_DATA_1_manifest_is_canonical_sealed_and_clock_free(out: Path, tmp_path: Path) -> None:
    raw = (out / "2021-10" / "manifest.json").read_bytes()
    m = json.loads(raw)
    assert canonical(m) == raw and m["seal"] == seal_of(m)
    again = settled(tmp_path)  # another run, another folder, later in time
    for rel in ("manifest.json", "corrections_applied.csv", "audit_sample.csv",
                "archive/inputs/experts.csv.zst"):
        if rel == "manifest.json":  # the xlsx save time differs by design; all else is equal
            a, b = json.loads(raw), manifest(again, "2021-10")
            for x in (a, b):
                x["outputs"] = [e for e in x["outputs"] if not e["path"].endswith(".xlsx")]
                x.pop("seal")
            assert a == b
        else:
            assert (out / "2021-10" / rel).read_bytes() == (again / "2021-10" / rel).read_bytes()


def test_packing_is_deterministic_and_restores() -> None:
    data = "専門家派遣".encode() * 100_000  # several chunks of the stream
    packed = archive.pack_bytes(data)
    assert packed == archive.pack_bytes(data)
    assert packed[:4] == b"\x28\xb5\x2f\xfd" and len(packed) < len(data) // 10  # zstd frame


def test_R_DATA_1_archives_packed_with_gzip_still_restore_and_verify(out: Path,
                                                                   tmp_path: Path) -> None:
    """Archives written before 2026-11-26 hold gzip inputs (``.csv.gz``): verify and restore
    read them. The cycle is rewritten as such an archive, manifest re-sealed."""
    from haken_batch.manifest import sealed
    from haken_batch.verify import verify_cycle

    old = tmp_path / "old"
    shutil.copytree(out, old)
    folder = old / "2021-10"
    m = manifest(old, "2021-10")
    for entry in m["inputs"]:
        packed = folder / entry["path"]
        gz = packed.with_suffix(".gz")
        gz.write_bytes(gzip.compress(archive.unpack(packed), mtime=0))
        packed.unlink()
        entry.update(path=gz.relative_to(folder).as_posix(), size=gz.stat().st_size,
                     sha256=sha256_file(gz))
    m.pop("seal")
    (folder / "manifest.json").write_bytes(sealed(m))
    report = verify_cycle(folder, engine=ENGINE, neighbours=False)  # 2021-11 links the old seal
    assert report.ok and report.reran, report.problems
    options = archive.restore(folder, tmp_path / "work")
    assert (options.data_dir / "dispatches.csv").read_bytes() == (
        make_data(tmp_path / "again") / "dispatches.csv").read_bytes()


def test_corrections_log_lists_table_key_column_old_new_reason_who_when(out: Path) -> None:
    text = (out / "2021-10" / "corrections_applied.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    lines = text.decode("utf-8-sig").splitlines()
    assert lines == ["連番,対象表,キー,項目,項目（エクスポートの見出し）,修正前の値,修正後の値,"
                     "理由,修正者,修正日時",
                     "1,dispatches,D-04,minutes,,60,90,報告書の転記誤り,事務局A,"
                     "2021-10-26 10:00:00"]


def test_corrections_log_names_each_column_by_its_export_header_too(tmp_path: Path) -> None:
    """The clerk typed 終了時刻 and reads 終了時刻 beside the contract's end_time (the trail
    had named the column end_time only)."""
    from haken_batch.cycle import settle_cycle
    from haken_batch.run import Options

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    settle_cycle(Options(cycle="2021-10", data_dir=repo / "samples" / "fy2021", out_dir=out,
                         payer_file=repo / "samples" / "payer.demo.yaml", documents=False))
    rows = (out / "2021-10" / "corrections_applied.csv").read_text("utf-8-sig").splitlines()
    assert rows[0].startswith("連番,対象表,キー,項目,項目（エクスポートの見出し）,修正前の値")
    assert rows[1].startswith("1,reports,D21-P053,end_time,終了時刻,16:00:00,15:00:00,")
    assert ",fare,運賃,52000,34000," in rows[4]


def test_input_changed_after_reading_is_refused(tmp_path: Path) -> None:
    make_rules(tmp_path)
    make_data(tmp_path)
    opts = options(tmp_path, "2021-10")
    run = ENGINE.prepare(opts)
    (tmp_path / "data" / "experts.csv").write_text("changed\n")
    folder = tmp_path / "f"
    folder.mkdir()
    with pytest.raises(archive.ArchiveError, match=r"experts\.csv"):
        archive.write_archive(run, folder)


def test_R_DATA_1_rerun_from_the_archive_alone(tmp_path: Path) -> None:
    out = settled(tmp_path)
    shutil.rmtree(tmp_path / "data")
    shutil.rmtree(tmp_path / "rules")
    (tmp_path / "payer.yaml").unlink()
    report = verify_path(out, engine=ENGINE)
    assert report.ok, report.to_json()
    assert all(c.reran for c in report.cycles)


def test_rejected_correction_is_listed_not_ignored(tmp_path: Path) -> None:
    import polars as pl

    make_rules(tmp_path)
    make_data(tmp_path)
    run = ENGINE.prepare(options(tmp_path, "2021-10"))
    run.data.findings = pl.DataFrame({  # what the loader reports for an unknown key
        "file": ["corrections.csv", "dispatches.csv", "corrections.csv"],
        "sheet": [None, None, None], "row": [3, 5, None],
        "column": ["キー", "開始時刻", "Salesforce ID"], "value": ["D-99", "25:00", None],
        "table": ["corrections", "dispatches", "corrections"], "key": [None, "D-05", None],
        "rule_id": ["R-VAL-1", "R-VAL-1", "R-VAL-1"], "severity": ["error", "error", "warning"],
        "message_ja": ["キー: 表にこのキーの行はありません（適用しませんでした）", "時刻",
                       "契約にない列です（無視しました）"],  # a warning: no rejected correction
        "message_en": ["key: no row has this key (not applied)", "time", "not in the contract"]})
    archive.write_rejected(run, tmp_path)
    lines = (tmp_path / "corrections_rejected.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["ファイル,行,項目,値,ルールID,内容,内容（英語）",
                     "corrections.csv,3,キー,D-99,R-VAL-1,"
                     "キー: 表にこのキーの行はありません（適用しませんでした）,"
                     "key: no row has this key (not applied)"]

