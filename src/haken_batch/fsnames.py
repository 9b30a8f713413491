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


def still_cp932(shown: str) -> tuple[str, str]:
    """The message (ja, en) for a file that would be read but is named in CP932."""
    return (f"ファイル名「{shown}」が Windows の文字コード（CP932）のままで、読めません。"
            "名前を付け直すか、ZIP を `unzip -O cp932` で展開し直してください",
            f"the file name {shown!r} is still in the Windows encoding (CP932) and cannot be "
            "read; rename it, or unpack the ZIP again with `unzip -O cp932`")
