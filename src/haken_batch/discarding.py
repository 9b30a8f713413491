"""`haken discard CYCLE`: withdraw a cycle settled by mistake (a mistyped month), before its
transfer went to the bank and before it was closed.

Deleting the folder by hand made the next settle pay its dispatches again without a word
(``history``), so it is refused now; this is the way instead. Only the latest settled
cycle can be withdrawn (a later one was settled against it), never a closed one. Nothing
is deleted: the folder moves to ``OUT/discarded/CYCLE-<manifest sha256, 12>/`` (with its
follow-up list), and ``.haken-history.csv`` records who withdrew which manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from haken_batch.errors import CycleError

DISCARDED_FOLDER = "discarded"


@dataclass(frozen=True)
class Discarded:
    cycle: str
    moved_to: Path | None  # None: the folder was already gone, only the record is changed
    manifest_sha256: str


def command(cycle: str, out: Path | None = None) -> tuple[str, str]:
    """The whole command (ja, en), as a clerk can type it: the hints named ``haken discard
    2021-10`` alone, which stops for want of --out and --by (docs review). ``out`` None: a
    placeholder (a note kept in the manifest names no folder)."""
    import shlex

    # a folder with a space is quoted, as typed into a shell (review, session 20)
    where = shlex.quote(str(out)) if out is not None else None
    where_ja, where_en = (where, where) if where is not None else ("出力先", "OUT")
    return (f'haken discard {cycle} --out {where_ja} --by "氏名"',
            f'haken discard {cycle} --out {where_en} --by "NAME"')


def discard_cycle(out: Path, cycle: str, *, by: str) -> Discarded:
    from haken_batch import history
    from haken_batch.closing import is_closed
    from haken_batch.followups import LIST_FOLDER
    from haken_batch.manifest import MANIFEST_NAME, cycles_in, sha256_file
    from haken_batch.outdir import _fsync_dir, check_cycle, locked
    from haken_batch.textsafe import person

    check_cycle(cycle)
    out = Path(out)
    who = person(by)
    with locked(out):
        folder = out / cycle
        known = history.state(history.read(out) or [])
        recorded = known.get(cycle)
        # later cycles: present, or recorded (a folder moved away still paid what it paid)
        later = sorted({c for c in cycles_in(out) if c > cycle and (out / c / MANIFEST_NAME)
                        .is_file()} | {c for c, e in known.items()
                                       if c > cycle and e.event != history.DISCARDED})
        if not (folder / MANIFEST_NAME).is_file() and recorded is None:
            raise _not_settled(cycle, folder)  # before any later cycle: nothing to withdraw
        closed = is_closed(out, cycle) or (recorded is not None
                                            and recorded.event == history.CLOSED)
        if closed and (folder / MANIFEST_NAME).is_file():
            # first: later cycles being there too read as the only reason (lifecycle check)
            raise CycleError(f"サイクル {cycle} は確定済みのため取り消せません",
                             f"cycle {cycle} is closed and is never withdrawn")
        if later:
            raise CycleError(
                f"{later[-1]} が {cycle} の後に精算されているため、{cycle} は取り消せません"
                "（後のサイクルから順に取り消します）",
                f"{later[-1]} was settled after {cycle}: withdraw the later cycles first")
        if not (folder / MANIFEST_NAME).is_file():
            if recorded is not None and recorded.event == history.SETTLED:
                # deleted by hand before this command existed: only the record is left to say
                history.record(out, history.DISCARDED, cycle, by=who,
                               sha=recorded.manifest_sha256)
                return Discarded(cycle, None, recorded.manifest_sha256)
            raise _not_settled(cycle, folder)
        sha = sha256_file(folder / MANIFEST_NAME)
        history.adopt(out, cycle, history.SETTLED)  # an OUT from before the record
        aside = out / DISCARDED_FOLDER
        aside.mkdir(mode=0o700, exist_ok=True)
        target = aside / f"{cycle}-{sha[:12]}"
        n = 1
        while target.exists():  # the same result withdrawn twice (same inputs, same manifest)
            n += 1
            target = aside / f"{cycle}-{sha[:12]}-{n}"
        folder.rename(target)
        listed = out / LIST_FOLDER / f"{cycle}.csv"
        if listed.is_file():
            listed.rename(target / "followups.csv")
        _fsync_dir(out)
        history.record(out, history.DISCARDED, cycle, by=who, sha=sha)
    return Discarded(cycle, target, sha)


def _not_settled(cycle: str, folder: Path) -> CycleError:
    return CycleError(f"サイクル {cycle} は精算されていません（{folder} に manifest.json なし）",
                      f"cycle {cycle} has not been settled (no manifest.json in {folder})")
