"""A hardened YAML loader for rule files.

PyYAML's ``safe_load`` turns ``2021-04-01:`` keys into dates and silently keeps the last of
two duplicate keys. Rules are evidence for auditors, so here dates stay strings and a
duplicate key is an error that names ``file:line``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from haken_batch.errors import RulesError

try:  # libyaml parses several times faster (start-up of every command)
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]


class _StrictLoader(_Base):
    """SafeLoader without the timestamp resolver and with duplicate-key detection."""


# Drop the implicit timestamp resolver so dates stay strings.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            line = key_node.start_mark.line + 1
            raise RulesError(
                f"キー「{key}」が重複しています",
                f"duplicate key {key!r}",
                where=f"{getattr(loader, 'name', None) or key_node.start_mark.name}:{line}",
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file strictly; errors carry ``file:line``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # a CSV or workbook given for YAML, say
        raise RulesError("ファイルを読めません（UTF-8 のテキストではありません）",
                         "cannot read the file (not UTF-8 text)", where=str(path)) from exc
    except OSError as exc:
        raise RulesError(f"ファイルを読めません（{exc.strerror}）",
                         f"cannot read the file ({exc.strerror})", where=str(path)) from exc
    try:
        loader = _StrictLoader(text)
        loader.name = str(path)  # type: ignore[attr-defined]
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        hint_ja, hint_en = _hint(text, mark.line if mark else None)
        raise RulesError(
            f"YAMLの書式が正しくありません{hint_ja}（{exc.problem}）",
            f"invalid YAML{hint_en} ({exc.problem})",
            where=where,
        ) from exc
    except RecursionError:  # thousands of nested brackets: a traceback otherwise
        raise RulesError("YAMLの書式が正しくありません（入れ子が深すぎます）",
                         "invalid YAML (nested too deeply)", where=str(path)) from None


def _hint(text: str, line: int | None) -> tuple[str, str]:
    """The usual slips of hand-edited YAML, in words: a tab or a full-width space indenting
    a line (YAML takes half-width spaces only; a clerk's editor puts either)."""
    lines = text.splitlines()
    near = [n for n in (line, (line or 0) - 1) if n is not None and 0 <= n < len(lines)]
    for n in near:
        indent = lines[n][:len(lines[n]) - len(lines[n].lstrip(" \t\u3000"))]
        if "\t" in indent or "\t" in lines[n]:
            return (f"。{n + 1}行目にタブ文字があります。字下げは半角スペースで書いてください",
                    f": line {n + 1} holds a tab; indent with spaces")
        if "\u3000" in indent:
            return (f"。{n + 1}行目の字下げに全角スペースがあります。半角スペースで書いてください",
                    f": line {n + 1} is indented with a full-width space; use spaces")
    return "", ""


def key_line(path: Path, key: str) -> str:
    """Best-effort ``file:line`` of a key, for messages about a value (not syntax)."""
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip().startswith(f"{key}:"):
                return f"{path}:{n}"
    except OSError:
        pass
    return str(path)
