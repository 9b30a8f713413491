"""Help text that wraps instead of being cut, with types a clerk reads: ``install()``.

typer renders each option's help in a table cell whose overflow is "ellipsis". Rich wraps at
spaces only, so a Japanese phrase wider than its cell ("エクスポートのフォルダ" at 80 columns)
was cut to "エクスポートのフォル…". The patch marks typer's help texts "fold" (break anywhere),
and takes effect only when help is really rendered: importing typer's renderer costs 35 ms.

typer 0.29 also shows each parameter's Python type: ``<bool>`` beside every flag (which
takes no value), ``<str>`` for a month or a date. A flag now shows none; text shows the
shape its help names (``<YYYY-MM-DD>``) or ``<text>``; a number ``<number>``.
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


_PLAIN = {"<str>": "<text>", "<int>": "<number>", "<float>": "<number>"}


def _shown_type(display_type_rich: Any) -> Any:
    @wraps(display_type_rich)
    def shown(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        label = display_type_rich(self, ctx)
        if self.metavar is not None or label not in _PLAIN:
            return label
        for shape in ("YYYY-MM-DD", "YYYY-MM"):  # longest first
            if shape in (self.help or ""):
                return f"<{shape}>"
        return _PLAIN[label]

    shown._haken_fold = True  # type: ignore[attr-defined]
    return shown


def _usage_name(self: Any) -> str:
    """CYCLE, as usage lines are read, not typer 0.29's ``{cycle}``."""
    name = self.display_name_raw.upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def _folding(format_help: Any) -> Any:
    @wraps(format_help)
    def wrapper(self: Any, ctx: Any, formatter: Any) -> Any:
        _fold_help_texts()
        return format_help(self, ctx, formatter)

    return wrapper


def install() -> None:
    for param in (typer.core.TyperOption, typer.core.TyperArgument):
        if not getattr(param.display_type_rich, "_haken_fold", False):
            param.display_type_rich = _shown_type(param.display_type_rich)  # type: ignore[method-assign]
    typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    for cls in (typer.core.TyperCommand, typer.core.TyperGroup):
        if not getattr(cls.format_help, "_haken_fold", False):
            wrapped = _folding(cls.format_help)
            wrapped._haken_fold = True
            cls.format_help = wrapped  # type: ignore[method-assign]
