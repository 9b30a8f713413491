"""docs/spec/ is the specification as the code follows it (an auditor's checkout has no
../shared/spec): a copy, unchanged. Where the shared specification is mounted beside the
repository, a change there fails this test until it is brought in on purpose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "spec"
FILES = ("rules.md", "input-contract.md", "zengin.md")


@pytest.mark.parametrize("name", FILES)
def test_the_copy_is_the_shared_spec(name: str) -> None:
    if not (SHARED / name).is_file():
        pytest.skip("the shared specification is not mounted here")
    assert (REPO / "docs" / "spec" / name).read_bytes() == (SHARED / name).read_bytes()


def test_every_rule_id_the_code_cites_is_in_the_spec() -> None:
    known = set(re.findall(r"^- (R-[A-Z]+-\d+)", (REPO / "docs" / "spec" / "rules.md")
                           .read_text("utf-8"), re.M))
    assert len(known) > 40
    cited: set[str] = set()
    for path in [*(REPO / "src").rglob("*.py"), *(REPO / "rules").rglob("*.yaml"),
                 *(REPO / "templates").rglob("*.yaml")]:
        cited |= set(re.findall(r"\bR-[A-Z]+-\d+\b", path.read_text("utf-8")))
    assert cited and cited <= known, sorted(cited - known)
