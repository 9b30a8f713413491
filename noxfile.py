"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s typecheck`, `nox -s demo`,
`nox -s slow`, `nox -s bench`."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (what CI runs), without the slow marked tests."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Run only the slow tests: SIGKILL loops, scale runs, LibreOffice/pdftoppm rendering."""
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "slow", "-o", "addopts=-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint with ruff."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """Settle the bundled sample cycle (what the README's first command does)."""
    session.install("-e", ".")
    session.run("haken", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks at 10k/100k/1M dispatches; prints figures (never part of the tests)."""
    # as a clerk installs it: no test extras (pandera imports hypothesis when present)
    session.install("-e", ".")
    session.run("python", "benchmarks/run.py", *session.posargs)
