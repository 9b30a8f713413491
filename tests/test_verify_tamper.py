"""`haken verify` (R-DATA-1, R-DATA-2): tamper evidence and the re-run, on the toy engine."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from haken_batch.cli.app import app
from haken_batch.verify import DIFFERS, SAME_CONTENT, verify_cycle, verify_path
from test_archive_fixture import ENGINE, settled


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return settled(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def out(pristine: Path, tmp_path: Path) -> Path:
    shutil.copytree(pristine, tmp_path / "out")
    return tmp_path / "out"


def flip(path: Path, offset: int = -20) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def named(report, path: str) -> bool:
    return any(p.path == path for c in report.cycles for p in c.problems)


def test_R_DATA_1_verify_passes_and_reproduces_every_output(out: Path) -> None:
    report = verify_path(out, engine=ENGINE)
    assert report.ok, report.to_json()
    assert [c.cycle for c in report.cycles] == ["2021-10", "2021-11"]
    statuses = {o.path: o.status for o in report.cycles[0].outputs}
    assert statuses["dispatches.csv"] == "identical"
    assert statuses["kpi_2021-10.xlsx"] == SAME_CONTENT  # save time differs, cells do not
    assert all(c.reran for c in report.cycles)


@pytest.mark.parametrize("rel", [
    "archive/inputs/dispatches.csv.zst",
    "archive/rules/parameters/fee.yaml",
    "archive/payer.yaml",
    "dispatches.csv",
    "zengin_20211119.txt",
    "manifest.json",
])
def test_R_DATA_2_one_edited_byte_is_named(out: Path, rel: str) -> None:
    flip(out / "2021-10" / rel)
    report = verify_path(out / "2021-10", engine=ENGINE)
    assert not report.ok
    assert named(report, rel), report.to_json()


def test_R_DATA_2_edited_output_shows_first_differing_field(out: Path) -> None:
    path = out / "2021-10" / "dispatches.csv"
    path.write_bytes(path.read_bytes().replace(b"D-01,E1,I1,2021-10-05,paid,15840",
                                               b"D-01,E1,I1,2021-10-05,paid,15841"))
    rep = verify_cycle(out / "2021-10", engine=ENGINE)
    diff = {o.path: o for o in rep.outputs}["dispatches.csv"]
    assert diff.status == DIFFERS
    assert "row 2 (key D-01), column fee: archived '15841' vs re-run '15840'" in diff.detail


def test_R_DATA_2_edited_manifest_of_earlier_cycle_breaks_the_chain(out: Path) -> None:
    flip(out / "2021-10" / "manifest.json", offset=-100)
    report = verify_path(out, engine=ENGINE)
    assert named(report, "manifest.json")
    later = report.cycles[1]
    assert any(p.kind == "chain" and p.path == "../2021-10/manifest.json" for p in later.problems)


def test_R_DATA_2_removed_cycle_breaks_the_chain(out: Path) -> None:
    shutil.rmtree(out / "2021-10")
    report = verify_path(out, rerun=False)
    assert not report.ok
    assert any(p.kind == "chain" for p in report.cycles[0].problems)


def test_R_DATA_2_added_and_removed_files_are_named(out: Path) -> None:
    (out / "2021-11" / "extra.csv").write_text("x\n")
    (out / "2021-11" / "lines.csv").unlink()
    rep = verify_cycle(out / "2021-11", rerun=False)
    kinds = {(p.path, p.kind) for p in rep.problems}
    assert ("extra.csv", "added") in kinds
    assert ("lines.csv", "missing") in kinds


def test_R_DATA_2_resealed_manifest_with_other_hash_is_caught_by_the_chain(out: Path) -> None:
    from haken_batch.manifest import sealed

    path = out / "2021-10" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["parameters"]["headers"] = "en"  # a forger who knows the seal
    path.write_bytes(sealed(manifest))
    report = verify_path(out, rerun=False)
    assert not report.cycles[0].problems  # the manifest alone looks fine …
    assert any(p.kind == "chain" for p in report.cycles[1].problems)  # … the chain does not


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_R_DATA_2_any_single_byte_flip_anywhere_is_named(pristine: Path, tmp_path: Path,
                                                        data: st.DataObject) -> None:
    work = tmp_path / f"h{data.draw(st.integers(0, 10**9))}"
    shutil.copytree(pristine, work)
    folder = work / "2021-10"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    rel = data.draw(st.sampled_from(files))
    size = (folder / rel).stat().st_size
    flip(folder / rel, data.draw(st.integers(0, size - 1)))
    report = verify_path(folder, rerun=False)
    assert not report.ok
    assert named(report, rel)
    shutil.rmtree(work)


def test_verify_cli_exit_codes(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "haken_batch.cycle", ENGINE)
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "検証成功" in ok.output
    flip(out / "2021-11" / "archive" / "inputs" / "experts.csv.zst")
    bad = runner.invoke(app, ["verify", str(out / "2021-11"), "--format", "json"])
    assert bad.exit_code == 1
    payload = json.loads(bad.output)
    assert payload["ok"] is False
    assert any(p["path"] == "archive/inputs/experts.csv.zst"
               for p in payload["cycles"][0]["problems"])
    missing = runner.invoke(app, ["verify", str(out / "nope")])
    assert missing.exit_code == 2
    empty = out / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["verify", str(empty)]).exit_code == 2


def test_malformed_or_escaping_manifest_is_reported_not_crashed(out: Path) -> None:
    from haken_batch.manifest import sealed

    path = out / "2021-11" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["previous"] = "2021-10"  # wrong shape, resealed
    path.write_bytes(sealed(manifest))
    rep = verify_cycle(out / "2021-11", engine=ENGINE)
    assert any(p.path == "manifest.json" and p.kind == "format" for p in rep.problems)
    manifest["previous"] = None
    manifest["rules"][0]["path"] = "archive/rules/../../../../etc/passwd"
    path.write_bytes(sealed(manifest))
    rep = verify_cycle(out / "2021-11", engine=ENGINE)
    assert not rep.ok
    assert any(p.kind == "rerun" and "not allowed" in p.detail for p in rep.problems)


def test_other_tool_code_is_a_note_not_a_failure(out: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from haken_batch import manifest

    monkeypatch.setattr(manifest, "code_digest", lambda: "f" * 64)
    rep = verify_cycle(out / "2021-10", engine=ENGINE)
    assert rep.ok, rep.problems
    assert any("code_sha256" in n and "→ ffffffffffff" in n for n in rep.notes)


def test_a_workbook_with_the_same_values_in_another_format_differs_under_the_same_tool(
        tmp_path: Path) -> None:
    """A number format that shows 9,999,999 over a cell holding 134,640 passed verify as
    identical_content (auditor check, session 18). Re-run by the tool that settled, every
    part of the workbook but its save time must agree; another tool may style it otherwise,
    so there the cell values decide as before."""
    from openpyxl import Workbook

    from haken_batch.verify import compare_file

    def book(path: Path, fmt: str) -> Path:
        wb = Workbook()
        ws = wb.active
        ws["C10"] = 134640
        ws["C10"].number_format = fmt
        wb.save(path)
        return path

    honest = book(tmp_path / "a.xlsx", "#,##0")
    forged = book(tmp_path / "b.xlsx", '"9,999,999"')
    again = book(tmp_path / "c.xlsx", "#,##0")
    strict = compare_file("kpi.xlsx", honest, forged, same_tool=True)
    assert strict.status == DIFFERS and "styles" in strict.detail
    assert compare_file("kpi.xlsx", honest, forged).status == SAME_CONTENT
    assert compare_file("kpi.xlsx", honest, again, same_tool=True).status in (
        "identical", SAME_CONTENT)


def test_R_DATA_2_a_difference_in_a_personal_column_is_shown_masked() -> None:
    """verify printed '保存 '1234568' / 再計算 '1234567'' of corrections_applied.csv, a whole
    account number, and rows of zengin_check.csv with names (auditor check, session 18):
    explain, zengin show and validate mask the same data."""
    from haken_batch.verify import first_csv_difference

    head = "連番,対象表,キー,項目,修正前の値,修正後の値\n"
    a = (head + "1,experts,E1,account_number,7654321,1234568\n").encode()
    b = (head + "1,experts,E1,account_number,7654321,1234567\n").encode()
    en, ja = first_csv_difference(a, b)
    assert "1234567" not in en + ja and "1234568" not in en + ja
    assert "'****568' / 再計算 '****567'" in ja
    check = "No,専門家ID,口座番号,受取人名,振込金額\n".encode()
    rows = check + "1,E1,1234567,ﾔﾏﾀﾞ ﾀﾛｳ,7643\n".encode()
    en, ja = first_csv_difference(check, rows)
    assert "1234567" not in ja and "ﾀﾛｳ" not in ja and "7643" in ja
    # a renamed header is shown as it is (every cycle settled before it was renamed showed
    # 'm**' / '内**': review, session 18)
    old = "ファイル,値,内容,message\n".encode()
    new = "ファイル,値,内容,内容（英語）\n".encode()
    _, ja = first_csv_difference(old, new)
    assert "保存 'message' / 再計算 '内容（英語）'" in ja
    # a money column keeps its figures
    pay = "専門家ID,振込額\n".encode()
    en, _ = first_csv_difference(pay + b"E1,7643\n", pay + b"E1,99999\n")
    assert "'7643' vs re-run '99999'" in en


def test_a_difference_is_keyed_by_the_rows_dispatch_not_its_cycle() -> None:
    """ledger.csv begins with the cycle, the same on every row: 「2 行目（キー 2021-08）」
    named nothing (lifecycle check, session 21)."""
    from haken_batch.verify import first_csv_difference

    head = "サイクル,派遣ID,専門家ID,合計\n"
    a = (head + "2021-08,D1,E1,5280\n2021-08,D2,E1,5280\n").encode()
    b = (head + "2021-08,D1,E1,5280\n2021-08,D2,E1,9999\n").encode()
    en, ja = first_csv_difference(a, b)
    assert "3 行目（キー D2）の列 合計" in ja and "row 3 (key D2)" in en
    payments = "専門家ID,振込額\nE7,1\n".encode()
    assert "キー E7" in first_csv_difference(payments, payments.replace(b",1", b",2"))[1]


def test_an_absolute_path_in_a_resealed_manifest_is_not_read(out: Path) -> None:
    """An input entry's path set to /etc/hostname made verify hash that file (auditor check,
    session 18): an absolute path is outside the archive, like one climbing out with '..'."""
    from haken_batch.manifest import sealed

    path = out / "2021-11" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.pop("seal", None)
    outside = "/etc/hostname" if Path("/etc/hostname").is_file() else "/etc/passwd"
    manifest["rules"][0]["path"] = outside
    path.write_bytes(sealed(manifest))
    rep = verify_cycle(out / "2021-11", rerun=False)
    named = [p for p in rep.problems if p.path == outside]
    assert named and named[0].kind == "missing"


def test_a_zengin_difference_names_its_record_and_field(tmp_path: Path) -> None:
    """'6832 バイト目から違います' left the auditor to count 122-byte records (auditor check,
    session 18): the record, its kind and the field are named; the values are not shown."""
    from haken_batch.verify import compare_file

    def record(kind: str, body: str) -> bytes:
        return (kind + body).ljust(120).encode("ascii") + b"\r\n"

    data = record("2", "0001") + record("2", "0005")
    forged = data[:122 + 80] + b"9" + data[122 + 81:]  # record 2, 振込金額 (byte 80)
    a, b = tmp_path / "zengin_20211119.txt", tmp_path / "r.txt"
    a.write_bytes(forged)
    b.write_bytes(data)
    got = compare_file("zengin_20211119.txt", a, b)
    assert got.status == DIFFERS
    assert ("レコード2（データレコード）の 振込金額（レコードの 80 バイト目）が違います"
            in got.detail_ja)
    assert "record 2 (data), field amount" in got.detail


def test_a_cycle_copied_alone_says_to_copy_the_whole_out(out: Path, tmp_path: Path) -> None:
    """A cycle folder copied without its OUT gave a wall of chain errors, one ending in
    'none' (auditor check, session 18): the first problem says what is needed."""
    import shutil

    lone = tmp_path / "lone"
    shutil.copytree(out / "2021-11", lone / "2021-11")
    rep = verify_cycle(lone / "2021-11", rerun=False)
    assert not rep.ok
    first = rep.problems[0]
    assert first.kind == "chain" and "OUT ごとコピーしてください" in first.detail_ja
    assert not any("none" in p.detail for p in rep.problems)


def test_another_commit_of_the_same_code_is_the_same_tool(out: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The commit says where the code is; a commit that changes no code (docs) is the same
    tool: no note, and workbooks are compared byte for byte but their save time."""
    from haken_batch import manifest

    monkeypatch.setattr(manifest, "source_commit", lambda: "0" * 40)
    rep = verify_cycle(out / "2021-10", engine=ENGINE)
    assert rep.ok, rep.problems
    assert not any("installed tool differs" in n for n in rep.notes), rep.notes


def test_the_note_of_other_code_names_the_commit_that_settled(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from haken_batch import manifest
    from haken_batch.manifest import sealed

    path = out / "2021-10" / "manifest.json"
    body = json.loads(path.read_text())
    body["tool"]["source_commit"] = "a" * 40
    path.write_bytes(sealed(body))
    monkeypatch.setattr(manifest, "code_digest", lambda: "f" * 64)
    rep = verify_cycle(out / "2021-10", engine=ENGINE)
    assert any(f"it was commit {'a' * 40} of the repository" in n for n in rep.notes)
    assert any(f"コミット {'a' * 40}" in n for n in rep.notes_ja)


def test_the_manifest_names_the_commit_of_the_checkout() -> None:
    import subprocess

    from haken_batch.manifest import source_commit, tool_versions

    repo = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert source_commit() == head
    assert tool_versions()["source_commit"] == head


def test_the_commit_is_read_loose_packed_detached_or_from_a_worktree(tmp_path: Path) -> None:
    from haken_batch.manifest import commit_of

    a, b = "a" * 40, "b" * 40
    root = tmp_path / "repo"
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (root / "pyproject.toml").write_text('name = "haken-batch"\n', encoding="utf-8")
    (git / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (git / "packed-refs").write_text(f"# pack-refs\n{b} refs/heads/main\n", encoding="utf-8")
    assert commit_of(root) == b  # a fresh clone packs its refs
    (git / "refs" / "heads" / "main").write_text(a + "\n", encoding="utf-8")
    assert commit_of(root) == a  # a loose ref wins over the packed one
    (git / "HEAD").write_text(b + "\n", encoding="utf-8")
    assert commit_of(root) == b  # detached
    tree = tmp_path / "worktree"
    (git / "worktrees" / "w").mkdir(parents=True)
    (git / "worktrees" / "w" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (git / "worktrees" / "w" / "commondir").write_text("../..\n", encoding="utf-8")
    tree.mkdir()
    (tree / "pyproject.toml").write_text('name = "haken-batch"\n', encoding="utf-8")
    (tree / ".git").write_text(f"gitdir: {git / 'worktrees' / 'w'}\n", encoding="utf-8")
    assert commit_of(tree) == a
    (root / "pyproject.toml").write_text('name = "other"\n', encoding="utf-8")
    assert commit_of(root) is None  # another project's checkout names nothing
    assert commit_of(tmp_path / "nowhere") is None


def test_a_manifest_nested_too_deeply_is_named_not_a_traceback(out: Path) -> None:
    """100,000 nested brackets made verify and explain end in a RecursionError (hostile
    check, session 22)."""
    (out / "2021-10" / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(app, ["verify", str(out)])
    assert result.exit_code == 1, result.output
    assert "入れ子が深すぎます" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, RecursionError)


def test_an_unreadable_record_of_settled_cycles_fails_verify(out: Path) -> None:
    """A line of garbage in .haken-history.csv stops the next settle, and verify said the
    chain was sound (hostile check, session 22)."""
    history = out / ".haken-history.csv"  # the toy engine keeps none: a record's header
    history.write_text("\ufeffevent,cycle,manifest_sha256,by\ngarbage\n", encoding="utf-8")
    report = verify_path(out, engine=ENGINE)
    assert not report.ok
    assert named(report, "../.haken-history.csv")


def test_a_packed_input_cut_short_is_named_as_the_archive_not_the_export(out: Path) -> None:
    """A truncated archive/inputs/*.zst unpacked to less without an error, and the re-run
    said 「ファイルが空です」 of the export (hostile check, session 22)."""
    packed = out / "2021-10" / "archive" / "inputs" / "dispatches.csv.zst"
    packed.write_bytes(packed.read_bytes()[: len(packed.read_bytes()) // 2])
    rep = verify_cycle(out / "2021-10", engine=ENGINE)
    said = " ".join(p.detail_ja for p in rep.problems)
    assert "archive/inputs/dispatches.csv.zst" in said and ("壊れています" in said
                                                             or "展開できません" in said), said
    assert "ファイルが空です" not in said


def test_an_out_with_only_a_settle_in_progress_says_so(tmp_path: Path) -> None:
    """verify on an OUT whose first settle runs (or died) said it was no output folder at
    all (hostile check, session 22)."""
    from haken_batch.verify import NotAnArchive

    out = tmp_path / "out"
    (out / ".tmp-2021-10-4242").mkdir(parents=True)
    with pytest.raises(NotAnArchive, match="stopped half-way"):
        verify_path(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotAnArchive, match="neither a settled cycle"):
        verify_path(empty)



def test_explain_during_a_settle_in_progress_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".tmp-2021-10-4242").mkdir(parents=True)
    result = CliRunner().invoke(app, ["explain", "D-1", "--out", str(out)])
    assert result.exit_code == 2 and "精算が実行中か" in result.output, result.output
