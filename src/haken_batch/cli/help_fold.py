"""Help text that wraps instead of being cut: ``install()``.

typer renders each option's help in a table cell whose overflow is "ellipsis". Rich wraps at
spaces only, so a Japanese phrase wider than its cell ("エクスポートのフォルダ" at 80 columns)
was cut to "エクスポートのフォル…". The patch marks typer's help texts "fold" (break anywhere),
and takes effect only when help is really rendered: importing typer's renderer costs 35 ms.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

import typer.core


def _fold_help_texts() -> None:
    from rich.text import Text
    from typer import rich_utils

    make = rich_utils._make_rich_text
    if getattr(make, "_haken_fold", False):
        return

    @wraps(make)
    def folding(*args: Any, **kwargs: Any) -> Any:
        text = make(*args, **kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    folding._haken_fold = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = folding


def _folding(format_help: Any) -> Any:
    @wraps(format_help)
    def wrapper(self: Any, ctx: Any, formatter: Any) -> Any:
        _fold_help_texts()
        return format_help(self, ctx, formatter)

    return wrapper


def install() -> None:
    for cls in (typer.core.TyperCommand, typer.core.TyperGroup):
        if not getattr(cls.format_help, "_haken_fold", False):
            wrapped = _folding(cls.format_help)
            wrapped._haken_fold = True
            cls.format_help = wrapped  # type: ignore[method-assign]
