"""The bad-input corpus through the loader: the exact outcome of every malformed export.

Structural faults raise a HakenError (exit 2) whose Japanese message names the file (and the
byte offset, line or column); everything else is a finding naming file, row, column and
value, and the row stays. Secrets (My Numbers, account numbers) never come back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.cases import CASES, Case, make
from haken_batch.errors import HakenError


def params(cases: list[Case]) -> list[object]:
    out = []
    for c in cases:
        marks = []
        if c.slow:
            marks.append(pytest.mark.slow)
        if c.gap:
            marks.append(pytest.mark.xfail(strict=True, reason=f"loader gap: {c.gap}"))
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def matches(want: dict[str, object], got: dict[str, object]) -> bool:
    return all(got.get(k) == v for k, v in want.items())


def test_corpus_has_at_least_40_malformed_exports() -> None:
    bad = [c for c in CASES if c.exit != 0]
    assert len(bad) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


def test_base_is_clean(rules) -> None:
    from haken_batch.load import load_dataset

    ds = load_dataset(Path(__file__).parent / "corpus" / "base", rules)
    assert ds.findings.height == 0, ds.findings.to_dicts()
    assert {t: f.height for t, f in ds.tables.items()} == {
        "experts": 2, "institutions": 2, "dispatches": 3, "reports": 3, "checkins": 6,
        "travel_claims": 6}


@pytest.mark.parametrize("case", params(CASES))
def test_corpus_case_through_the_loader(case: Case, tmp_path: Path, rules) -> None:
    from haken_batch.load import load_dataset

    folder = make(case, tmp_path / "data")
    if case.exit == 2:
        with pytest.raises(HakenError) as err:
            load_dataset(folder, rules)
        assert err.value.exit_code == 2
        message = err.value.message("ja")
        for fragment in case.says:
            assert fragment in message, f"{fragment!r} not in {message!r}"
        assert err.value.message("en") != message  # an English message exists too
        return
    ds = load_dataset(folder, rules)
    findings = ds.findings.to_dicts()
    assert (1 if ds.errors().height else 0) == case.exit, findings
    for want in case.findings:
        assert any(matches(want, f) for f in findings), f"{want} not among {findings}"
    if case.exact:
        assert len(findings) == len(case.findings), findings
    for f in findings:
        assert f["file"] and f["message_ja"] and f["message_en"] and f["rule_id"]
    for secret in case.never:  # never echoed in a finding
        assert secret not in repr(findings), f"{secret!r} was echoed in a finding"
    if case.id.startswith("my-number"):  # and a My Number is not even kept
        kept = "".join(repr(t.to_dicts()) for t in ds.tables.values())
        for secret in case.never:
            assert secret not in kept, f"{secret!r} was kept in the tables"
