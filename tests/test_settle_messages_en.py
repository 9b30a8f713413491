"""Every result row of the engine has an English twin (``message_en``) of its Japanese
``message``, built with the same values; ``message`` itself is unchanged (findings.csv).
Likewise every money line has ``note_en``, the English twin of its ``note`` (lines.csv).

The bundled samples (2021-10 then 2021-11, as test_settle_samples settles them) are settled
keeping every check (passes too), so every kind of message the samples reach is read.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from haken_batch.load import load_dataset
from haken_batch.rules import load_rules
from haken_batch.run import Settlement
from haken_batch.settle.engine import empty_ledger, settle

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "fy2021"
CYCLES = (
    ("2021-10", dt.date(2021, 10, 31), dt.date(2021, 11, 19)),
    ("2021-11", dt.date(2021, 11, 30), dt.date(2021, 12, 20)),
)
JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
HIRAGANA = re.compile(r"[\u3040-\u309f]")
# free text and codes of the export that messages quote as written (reasons, modes, keys)
DATA_TEXT = {
    "reports": ["no_accompany_reason"],
    "travel_claims": ["reason", "mode", "lodging_type", "seat_class"],
    "checkins": ["event"],
}

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples/fy2021 not present")


@pytest.fixture(scope="module")
def runs() -> tuple[dict[str, Settlement], list[str]]:
    rules = load_rules(None)
    data = load_dataset(SAMPLES, rules)
    previous = empty_ledger()
    out = {}
    for cyc, cutoff, transfer in CYCLES:
        s = settle(data, rules, cycle=cyc, cutoff=cutoff, transfer_date=transfer,
                   previous=previous, record_checks=True)
        previous = pl.concat([previous, s.ledger])
        out[cyc] = s
    values = sorted(
        {
            v
            for table, cols in DATA_TEXT.items()
            for col in cols
            if col in data.tables[table].columns
            for v in data.tables[table].get_column(col).cast(pl.String).drop_nulls().to_list()
            if v.strip()
        },
        key=len,
        reverse=True,
    )
    return out, values


@pytest.fixture(scope="module")
def settled(runs) -> tuple[dict[str, pl.DataFrame], list[str]]:
    out, values = runs
    return {c: s.extra["checks"] for c, s in out.items()}, values


def _without_data(text: str, values: list[str]) -> str:
    for v in values:
        text = text.replace(v, "")
    return text


def test_every_result_row_has_an_english_message(settled) -> None:
    checks, _ = settled
    for cyc, frame in checks.items():
        assert "message_en" in frame.columns
        empty = frame.filter(pl.col("message_en").fill_null("").str.strip_chars() == "")
        # R-FEE-2 is never a failure: its failing message is empty in both languages
        assert empty.height == 0, (cyc, empty.head(5).to_dicts())
        assert frame.filter(pl.col("outcome") == "pass").height > 0, "passes are kept"


def test_english_messages_have_no_japanese_but_the_data_they_quote(settled) -> None:
    checks, values = settled
    for cyc, frame in checks.items():
        rules_seen = set(frame.get_column("rule_id").to_list())
        assert {"R-CHK-3", "R-CHK-7", "R-FEE-3", "R-TRV-9", "R-LIM-1", "R-EXC-3"} <= rules_seen
        bad = [
            (r["rule_id"], r["message_en"])
            for r in frame.select("rule_id", "message_en").unique().iter_rows(named=True)
            if JAPANESE.search(_without_data(r["message_en"], values))
        ]
        assert not bad, (cyc, bad[:10])
        # the engine's own words never bring hiragana; only quoted free text can
        quoted = frame.filter(
            ~pl.col("rule_id").is_in(["R-CHK-4", "R-TRV-6", "R-VAL-1", "R-VAL-2"])
        )
        assert not [m for m in quoted.get_column("message_en").to_list() if HIRAGANA.search(m)]


def test_english_carries_the_same_numbers_as_the_japanese(settled) -> None:
    checks, _ = settled
    number = re.compile(r"\d+(?:\.\d+)?")
    for frame in checks.values():
        for r in frame.iter_rows(named=True):
            if r["rule_id"] in ("R-VAL-1", "R-VAL-2"):  # the validator's own wording
                continue
            # fixed wording with a digit in Japanese only: 1km未満 (R-TRV-7), 1日1回 (R-TRV-9)
            words = r["message"].replace("1km未満", "").replace("1日1回", "")
            ja = sorted(number.findall(words))
            en = sorted(number.findall(r["message_en"]))
            assert ja == en, (r["rule_id"], r["message"], r["message_en"])


def test_planted_holds_read_in_english(settled) -> None:
    frame = settled[0]["2021-10"]

    def en(dispatch_id: str, rule_id: str) -> str:
        rows = frame.filter(
            (pl.col("dispatch_id") == dispatch_id) & (pl.col("rule_id") == rule_id)
        )
        return rows.get_column("message_en").to_list()[0]

    assert en("D21-P036", "R-CHK-3") == (
        "check-in time 16 min from the approved start (tolerance 15 min, 500 m)"
    )
    assert en("D21-P046", "R-CHK-7") == "approved time overlaps the same expert's dispatch D21-P047"
    assert en("D21-P045", "R-CHK-6").startswith("the company's confirmation")
    passes = frame.filter((pl.col("outcome") == "pass") & (pl.col("message") == "問題なし"))
    assert set(passes.get_column("message_en").to_list()) == {"no problem"}


def test_scale_runs_keep_the_same_non_pass_rows_and_skip_english_notes(settled) -> None:
    """A run without documents keeps the same non-pass rows, word for word in Japanese.
    It builds no English line notes (``note_en`` null): English that quotes a note is
    null there, any other English is the full run's."""
    checks, _ = settled
    rules = load_rules(None)
    data = load_dataset(SAMPLES, rules)
    cyc, cutoff, transfer = CYCLES[0]
    run = settle(data, rules, cycle=cyc, cutoff=cutoff, transfer_date=transfer,
                 previous=empty_ledger(), record_checks=False)
    lean = run.extra["checks"]
    full = checks[cyc].filter(pl.col("outcome") != "pass")
    assert lean.height > 0 and lean.drop("message_en").equals(full.drop("message_en"))
    pairs = list(zip(lean.get_column("message_en"), full.get_column("message_en"),
                     strict=True))
    assert all(a is None or a == b for a, b in pairs)
    assert any(a is not None for a, _ in pairs)  # English that quotes no note stays
    assert run.lines.get_column("note_en").null_count() == run.lines.height


# ------------------------------------------------------------- the money lines' notes


def test_every_line_has_an_english_note_without_japanese_but_quoted_data(runs) -> None:
    out, values = runs
    for cyc, s in out.items():
        lines = s.lines
        assert lines.height > 0 and "note_en" in lines.columns
        empty = lines.filter(pl.col("note_en").fill_null("").str.strip_chars() == "")
        assert empty.height == 0, (cyc, empty.head(5).to_dicts())
        notes = lines.get_column("note_en").unique().to_list()
        assert not [n for n in notes if HIRAGANA.search(_without_data(n, values))], cyc
        assert not [n for n in notes if JAPANESE.search(_without_data(n, values))], cyc
        # every kind of line is there: fee (paid, capped, held, excluded), travel, per diem
        rules_seen = set(lines.get_column("rule_id").to_list())
        assert {"R-FEE-2", "R-TRV-3", "R-TRV-7", "R-TRV-9"} <= rules_seen, cyc


def test_english_notes_carry_the_same_numbers_as_the_japanese(runs) -> None:
    out, _ = runs
    number = re.compile(r"\d+(?:\.\d+)?")
    for s in out.values():
        for r in s.lines.select("rule_id", "note", "note_en").unique().iter_rows(named=True):
            # fixed wording with a digit in Japanese only: 1km未満 (R-TRV-7)
            ja = sorted(number.findall(r["note"].replace("1km未満", "")))
            en = sorted(number.findall(r["note_en"]))
            assert ja == en, (r["rule_id"], r["note"], r["note_en"])


def test_planted_lines_read_in_english(runs) -> None:
    lines = runs[0]["2021-10"].lines

    def note(dispatch_id: str, line_no: int) -> tuple[str, str]:
        row = lines.filter((pl.col("dispatch_id") == dispatch_id) & (pl.col("line_no") == line_no))
        return row.get_column("note").item(), row.get_column("note_en").item()

    # R-FEE-3: the fee line cut by the daily cap
    assert note("D21-P006", 0) == (
        "対面180分 → 6×30分 × 5,280円/時、日額上限31,680円（同日の既払い0円・先行派遣21,120円）",
        "180 min face to face -> 6 x 30 min x 5,280 yen/hour, daily cap 31,680 yen"
        " (already paid that day 0 yen, earlier dispatches 21,120 yen)",
    )
    # R-CHK-3 holds the whole dispatch: its fee line says so
    assert note("D21-P036", 0) == ("保留（R-CHK-3）", "held (R-CHK-3)")


def test_yen_in_messages_carry_thousands_separators() -> None:
    """A reason read 「請求12000円 → 9800円」 beside 9,800 in the notice's table (independent
    check of the documents, session 19): yen in a message are written as everywhere else."""
    from haken_batch.settle.results import yen_txt, yen_txt_en

    values = pl.DataFrame({"v": [0, 37, 999, 1000, 9800, 31680, 1234567, -12000, None]},
                          schema={"v": pl.Int64})
    assert values.select(yen_txt(pl.col("v"))).to_series().to_list() == [
        "0", "37", "999", "1,000", "9,800", "31,680", "1,234,567", "-12,000", "空欄"]
    assert values.select(yen_txt_en(pl.col("v"))).to_series().to_list()[-1] == "blank"
