"""The manifest of a cycle (R-DATA-1, R-DATA-2): what was read, which rules, what was written.

``OUT/CYCLE/manifest.json`` is canonical JSON (sorted keys, two-space indent, UTF-8, one
trailing newline) and carries no clock. It lists every archived input, rule file and output
with its size and SHA-256, the parameters of the run, the versions of the tool and of the
libraries that shape results, and the SHA-256 of the previous cycle's manifest (the chain).

``seal`` is the SHA-256 of the canonical JSON of the manifest *without* the seal: an edited
byte anywhere in the file breaks it and ``haken verify`` names ``manifest.json``. A seal
only catches edits made without recomputing it; the chain (the next cycle's manifest and
the closing record name this manifest's hash) is what pins a manifest against a forger.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from haken_batch.errors import HakenError
from haken_batch.outdir import cycle_dirs

MANIFEST_NAME = "manifest.json"
CLOSED_NAME = "CLOSED.json"
FORMAT = "haken-batch/manifest/1"
CLOSED_FORMAT = "haken-batch/closing/1"

# Libraries whose version can change a result byte (parsing, arithmetic, kana, bank master,
# holidays, documents). Recorded in the manifest; a difference is reported by `verify`.
LIBRARIES = (
    "polars", "pandera", "fastexcel", "pyyaml", "jinja2", "jaconv", "zengin-code", "fpdf2",
    "openpyxl", "xlsxwriter", "jpholiday",
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def canonical(payload: Any) -> bytes:
    """The one serialisation of a manifest or closing record (so its hash is stable)."""
    return (json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def seal_of(payload: dict[str, Any]) -> str:
    body = {k: v for k, v in payload.items() if k != "seal"}
    return sha256_bytes(canonical(body))


def sealed(payload: dict[str, Any]) -> bytes:
    """Canonical bytes of ``payload`` with its seal added."""
    body = {k: v for k, v in payload.items() if k != "seal"}
    body["seal"] = seal_of(body)
    return canonical(body)


def file_entry(folder: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(folder).as_posix(),
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def library_versions() -> dict[str, str | None]:
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def code_digest() -> str:
    """SHA-256 over the tool's own code and templates (the same for an editable checkout and
    an installed wheel of the same tree), so a re-run can tell "same version, other code"."""
    import haken_batch
    from haken_batch.resources import templates_dir

    h = hashlib.sha256()
    pkg = Path(haken_batch.__file__).resolve().parent
    trees = [("code", pkg), ("templates", templates_dir())]
    for label, root in trees:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if (not path.is_file() or "__pycache__" in rel.parts or path.suffix == ".pyc"
                    or (label == "code" and rel.parts[0] == "_data")):
                continue
            h.update(f"{label}/{rel.as_posix()}".encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


_HEX40 = re.compile(r"^[0-9a-f]{40}$")


def source_commit() -> str | None:
    """The git commit of the checkout the tool runs from (``pip install -e .``), read from
    .git without running git; None for an installed wheel or a tree without git. The
    package version never told an auditor which code to install (docs review, session 20);
    code_sha256 still says whether the code is that commit's, unmodified."""
    import haken_batch

    return commit_of(Path(haken_batch.__file__).resolve().parents[2])


def commit_of(root: Path) -> str | None:
    """The commit checked out in ``root``, a haken-batch checkout (else None)."""
    try:
        if "haken-batch" not in (root / "pyproject.toml").read_text(encoding="utf-8"):
            return None
        git = root / ".git"
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = (root / git.read_text(encoding="utf-8").split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head if _HEX40.match(head) else None
        ref = head[5:]
        common = git
        if (git / "commondir").is_file():  # a worktree keeps its refs in the main .git
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                value = (base / ref).read_text(encoding="utf-8").strip()
                return value if _HEX40.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and _HEX40.match(sha):
                    return sha
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    return None


def tool_versions() -> dict[str, Any]:
    import platform

    import haken_batch

    return {
        "haken_batch": haken_batch.__version__,
        "code_sha256": code_digest(),
        "python": platform.python_version(),
        "libraries": library_versions(),
        # where to find the code (not compared: a commit that changes no code is the same tool)
        SOURCE_KEY: source_commit(),
    }


SOURCE_KEY = "source_commit"


def compared_tool(manifest: dict[str, Any]) -> dict[str, Any]:
    """The tool as a re-run compares it: the code, Python and libraries, not the commit."""
    return {k: v for k, v in (manifest.get("tool") or {}).items() if k != SOURCE_KEY}


def settled_by_installed_tool(manifest: dict[str, Any]) -> bool:
    """Whether the code installed now is the code that wrote ``manifest`` (its re-run writes
    the same bytes; close and settle's recovery hint ask)."""
    return (manifest.get("tool") or {}).get("code_sha256") == code_digest()


def cycles_in(out: Path) -> list[str]:
    """Cycle folders of OUT (``YYYY-MM``), ascending; temporary folders are not cycles."""
    return [p.name for p in cycle_dirs(out)]


def readable_manifests(out: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(cycle, manifest) of every cycle folder of OUT whose manifest reads, ascending (one
    that is missing or unreadable is left out: verify is the place that says so)."""
    for cycle in cycles_in(out):
        try:
            manifest, _ = read_json(out / cycle / MANIFEST_NAME)
        except (ManifestUnreadable, OSError):
            continue
        yield cycle, manifest


def previous_cycle(out: Path, cycle: str) -> str | None:
    """The latest cycle of OUT before ``cycle`` that has a manifest (the chain's last link)."""
    earlier = [c for c in cycles_in(out) if c < cycle and (out / c / MANIFEST_NAME).is_file()]
    return earlier[-1] if earlier else None


def previous_link(out: Path, cycle: str) -> dict[str, Any] | None:
    """What a new manifest of ``cycle`` says about the previous cycle (null for the first)."""
    prev = previous_cycle(out, cycle)
    if prev is None:
        return None
    closed = out / prev / CLOSED_NAME
    return {
        "cycle": prev,
        "manifest_sha256": sha256_file(out / prev / MANIFEST_NAME),
        "closed_sha256": sha256_file(closed) if closed.is_file() else None,
    }


class ManifestUnreadable(HakenError):
    """A manifest or closing record that is not valid JSON / not ours."""


def read_json(path: Path) -> tuple[dict[str, Any], bytes]:
    """Parse a manifest or closing record; return it with its exact bytes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestUnreadable(f"{path.name} がありません", f"{path.name} is missing",
                                 where=str(path)) from None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except RecursionError:  # 100,000 nested brackets: a traceback from verify and explain
        raise ManifestUnreadable(f"{path.name} を JSON として読めません（入れ子が深すぎます）",
                                 f"{path.name} is not valid JSON (nested too deeply)",
                                 where=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestUnreadable(f"{path.name} を JSON として読めません（{exc}）",
                                 f"{path.name} is not valid JSON ({exc})",
                                 where=str(path)) from None
    if not isinstance(payload, dict):
        raise ManifestUnreadable(f"{path.name} の形式が違います", f"{path.name} is not an object",
                                 where=str(path))
    return payload, raw


def listed_files(manifest: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every file entry of a manifest (inputs, rules, payer, bank master, outputs)."""
    for section in ("inputs", "rules", "payer", "bank_master", "outputs"):
        entries = manifest.get(section) or []
        if isinstance(entries, dict):
            entries = [entries]
        for entry in entries:
            if isinstance(entry, dict):
                yield entry
