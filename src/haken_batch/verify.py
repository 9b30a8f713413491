"""`haken verify`: tamper evidence and re-run of archived cycles (R-DATA-1, R-DATA-2).

For each cycle: the manifest's seal and canonical form; every listed file's size and
SHA-256 (an archived input also after decompression); files added or removed; the chain
link to the previous cycle (and the next one's link to this); the closing record; then a
re-run of the settlement from the archive alone (``archive.restore`` + ``cycle.prepare`` +
``cycle.write_outputs`` in a scratch folder) with every output compared to the archived one:
byte-identical, or for a workbook identical cell values (xlsx bytes carry a save time), or
what differs (first differing row and field of a CSV, first differing byte otherwise).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from haken_batch import verify_fs
from haken_batch.errors import HakenError
from haken_batch.manifest import (
    CLOSED_FORMAT,
    CLOSED_NAME,
    FORMAT,
    MANIFEST_NAME,
    SOURCE_KEY,
    ManifestUnreadable,
    canonical,
    compared_tool,
    cycles_in,
    listed_files,
    read_json,
    seal_of,
    sha256_bytes,
    sha256_file,
)
from haken_batch.outdir import is_cycle_name
from haken_batch.privacy import mask_cell
from haken_batch.scratch import private_dir

IDENTICAL = "identical"
SAME_CONTENT = "identical_content"  # workbook: same sheets and cell values, other bytes
DIFFERS = "differs"
MISSING = "missing"  # archived output the re-run did not produce
EXTRA = "extra"  # produced by the re-run, not in the archive


@dataclass(frozen=True)
class Problem:
    cycle: str
    path: str  # the file named (relative to OUT/CYCLE), or "" for the cycle itself
    kind: str  # changed, missing, added, seal, chain, closed, rerun, …
    detail: str
    detail_ja: str = ""


@dataclass(frozen=True)
class OutputResult:
    path: str
    status: str
    detail: str = ""
    detail_ja: str = ""
    # differs in its wording columns only (a money CSV's notes): the money agrees; set for a
    # re-run by another tool, which may word a note otherwise (closing's --accept-other-tool)
    money_same: bool = False


@dataclass
class CycleReport:
    cycle: str
    closed: bool = False
    files_checked: int = 0
    reran: bool = False
    problems: list[Problem] = field(default_factory=list)
    outputs: list[OutputResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notes_ja: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(o.status in (IDENTICAL, SAME_CONTENT)
                                         for o in self.outputs)

    def add(self, path: str, kind: str, detail: str, detail_ja: str) -> None:
        self.problems.append(Problem(self.cycle, path, kind, detail, detail_ja))

    def note(self, detail: str, detail_ja: str) -> None:
        self.notes.append(detail)
        self.notes_ja.append(detail_ja)


@dataclass
class VerifyReport:
    root: Path
    cycles: list[CycleReport]

    @property
    def ok(self) -> bool:
        return bool(self.cycles) and all(c.ok for c in self.cycles)

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "ok": self.ok,
            "cycles": [
                {
                    "cycle": c.cycle, "ok": c.ok, "closed": c.closed, "reran": c.reran,
                    "files_checked": c.files_checked,
                    "problems": [p.__dict__ for p in c.problems],
                    "outputs": [o.__dict__ for o in c.outputs],
                    "notes": c.notes,
                    "notes_ja": c.notes_ja,
                }
                for c in self.cycles
            ],
        }


class NotAnArchive(HakenError):
    """The path is neither a cycle folder with a manifest nor an OUT folder of cycles."""


# ------------------------------------------------------------------------ entry points


def verify_path(path: Path, *, rerun: bool = True, engine: ModuleType | Any = None,
                keep: Path | None = None,
                progress: Callable[[str], None] | None = None) -> VerifyReport:
    """``OUT/CYCLE`` verifies one cycle (and its links); ``OUT`` every cycle and the chain.

    ``keep``: a folder to leave each re-run in (``keep/CYCLE``), for looking at differences.
    """
    path = Path(path)
    if path.name in (MANIFEST_NAME, CLOSED_NAME) and path.is_file():
        path = path.parent  # "verify OUT/2021-10/manifest.json" means the cycle it describes
    elif path.is_file():
        raise NotAnArchive(
            f"{path} はファイルです。サイクルのフォルダ（OUT/2021-10 など）か出力フォルダ（OUT）を"
            "指定してください",
            f"{path} is a file; give a cycle folder (OUT/CYCLE, e.g. OUT/2021-10) or the "
            "output folder OUT")
    if not path.is_dir():
        raise NotAnArchive(f"フォルダ {path} がありません", f"no folder {path}", where=str(path))
    tell = progress or (lambda _: None)
    # a settled cycle whose manifest was deleted is a failed check (exit 1), not "no archive"
    settled = is_cycle_name(path.name) and any(
        (path / name).is_file() for name in ("ledger.csv", "dispatches.csv", "payments.csv"))
    from haken_batch.history import HISTORY_NAME, missing_folders

    if keep is not None:
        _check_keep(Path(keep), path.parent if (path / MANIFEST_NAME).exists() or settled
                    else path)
    if (path / MANIFEST_NAME).exists() or settled:
        tell(path.name)
        rep = verify_cycle(path, rerun=rerun, engine=engine, keep=keep)
        # OUT's record of closings too: a cycle reopened by hand (its CLOSED.json removed)
        # passed when verified alone (auditor check, session 18)
        if any(e.cycle == path.name for e in missing_folders(path.parent)) \
                and (path / MANIFEST_NAME).is_file():
            _reopened(rep)
        return VerifyReport(path, [rep])

    cycles = cycles_in(path)
    gone = missing_folders(path)  # recorded as settled or closed, folder deleted or moved
    if not cycles and not gone:
        _refuse_unfinished(path)
        raise NotAnArchive(
            f"{path} は精算済みサイクルのフォルダでも出力フォルダでもありません"
            "（manifest.json なし）",
            f"{path} is neither a settled cycle (no manifest.json) nor an output folder of cycles",
            where=str(path),
        )
    # Each link is checked from the later cycle's side, so neighbours need not be.
    reports = []
    for c in cycles:
        tell(c)
        reports.append(verify_cycle(path / c, rerun=rerun, engine=engine, neighbours=False,
                                    keep=keep))
    for e in gone:
        if e.cycle in cycles:
            # the folder is there: its closing record was removed, or its manifest (which
            # its own report names already; it was listed again as a folder gone)
            if (path / e.cycle / MANIFEST_NAME).is_file():
                _reopened(next(r for r in reports if r.cycle == e.cycle))
            continue
        rep = CycleReport(e.cycle)
        rep.add(MANIFEST_NAME, "chain",
                f"{HISTORY_NAME} records {e.cycle} as {e.event} but its folder is gone "
                "(deleted or moved by hand; what it paid is missing from the ledger)",
                f"{HISTORY_NAME} には{'確定' if e.event == 'closed' else '精算'}済みと記録されて"
                "いますが、フォルダがありません（手で削除・移動された: 支払済みの記録が"
                "欠けています）")
        reports.append(rep)
    reports.sort(key=lambda r: r.cycle)
    _paid_twice(path, reports)
    _history_readable(path, reports)
    return VerifyReport(path, reports)


def _refuse_unfinished(out: Path) -> None:
    """An OUT whose first settle is running, or stopped half-way, has only its lock or its
    staged folder: said so, not 「出力フォルダでもありません」 (hostile check, session 22)."""
    from haken_batch.outdir import unfinished_run

    if unfinished_run(out):
        raise NotAnArchive(
            f"{out} では精算が実行中か、途中で止まっています（まだ精算済みのサイクルが"
            "ありません）。実行中なら終わってから、止まったなら精算し直してから検証してください",
            f"{out} has a settle running or stopped half-way (no settled cycle yet); verify "
            "once it has finished, or after settling again", where=str(out))


def _history_readable(out: Path, reports: list[CycleReport]) -> None:
    """OUT's record of settled cycles must read: settle stops on one it cannot read, and
    verify said 「チェーン健全」 over a line of garbage in it (hostile check, session 22).
    Told on the latest cycle, the one the next settle chains from."""
    from haken_batch.errors import CycleError
    from haken_batch.history import HISTORY_NAME, read

    try:
        read(out)
    except CycleError:
        if reports:
            reports[-1].add(f"../{HISTORY_NAME}", "chain",
                            f"OUT's record of settled cycles ({HISTORY_NAME}) cannot be read "
                            "(edited by hand?); the next settle stops on it",
                            f"出力フォルダの精算の記録（{HISTORY_NAME}）が読めません（手で編集"
                            "された？）。次の精算はこれで止まります")


_NAMED = 5  # dispatches named in one problem; the count says how many more


def _paid_twice(out: Path, reports: list[CycleReport]) -> None:
    """A dispatch in the ledgers of two cycles was paid twice (R-PAY-1): named on the later
    cycle. Each cycle alone verified, and the chain's break was the only word after a
    folder moved away and back had let the next cycle pay its dispatches again (lifecycle
    check, session 21). A ledger that cannot be read is its own cycle's problem already."""
    import polars as pl

    from haken_batch.archive import LEDGER_NAME
    from haken_batch.ledger import read_ledger

    frames = []
    for rep in reports:
        try:
            frames.append(read_ledger(out / rep.cycle / LEDGER_NAME)
                          .select("dispatch_id", pl.lit(rep.cycle).alias("paid_in")))
        except (HakenError, OSError):
            continue
    if not frames:
        return
    twice = (pl.concat(frames).group_by("dispatch_id")
             .agg(pl.col("paid_in").unique().sort())
             .filter(pl.col("paid_in").list.len() > 1)
             .with_columns(pl.col("paid_in").list.last().alias("later"))
             .sort("later", "dispatch_id"))
    by_cycle = {r.cycle: r for r in reports}
    for later, group in twice.group_by("later", maintain_order=True):
        rows = group.rows()
        shown = [f"{d} ({' / '.join(c)})" for d, c, _ in rows[:_NAMED]]
        more_en = f" and {len(rows) - _NAMED} more" if len(rows) > _NAMED else ""
        more_ja = f" ほか {len(rows) - _NAMED} 件" if len(rows) > _NAMED else ""
        by_cycle[str(later[0])].add(
            LEDGER_NAME, "paid_twice",
            (f"{len(rows)} dispatches are in the ledger of another cycle too, so were paid "
             if len(rows) > 1 else "1 dispatch is in the ledger of another cycle too, so was "
             "paid ") + f"twice (R-PAY-1): {', '.join(shown)}{more_en}",
            f"{len(rows)} 件の派遣が別のサイクルの台帳にもあり、二重に支払われています"
            f"（R-PAY-1）: {'、'.join(shown)}{more_ja}")


def _reopened(rep: CycleReport) -> None:
    from haken_batch.history import HISTORY_NAME

    rep.add(CLOSED_NAME, "chain",
            f"{HISTORY_NAME} records {rep.cycle} as closed but {CLOSED_NAME} is gone "
            "(a closed cycle was reopened by hand)",
            f"{HISTORY_NAME} には確定済みと記録されていますが {CLOSED_NAME} が"
            "ありません（確定したサイクルが手で開け直されています）")


def verify_cycle(folder: Path, *, rerun: bool = True, engine: Any = None,
                 neighbours: bool = True, keep: Path | None = None) -> CycleReport:
    folder = Path(folder)
    rep = CycleReport(folder.name)
    try:
        manifest, raw = read_json(folder / MANIFEST_NAME)
    except ManifestUnreadable as exc:
        rep.add(MANIFEST_NAME, "unreadable", exc.en, exc.ja)
        return rep
    try:
        _check_manifest_form(rep, manifest, raw)
        _check_files(rep, folder, manifest)
        _check_chain(rep, folder, manifest)
        _check_previous_ledgers(rep, folder, manifest)
        _check_closed(rep, folder, raw)
        if neighbours:
            _check_next_link(rep, folder, raw)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # a manifest that parses but has the wrong shape was edited (its seal says so too)
        rep.add(MANIFEST_NAME, "format", f"malformed manifest ({type(exc).__name__}: {exc})",
                f"マニフェストの形が不正です（{type(exc).__name__}: {exc}）")
        return rep
    if rerun:
        _rerun(rep, folder, manifest, engine, keep)
    return rep


# ------------------------------------------------------------------------- the checks


def _check_manifest_form(rep: CycleReport, manifest: dict[str, Any], raw: bytes) -> None:
    if manifest.get("format") != FORMAT:
        rep.add(MANIFEST_NAME, "format", f"unknown manifest format {manifest.get('format')!r}",
                f"マニフェストの形式 {manifest.get('format')!r} は知らない形式です")
    if manifest.get("seal") != seal_of(manifest):
        rep.add(MANIFEST_NAME, "seal",
                "the manifest was edited: its seal does not match its content",
                "マニフェストが編集されています: 封印（seal）が内容と合いません")
    elif canonical(manifest) != raw:
        rep.add(MANIFEST_NAME, "seal",
                "the manifest was edited: bytes differ from its canonical form",
                "マニフェストが編集されています: バイトが正規の形と違います")
    if manifest.get("cycle") != rep.cycle:
        rep.add(MANIFEST_NAME, "cycle",
                f"manifest is for cycle {manifest.get('cycle')!r}, folder is {rep.cycle}",
                f"マニフェストはサイクル {manifest.get('cycle')!r} のもので、"
                f"フォルダは {rep.cycle} です")


def _check_files(rep: CycleReport, folder: Path, manifest: dict[str, Any]) -> None:
    from haken_batch.archive import ArchiveError, unpack

    listed: set[str] = set()
    for entry in listed_files(manifest):
        rel = str(entry.get("path", ""))
        listed.add(rel)
        path = folder / rel
        # an absolute path or one climbing out read a file outside the archive (auditor
        # check, session 18: /etc/hostname was hashed): not a file of the folder
        outside = not rel or Path(rel).is_absolute() or ".." in Path(rel).parts
        if not outside and verify_fs.linked(folder, rel):
            continue  # a link in its place: check_entries names it (its copy would hash equal)
        if outside or not path.is_file():
            rep.add(rel or "(空)", "missing", "listed in the manifest but not in the folder",
                    "マニフェストにありますが、フォルダにありません")
            continue
        rep.files_checked += 1
        size, digest = path.stat().st_size, sha256_file(path)
        if size != entry.get("size") or digest != entry.get("sha256"):
            rep.add(rel, "changed",
                    f"size {size} sha256 {digest[:16]}… but the manifest says "
                    f"size {entry.get('size')} sha256 {str(entry.get('sha256'))[:16]}…",
                    f"サイズ {size}・SHA-256 {digest[:16]}… ですが、マニフェストでは "
                    f"サイズ {entry.get('size')}・SHA-256 {str(entry.get('sha256'))[:16]}… です")
            continue
        original = entry.get("original")
        if original:
            try:
                data = unpack(path)
            except ArchiveError as exc:
                rep.add(rel, "changed", f"archived input: {exc.en}", f"保存した入力: {exc.ja}")
                continue
            if sha256_bytes(data) != original.get("sha256") or len(data) != original.get("size"):
                rep.add(rel, "changed",
                        f"content differs from the input {original.get('name')} as read",
                        f"読み込んだ入力 {original.get('name')} と内容が違います")
    verify_fs.check_entries(folder, listed, (MANIFEST_NAME, CLOSED_NAME), rep.add)
    verify_fs.check_modes(folder, rep.add, rep.note)


def _check_chain(rep: CycleReport, folder: Path, manifest: dict[str, Any]) -> None:
    out = folder.parent
    earlier = [c for c in cycles_in(out) if c < rep.cycle]
    link = manifest.get("previous")
    if link is None:
        if earlier:
            rep.add(MANIFEST_NAME, "chain",
                    f"the manifest names no previous cycle, but {earlier[-1]} precedes it in OUT",
                    f"マニフェストに前のサイクルがありませんが、出力フォルダでは {earlier[-1]} が"
                    "前にあります")
        return
    prev = str(link.get("cycle"))
    if not earlier:
        # a cycle folder copied alone (auditor check, session 18: a wall of errors, "none")
        rep.add(MANIFEST_NAME, "chain",
                f"the previous cycle {prev} is not beside it: a cycle is verified within its "
                f"output folder (OUT), whose earlier cycles' ledgers its re-run needs; copy "
                "the whole OUT",
                f"前のサイクル {prev} が隣にありません。サイクルは出力フォルダ（OUT）の中で"
                "検証します（再計算に以前のサイクルの台帳が要ります）。OUT ごとコピーして"
                "ください")
        return
    if earlier[-1] != prev:
        found = earlier[-1]
        rep.add(MANIFEST_NAME, "chain",
                f"the previous cycle should be {prev} but OUT has {found} before {rep.cycle}",
                f"前のサイクルは {prev} のはずですが、出力フォルダで {rep.cycle} の前にあるのは "
                f"{found} です")
        if not (out / prev / MANIFEST_NAME).is_file():
            return
    prev_manifest = out / prev / MANIFEST_NAME
    if not prev_manifest.is_file():
        rep.add(f"../{prev}/{MANIFEST_NAME}", "chain", "the previous cycle's manifest is missing",
                "前のサイクルのマニフェストがありません")
        return
    if sha256_file(prev_manifest) != link.get("manifest_sha256"):
        rep.add(f"../{prev}/{MANIFEST_NAME}", "chain",
                f"the previous cycle's manifest is not the one {rep.cycle} was settled after",
                f"前のサイクルのマニフェストが、{rep.cycle} を精算したときのものではありません")
    closed_hash = link.get("closed_sha256")
    if closed_hash:
        closed = out / prev / CLOSED_NAME
        if not closed.is_file() or sha256_file(closed) != closed_hash:
            rep.add(f"../{prev}/{CLOSED_NAME}", "chain",
                    "the previous cycle's closing record is missing or not the one named",
                    "前のサイクルの確定記録がないか、記録されたものと違います")


def _check_next_link(rep: CycleReport, folder: Path, raw: bytes) -> None:
    later = [c for c in cycles_in(folder.parent) if c > rep.cycle]
    if not later:
        return
    nxt = folder.parent / later[0] / MANIFEST_NAME
    try:
        nxt_manifest, _ = read_json(nxt)
    except ManifestUnreadable:
        rep.add(f"../{later[0]}/{MANIFEST_NAME}", "chain",
                "the next cycle's manifest is unreadable", "次のサイクルのマニフェストが読めません")
        return
    link = nxt_manifest.get("previous") or {}
    if link.get("cycle") != rep.cycle or link.get("manifest_sha256") != sha256_bytes(raw):
        rep.add(MANIFEST_NAME, "chain",
                f"the next cycle {later[0]} names another manifest: "
                "this one was changed or replaced",
                f"次のサイクル {later[0]} は別のマニフェストを指しています: "
                "このマニフェストは変更されたか置き換えられています")


def _check_previous_ledgers(rep: CycleReport, folder: Path, manifest: dict[str, Any]) -> None:
    """The earlier ledgers, and their records of exclusions and lists of holds where the
    manifest names one, byte for byte as settled against."""
    from haken_batch.archive import EXCLUDED_NAME, HOLDS_NAME, LEDGER_NAME

    for led in manifest.get("previous_ledgers") or []:
        files = [(LEDGER_NAME, "sha256", "ledger", "支払台帳")]
        if "excluded_sha256" in led:  # manifests before excluded.csv existed have none
            files.append((EXCLUDED_NAME, "excluded_sha256", "record of exclusions", "対象外の記録"))
        if "holds_sha256" in led:  # nor before holds.csv was read back (保留開始)
            files.append((HOLDS_NAME, "holds_sha256", "list of holds", "保留一覧"))
        for name, key, what, what_ja in files:
            path = folder.parent / str(led.get("cycle")) / name
            if not path.is_file():
                rep.add(f"../{led.get('cycle')}/{name}", "chain",
                        f"an earlier {what} this cycle was settled against is missing",
                        f"このサイクルの精算に使った以前の{what_ja}（{name}）がありません")
            elif sha256_file(path) != led.get(key):
                rep.add(f"../{led.get('cycle')}/{name}", "chain",
                        f"an earlier {what} differs from the one this cycle was settled against",
                        f"以前の{what_ja}（{name}）が、このサイクルの精算に使ったものと違います")


def check_closed_record(folder: Path, manifest_raw: bytes) -> list[tuple[str, str, str]]:
    """Problems (kind, detail, detail_ja) of ``CLOSED.json`` (empty when fine or absent)."""
    path = folder / CLOSED_NAME
    if not path.exists():
        return []
    try:
        record, raw = read_json(path)
    except ManifestUnreadable as exc:
        return [("unreadable", exc.en, exc.ja)]
    found = []
    if record.get("format") != CLOSED_FORMAT:
        found.append(("format", f"unknown closing format {record.get('format')!r}",
                      f"確定記録の形式 {record.get('format')!r} は知らない形式です"))
    if record.get("seal") != seal_of(record) or canonical(record) != raw:
        found.append(("seal", "the closing record was edited: its seal does not match",
                      "確定記録が編集されています: 封印（seal）が合いません"))
    if record.get("cycle") != folder.name:
        found.append(("closed", f"closing record is for {record.get('cycle')!r}",
                      f"確定記録はサイクル {record.get('cycle')!r} のものです"))
    if record.get("manifest_sha256") != sha256_bytes(manifest_raw):
        found.append(("closed", "manifest.json changed after the cycle was closed",
                      "確定の後に manifest.json が変更されています"))
    prev = record.get("previous_closed")
    if prev:
        other = folder.parent / str(prev.get("cycle")) / CLOSED_NAME
        if not other.is_file() or sha256_file(other) != prev.get("sha256"):
            found.append(("chain", f"the closing record of {prev.get('cycle')} it names is "
                                   "missing or changed",
                          f"この確定記録が指す {prev.get('cycle')} の確定記録がないか、"
                          "変更されています"))
    return found


def _check_closed(rep: CycleReport, folder: Path, manifest_raw: bytes) -> None:
    rep.closed = (folder / CLOSED_NAME).exists()
    for kind, detail, detail_ja in check_closed_record(folder, manifest_raw):
        rep.add(CLOSED_NAME, kind, detail, detail_ja)


# ------------------------------------------------------------------------------ re-run


def _engine(engine: Any) -> Any:
    if engine is not None:
        return engine
    import importlib

    return importlib.import_module("haken_batch.cycle")


KEEP_MARK = ".haken-verify-keep"  # in each KEEP/CYCLE verify made: only those it replaces


def _check_keep(keep: Path, out: Path) -> None:
    """``verify --keep KEEP`` writes KEEP/CYCLE and replaces one an earlier verify --keep
    made there. It removed whatever was at KEEP/CYCLE: ``--keep OUT`` emptied a closed
    cycle (hostile check, session 22). So KEEP may not be OUT, inside it, an OUT of its
    own or inside one (``--keep OTHER/2021-10`` put a folder into another OUT's sealed
    cycle), and a KEEP/CYCLE that verify did not make is not touched."""
    from haken_batch.outdir import in_output_folder

    where, root = keep.resolve(), out.resolve()
    if where == root or root in where.parents or where in root.parents:
        raise HakenError(
            f"{keep} は検証する出力フォルダ {out} と重なっています。別の空のフォルダを"
            "指定してください（再計算の結果がサイクルのファイルを上書きしないように）",
            f"{keep} overlaps the output folder {out} being verified; give another, "
            "empty folder (the re-run must not overwrite a cycle's files)", where="--keep")
    if in_output_folder(keep, not_a_cycle_mark=KEEP_MARK):
        raise HakenError(
            f"{keep} は精算の出力フォルダ（またはその中）です。再計算の作業用に別の空の"
            "フォルダを指定してください",
            f"{keep} is (or is inside) an output folder of settled cycles; give another, "
            "empty folder for the re-runs", where="--keep")
    taken = sorted(c.name for c in keep.iterdir() if is_cycle_name(c.name)
                   and not (c / KEEP_MARK).exists()) if keep.is_dir() else []
    if taken:
        raise HakenError(
            f"{keep} に verify が作ったのではない {taken[0]} があります。"
            "別の空のフォルダを指定してください（中のファイルは消しません）",
            f"{keep} holds {taken[0]}, which verify did not make; give another, empty "
            "folder (its files are left alone)", where="--keep")


def _rerun(rep: CycleReport, folder: Path, manifest: dict[str, Any], engine: Any,
           keep: Path | None = None) -> None:
    from haken_batch.archive import name_archived_place, restore

    with private_dir("verify") as tmp:
        work = Path(tmp)
        if keep is not None:
            work = Path(keep) / folder.name
            if work.exists() and not (work / KEEP_MARK).exists():  # _check_keep said so
                raise HakenError(f"{work} は verify が作ったフォルダではありません",
                                 f"{work} was not made by verify", where="--keep")
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            (work / KEEP_MARK).write_bytes(b"")
        try:
            eng = _engine(engine)
            options = restore(folder, work)
            # the follow-ups read the other cycles of OUT, which a re-run has not: the
            # archived ones (sealed in the manifest) are what the outputs printed from them
            # (the month's tax total on withholding_summary.pdf)
            run = dataclasses.replace(eng.prepare(options),
                                      followups=tuple(manifest.get("followups") or ()))
            result = work / "result"
            result.mkdir()
            eng.write_outputs(run, result)
        except HakenError as exc:
            # the archived file named where it lies; a scratch path would be gone
            where = f"{exc.where}: " if name_archived_place(exc, work, folder) else ""
            ja, en = _altered_first(rep)
            rep.add("", "rerun", f"the re-run failed: {where}{exc.en}{en}",
                    f"{ja}再計算できませんでした: {where}{exc.ja}")
            return
        except FileNotFoundError as exc:  # e.g. an earlier cycle's ledger.csv deleted
            rep.add("", "rerun", f"the re-run failed: a file it needs is missing: {exc.filename}",
                    f"再計算できませんでした: 必要なファイル {exc.filename} がありません")
            return
        except (OSError, KeyError, TypeError, ValueError, ImportError, AttributeError) as exc:
            ja, en = _altered_first(rep)
            rep.add("", "rerun", f"the re-run failed: {type(exc).__name__}: {exc}{en}",
                    f"{ja}再計算できませんでした（{type(exc).__name__}: {exc}）")
            return
        rep.reran = True
        _compare_outputs(rep, folder, result, manifest)


def _altered_first(rep: CycleReport) -> tuple[str, str]:
    """(ja lead, en tail) when an archived file was found altered above: it is what the
    re-run choked on, said so (a JSON error alone named no cause)."""
    if any((p.path or "").startswith("archive/") for p in rep.problems):
        return ("上記のアーカイブのファイルが改変されているため、",
                "; the altered archive files above are the likely cause")
    return "", ""


def _compare_outputs(rep: CycleReport, folder: Path, result: Path,
                     manifest: dict[str, Any]) -> None:
    archived = {e["path"] for e in manifest.get("outputs") or []}
    try:
        regenerated, _ = read_json(result / MANIFEST_NAME)
    except ManifestUnreadable:
        rep.add(MANIFEST_NAME, "rerun", "the re-run wrote no manifest",
                "再計算がマニフェストを書きませんでした")
        return
    produced = {e["path"] for e in regenerated.get("outputs") or []}
    same_tool = compared_tool(manifest) == compared_tool(regenerated)
    for rel in sorted(archived | produced):
        if rel not in produced:
            rep.outputs.append(OutputResult(rel, MISSING, "the re-run did not produce it",
                                            "再計算では作られませんでした"))
        elif rel not in archived:
            rep.outputs.append(OutputResult(rel, EXTRA, "the re-run produced it; not archived",
                                            "再計算だけが作りました（保存されていません）"))
        elif not (folder / rel).is_file():
            rep.outputs.append(OutputResult(rel, MISSING, "archived file is gone",
                                            "保存した出力がありません"))
        else:
            found = compare_file(rel, folder / rel, result / rel, same_tool=same_tool)
            if not same_tool and found.status == DIFFERS and rel in _WORDING_COLUMNS:
                found = dataclasses.replace(found, money_same=_same_but(
                    folder / rel, result / rel, _WORDING_COLUMNS[rel]))
            rep.outputs.append(found)
    _compare_manifests(rep, manifest, regenerated)


# the columns of a money CSV that only word what the others compute: a new version may
# word a note otherwise (yen written 5,280 since session 19) while every yen agrees
_WORDING_COLUMNS = {"lines.csv": frozenset({"備考", "note"})}


def _same_but(archived: Path, rerun: Path, wording: frozenset[str]) -> bool:
    """The two CSVs hold the same rows once their ``wording`` columns are set aside."""
    def rows(path: Path) -> list[list[str]] | None:
        table = _csv_rows(path.read_bytes())
        if not table:
            return None
        keep = [j for j, name in enumerate(table[0]) if name not in wording]
        return [[row[j] if j < len(row) else "" for j in keep] for row in table]

    a = rows(archived)
    return a is not None and a == rows(rerun)


def _compare_manifests(rep: CycleReport, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The re-run's manifest must say the same about parameters, inputs, rules and chain."""
    for key in ("cycle", "parameters", "settlement", "previous", "previous_ledgers"):
        if old.get(key) != new.get(key):
            rep.add(MANIFEST_NAME, "rerun", f"the re-run's {key!r} differs: "
                    f"archived {old.get(key)!r} vs re-run {new.get(key)!r}",
                    f"再計算の {key!r} が違います: 保存 {old.get(key)!r} / 再計算 {new.get(key)!r}")

    def originals(m: dict[str, Any]) -> list[Any]:
        return [(e.get("original"), e.get("tables")) for e in m.get("inputs") or []]

    def hashes(m: dict[str, Any], key: str) -> list[Any]:
        entries = m.get(key) or []
        entries = [entries] if isinstance(entries, dict) else entries
        return [(e.get("path"), e.get("sha256")) for e in entries]

    if originals(old) != originals(new):
        rep.add(MANIFEST_NAME, "rerun", "the re-run read other inputs than the archived ones",
                "再計算が保存した入力と違う入力を読みました")
    for key in ("rules", "payer", "bank_master"):
        if hashes(old, key) != hashes(new, key):
            rep.add(MANIFEST_NAME, "rerun", f"the re-run's {key} differ from the archived ones",
                    f"再計算の {key} が保存したものと違います")
    old_t, new_t = compared_tool(old), compared_tool(new)
    if old_t != new_t:
        diffs = []
        for key in sorted(set(old_t) | set(new_t)):
            a, b = old_t.get(key), new_t.get(key)
            if key == "libraries" and isinstance(a, dict) and isinstance(b, dict):
                diffs += [f"{lib} {a.get(lib)} → {b.get(lib)}" for lib in sorted(set(a) | set(b))
                          if a.get(lib) != b.get(lib)]
            elif a != b:
                short = (lambda v: str(v)[:12]) if key == "code_sha256" else str
                diffs.append(f"{key} {short(a)} → {short(b)}")
        commit = (old.get("tool") or {}).get(SOURCE_KEY)
        where_en = (f" (it was commit {commit} of the repository: docs/audit.md)" if commit
                    else "")
        where_ja = (f"（精算したのはリポジトリのコミット {commit} です: docs/audit.md）"
                    if commit else "")
        rep.notes.append("the installed tool differs from the one that settled the cycle: "
                         + "; ".join(diffs) + where_en)
        rep.notes_ja.append("インストールされているツールが、このサイクルを精算したものと違います: "
                            + "; ".join(diffs) + where_ja)


# -------------------------------------------------------------------------- comparing


def compare_file(rel: str, archived: Path, rerun: Path, *, same_tool: bool = False
                 ) -> OutputResult:
    """``same_tool``: the re-run's tool and libraries are the ones that settled, so a
    workbook must agree in every part but its save time, not only in its cell values."""
    a, b = archived.read_bytes(), rerun.read_bytes()
    if a == b:
        return OutputResult(rel, IDENTICAL)
    suffix = archived.suffix.lower()
    if suffix == ".csv" and _resaved(a, b):
        # opened and saved again in Excel: Shift_JIS now, the headers read as mojibake
        return OutputResult(rel, DIFFERS,
                            "the file is no longer UTF-8 (saved again in Excel or the like?); "
                            "the re-run (verify --keep DIR) writes the original",
                            "文字コードが UTF-8 ではなくなっています（Excel などで保存し直した"
                            "可能性）。元のファイルは verify --keep 作業フォルダ の再計算で"
                            "作れます")
    if suffix == ".csv":
        return OutputResult(rel, DIFFERS, *first_csv_difference(a, b))
    if suffix == ".xlsx":
        detail = first_xlsx_difference(a, b)
        if detail is None and same_tool:
            # a number format showing another figure passed as the same values
            # (auditor check, session 18): the parts other than the save time must agree
            detail = _xlsx_parts_difference(a, b)
        if detail is None:
            return OutputResult(rel, SAME_CONTENT, "same sheets and cell values",
                                "シートとセルの値が同じです")
        return OutputResult(rel, DIFFERS, *detail)
    offset = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                  min(len(a), len(b)))
    if suffix == ".txt" and archived.name.startswith("zengin_"):
        where = _zengin_place(b, offset)
        if where is not None:  # an auditor reads a record and field, not a byte offset
            en, ja = where
            return OutputResult(rel, DIFFERS, f"{en} differs (file byte {offset}; sizes "
                                f"{len(a)} vs {len(b)})",
                                f"{ja}が違います（ファイル先頭から {offset} バイト目、"
                                f"サイズ {len(a)} / {len(b)}）")
    return OutputResult(rel, DIFFERS, f"first differing byte at offset {offset} "
                        f"(sizes {len(a)} vs {len(b)})",
                        f"{offset} バイト目から違います（サイズ {len(a)} / {len(b)}）")


def _zengin_place(data: bytes, offset: int) -> tuple[str, str] | None:
    """(English, Japanese) record and field of ``offset`` in a Zengin file laid out as the
    re-run's ``data`` (values are not shown: an account, a name)."""
    from haken_batch.zengin_format import CRLF, LAYOUTS, RECORD_LEN, RECORD_NAMES

    stride = RECORD_LEN + (len(CRLF) if data[RECORD_LEN:RECORD_LEN + 2] == CRLF else 0)
    record, pos = divmod(offset, stride)
    start = record * stride
    if start >= len(data) or pos >= RECORD_LEN:
        return None
    kind = chr(data[start])
    field = next((f for f in LAYOUTS.get(kind, ()) if f.offset <= pos < f.end), None)
    if field is None:
        return None
    name = RECORD_NAMES.get(kind, kind)
    kind_en = {"1": "header", "2": "data", "8": "trailer", "9": "end"}.get(kind, kind)
    return (f"record {record + 1} ({kind_en}), field {field.key} (byte {pos} of the record)",
            f"レコード{record + 1}（{name}レコード）の {field.label}（レコードの {pos} バイト目）")


def _resaved(archived: bytes, rerun: bytes) -> bool:
    """The archived CSV is no longer UTF-8 while the re-run's is."""
    try:
        rerun.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        archived.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig", errors="replace")
    return list(csv.reader(io.StringIO(text)))


def first_csv_difference(a: bytes, b: bytes) -> tuple[str, str]:
    """The first difference of two CSV files, (English, Japanese)."""
    ra, rb = _csv_rows(a), _csv_rows(b)
    header = ra[0] if ra else []
    for i in range(max(len(ra), len(rb))):
        if i >= len(ra):
            return (f"row {i + 1}: only in the re-run ({_short(rb[i], header)})",
                    f"{i + 1} 行目: 再計算にだけあります（{_short(rb[i], header)}）")
        if i >= len(rb):
            return (f"row {i + 1}: only in the archive ({_short(ra[i], header)})",
                    f"{i + 1} 行目: 保存した側にだけあります（{_short(ra[i], header)}）")
        if ra[i] != rb[i]:
            for j in range(max(len(ra[i]), len(rb[i]))):
                x = ra[i][j] if j < len(ra[i]) else "∅"
                y = rb[i][j] if j < len(rb[i]) else "∅"
                if x != y:
                    col = header[j] if j < len(header) else f"#{j + 1}"
                    key = _row_key(ra[i], header) if i else "-"  # the header row: no key
                    if i and col in _PERSONAL_COLUMNS:  # an account number, a name: masked
                        # (not the header row itself: a renamed header is no personal data)
                        x, y = mask_cell(x), mask_cell(y)
                    return (f"row {i + 1} (key {key}), column {col}: "
                            f"archived {x!r} vs re-run {y!r}",
                            f"{i + 1} 行目（キー {key}）の列 {col}: "
                            f"保存 {x!r} / 再計算 {y!r}")
    return ("same rows and fields; bytes differ (line ends, BOM or quoting)",
            "行と値は同じで、バイトが違います（改行・BOM・引用符）")


# the columns that name a row, first found wins: ledger.csv and audit_sample.csv begin
# with the cycle, the same on every row ("2 行目（キー 2021-08）": lifecycle check, s21)
_KEY_COLUMNS = ("派遣ID", "dispatch_id", "専門家ID", "expert_id")


def _row_key(row: list[str], header: list[str]) -> str:
    for name in _KEY_COLUMNS:
        if name in header and header.index(name) < len(row):
            return row[header.index(name)]
    return row[0] if row else ""


# the output columns that may hold personal data (either header language): a difference
# in them is shown masked, as explain and zengin show do (auditor check, session 18)
_PERSONAL_COLUMNS = frozenset({
    "修正前の値", "修正後の値", "理由", "値", "内容", "口座番号", "受取人名",
    "old", "new", "reason", "value", "message", "account_number", "payee_name"})


def _short(row: list[str], header: list[str]) -> str:
    text = ",".join(mask_cell(v) if j < len(header) and header[j] in _PERSONAL_COLUMNS else v
                    for j, v in enumerate(row))
    return text if len(text) <= 60 else text[:57] + "…"


def _xlsx_values(data: bytes) -> list[tuple[str, list[tuple[Any, ...]]]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)])
                for ws in wb.worksheets]
    finally:
        wb.close()


# the workbook's parts that carry its save time (docProps/core.xml: created, modified)
_XLSX_TIMED = frozenset({"docProps/core.xml"})


def _xlsx_parts_difference(a: bytes, b: bytes) -> tuple[str, str] | None:
    """None when both workbooks' zip parts agree byte for byte, the save time aside; else
    the first part that differs (its formats, styles or layout), (English, Japanese)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
            names_a, names_b = sorted(za.namelist()), sorted(zb.namelist())
            if names_a != names_b:
                return ("workbook parts differ", "ブックの構成部品が違います")
            for name in names_a:
                if name not in _XLSX_TIMED and za.read(name) != zb.read(name):
                    return (f"same cell values, but part {name} differs (number formats, "
                            "styles or layout)",
                            f"セルの値は同じですが、{name} が違います（表示形式・書式・配置など）")
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        return (f"workbook unreadable ({type(exc).__name__})",
                f"ブックが読めません（{type(exc).__name__}）")
    return None


def first_xlsx_difference(a: bytes, b: bytes) -> tuple[str, str] | None:
    """None when both workbooks have the same sheets and cell values; else the first
    difference, (English, Japanese)."""
    try:
        wa, wb = _xlsx_values(a), _xlsx_values(b)
    except Exception as exc:  # a corrupt workbook is a difference, named
        return (f"workbook unreadable ({type(exc).__name__})",
                f"ブックが読めません（{type(exc).__name__}）")
    if [t for t, _ in wa] != [t for t, _ in wb]:
        return (f"sheets differ: {[t for t, _ in wa]} vs {[t for t, _ in wb]}",
                f"シートが違います: {[t for t, _ in wa]} / {[t for t, _ in wb]}")
    from openpyxl.utils import get_column_letter

    for (title, rows_a), (_, rows_b) in zip(wa, wb, strict=True):
        for i in range(max(len(rows_a), len(rows_b))):
            ra = rows_a[i] if i < len(rows_a) else ()
            rb = rows_b[i] if i < len(rows_b) else ()
            for j in range(max(len(ra), len(rb))):
                x = ra[j] if j < len(ra) else None
                y = rb[j] if j < len(rb) else None
                if x != y:
                    cell = f"{get_column_letter(j + 1)}{i + 1}"
                    # a company's name or phone: text is masked, figures are shown
                    x, y = (mask_cell(v) if isinstance(v, str) else v for v in (x, y))
                    return (f"sheet {title}, cell {cell}: archived {x!r} vs re-run {y!r}",
                            f"シート {title} のセル {cell}: 保存 {x!r} / 再計算 {y!r}")
    return None
