"""`haken explain --lang en` tells the engine's checks (message_en) and the notes of the money
lines (note_en) in English, Japanese unchanged; `--format json` carries both. The bundled
samples are settled with the real engine (documents off) and explain re-runs a cycle from
its archive."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

pytestmark = pytest.mark.skipif(
    not (SAMPLES / "fy2021").is_dir(), reason="samples/fy2021 not present"
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain-en") / "out"
    cycle.settle_cycle(Options(cycle="2021-10", data_dir=SAMPLES / "fy2021", out_dir=out,
                               payer_file=SAMPLES / "payer.demo.yaml", documents=False))
    return out


def _explain(out: Path, dispatch_id: str, *extra: str) -> str:
    res = CliRunner().invoke(app, ["explain", dispatch_id, "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return res.output


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)  # rich may wrap long lines


def test_R_CHK_3_held_dispatch_explained_in_english(out: Path) -> None:
    en = _flat(_explain(out, "D21-P036", "--lang", "en"))
    assert "R-CHK-3: hold (check-in time 16 min from the approved start" in en
    assert "- R-CHK-3 [hold] check-in time 16 min from the approved start" in en
    assert "R-CHK-6: pass (no problem)" in en
    assert "チェックイン時刻" not in en and "問題なし" not in en
    ja = _flat(_explain(out, "D21-P036"))
    assert "R-CHK-3: 保留（チェックイン時刻が承認開始と16分差（許容 15分・500m））" in ja
    assert "check-in time" not in ja


def test_R_CHK_7_held_dispatch_explained_in_english(out: Path) -> None:
    en = _flat(_explain(out, "D21-P046", "--lang", "en"))
    assert "R-CHK-7: hold (approved time overlaps the same expert's dispatch D21-P047)" in en
    assert "承認時間が重なる" not in en


def test_explain_json_carries_both_languages(out: Path) -> None:
    story = json.loads(_explain(out, "D21-P036", "--format", "json"))
    chk = next(c for c in story["checks"] if c["rule_id"] == "R-CHK-3")
    assert chk["detail"].startswith("チェックイン時刻が承認開始と16分差")
    assert chk["detail_en"].startswith("check-in time 16 min")
    finding = next(f for f in story["findings"] if f["rule_id"] == "R-CHK-3")
    assert finding["message"] == chk["detail"] and finding["message_en"] == chk["detail_en"]


def test_R_FEE_3_fee_line_note_in_english(out: Path) -> None:
    en = _flat(_explain(out, "D21-P006", "--lang", "en"))
    assert ("claimed 15,840 -> paid 10,560 yen (R-FEE-3, 180 min face to face -> 6 x 30 min"
            " x 5,280 yen/hour, daily cap 31,680 yen (already paid that day 0 yen, earlier"
            " dispatches 21,120 yen))") in en
    assert "対面" not in en and "日額上限" not in en
    ja = _flat(_explain(out, "D21-P006"))
    assert ("（R-FEE-3、対面180分 → 6×30分 × 5,280円/時、日額上限31,680円（同日の既払い0円"
            "・先行派遣21,120円））") in ja
    assert "face to face" not in ja


def test_held_dispatch_lines_say_held_in_english(out: Path) -> None:
    en = _flat(_explain(out, "D21-P036", "--lang", "en"))
    assert "(R-CHK-3, held (R-CHK-3))" in en and "保留（R-CHK-3）" not in en


def test_explain_json_lines_carry_both_notes(out: Path) -> None:
    story = json.loads(_explain(out, "D21-P006", "--format", "json"))
    fee = next(ln for ln in story["lines"] if ln["line_no"] == 0)
    assert fee["note"].startswith("対面180分 → 6×30分 × 5,280円/時")
    assert fee["note_en"].startswith("180 min face to face -> 6 x 30 min x 5,280 yen/hour")


def test_a_correction_of_a_blank_cell_reads_blank_with_the_clerks_labels(out: Path) -> None:
    """The sample's #3 fills a rental car's empty 事務局精査額: explain printed 「None」 and
    the English column name (found by a blind corrections check)."""
    ja = _explain(out, "D21-P054")
    assert "旅費請求明細 D21-P054;1 の 事務局精査額 を「（空欄）」→「8800」" in ja
    en = _explain(out, "D21-P054", "--lang", "en")
    assert 'approved_amount (blank) -> "8800"' in en
    assert "None" not in ja + en
