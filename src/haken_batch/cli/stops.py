"""Ctrl-C, SIGTERM and SIGHUP: how a stop reaches the code, from the first line of ``main`` to exit.

Only ``signal`` is imported here: ``main`` installs the SIGTERM handler before the slow
imports (typer, rich, ours), so a stop during them is told like any other.
"""

from __future__ import annotations

import signal


class Terminated(KeyboardInterrupt):
    """SIGTERM (cron's timeout, systemd stop, ``kill``): unwound like Ctrl-C, so the staged
    folder and the lock are cleaned up instead of left for the next run to sweep."""


class HungUp(Terminated):
    """SIGHUP (the terminal or the SSH session closed): unwound like SIGTERM. By default it
    killed the process outright, leaving the lock, the staged folder and the copy of the
    inputs for the next run (hostile check, session 22)."""


# The stop the handlers below raised and nobody told yet (``common.run`` tells the ones in
# the core and clears it). typer turns a KeyboardInterrupt outside the core into a silent
# exit 130, SIGTERM's too: ``main`` looks here to tell it, with 143 for SIGTERM.
raised: KeyboardInterrupt | None = None


def raise_terminated(_signum: int, _frame: object) -> None:
    global raised
    raised = Terminated()
    raise raised


def raise_hung_up(_signum: int, _frame: object) -> None:
    global raised
    raised = HungUp()
    raise raised


def raise_interrupted(_signum: int, _frame: object) -> None:
    global raised
    raised = KeyboardInterrupt()
    raise raised


Handlers = tuple[object, object, object]
_SIGHUP = getattr(signal, "SIGHUP", None)  # not on Windows


def install() -> Handlers:
    """SIGTERM, SIGHUP and Ctrl-C raise and are remembered from here on; returns the
    handlers they replace (``restore``). A Ctrl-C or a hang-up the caller chose to ignore
    (``nohup``, a job started with ``&`` by a script) stays ignored."""
    global raised
    raised = None
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
              signal.getsignal(_SIGHUP) if _SIGHUP is not None else None)
    signal.signal(signal.SIGTERM, raise_terminated)
    if before[0] is signal.default_int_handler:
        signal.signal(signal.SIGINT, raise_interrupted)
    if _SIGHUP is not None and before[2] is signal.SIG_DFL:
        signal.signal(_SIGHUP, raise_hung_up)
    return before


def restore(before: Handlers) -> None:
    signums = (signal.SIGINT, signal.SIGTERM, _SIGHUP)
    for signum, handler in zip(signums, before, strict=True):
        if signum is not None and handler is not None:  # None: set outside Python
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
            if _SIGHUP is not None:
                signal.signal(_SIGHUP, signal.SIG_IGN)
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
    code = 129 if isinstance(stop, HungUp) else 143 if sigterm else 130
    said = ("端末が閉じられた（SIGHUP）ため中断しました / stopped (SIGHUP: terminal closed)"
            if isinstance(stop, HungUp)
            else "停止の指示（SIGTERM）を受けて中断しました / stopped (SIGTERM)" if sigterm
            else "中断しました / interrupted")
    if core_done:
        said += ("。処理はその前に終わっています（画面の表示だけが途中です） / "
                 "the work was done before it; only the summary on screen was cut short")
    return said, code
