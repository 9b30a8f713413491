"""The column map of `rules/columns.yaml` as typed objects (table specs, column specs)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from haken_batch.errors import RulesError
from haken_batch.privacy import ALWAYS_SECRET, MY_NUMBER_HEADERS

KINDS = {
    "id", "text", "name", "kana", "int", "yen", "float", "date", "time", "timestamp", "bool",
    "list", "enum", "prefecture", "jsic", "inst_kind", "account_type", "digits", "fee_class",
}
_COLUMN_KEYS = {"name", "kind", "required", "nullable", "codes", "min", "max", "width", "bank",
                "personal", "secret", "blank"}
TABLE_ORDER = ("experts", "institutions", "dispatches", "reports", "checkins", "travel_claims")
# The tables whose rows belong to one dispatch (their key starts with dispatch_id).
DISPATCH_TABLES = ("dispatches", "reports", "checkins", "travel_claims")
CORRECTIONS = "corrections"


def fold(text: str) -> str:
    """How headers and table names are compared: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    label: str
    kind: str
    required: bool = True
    nullable: bool = True
    codes: str | None = None
    min: float | None = None
    max: float | None = None
    width: int | None = None
    bank: bool = False
    personal: bool = False
    secret: bool = False
    blank_null: bool = False  # bool: an empty cell is null (unknown), not false

    @property
    def rule_id(self) -> str:
        return "R-VAL-2" if self.bank else "R-VAL-1"


@dataclass(frozen=True)
class TableSpec:
    name: str
    ja: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    optional_table: bool = False

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def by_header(self) -> dict[str, ColumnSpec]:
        """Folded header (label or English name) -> column."""
        out: dict[str, ColumnSpec] = {}
        for col in self.columns:
            out[fold(col.name)] = col
            out[fold(col.label)] = col
        return out


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    parent: str
    parent_column: str
    severity: str = "error"


@dataclass(frozen=True)
class ColumnMap:
    tables: dict[str, TableSpec]
    references: tuple[Reference, ...]
    id_pattern: str
    reserved_ids: frozenset[str]
    my_number_headers: tuple[re.Pattern[str], ...]
    my_number_values: str
    date_min: str
    date_max: str
    max_cell_bytes: int = 65536

    def table_for_stem(self, stem: str) -> str | None:
        """A file stem or sheet name (English or Japanese table name) -> table name."""
        key = fold(stem)
        for spec in self.tables.values():
            if key in (fold(spec.name), fold(spec.ja)):
                return spec.name
        return None

    def looks_like_my_number_header(self, header: str) -> bool:
        folded = fold(header)
        return any(rx.search(folded) for rx in self.my_number_headers)


def _fail(what: str, where: str) -> RulesError:
    return RulesError(f"columns.yaml: {what} が正しくありません", f"columns.yaml: bad {what}",
                      where=where)


def column_map(raw: dict[str, Any], where: str = "rules/columns.yaml") -> ColumnMap:
    """Check and type the parsed `columns.yaml` (a bad map is a RulesError, exit 2)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
        raise RulesError("ルールに columns.yaml（列の対応表）がありません",
                         "the rules have no columns.yaml (column map)", where=where)
    tables: dict[str, TableSpec] = {}
    for tname, body in raw["tables"].items():
        if not isinstance(body, dict) or not isinstance(body.get("columns"), dict):
            raise _fail(f"表 {tname}", where)
        cols: list[ColumnSpec] = []
        for label, c in body["columns"].items():
            if not isinstance(c, dict) or set(c) - _COLUMN_KEYS or c.get("kind") not in KINDS:
                raise _fail(f"{tname}.{label}", where)
            cols.append(ColumnSpec(
                name=str(c["name"]), label=str(label), kind=str(c["kind"]),
                required=bool(c.get("required", True)), nullable=bool(c.get("nullable", True)),
                codes=c.get("codes"), min=c.get("min"), max=c.get("max"), width=c.get("width"),
                bank=bool(c.get("bank", False)), personal=bool(c.get("personal", False)),
                secret=bool(c.get("secret", False)) or str(c["name"]) in ALWAYS_SECRET,
                blank_null="blank" in c and c["blank"] is None,
            ))
        names = [c.name for c in cols]
        if len(set(names)) != len(names):
            raise _fail(f"表 {tname} の列名（重複）", where)
        key = tuple(body.get("key") or ())
        if set(key) - set(names):
            raise _fail(f"表 {tname} のキー", where)
        tables[str(tname)] = TableSpec(name=str(tname), ja=str(body.get("ja", tname)), key=key,
                                       columns=tuple(cols),
                                       optional_table=bool(body.get("optional_table", False)))
    missing = [t for t in (*TABLE_ORDER, CORRECTIONS) if t not in tables]
    if missing:
        raise _fail(f"表 {missing}", where)
    refs = tuple(Reference(**r) for r in raw.get("references") or ())
    mn = raw.get("my_number") or {}
    dates = raw.get("plausible_dates") or {}
    if not isinstance(mn, dict) or not isinstance(mn.get("header_patterns") or [], list):
        raise _fail("my_number", where)
    try:  # the built-in headers always, whatever a rules copy lists
        headers = tuple(re.compile(str(p), re.IGNORECASE) for p in
                        (*MY_NUMBER_HEADERS, *(mn.get("header_patterns") or ())))
        values = str(mn.get("value_pattern", r"^[0-9]{12}$"))
        re.compile(values)
    except re.error:
        raise _fail("my_number の正規表現", where) from None
    cell_bytes = raw.get("max_cell_bytes", 65536)
    if not isinstance(cell_bytes, int) or isinstance(cell_bytes, bool) or cell_bytes < 1024:
        raise _fail("max_cell_bytes（1024 以上の整数）", where)
    return ColumnMap(
        tables=tables,
        references=refs,
        id_pattern=str(raw.get("id_pattern", r"^[0-9A-Za-z][0-9A-Za-z_.\-]{0,63}$")),
        reserved_ids=frozenset(str(x).upper() for x in raw.get("reserved_ids") or ()),
        my_number_headers=headers,
        my_number_values=values,
        date_min=str(dates.get("min", "1900-01-01")),
        date_max=str(dates.get("max", "2999-12-31")),
        max_cell_bytes=cell_bytes,
    )


def export_specs(rules: Any) -> dict[str, TableSpec]:
    """The column map a run read its exports with (each column's export header, each
    table's Japanese name); empty for rules built without one (tests)."""
    raw = getattr(rules, "columns", None)
    if raw is None:
        return {}
    try:
        return column_map(raw, where="columns.yaml").tables
    except RulesError:
        return {}
