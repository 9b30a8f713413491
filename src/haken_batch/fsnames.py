"""Names from the operating system (arguments, file names) that are not text in the
locale's encoding. Python keeps their bytes as lone surrogates (U+DC80–U+DCFF), which
polars and JSON refuse: they must be told before they reach either."""

from __future__ import annotations

import os


def undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def readable(name: str) -> str:
    """How a clerk would read such a name: a ZIP made on Windows and unpacked on a UTF-8
    system leaves its file names in CP932, so try that; else mark the bytes it cannot."""
    raw = os.fsencode(name)
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
