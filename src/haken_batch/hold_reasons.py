"""What a hold under each rule means and what the clerk does about it
(``templates/hold_reasons.yaml``): the settle summary shows the meaning, explain the todo."""

from __future__ import annotations

from functools import cache


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    import yaml

    from haken_batch.resources import templates_dir

    path = templates_dir() / "hold_reasons.yaml"
    if not path.is_file():  # a tree without the catalogue: rule ids alone, as before
        return {}
    raw = yaml.safe_load(path.read_text("utf-8")) or {}
    return {str(k): {str(f): str(t) for f, t in v.items()} for k, v in raw.items()}


def meanings(lang: str) -> dict[str, str]:
    """rule id -> what a hold under it means, in ``lang`` (ja, en)."""
    return {rule: entry.get(lang, "") for rule, entry in _catalogue().items()}


def todos(lang: str) -> dict[str, str]:
    """rule id -> what the clerk does about such a hold, in ``lang``."""
    return {rule: entry.get(f"todo_{lang}", "") for rule, entry in _catalogue().items()}
