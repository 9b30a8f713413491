"""My Number refusal (issue 7, R-DATA-2): settle reads the loader's structured signal
(``Dataset.my_number_columns``), never the wording of the finding; the finding stays."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from corpus.cases import MY_NUMBER, by_id, make
from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.errors import StructuralError
from haken_batch.load import Dataset, load_dataset
from haken_batch.load import headers as load_headers
from haken_batch.rules import load_rules

PAYER = Path(__file__).resolve().parents[1] / "samples" / "payer.demo.yaml"


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load_rules()


@pytest.mark.parametrize(("case_id", "column"), [("my-number-by-header", "マイナンバー"),
                                                 ("my-number-by-values", "備考")])
def test_loader_names_the_my_number_column_and_still_reports_it(
    case_id: str, column: str, tmp_path: Path, rules  # type: ignore[no-untyped-def]
) -> None:
    data = load_dataset(make(by_id(case_id), tmp_path / "data"), rules)
    assert data.my_number_columns == (("experts.csv", column),)
    found = data.findings.filter(pl.col("column") == column)
    assert found.height == 1
    row = found.row(0, named=True)
    assert row["file"] == "experts.csv" and row["rule_id"] == "R-VAL-1"
    assert row["severity"] == "error" and row["value"] == "＊＊＊＊"
    assert row["message_ja"] == load_headers.MY_NUMBER_FINDING_JA
    assert MY_NUMBER not in str(data.findings.to_dicts())


def test_clean_export_has_no_my_number_columns(tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    data = load_dataset(make(by_id("fullwidth-parens-in-header"), tmp_path / "data"), rules)
    assert data.my_number_columns == ()


def _dataset(findings: pl.DataFrame, columns: tuple[tuple[str, str], ...]) -> Dataset:
    return Dataset(tables={}, findings=findings, corrections=pl.DataFrame(), sources={},
                   my_number_columns=columns)


def test_refusal_reads_the_signal_not_the_message_text() -> None:
    worded = pl.DataFrame({"file": ["experts.csv"], "column": ["備考"],
                           "message_ja": [load_headers.MY_NUMBER_FINDING_JA]})
    cycle._refuse_my_number(_dataset(worded, ()))  # the text alone refuses nothing
    with pytest.raises(StructuralError) as err:
        cycle._refuse_my_number(_dataset(worded.clear(), (("experts.csv", "備考"),)))
    assert "experts.csv「備考」" in err.value.ja and "My Number" in err.value.en


def test_settle_refuses_whatever_the_finding_says(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the finding is reworded (say, a clearer message some day): the refusal must not care
    real = load_headers.one_issue

    def reworded(**kw: object) -> pl.DataFrame:
        return real(**{**kw, "ja": f"（文言変更）{kw['ja']}"})  # type: ignore[arg-type]

    monkeypatch.setattr(load_headers, "one_issue", reworded)
    data = make(by_id("my-number-by-header"), tmp_path / "data")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["settle", "2021-10", "--data", str(data), "--out",
                                      str(out), "--payer", str(PAYER), "--no-documents"])
    assert result.exit_code == 2, result.output
    assert "マイナンバー" in result.output and "experts.csv" in result.output
    assert MY_NUMBER not in result.output and "Traceback" not in result.output
    assert not out.exists()  # nothing written, not even the folder
