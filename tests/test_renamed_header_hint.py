"""R-VAL-1: a required header renamed in the export stops the run with a hint the clerk can
follow literally: rewrite the key in rules/columns.yaml (adding a line, as the hint said
until session 20, is refused as a duplicate column; docs review)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from haken_batch.errors import StructuralError
from haken_batch.load import load_dataset
from haken_batch.rules import load_rules
from sample_runs import REPO, SAMPLES


def _renamed(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLES, data)
    path = data / "travel_claims.csv"
    head, rest = path.read_text(encoding="utf-8-sig").split("\n", 1)
    cells = head.split(",")
    cells[cells.index("運賃")] = "運賃（円）"
    path.write_text("\ufeff" + ",".join(cells) + "\n" + rest, encoding="utf-8")
    return data


def test_R_VAL_1_a_renamed_header_says_which_key_to_rewrite_and_doing_so_works(
        tmp_path: Path) -> None:
    data = _renamed(tmp_path)
    with pytest.raises(StructuralError) as stop:
        load_dataset(data, load_rules())
    assert ("rules/columns.yaml で「運賃」の見出し（キー）を新しい名前に書き換えてください"
            in stop.value.ja)
    assert "change the key '運賃' in rules/columns.yaml" in stop.value.en
    # what the hint says, done to a copy of the rules, reads the export
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    columns = rules / "columns.yaml"
    text = columns.read_text(encoding="utf-8")
    assert text.count("      運賃: {name: fare,") == 1
    columns.write_text(text.replace("      運賃: {name: fare,", "      運賃（円）: {name: fare,"),
                       encoding="utf-8")
    loaded = load_dataset(data, load_rules(rules))
    assert loaded.tables["travel_claims"]["fare"].sum() > 0
