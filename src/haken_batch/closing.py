"""`haken close CYCLE`: make a cycle final once its transfer went to the bank (R-DATA-2).

Writes ``OUT/CYCLE/CLOSED.json``, a sealed canonical record: the cycle, the SHA-256 of its
manifest, the date and who closed it, and the SHA-256 of the previous closed cycle's
record (closings form their own chain; the next settled cycle's manifest names it too).
Before closing, the cycle must pass the integrity part of ``verify`` (hashes and chain).
Cycles close in order. Afterwards ``settle`` refuses the cycle (``is_closed``) and its files
are made read-only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haken_batch.errors import CycleError, VerifyError
from haken_batch.manifest import (
    CLOSED_FORMAT,
    CLOSED_NAME,
    MANIFEST_NAME,
    cycles_in,
    read_json,
    sealed,
    sha256_file,
)


def is_closed(out: Path, cycle: str) -> bool:
    """True once ``haken close`` has closed the cycle (settle must then refuse it)."""
    return (Path(out) / cycle / CLOSED_NAME).exists()


@dataclass(frozen=True)
class Closing:
    """What ``close`` did: the cycle's closing record, and whether it was closed before
    (the record is the earlier one) and how many files a close killed half-way had left
    writable (made read-only now)."""

    record: dict[str, Any]
    already: bool = False
    finished: int = 0
    # (ja, en) what the close could not confirm: the tool that settled is not installed and
    # outputs other than the money differ in the re-run, or it could not re-run at all
    notes: tuple[tuple[str, str], ...] = ()


# the outputs that carry the money: under another tool their re-run must still agree
# (a wording change may move a notice's bytes, never a yen)
_MONEY = ("ledger.csv", "payments.csv", "dispatches.csv", "lines.csv", "excluded.csv",
          "withholding_summary.csv", "zengin_check.csv")


def _money(path: str) -> bool:
    return path in _MONEY or (path.startswith("zengin_") and path.endswith(".txt"))


def close_cycle(out: Path, cycle: str, *, closed_on: dt.date, closed_by: str,
                engine: Any = None, accept_other_tool: bool = False) -> Closing:
    """Close ``cycle`` in OUT; return its closing record (the earlier one if closed before).
    ``engine``: what re-runs the cycle (``verify``'s; tests pass their own).
    ``accept_other_tool``: the clerk's word (``--accept-other-tool``) that outputs other than
    the money may differ because another tool re-ran the cycle; recorded in CLOSED.json."""
    import haken_batch
    from haken_batch import history
    from haken_batch.manifest import settled_by_installed_tool
    from haken_batch.outdir import check_cycle, locked, sweep_atomic_leftovers, write_atomic
    from haken_batch.textsafe import person
    from haken_batch.verify import verify_cycle

    check_cycle(cycle)
    out = Path(out)
    who = person(closed_by)
    with locked(out):
        folder = out / cycle
        if not (folder / MANIFEST_NAME).is_file():
            raise CycleError(
                f"サイクル {cycle} は精算されていません（{folder} に manifest.json なし）",
                f"cycle {cycle} has not been settled (no manifest.json in {folder})")
        sweep_atomic_leftovers(folder)  # a close killed while writing its record
        if is_closed(out, cycle):
            # Closing twice is not an error (a script may repeat it): the first record stands.
            # A close killed after its record is finished here (its last files read-only).
            finished = _read_only(folder)
            earlier, _raw = read_json(folder / CLOSED_NAME)
            if earlier.get("manifest_sha256") != sha256_file(folder / MANIFEST_NAME):
                raise VerifyError(
                    f"サイクル {cycle} は確定後に manifest.json が変わっています"
                    "（haken verify で確認してください）",
                    f"cycle {cycle}: manifest.json changed after the close (run haken verify)")
            history.adopt(out, cycle, history.CLOSED)
            return Closing(earlier, already=True, finished=finished)
        settled = [c for c in cycles_in(out) if (out / c / MANIFEST_NAME).is_file()]
        open_before = [c for c in settled if c < cycle and not is_closed(out, c)]
        if open_before:
            raise CycleError(
                f"先に {open_before[0]} を確定してください（サイクルは古い順に確定します）",
                f"close {open_before[0]} first (cycles close in order)")
        manifest, _raw = read_json(folder / MANIFEST_NAME)
        earlier_closed = [c for c in settled if c < cycle and is_closed(out, c)]
        # before the long re-run: a mistyped date is told at once
        _check_close_date(cycle, closed_on, manifest,
                          _closed_on(out / earlier_closed[-1]) if earlier_closed else None)
        # always the re-run: a resealed forgery passes the hashes (blind red-team check,
        # round 3). Another tool may write other bytes; its re-run must still agree on the
        # money, or a forged payments.csv was closed whenever the code had changed since
        # (auditor check, session 18)
        report = verify_cycle(folder, rerun=True, engine=engine)
        unconfirmed = _check_for_close(folder, report, settled_by_installed_tool(manifest),
                                       accept_other_tool,
                                       _settled_by(manifest.get("tool") or {}))
        previous = None
        if earlier_closed:
            prev = earlier_closed[-1]
            previous = {"cycle": prev, "sha256": sha256_file(out / prev / CLOSED_NAME)}
        record: dict[str, Any] = {
            "format": CLOSED_FORMAT,
            "cycle": cycle,
            "manifest_sha256": sha256_file(folder / MANIFEST_NAME),
            "closed_on": closed_on.isoformat(),
            "closed_by": who,
            "previous_closed": previous,
            "tool": haken_batch.__version__,
        }
        if unconfirmed:  # closed on the clerk's word: the auditor reads which files
            record["unconfirmed_outputs"] = unconfirmed
        write_atomic(folder / CLOSED_NAME, sealed(record))
        _read_only(folder)
        history.record(out, history.CLOSED, cycle, by=who)
    notes = ((f"精算したツールとは違うツールで再計算しました（--accept-other-tool）。金額の出力は"
              f"一致し、文面などの出力 {len(unconfirmed)} 件が一致しません: "
              f"{_names(unconfirmed)}（確定記録 CLOSED.json に記録しました）",
              f"re-run with another tool than the one that settled (--accept-other-tool): the "
              f"money outputs agree; {len(unconfirmed)} other outputs differ: "
              f"{_names(unconfirmed)} (recorded in CLOSED.json)"),) if unconfirmed else ()
    return Closing(record, notes=notes)


def _closed_on(folder: Path) -> tuple[str, dt.date] | None:
    """(cycle, closed_on) of a closed cycle's record; None where it gives no readable date."""
    record, _raw = read_json(folder / CLOSED_NAME)
    try:
        return folder.name, dt.date.fromisoformat(str(record.get("closed_on")))
    except ValueError:
        return None


def _check_close_date(cycle: str, closed_on: dt.date, manifest: dict[str, Any],
                      previous: tuple[str, dt.date] | None) -> None:
    """A close is dated after the month it settles (its cut-off) and not before the close of
    the cycle before it: ``--date 2021-01-01`` on 2022-03 was sealed into CLOSED.json, a
    date the auditor reads as when the payment was confirmed (lifecycle check, session 21).
    Before the transfer date is allowed: the file goes to the bank days before it."""
    settled = manifest.get("settlement") or {}
    try:
        cutoff = dt.date.fromisoformat(str(settled.get("cutoff")))
    except ValueError:
        cutoff = None
    if cutoff is not None and closed_on < cutoff:
        raise CycleError(
            f"確定日 {closed_on} はサイクル {cycle} の締日 {cutoff} より前です。"
            "締日以降の日付（ふつうは振込の後）を --date に指定してください（省略すると今日）",
            f"the close date {closed_on} is before cycle {cycle}'s cut-off {cutoff}: give "
            "--date on or after it (usually after the transfer; default: today)",
            where="--date")
    if previous is not None and closed_on < previous[1]:
        raise CycleError(
            f"確定日 {closed_on} は前のサイクル {previous[0]} の確定日 {previous[1]} より前です"
            "（サイクルは古い順に確定します）。--date を確かめてください",
            f"the close date {closed_on} is before the close of the previous cycle "
            f"{previous[0]} ({previous[1]}; cycles close in order): check --date",
            where="--date")


def _names(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (" …" if len(paths) > 5 else "")


def _settled_by(tool: dict[str, Any]) -> str:
    """The tool that settled, as the clerk can find it: the version alone has stayed 0.1.0
    and names no code (review, session 20); the commit does."""
    version = str(tool.get("haken_batch") or "?")
    commit = tool.get("source_commit")
    return f"{version}, commit {str(commit)[:12]}" if commit else version


def _check_for_close(folder: Path, report: Any, same_tool: bool, accept_other_tool: bool,
                     version: str) -> list[str]:
    """Raise unless the cycle may be closed; return the outputs closed unconfirmed. Every
    integrity check and the re-run itself must pass (the tool named in the manifest can be
    forged with it, so a re-run that cannot run never closes: review, session 18). With the
    tool that settled, every output must be reproduced. With another one (a new version may
    word a file differently) only on the clerk's word, and the money outputs still must."""
    import shlex

    from haken_batch.verify import IDENTICAL, SAME_CONTENT

    cycle = folder.name
    failed = [o for o in report.outputs if o.status not in (IDENTICAL, SAME_CONTENT)]
    lenient = not same_tool and accept_other_tool
    blocking = [*report.problems,
                *(o for o in failed if not lenient or (_money(o.path) and not o.money_same))]
    if blocking:
        first = blocking[0]
        detail_ja = getattr(first, "detail_ja", "") or first.detail
        where_ja, where_en = (f"{first.path} ", f"{first.path}: ") if first.path else ("", "")
        ja = f"サイクル {cycle} は検証に失敗したため確定できません: {where_ja}{detail_ja}"
        en = f"cycle {cycle} does not verify, not closing: {where_en}{first.detail}"
        if len(blocking) > 1:  # the first alone read as the only one (lifecycle check)
            listing = f"haken verify {shlex.quote(str(folder))}"
            ja += f"（ほか {len(blocking) - 1} 件。一覧は {listing} で確認できます）"
            en += f" ({len(blocking) - 1} more; {listing} lists them all)"
        if not same_tool and not accept_other_tool and not report.problems:
            ja += (f"。このサイクルを精算したツール（haken-batch {version}）とは違うツールで"
                   "再計算しました: 精算したツールで確定するか、金額の出力（台帳・支払・全銀"
                   "ファイルなど）が一致していることを確かめて --accept-other-tool を付けて"
                   "確定してください")
            en += (f". Re-run with another tool than the one that settled the cycle "
                   f"(haken-batch {version}): close it with that tool, or, when the money "
                   "outputs (ledger, payments, Zengin file …) agree, with --accept-other-tool")
        raise VerifyError(ja, en)
    return [o.path for o in failed]


def _read_only(folder: Path) -> int:
    """A closed cycle's files become read-only (a guard against accidents, not forgers);
    returns how many were not yet."""
    changed = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o222:
            with contextlib.suppress(PermissionError):  # an archive on read-only media
                os.chmod(path, 0o400)
                changed += 1
    return changed
