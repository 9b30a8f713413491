"""The rule book: dated parameters (OpenFisca style) and code lists.

Layout of a rules tree::

    parameters/<group>.yaml   one mapping per parameter -> name "<group>.<key>"
    codes/<list>.yaml         code lists (prefectures, JSIC, …)
    columns.yaml              export label -> column name, per table

A parameter::

    hourly_rate:
      description: 謝金の時間単価（消費税込み）
      reference: R-FEE-1
      unit: yen/hour
      values:
        2021-04-01: 5280
        2022-04-01: null      # null ends the value

``value_at(name, date)`` returns the value whose start is the latest one ≤ date. Every name,
unit and value is checked at load against what the code reads (``expected.py``, ``units.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haken_batch.errors import RulesError
from haken_batch.rules.expected import check as check_parameters
from haken_batch.rules.yaml_loader import key_line, load_yaml

_DATE_RX = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARAM_KEYS = {"description", "description_en", "reference", "unit", "values", "reading",
               "documentation"}


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    reference: str
    unit: str | None
    reading: str | None
    values: tuple[tuple[dt.date, Any], ...]  # ascending by start date
    source: str
    description_en: str = ""  # for `rules show --lang en` (the Japanese one when blank)

    def value_at(self, on: dt.date | str) -> Any:
        day = _as_date(on)
        found: Any = _MISSING
        for start, value in self.values:
            if start <= day:
                found = value
            else:
                break
        if found is _MISSING or found is None:
            raise RulesError(
                f"パラメータ「{self.name}」は {day.isoformat()} 時点で定められていません",
                f"parameter {self.name!r} has no value on {day.isoformat()}",
                where=self.source,
            )
        return found

    def start_of_value_at(self, on: dt.date | str) -> dt.date:
        """The start date of the value in force (for explanations)."""
        day = _as_date(on)
        starts = [s for s, _ in self.values if s <= day]
        if not starts:
            self.value_at(day)  # raises the clear error
        return starts[-1]


_MISSING = object()


def _parse_parameter(name: str, body: Any, path: Path) -> Parameter:
    where = key_line(path, name.rsplit(".", 1)[-1])
    if not isinstance(body, dict):
        raise RulesError(f"パラメータ「{name}」は対応表である必要があります",
                         f"parameter {name!r} must be a mapping", where=where)
    unknown = sorted(set(body) - _PARAM_KEYS)
    if unknown:
        raise RulesError(f"パラメータ「{name}」に不明なキー {unknown} があります",
                         f"parameter {name!r} has unknown keys {unknown}", where=where)
    values = body.get("values")
    if not isinstance(values, dict) or not values:
        raise RulesError(f"パラメータ「{name}」に values がありません",
                         f"parameter {name!r} has no values", where=where)
    parsed: list[tuple[dt.date, Any]] = []
    for key, value in values.items():
        if not isinstance(key, str) or not _DATE_RX.match(key):
            raise RulesError(f"パラメータ「{name}」の開始日「{key}」は YYYY-MM-DD ではありません",
                             f"parameter {name!r}: start {key!r} is not YYYY-MM-DD", where=where)
        try:
            start = dt.date.fromisoformat(key)
        except ValueError as exc:
            raise RulesError(f"パラメータ「{name}」の開始日「{key}」は存在しない日付です",
                             f"parameter {name!r}: {key!r} is not a real date",
                             where=where) from exc
        parsed.append((start, value))
    parsed.sort(key=lambda item: item[0])
    return Parameter(
        name=name,
        description=str(body.get("description", "")),
        reference=str(body.get("reference", "")),
        unit=body.get("unit"),
        reading=body.get("reading"),
        values=tuple(parsed),
        source=where,
        description_en=str(body.get("description_en") or ""),
    )


@dataclass(frozen=True)
class RuleBook:
    root: Path
    parameters: dict[str, Parameter]
    codes: dict[str, Any]
    columns: dict[str, Any]

    def value_at(self, name: str, on: dt.date | str) -> Any:
        return self.parameter(name).value_at(on)

    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise RulesError(f"パラメータ「{name}」がルールにありません",
                             f"no parameter {name!r} in the rules", where=str(self.root)) from None

    def in_force(self, on: dt.date | str) -> dict[str, Any]:
        """Every parameter that has a value on ``on``, by name (sorted)."""
        out: dict[str, Any] = {}
        for name in sorted(self.parameters):
            try:
                out[name] = self.parameters[name].value_at(on)
            except RulesError:
                continue
        return out

    def code(self, name: str) -> Any:
        try:
            return self.codes[name]
        except KeyError:
            raise RulesError(f"コード表「{name}」がルールにありません",
                             f"no code list {name!r} in the rules", where=str(self.root)) from None

    def files(self) -> list[Path]:
        """Every file of the rules tree, sorted (for the manifest and archive)."""
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def digest(self) -> str:
        h = hashlib.sha256()
        for path in self.files():
            h.update(path.relative_to(self.root).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
        return h.hexdigest()


def _names_are_text(root: Path) -> None:
    """Every file of the tree is hashed and archived under its name (manifest JSON): one
    named in CP932 (a ZIP from Windows) is told, not a traceback (helper review)."""
    from haken_batch.fsnames import readable, still_cp932, undecodable

    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if undecodable(name):
            raise RulesError(*still_cp932(readable(name)),
                             where=readable(str(root)))


def load_rules(root: Path | None = None) -> RuleBook:
    """Load and check a rules tree (default: the bundled one)."""
    if root is None:
        from haken_batch.resources import rules_dir

        root = rules_dir()
    root = Path(root)
    if not (root / "parameters").is_dir():
        raise RulesError("ルールフォルダに parameters/ がありません",
                         "rules folder has no parameters/", where=str(root))
    _names_are_text(root)
    parameters: dict[str, Parameter] = {}
    for path in sorted((root / "parameters").glob("*.yaml")):
        body = load_yaml(path)
        if not isinstance(body, dict):
            raise RulesError("パラメータファイルは対応表である必要があります",
                             "a parameter file must be a mapping", where=str(path))
        group = path.stem
        for key, value in body.items():
            name = f"{group}.{key}"
            parameters[name] = _parse_parameter(name, value, path)
    check_parameters(parameters, root)  # names, units and values the code can use
    codes: dict[str, Any] = {}
    codes_dir = root / "codes"
    if codes_dir.is_dir():
        for path in sorted(codes_dir.glob("*.yaml")):
            codes[path.stem] = load_yaml(path)
    columns_path = root / "columns.yaml"
    columns = load_yaml(columns_path) if columns_path.exists() else {}
    return RuleBook(root=root, parameters=parameters, codes=codes, columns=columns or {})
