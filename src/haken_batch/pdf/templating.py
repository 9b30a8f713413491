"""Wording and layout of printed documents, read from ``templates/<doc>/<doc>.yaml``.

Texts are jinja2 templates rendered with ``StrictUndefined``: a variable that does not exist
or is None stops the run with a message naming the template key (never a blank on a notice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from haken_batch.errors import ConfigError, HakenError

_REIWA_START = dt.date(2019, 5, 1)


def yen(value: int) -> str:
    """12345 -> "12,345" (integer yen only; a float is a bug upstream)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"yen amount must be int, got {type(value).__name__}")
    return f"{value:,}"


def ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def wareki(day: dt.date) -> str:
    """令和 dates only (every date this tool handles is after 2019-05-01)."""
    if day < _REIWA_START:
        raise HakenError(f"{day} は令和より前の日付です", f"{day} is before the Reiwa era")
    year = day.year - 2018
    return f"令和{'元' if year == 1 else year}年{day.month}月{day.day}日"


def cycle_ja(cycle: str) -> str:
    year, month = cycle.split("-")
    return f"{int(year)}年{int(month)}月"


@dataclass
class DocTemplate:
    """One document's YAML: ``data`` as loaded, texts rendered on demand (compiled once)."""

    path: Path
    data: dict[str, Any]
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)
    _env: Any = field(default=None, repr=False)

    def __getitem__(self, key: str) -> Any:
        try:
            return self.data[key]
        except KeyError:
            raise ConfigError(f"テンプレートに「{key}」がありません",
                              f"template has no {key!r}", where=str(self.path)) from None

    def text(self, key: str, **values: Any) -> str:
        """Render ``texts.<key>`` (a dotted key reaches into lists: ``payer_lines.0``)."""
        source = self._lookup(key)
        return self.render(source, key=key, **values)

    def texts(self, key: str, **values: Any) -> list[str]:
        raw = self._lookup(key)
        if not isinstance(raw, list):
            raise ConfigError(f"テンプレートの「texts.{key}」は一覧である必要があります",
                              f"template texts.{key} must be a list", where=str(self.path))
        return [self.render(item, key=f"{key}.{i}", **values) for i, item in enumerate(raw)]

    def render(self, source: Any, *, key: str, **values: Any) -> str:
        import jinja2

        if not isinstance(source, str):
            raise ConfigError(f"テンプレートの「{key}」は文字列である必要があります",
                              f"template {key!r} must be a string", where=str(self.path))
        compiled = self._compiled.get(source)
        try:
            if compiled is None:
                compiled = self._environment().from_string(source)
                self._compiled[source] = compiled
            nulls = sorted(k for k, v in values.items() if v is None)
            if nulls:
                raise jinja2.UndefinedError(f"{nulls} is None")
            return str(compiled.render(**values)).strip()
        except jinja2.TemplateError as exc:
            raise ConfigError(
                f"テンプレート「{key}」を表示できません（{exc}）。値が欠けているか、テンプレートの誤りです",
                f"cannot render template {key!r} ({exc}): a value is missing or the template"
                " is wrong",
                where=str(self.path),
            ) from exc

    def _lookup(self, key: str) -> Any:
        texts = self["texts"]
        if key not in texts:
            raise ConfigError(f"テンプレートに「texts.{key}」がありません",
                              f"template has no texts.{key}", where=str(self.path))
        return texts[key]

    def _environment(self) -> Any:
        if self._env is None:
            import jinja2

            env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                     keep_trailing_newline=False)
            env.filters.update(yen=yen, ymd=ymd, wareki=wareki, cycle_ja=cycle_ja)
            self._env = env
        return self._env


def load_template(name: str, root: Path | None = None) -> DocTemplate:
    """``templates/<name>/<name>.yaml`` from the bundled templates (or ``root``)."""
    from haken_batch.resources import templates_dir
    from haken_batch.rules.yaml_loader import load_yaml

    path = (root or templates_dir()) / name / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"テンプレート {path} がありません", f"template {path} not found")
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("テンプレートの書式が正しくありません", "template is not a mapping",
                          where=str(path))
    return DocTemplate(path=path, data=data)
