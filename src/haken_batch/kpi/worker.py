"""Worker process for big statement runs: ``python -m haken_batch.kpi.worker``.

Reads one pickled ``(Meta, [Job, ...])`` from stdin, writes the pickled
``[(file name, workbook bytes), ...]`` to stdout. Started by ``emit.statements`` with
``subprocess`` (not multiprocessing, which would re-import the caller's ``__main__``).
Only ever fed by its parent process through a pipe.
"""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from haken_batch.emit.statements import build_chunk

    meta, jobs = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(build_chunk(meta, jobs), protocol=5))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
