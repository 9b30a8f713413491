"""Dated rule parameters and code lists, read from the `rules/` tree."""

from haken_batch.rules.book import RuleBook, load_rules

__all__ = ["RuleBook", "load_rules"]
