"""Typed errors the core raises; the CLI turns each into one clear message and an exit code.

A user error (bad input, bad config) is a ``HakenError``: it carries a message in Japanese
and English and never a traceback. Anything else is a bug.
"""

from __future__ import annotations


class HakenError(Exception):
    """A user-facing error. ``exit_code`` is what the CLI returns."""

    exit_code = 2

    def __init__(self, ja: str, en: str | None = None, *, where: str | None = None) -> None:
        super().__init__(en or ja)
        self.ja = ja
        self.en = en or ja
        self.where = where  # "file:line" or "file, row N, column X" when known

    def message(self, lang: str = "ja") -> str:
        text = self.en if lang == "en" else self.ja
        return f"{self.where}: {text}" if self.where else text


class StructuralError(HakenError):
    """An input that cannot be read at all (unreadable file, missing column, missing sheet)."""


class RulesError(HakenError):
    """A rules file that is malformed (duplicate key, unknown key, bad date)."""


class ConfigError(HakenError):
    """A payer config or option that is missing or wrong."""


class CycleError(HakenError):
    """A cycle that cannot be settled as asked (closed, earlier than a settled one, …)."""


class LockedError(HakenError):
    """Another run holds the lock on the output folder."""

    exit_code = 3


class VerifyError(HakenError):
    """An archive that does not verify."""

    exit_code = 1
