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
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError("ルールファイルを読めません", "cannot read rules file",
                         where=str(path)) from exc
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
        raise RulesError(
            f"YAMLの書式が正しくありません（{exc.problem}）",
            f"invalid YAML ({exc.problem})",
            where=where,
        ) from exc


def key_line(path: Path, key: str) -> str:
    """Best-effort ``file:line`` of a key, for messages about a value (not syntax)."""
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip().startswith(f"{key}:"):
                return f"{path}:{n}"
    except OSError:
        pass
    return str(path)
