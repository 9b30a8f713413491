"""The payer's side of the transfer (依頼人): a small YAML config (stub; Zengin work fills it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PayerConfig:
    path: Path | None
    raw: dict[str, Any]


def load_payer(path: Path | None) -> PayerConfig:
    return PayerConfig(path=path, raw={})
