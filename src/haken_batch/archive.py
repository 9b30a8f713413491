"""Archive of a cycle (R-DATA-1): everything needed to redo it, then ``manifest.json`` last.

Layout inside ``OUT/CYCLE/``::

    archive/inputs/<file>.zst  each export exactly as read (deterministic zstd, level 1:
                               fast at 1,000,000 dispatches; archives before 2026-11-26
                               hold deterministic gzip ``.gz``, which restore still reads)
    archive/rules/...          the rules tree used
    archive/payer.yaml         the payer config used
    corrections_applied.csv    the corrections trail (table, key, column, old, new, …)
    corrections_rejected.csv   corrections not applied (unknown key, no reason, …): findings
    audit_sample.csv           the R-PAY-6 samples of the cycle (audit_sample.py)
    manifest.json              written last (manifest.py)

``restore`` turns an archived cycle back into ``Options`` for a re-run in a scratch folder,
which is what ``haken verify`` and ``haken explain`` do.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError
from haken_batch.manifest import (
    CLOSED_NAME,
    FORMAT,
    MANIFEST_NAME,
    cycles_in,
    file_entry,
    previous_link,
    read_json,
    sealed,
    sha256_file,
    tool_versions,
)
from haken_batch.outdir import is_cycle_name
from haken_batch.textsafe import guarded

if TYPE_CHECKING:
    import polars as pl

    from haken_batch.run import CycleRun, Options

ARCHIVE_DIR = "archive"
INPUTS_DIR = "archive/inputs"
RULES_DIR = "archive/rules"
PAYER_NAME = "archive/payer.yaml"
BANK_MASTER_DIR = "archive/bankmaster"  # the part of the bank master the cycle read
CORRECTIONS_NAME = "corrections_applied.csv"
REJECTED_NAME = "corrections_rejected.csv"
AUDIT_SAMPLE_NAME = "audit_sample.csv"
LEDGER_NAME = "ledger.csv"  # what a cycle paid (ledger.py reads them)
HOLDS_NAME = "holds.csv"  # what a cycle held (read back for 保留開始 only)
EXCLUDED_NAME = "excluded.csv"  # what a cycle excluded: an exclusion is final

CORRECTION_COLUMNS = {  # English name -> Japanese header (the order of the file)
    "seq": "連番",
    "table": "対象表",
    "key": "キー",
    "column": "項目",
    "column_label": "項目（エクスポートの見出し）",
    "old": "修正前の値",
    "new": "修正後の値",
    "reason": "理由",
    "corrected_by": "修正者",
    "corrected_at": "修正日時",
}


class ArchiveError(HakenError):
    """An input changed between reading and archiving, or an archive cannot be restored."""


# ----------------------------------------------------------------------------- writing


ZSTD_LEVEL = 1  # fast: about 330 MB/s here, and smaller than gzip level 1 (4x vs 3.2x)
PACKED_SUFFIX = ".zst"
_CHUNK = 8 << 20  # streamed in fixed chunks: same bytes in, same bytes out


class _Packer:
    """Deterministic zstd of a stream (level, content size and checksum fixed; no dictionary,
    no threads), hashing the original bytes and the packed bytes as they pass: each file
    is read once."""

    def __init__(self, sink: Any, size: int, level: int = ZSTD_LEVEL) -> None:
        import zstandard

        self.sink = sink
        params = zstandard.ZstdCompressionParameters.from_level(
            level, source_size=size, write_content_size=True, write_checksum=True,
            write_dict_id=False, threads=0)
        self.zstd = zstandard.ZstdCompressor(compression_params=params).compressobj(size=size)
        self.size = 0
        self.original = hashlib.sha256()
        self.packed = hashlib.sha256()
        self.packed_size = 0

    def _out(self, data: bytes) -> None:
        if data:
            self.sink.write(data)
            self.packed.update(data)
            self.packed_size += len(data)

    def write(self, data: bytes) -> None:
        self.original.update(data)
        self.size += len(data)
        self._out(self.zstd.compress(data))

    def close(self) -> None:
        self._out(self.zstd.flush())


def pack_bytes(data: bytes, level: int = ZSTD_LEVEL) -> bytes:
    """Deterministic zstd of ``data`` (same bytes in, same bytes out), as the archive packs."""
    import io

    buf = io.BytesIO()
    packer = _Packer(buf, len(data), level)
    for start in range(0, len(data), _CHUNK):
        packer.write(data[start:start + _CHUNK])
    packer.close()
    return buf.getvalue()


def unpack(path: Path) -> bytes:
    """An archived input's original bytes: ``.zst`` (since 2026-11-26) or ``.gz`` (earlier
    archives). Raises ``ArchiveError`` when the file does not decompress."""
    path = Path(path)
    decompress: Callable[[bytes], bytes]
    errors: tuple[type[Exception], ...]
    if path.suffix == ".gz":
        decompress, errors = gzip.decompress, (OSError, EOFError, zlib.error)
    else:
        import zstandard

        def decompress(data: bytes) -> bytes:
            with zstandard.ZstdDecompressor().stream_reader(data) as reader:
                return bytes(reader.read())

        errors = (zstandard.ZstdError, EOFError)
    try:
        return decompress(path.read_bytes())
    except errors as exc:
        raise ArchiveError(f"アーカイブの入力 {path.name} を展開できません（{exc}）",
                           f"cannot decompress {path.name} ({exc})") from None


def _pack_file(path: Path, target: Path) -> tuple[int, str, int, str]:
    """Compress ``path`` to ``target`` in one streamed pass: (size, sha256) of the original and
    of the packed file. zstd and sha256 release the GIL, so files compress in parallel."""
    with path.open("rb", buffering=0) as src, target.open("wb") as sink:
        packer = _Packer(sink, os.fstat(src.fileno()).st_size)
        while chunk := src.read(_CHUNK):
            packer.write(chunk)
        packer.close()
    return (packer.size, packer.original.hexdigest(), packer.packed_size,
            packer.packed.hexdigest())


Packed = tuple[int, str, int, str]  # original size, sha256; packed size, sha256


class InputPacker:
    """Compresses each export on a background thread as soon as the loader has read it.

    `haken settle` spends most of its time loading and settling; packing the inputs
    (700 MB at 1,000,000 dispatches) runs meanwhile instead of after. The
    packed files wait in ``OUT/.tmp-inputs-PID`` (swept like any leftover if the run dies) and
    are moved into the cycle's archive by ``write_archive``. Same bytes as compressing later:
    the packing is deterministic and the digest is still compared with what the loader read.
    """

    def __init__(self, out: Path) -> None:
        from haken_batch.outdir import scratch_path

        self.folder = scratch_path(Path(out), "inputs")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(mode=0o700)
        # one thread: the loader and the engine keep the other core
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="haken-pack")
        self._jobs: dict[Path, tuple[Path, Future[Packed]]] = {}

    def add(self, path: Path) -> None:
        path = Path(path)
        if path in self._jobs:  # a workbook: one file, many tables
            return
        target = self.folder / f"{len(self._jobs)}{PACKED_SUFFIX}"
        self._jobs[path] = (target, self._pool.submit(_pack_file, path, target))

    def take(self, path: Path, target: Path) -> Packed | None:
        """Move the packed ``path`` to ``target``; None when it was never added."""
        job = self._jobs.pop(Path(path), None)
        if job is None:
            return None
        packed = job[1].result()
        os.replace(job[0], target)
        return packed

    def close(self) -> None:
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:  # a Ctrl-C while waiting must not leave copies of the exports behind
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> InputPacker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def write_csv(frame: pl.DataFrame, path: Path, headers: dict[str, str], lang: str) -> None:
    """UTF-8 with BOM, ``\\n`` line ends, text cells neutralised, Japanese headers unless en."""
    import polars as pl

    cols = list(headers)
    # a cell starting like a formula gets a leading ' (textsafe)
    out = frame.select(guarded(pl.col(c).cast(pl.String)).alias(c) for c in cols)
    if lang != "en":
        out = out.rename(headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + out.write_csv(line_terminator="\n").encode())


def _source_files(run: CycleRun) -> list[tuple[str, Path, list[str], dict[str, Any]]]:
    """(name in the data folder, path, tables, details) of every file the loader read."""
    data_dir = Path(run.options.data_dir)
    by_path: dict[Path, tuple[str, list[str], dict[str, Any]]] = {}
    sources = getattr(run.data, "sources", {}) or {}
    for table in sorted(sources):
        src = sources[table]
        path = Path(src.path)
        try:
            name = path.relative_to(data_dir).as_posix()
        except ValueError:
            name = path.name
        _, tables, details = by_path.setdefault(path, (name, [], {}))
        tables.append(table)
        details.setdefault("sha256", getattr(src, "sha256", None))
        enc = getattr(src, "encoding", None)
        if enc:
            details.setdefault("encodings", {})[table] = enc
        sheet = getattr(src, "sheet", None)
        if sheet:
            details.setdefault("sheets", {})[table] = sheet
    return sorted(((n, p, t, d) for p, (n, t, d) in by_path.items()), key=lambda x: x[0])


def _archive_inputs(run: CycleRun, folder: Path,
                    packer: InputPacker | None = None) -> list[dict[str, Any]]:
    files = _source_files(run)
    targets = [folder / INPUTS_DIR / f"{name}{PACKED_SUFFIX}" for name, *_ in files]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    ready = [packer.take(f[1], t) if packer else None for f, t in zip(files, targets, strict=True)]
    rest = [i for i, r in enumerate(ready) if r is None]
    workers = max(1, min(len(rest), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, r in zip(rest, pool.map(_pack_file, [files[i][1] for i in rest],
                                       [targets[i] for i in rest]), strict=True):
            ready[i] = r
    packed = [r for r in ready if r is not None]
    entries = []
    for (name, path, tables, details), target, (size, digest, gz_size, gz_digest) in zip(
            files, targets, packed, strict=True):
        if details.get("sha256") and details["sha256"] != digest:
            target.unlink(missing_ok=True)
            raise ArchiveError(
                f"入力ファイル {name} が読み込み後に変更されました。精算をやり直してください",
                f"input file {name} changed after it was read; settle again",
                where=str(path),
            )
        entry: dict[str, Any] = {"path": target.relative_to(folder).as_posix(),
                                 "size": gz_size, "sha256": gz_digest}
        entry["original"] = {"name": name, "size": size, "sha256": digest}
        entry["tables"] = sorted(tables)
        for key in ("encodings", "sheets"):
            if key in details:
                entry[key] = dict(sorted(details[key].items()))
        entries.append(entry)
    return entries


def _archive_rules(run: CycleRun, folder: Path) -> list[dict[str, Any]]:
    root = Path(run.rules.root)
    entries = []
    for path in run.rules.files():
        target = folder / RULES_DIR / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        entries.append(file_entry(folder, target))
    return entries


def _payer_path(run: CycleRun) -> Path | None:
    path = getattr(run.payer, "path", None) or run.options.payer_file
    return Path(path) if path else None


def _archive_payer(run: CycleRun, folder: Path) -> dict[str, Any] | None:
    path = _payer_path(run)
    if path is None or not path.is_file():
        return None
    target = folder / PAYER_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    return file_entry(folder, target)


def _archive_bank_master(run: CycleRun, folder: Path) -> list[dict[str, Any]]:
    """The bank master as this cycle read it (bankmaster.snapshot): a re-run years later
    must not meet a newer master that holds other experts or names their banks otherwise."""
    from haken_batch import bankmaster

    experts = run.data.tables.get("experts")
    codes = (experts.get_column("bank_code").drop_nulls().unique().to_list()
             if experts is not None and "bank_code" in experts.columns else [])
    codes.append(getattr(run.payer, "bank_code", None))
    # cycle.write_outputs already reads run.options.bank_master: switching to it again here
    # would only empty the master's caches and read its files anew
    written = bankmaster.snapshot(folder / BANK_MASTER_DIR, codes)
    return [file_entry(folder, path) for path in written]


def write_corrections(run: CycleRun, folder: Path) -> None:
    """``corrections_applied.csv``: the corrections trail the loader applied, in order. Each
    column is named twice: the contract's name (what the tool and later cycles read) and the
    export's header from columns.yaml (終了時刻, what the clerk typed and reads)."""
    import polars as pl

    trail = getattr(run.data, "corrections", None)
    if trail is None:
        trail = pl.DataFrame({c: [] for c in CORRECTION_COLUMNS}, schema=dict.fromkeys(
            CORRECTION_COLUMNS, pl.String))
    labels = _export_headers(run)
    if labels and {"table", "column"} <= set(trail.columns):
        heads = pl.DataFrame([(t, c, h) for (t, c), h in sorted(labels.items())], orient="row",
                             schema={"table": pl.String, "column": pl.String,
                                     "column_label": pl.String})
        trail = trail.drop("column_label", strict=False).join(
            heads, on=["table", "column"], how="left", maintain_order="left")
    missing = [c for c in CORRECTION_COLUMNS if c not in trail.columns]
    trail = trail.with_columns(pl.lit(None, pl.String).alias(c) for c in missing)
    if trail.schema["corrected_at"] != pl.String:
        trail = trail.with_columns(pl.col("corrected_at").dt.strftime("%Y-%m-%d %H:%M:%S"))
    trail = trail.sort("seq") if trail.height else trail
    write_csv(trail, folder / CORRECTIONS_NAME, CORRECTION_COLUMNS, run.options.headers)


def _export_headers(run: CycleRun) -> dict[tuple[str, str], str]:
    """(table, column) -> the export's header the cycle read it under (none without a map)."""
    from haken_batch.load.spec import export_specs

    tables = export_specs(getattr(run, "rules", None))
    return {(t, c.name): c.label for t, spec in tables.items() for c in spec.columns}


REJECTED_COLUMNS = {
    "file": "ファイル",
    "row": "行",
    "column": "項目",
    "value": "値",
    "rule_id": "ルールID",
    "message_ja": "内容",
    "message_en": "内容（英語）",  # was "message": an English header among Japanese ones
}


def write_rejected(run: CycleRun, folder: Path) -> None:
    """``corrections_rejected.csv``: every correction the loader refused, with its reason
    (a correction naming a key that does not exist is a finding, never silently ignored)."""
    import polars as pl

    findings = getattr(run.data, "findings", None)
    schema = dict.fromkeys(REJECTED_COLUMNS, pl.String)
    if findings is None or "table" not in findings.columns:
        rejected = pl.DataFrame(schema=schema)
    else:
        # errors only, as the summary's count: a warning about the file (a column not in
        # the contract) is no rejected correction (blind check of R-VAL-1)
        rejected = findings.filter((pl.col("table") == "corrections")
                                   & (pl.col("severity") == "error"))
        rejected = rejected.select(
            (pl.col(c) if c in rejected.columns else pl.lit(None)).cast(pl.String).alias(c)
            for c in REJECTED_COLUMNS
        ).sort(pl.col("row").cast(pl.Int64, strict=False), "column", nulls_last=True)
    write_csv(rejected, folder / REJECTED_NAME, REJECTED_COLUMNS, run.options.headers)


def settled_before(out: Path, cycle: str) -> list[str]:
    """The cycles of OUT before ``cycle`` that hold a ledger: the ones a run of ``cycle`` is
    settled against (their files are hashed in its manifest and restored for its re-run)."""
    return [c for c in cycles_in(out) if c < cycle and (out / c / LEDGER_NAME).is_file()]


def _previous_ledgers(out: Path, cycle: str) -> list[dict[str, Any]]:
    """The earlier cycles' ledgers (and records of exclusions, and the holds.csv the holds'
    保留開始 was read from) the run was settled against (their hashes)."""
    found: list[dict[str, Any]] = []
    for other in settled_before(out, cycle):
        entry = {"cycle": other, "sha256": sha256_file(out / other / LEDGER_NAME)}
        excluded = out / other / EXCLUDED_NAME
        if excluded.is_file():
            entry["excluded_sha256"] = sha256_file(excluded)
        held = out / other / HOLDS_NAME  # read for 保留開始 (holds.earlier_holds)
        if held.is_file():
            entry["holds_sha256"] = sha256_file(held)
        found.append(entry)
    return found


def parameters_of(options: Options) -> dict[str, Any]:
    def iso(d: Any) -> str | None:
        return d.isoformat() if d is not None else None

    return {
        "cycle": options.cycle,
        "cutoff": iso(options.cutoff),
        "transfer_date": iso(options.transfer_date),
        "headers": options.headers,
        "documents": options.documents,
        "lang": options.lang,
    }


def _summary(run: CycleRun) -> dict[str, Any]:
    s = run.settlement
    out: dict[str, Any] = {"cutoff": s.cutoff.isoformat(),
                           "transfer_date": s.transfer_date.isoformat()}
    d = s.dispatches
    if d is not None and "status" in d.columns:
        counts = d.group_by("status").len().sort("status")
        out["dispatches"] = {row[0]: int(row[1]) for row in counts.rows()}
    p = s.payments
    if p is not None:
        for col in ("gross", "withholding", "net"):
            if col in p.columns:
                out[col] = int(p[col].sum() or 0)
        out["payees"] = p.height
        experts = run.data.tables.get("experts")
        if "withholding" in p.columns and experts is not None and "payee_type" in experts.columns:
            from haken_batch.emit.withholding import withholding_by_class

            # kept so that a later cycle paying in the same month can give each form's sum
            out["withholding_by_class"] = withholding_by_class(run)
    return out


def build_manifest(run: CycleRun, folder: Path, inputs: list[dict[str, Any]],
                   rules: list[dict[str, Any]], payer: dict[str, Any] | None,
                   bank_master: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    bank_master = bank_master or []
    archived = ({e["path"] for e in inputs} | {e["path"] for e in rules}
                | {e["path"] for e in bank_master})
    if payer:
        archived.add(payer["path"])
    outputs = [
        file_entry(folder, p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.relative_to(folder).as_posix() not in archived
        and p.name not in (MANIFEST_NAME, CLOSED_NAME)
    ]
    out_dir = Path(run.options.out_dir)
    return {
        "format": FORMAT,
        "cycle": run.options.cycle,
        "tool": tool_versions(),
        "parameters": parameters_of(run.options),
        "settlement": _summary(run),
        "inputs": inputs,
        "rules": rules,
        "payer": payer,
        "bank_master": bank_master,
        "outputs": sorted(outputs, key=lambda e: e["path"]),
        "previous": previous_link(out_dir, run.options.cycle),
        "previous_ledgers": _previous_ledgers(out_dir, run.options.cycle),
        # for the clerk, not compared by verify (a re-run has none): followups.py
        "followups": list(run.followups),
        # the same for what OUT said of the cycle's place (cycle.settle_cycle's context)
        "context": [{"ja": ja, "en": en} for ja, en in run.context],
    }


def write_archive(run: CycleRun, folder: Path, packer: InputPacker | None = None) -> None:
    """Last step of a cycle: archive inputs, rules, payer config; write manifest.json.

    ``packer`` holds the inputs already compressed while the cycle was loaded and settled.
    """
    from haken_batch.audit_sample import write_audit_sample

    folder = Path(folder)
    inputs = _archive_inputs(run, folder, packer)
    rules = _archive_rules(run, folder)
    payer = _archive_payer(run, folder)
    bank_master = _archive_bank_master(run, folder)
    write_corrections(run, folder)
    write_rejected(run, folder)
    write_audit_sample(run, folder)
    manifest = build_manifest(run, folder, inputs, rules, payer, bank_master)
    (folder / MANIFEST_NAME).write_bytes(sealed(manifest))


# ---------------------------------------------------------------------------- restoring


def _inside(root: Path, rel: str) -> Path:
    """``root/rel``, refusing a name from a manifest that would leave ``root``."""
    target = (root / rel).resolve()
    if root.resolve() not in target.parents:
        raise ArchiveError(f"アーカイブ内のファイル名 {rel} が不正です",
                           f"archived file name {rel!r} is not allowed")
    return target


def _copy_tree(cycle_dir: Path, entries: list[dict[str, Any]], archived: str,
               into: Path) -> Path:
    """Copy the manifest ``entries`` kept under ``archived`` (a folder of the cycle) into
    ``into``, keeping their paths below it; returns ``into``."""
    for entry in entries:
        target = _inside(into, Path(entry["path"]).relative_to(archived).as_posix())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_inside(cycle_dir, entry["path"]), target)
    return into


def name_archived_place(exc: HakenError, work: Path, cycle_dir: Path) -> bool:
    """An error of a re-run names the archived file where it lies in OUT, not in the
    scratch copy that is gone when the clerk reads it (rules, bank master, payer config:
    helper review; the payer config still named the scratch copy, hostile check, session
    22). Whether it did."""
    where = exc.where or ""
    for root in {str(work), str(Path(work).resolve())}:
        copied = where.removeprefix(f"{root}/")
        if copied != where and copied.startswith(("bankmaster/", "rules/", "payer.yaml")):
            exc.where = str(Path(cycle_dir) / "archive" / copied)
            return True
    return False


def restore(cycle_dir: Path, work: Path) -> Options:
    """Rebuild, under ``work``, the data folder, rules, payer config and earlier ledgers of an
    archived cycle; return the Options that re-run it there (outputs go to ``work/out``)."""
    import datetime as dt

    from haken_batch.run import Options

    cycle_dir = Path(cycle_dir)
    manifest, _ = read_json(cycle_dir / MANIFEST_NAME)
    params = manifest.get("parameters") or {}
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for entry in manifest.get("inputs") or []:
        name = entry["original"]["name"]
        target = _inside(data, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        body = unpack(_inside(cycle_dir, entry["path"]))
        expected = entry["original"].get("sha256")
        if expected and hashlib.sha256(body).hexdigest() != expected:
            # a packed file cut short unpacks to less without an error: 「ファイルが空です」
            # named the export, not the archive (hostile check, session 22)
            raise ArchiveError(
                f"アーカイブの入力 {entry['path']} が壊れています（展開した内容が元の "
                f"{name} と違います）。haken verify で改変を確認してください",
                f"the archived input {entry['path']} is damaged (it does not unpack to the "
                f"original {name}); check it with haken verify")
        target.write_bytes(body)
    rules = _copy_tree(cycle_dir, manifest.get("rules") or [], RULES_DIR, work / "rules")
    # none in cycles archived before the bank master was: they re-run on the installed one
    masters = manifest.get("bank_master") or []
    bank_master = (_copy_tree(cycle_dir, masters, BANK_MASTER_DIR, work / "bankmaster")
                   if masters else None)
    payer_file = None
    if manifest.get("payer"):
        payer_file = work / "payer.yaml"
        shutil.copyfile(_inside(cycle_dir, manifest["payer"]["path"]), payer_file)
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    parent = cycle_dir.parent
    for led in manifest.get("previous_ledgers") or []:
        if not is_cycle_name(str(led["cycle"])):
            raise ArchiveError(f"アーカイブのサイクル名 {led['cycle']} が不正です",
                               f"archived cycle name {led['cycle']!r} is not allowed")
        (out / led["cycle"]).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parent / led["cycle"] / LEDGER_NAME, out / led["cycle"] / LEDGER_NAME)
        for key, name in (("excluded_sha256", EXCLUDED_NAME), ("holds_sha256", HOLDS_NAME)):
            if led.get(key):
                shutil.copyfile(parent / led["cycle"] / name, out / led["cycle"] / name)
    prev = manifest.get("previous")
    if prev and is_cycle_name(str(prev.get("cycle"))):  # the re-run names the same previous
        (out / prev["cycle"]).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parent / prev["cycle"] / MANIFEST_NAME, out / prev["cycle"] / MANIFEST_NAME)
        if prev.get("closed_sha256") and (parent / prev["cycle"] / CLOSED_NAME).is_file():
            shutil.copyfile(parent / prev["cycle"] / CLOSED_NAME,
                            out / prev["cycle"] / CLOSED_NAME)

    def day(v: Any) -> dt.date | None:
        return dt.date.fromisoformat(v) if v else None

    return Options(
        cycle=manifest.get("cycle") or cycle_dir.name,
        data_dir=data,
        out_dir=out,
        rules_dir=rules,
        payer_file=payer_file,
        cutoff=day(params.get("cutoff")),
        transfer_date=day(params.get("transfer_date")),
        headers=params.get("headers", "ja"),
        documents=bool(params.get("documents", True)),
        lang=params.get("lang", "ja"),
        bank_master=bank_master,
    )
