"""Keep `haken --help` fast: defer ``rich.markdown`` until something really renders Markdown.

typer's help renderer does ``from rich.markdown import Markdown`` at import, which pulls in
markdown-it (≈ 60 ms, a fifth of the start-up budget), although `haken` uses rich markup and
never Markdown. ``install()`` puts a stand-in module in ``sys.modules``: its ``Markdown`` and
any other attribute load the real module on first use, so behaviour is unchanged.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_NAME = "rich.markdown"


class _Deferred(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real(), name)


def _real() -> types.ModuleType:
    if isinstance(sys.modules.get(_NAME), _Deferred):
        del sys.modules[_NAME]
        return importlib.import_module(_NAME)
    return sys.modules.get(_NAME) or importlib.import_module(_NAME)


class _Markdown:
    """Stands for ``rich.markdown.Markdown`` (a class: typer writes ``Markdown | Text``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real().Markdown(*args, **kwargs)


def install() -> None:
    """Defer ``rich.markdown`` unless it is already loaded."""
    if _NAME in sys.modules:
        return
    stand_in = _Deferred(_NAME, "stand-in until Markdown is really used (haken_batch)")
    stand_in.Markdown = _Markdown  # type: ignore[attr-defined]
    sys.modules[_NAME] = stand_in
