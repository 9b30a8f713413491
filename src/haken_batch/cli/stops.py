"""Ctrl-C and SIGTERM: how a stop reaches the code, from the first line of ``main`` to exit.

Only ``signal`` is imported here: ``main`` installs the SIGTERM handler before the slow
imports (typer, rich, ours), so a stop during them is told like any other.
"""

from __future__ import annotations

import signal


class Terminated(KeyboardInterrupt):
    """SIGTERM (cron's timeout, systemd stop, ``kill``): unwound like Ctrl-C, so the staged
    folder and the lock are cleaned up instead of left for the next run to sweep."""


# The stop the handlers below raised and nobody told yet (``common.run`` tells the ones in
# the core and clears it). typer turns a KeyboardInterrupt outside the core into a silent
# exit 130, SIGTERM's too: ``main`` looks here to tell it, with 143 for SIGTERM.
raised: KeyboardInterrupt | None = None


def raise_terminated(_signum: int, _frame: object) -> None:
    global raised
    raised = Terminated()
    raise raised


def raise_interrupted(_signum: int, _frame: object) -> None:
    global raised
    raised = KeyboardInterrupt()
    raise raised


Handlers = tuple[object, object]


def install() -> Handlers:
    """SIGTERM and Ctrl-C raise and are remembered from here on; returns the handlers they
    replace (``restore``). A Ctrl-C the caller chose to ignore (``nohup``, a job started
    with ``&`` by a script) stays ignored."""
    global raised
    raised = None
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, raise_terminated)
    if before[0] is signal.default_int_handler:
        signal.signal(signal.SIGINT, raise_interrupted)
    return before


def restore(before: Handlers) -> None:
    for signum, handler in zip((signal.SIGINT, signal.SIGTERM), before, strict=True):
        if handler is not None:  # None: set outside Python, cannot be put back
            signal.signal(signum, handler)  # type: ignore[arg-type]


def ignore_from_here(stop: KeyboardInterrupt | None) -> KeyboardInterrupt | None:
    """Ignore Ctrl-C and SIGTERM until the process exits; returns the stop to report: the
    one given, or one that arrived meanwhile.

    Past this point nothing is left to unwind or tell (the message and the exit code are
    decided), and a signal in the last instants of exit killed the process by the raw signal
    (rc -15/-2, no message) once Python had put back the default handlers while finishing.
    ``signal.signal`` runs a pending handler before it changes one, so a stop arriving just
    before is raised here and caught, not lost.
    """
    for _ in range(3):  # a stop per try at most; a fourth in microseconds is not a person
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            return stop
        except KeyboardInterrupt as late:
            stop = stop or late
    return stop


# Whether the last core call (``common.run``) returned: a stop after it cut short only the
# summary on screen, and the message says so (the outputs were complete).
core_done = False


PIPE_CLOSED = 141  # 128 + SIGPIPE, as a shell reports a program whose reader went away


def pipe_closed_message() -> str:
    """The line for stderr when the reader of standard output went away (``| head``)."""
    ja, en = ("出力先（パイプ）が表示の途中で閉じられました",
              "the output pipe was closed while the result was printed")
    if core_done:
        ja, en = ja + "。処理はその前に終わっています", en + "; the work was done before it"
    return f"{ja} / {en}"


def stopped_message(stop: KeyboardInterrupt) -> tuple[str, int]:
    """The line for stderr and the exit code of a stop that ``common.run`` did not tell."""
    sigterm = isinstance(stop, Terminated)
    code = 143 if sigterm else 130
    said = ("停止の指示（SIGTERM）を受けて中断しました / stopped (SIGTERM)" if sigterm
            else "中断しました / interrupted")
    if core_done:
        said += ("。処理はその前に終わっています（画面の表示だけが途中です） / "
                 "the work was done before it; only the summary on screen was cut short")
    return said, code
