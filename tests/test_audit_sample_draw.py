"""Audit samples (R-PAY-6): reproducible, redrawable by hand, spread, leaning to flags."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haken_batch.audit_sample import EMAIL, EVIDENCE, Candidate, draw, draw_key, spread_draw
from haken_batch.rules import load_rules
from test_archive_fixture import ENGINE, make_data, make_rules, options

PREFS = ["北海道", "宮城県", "東京都", "愛知県", "大阪府", "広島県", "香川県", "福岡県", "沖縄県"]


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory):
    return load_rules(make_rules(tmp_path_factory.mktemp("r")))


def fake_run(rules, cycle: str, n_experts: int = 60, flagged_every: int = 7,
             shuffle_seed: int | None = None) -> SimpleNamespace:
    ids = [f"E{i:03d}" for i in range(n_experts)]
    d = pl.DataFrame({
        "dispatch_id": [f"D-{i:03d}" for i in range(n_experts)],
        "expert_id": ids,
        "institution_id": [f"I{i % 25:02d}" for i in range(n_experts)],
        "status": ["held" if i % flagged_every == 0 else "paid" for i in range(n_experts)],
    })
    findings = pl.DataFrame({"dispatch_id": ["D-001"], "rule_id": ["R-CHK-4"],
                             "severity": ["flag"]})
    experts = pl.DataFrame({"expert_id": ids,
                            "prefecture": [PREFS[i % 9] for i in range(n_experts)]})
    insts = pl.DataFrame({"institution_id": [f"I{i:02d}" for i in range(25)],
                          "prefecture": [PREFS[(i * 2) % 9] for i in range(25)]})
    if shuffle_seed is not None:
        d = d.sample(fraction=1.0, shuffle=True, seed=shuffle_seed)
        experts = experts.sample(fraction=1.0, shuffle=True, seed=shuffle_seed)
    settlement = SimpleNamespace(cycle=cycle, transfer_date=dt.date(2021, 11, 19), dispatches=d,
                                 findings=findings)
    return SimpleNamespace(options=SimpleNamespace(cycle=cycle, headers="ja"), rules=rules,
                           settlement=settlement,
                           data=SimpleNamespace(tables={"experts": experts, "institutions": insts}))


def test_R_PAY_6_sample_sizes_come_from_the_rules(rules) -> None:
    frame = draw(fake_run(rules, "2021-10"))
    counts = Counter(frame["check"].to_list())
    assert counts[EVIDENCE] == rules.value_at("audit.sample_experts", "2021-11-19") == 10
    assert counts[EMAIL] == rules.value_at("audit.sample_institutions", "2021-11-19") == 10
    assert frame["subject_id"].n_unique() == 20


def test_R_PAY_6_reproducible_and_independent_of_row_order(rules) -> None:
    a = draw(fake_run(rules, "2021-10"))
    b = draw(fake_run(rules, "2021-10", shuffle_seed=7))
    assert a.equals(b)
    assert not a.equals(draw(fake_run(rules, "2021-11")))  # a new cycle, a new draw


def test_R_PAY_6_redraw_by_hand_from_the_documented_hash(rules) -> None:
    frame = draw(fake_run(rules, "2021-10"))
    row = frame.filter(pl.col("check") == EVIDENCE).row(0, named=True)
    w = row["weight"]
    by_hand = min(int(hashlib.sha256(f"R-PAY-6|2021-10|evidence|{row['subject_id']}|{k}"
                                     .encode()).hexdigest(), 16) for k in range(w))
    assert f"{by_hand:064x}"[:16] == row["draw_key"]
    assert draw_key("2021-10", EVIDENCE, row["subject_id"], w) == by_hand


def test_R_PAY_6_spread_across_every_bureau_first(rules) -> None:
    frame = draw(fake_run(rules, "2021-10")).filter(pl.col("check") == EVIDENCE)
    assert frame.head(9)["bureau"].n_unique() == 9  # one per bureau in the first round
    assert "第1巡" in frame["reason"][0]


def test_R_PAY_6_leans_towards_flagged_without_excluding_others(rules) -> None:
    flagged = plain = 0
    for month in range(1, 13):
        frame = draw(fake_run(rules, f"2022-{month:02d}")).filter(pl.col("check") == EVIDENCE)
        flagged += frame.filter(pl.col("weight") > 1).height
        plain += frame.filter(pl.col("weight") == 1).height
    # 9 of 60 experts are held or flagged (15 %); with weight 3 they make far more of the draw.
    assert flagged / (flagged + plain) > 0.25
    assert plain > 0


def test_spread_draw_round_robin_takes_smallest_keys() -> None:
    cands = [Candidate(f"X{i}", "A" if i < 5 else "B", (), (), 1, key) for i, key in
             enumerate([5, 1, 9, 3, 7, 8, 2, 6, 4, 0])]
    picked = spread_draw(cands, 4, ["A", "B"])
    assert [(c.subject_id, rnd) for c, rnd in picked] == [("X9", 1), ("X1", 1), ("X6", 2),
                                                         ("X3", 2)]


def test_audit_sample_csv_written_with_the_cycle(tmp_path: Path) -> None:
    make_rules(tmp_path)
    make_data(tmp_path)
    ENGINE.settle_cycle(options(tmp_path, "2021-10"))
    text = (tmp_path / "out" / "2021-10" / "audit_sample.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == (
        "サイクル,確認種別,順位,対象ID,経済産業局,派遣ID,指摘ルール,重み,抽選値,抽出理由")
    assert "2021-10,evidence,1," in text


def test_sample_audit_cli_shows_the_cycle_file(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from haken_batch.cli.app import app

    make_rules(tmp_path)
    make_data(tmp_path)
    ENGINE.settle_cycle(options(tmp_path, "2021-10"))
    out = str(tmp_path / "out")
    res = CliRunner().invoke(app, ["sample", "audit", "2021-10", "--out", out, "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows[0]["確認種別"] == "evidence" and rows[0]["順位"] == "1"
    subject, ids = rows[0]["対象ID"], rows[0]["派遣ID"].replace(";", "、")
    assert rows[0]["確認すること"] == (f"専門家 {subject} の派遣 {ids} について、実績報告を証明する"
                                 "に足る証拠書類（成果物・写真・領収書など）を確認してください")
    assert CliRunner().invoke(app, ["sample", "audit", "2021-12", "--out", out]).exit_code == 2
    text = CliRunner().invoke(app, ["sample", "audit", "2021-10", "--out", out],
                              terminal_width=80, env={"COLUMNS": "80"})
    assert text.exit_code == 0, text.output
    lines = set(text.stdout.splitlines())
    words = {"evidence": "証拠書類の確認（専門家）",
             "email_confirmation": "従事証明メールの確認（機関）"}
    for row in rows:  # every filled cell whole, on its own line, at 80 columns
        for column, value in row.items():
            if column == "確認すること":  # a sentence: folded, never cut
                assert "".join(value.split()) in "".join(text.stdout.split()), value
                continue
            shown = words[value] if column == "確認種別" else value
            assert not value or f"  {column}: {shown}" in lines, (column, value)


def test_R_PAY_6_pruned_candidates_draw_the_same_sample(rules) -> None:
    """draw() keys every subject but keeps only the `size` smallest keys of each bureau:
    the round-robin can never take more than `size` from one bureau."""
    from haken_batch.audit_sample import _bureau_order, _candidates

    run = fake_run(rules, "2021-10", n_experts=400, flagged_every=5)
    order = _bureau_order(rules)
    for check, id_col, table in ((EVIDENCE, "expert_id", "experts"),
                                 (EMAIL, "institution_id", "institutions")):
        every = _candidates(run, check, id_col, table)
        for size in (1, 3, 10, 60):
            pruned = _candidates(run, check, id_col, table, size)
            assert len(pruned) <= len(every)
            assert spread_draw(pruned, size, order) == spread_draw(every, size, order)


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 50)), min_size=1,
                max_size=40, unique_by=lambda t: t[1]), st.integers(1, 12))
def test_R_PAY_6_spread_draw_needs_only_size_per_bureau(keys, size) -> None:
    import heapq

    cands = [Candidate(f"X{k:02d}", b, (), (), 1, k) for b, k in keys]
    by_bureau: dict[str, list[Candidate]] = {}
    for c in cands:
        by_bureau.setdefault(c.bureau, []).append(c)
    pruned = [c for group in by_bureau.values()
              for c in heapq.nsmallest(size, group, key=lambda c: (c.key, c.subject_id))]
    assert spread_draw(pruned, size, list("ABCD")) == spread_draw(cands, size, list("ABCD"))


_STATUSES = ["paid", "paid", "held", "rejected"]
_SEVERITIES = ["hold", "reduce", "flag", "info"]


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.one_of(st.integers(0, 30), st.none()), st.sampled_from(_STATUSES)),
                max_size=60),
       st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["R-CHK-4", "R-FEE-2"]),
                          st.sampled_from(_SEVERITIES)), max_size=20),
       st.lists(st.tuples(st.integers(0, 35), st.sampled_from([*PREFS, "架空県", None])),
                max_size=50),
       st.sampled_from([None, 1, 2, 5]))
def test_R_PAY_6_candidates_are_the_documented_definition(rules, dispatches, findings, master,
                                                          size) -> None:
    """_candidates (polars + batched hashing) equals the draw as docs/audit.md states it,
    subject by subject: weight, bureau (last master row wins, unknown prefecture → （不明）),
    flagging rules, draw_key; with `size`, the `size` smallest keys of each bureau. A held
    dispatch without an expert id is no candidate (it used to crash the draw)."""
    import heapq

    from haken_batch.audit_sample import _bureau_of, _candidates

    cycle, on = "2021-10", dt.date(2021, 11, 19)
    d = pl.DataFrame({"dispatch_id": [f"D-{i:03d}" for i in range(len(dispatches))],
                      "expert_id": [None if e is None else f"E{e:02d}" for e, _ in dispatches],
                      "status": [s for _, s in dispatches]},
                     schema={"dispatch_id": pl.String, "expert_id": pl.String,
                             "status": pl.String})
    f = pl.DataFrame({"dispatch_id": [f"D-{i:03d}" for i, _, _ in findings],
                      "rule_id": [r for _, r, _ in findings],
                      "severity": [s for _, _, s in findings]},
                     schema={"dispatch_id": pl.String, "rule_id": pl.String,
                             "severity": pl.String})
    experts = pl.DataFrame({"expert_id": [f"E{e:02d}" for e, _ in master],
                            "prefecture": [p for _, p in master]},
                           schema={"expert_id": pl.String, "prefecture": pl.String})
    run = SimpleNamespace(
        options=SimpleNamespace(cycle=cycle), rules=rules,
        settlement=SimpleNamespace(transfer_date=on, dispatches=d, findings=f),
        data=SimpleNamespace(tables={"experts": experts}))

    # a dispatch without an expert id (held by R-VAL-1) names no one to check
    subject_of = {f"D-{i:03d}": f"E{e:02d}" for i, (e, s) in enumerate(dispatches)
                  if s in ("paid", "held") and e is not None}
    held = {f"E{e:02d}" for e, s in dispatches if s == "held" and e is not None}
    flagged: dict[str, set[str]] = {}
    for i, rule, severity in findings:
        if severity != "info" and f"D-{i:03d}" in subject_of:
            flagged.setdefault(subject_of[f"D-{i:03d}"], set()).add(rule)
    prefecture = {f"E{e:02d}": p for e, p in master}  # the last row wins
    bureau_of = _bureau_of(rules)
    w_flag = int(rules.value_at("audit.sample_flag_weight", on))
    by_bureau: dict[str, list[Candidate]] = {}
    for subject in set(subject_of.values()):
        w = w_flag if subject in flagged or subject in held else 1
        cand = Candidate(subject, bureau_of.get(str(prefecture.get(subject)), "（不明）"), (),
                         tuple(sorted(flagged[subject])) if subject in flagged
                         else ("held",) if subject in held else (),
                         w, draw_key(cycle, EVIDENCE, subject, w))
        by_bureau.setdefault(cand.bureau, []).append(cand)
    expected = sorted((c for group in by_bureau.values()
                       for c in (group if size is None
                                 else heapq.nsmallest(size, group, key=lambda c: c.key))),
                      key=lambda c: c.subject_id)
    assert _candidates(run, EVIDENCE, "expert_id", "experts", size) == expected


def test_R_PAY_6_sample_audit_in_english_has_english_names_and_reasons(tmp_path: Path) -> None:
    """--lang en over a file written with Japanese headers: English keys and reasons (the
    JSON mixed 確認すること and 抽出理由 into English output: blind check, session 12)."""
    import json

    from typer.testing import CliRunner

    from haken_batch.audit_sample import COLUMNS
    from haken_batch.cli.app import app

    make_rules(tmp_path)
    make_data(tmp_path)
    ENGINE.settle_cycle(options(tmp_path, "2021-10"))
    out = str(tmp_path / "out")
    ja = json.loads(CliRunner().invoke(app, ["sample", "audit", "2021-10", "--out", out,
                                             "--format", "json"]).output)
    res = CliRunner().invoke(app, ["sample", "audit", "2021-10", "--out", out, "--format",
                                   "json", "--lang", "en"])
    assert res.exit_code == 0, res.output
    en = json.loads(res.output)
    assert set(en[0]) == {*COLUMNS, "what to check"}
    for j, e in zip(ja, en, strict=True):
        assert e["subject_id"] == j["対象ID"] and e["dispatches"] == j["派遣ID"]
        assert e["reason"].startswith(f"drawn from {j['経済産業局']} in round ")
        assert "抽出" not in e["reason"] and "重み" not in e["reason"]
    text = CliRunner().invoke(app, ["sample", "audit", "2021-10", "--out", out, "--lang", "en"])
    assert text.stdout.startswith(f"Audit sample 2021-10 ({len(en)} rows)")
