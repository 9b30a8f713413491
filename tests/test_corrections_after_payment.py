"""A correction of a dispatch an earlier cycle paid changes nothing (paid once, R-PAY-1); the
clerk is told so in the settle summary instead of silence (found by a blind corrections
check: a correction cutting a paid dispatch to 30 minutes went unnoticed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from haken_batch import cycle
from haken_batch.cli.app import app
from haken_batch.run import Options

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "fy2021"
PAYER = REPO / "samples" / "payer.demo.yaml"


def test_a_correction_of_a_paid_dispatch_is_named_in_the_summary(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    cycle.settle_cycle(Options(cycle="2021-10", data_dir=data, out_dir=out, payer_file=PAYER,
                               documents=False))  # type: ignore[call-arg]
    d = pl.read_csv(out / "2021-10" / "dispatches.csv", infer_schema=False)
    paid = str(d.filter(pl.col("判定") == "paid").get_column("派遣ID")[0])
    before = len((data / "corrections.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.write(f"reports,{paid},対面支援時間(分),30,支払後に判明,事務局 試験,2021/11/05 10:00\n")
    res = CliRunner().invoke(app, ["settle", "2021-11", "--data", str(data), "--out", str(out),
                                   "--payer", str(PAYER), "--no-documents"])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    # named by its row in corrections.csv (header = row 1), as the clerk finds it there
    assert (f"事務局修正 {before + 2}行目（派遣 {paid} の「対面支援時間(分)」、2021-10 に支払済み）"
            in said)
    assert "は支払額に反映されません" in said
    assert said.count("行目（派遣") == 1  # the samples' own were applied when paid
    assert "事務局修正: 適用" in said
    d11 = pl.read_csv(out / "2021-11" / "dispatches.csv", infer_schema=False)
    assert paid not in d11.get_column("派遣ID").to_list()  # not settled again

    # durable: the manifest keeps it, and explain of the paid dispatch shows it (a blind
    # check of a whole year: said once on the console, then lost)
    import json

    from haken_batch import explain

    manifest = json.loads((out / "2021-11" / "manifest.json").read_text(encoding="utf-8"))
    kept = [f for f in manifest["followups"] if f["kind"] == "paid_correction"]
    assert len(kept) == 1 and paid in kept[0]["dispatch_ids"]
    assert f"事務局修正 {before + 2}行目（派遣 {paid}" in kept[0]["ja"]
    story = explain.story(out, paid)
    assert story["cycle"] == "2021-10"
    assert [(f["cycle"], f["ja"]) for f in story["followups"]] == [("2021-11", kept[0]["ja"])]
    assert "7. その後のお知らせ" in explain.render(story)
    # section 2 is the paying cycle's: it says so, not a bare "no corrections" (blind check)
    assert "サイクル 2021-10 の時点では、この派遣に関わる修正はありません（支払後の修正は 7. に）" \
        in explain.render(story)
    assert "as of cycle 2021-10 (those after payment: see 7)" in explain.render(story, "en")
    assert kept[0]["en"] in explain.render(story, "en")
    # said once: the next cycle, reading the same correction again, does not repeat it
    again = CliRunner().invoke(app, ["settle", "2021-12", "--data", str(data), "--out",
                                     str(out), "--payer", str(PAYER), "--no-documents"])
    assert again.exit_code == 0, again.output
    assert f"{before + 2}行目（派遣 {paid}" not in " ".join(again.output.split())
    later = json.loads((out / "2021-12" / "manifest.json").read_text(encoding="utf-8"))
    assert not [f for f in later["followups"] if f["kind"] == "paid_correction"]
    assert [f["cycle"] for f in explain.story(out, paid)["followups"]] == ["2021-11"]


def _settle(data: Path, out: Path, cycle_: str) -> str:
    res = CliRunner().invoke(app, ["settle", cycle_, "--data", str(data), "--out", str(out),
                                   "--payer", str(PAYER), "--no-documents"])
    assert res.exit_code == 0, res.output
    return " ".join(res.output.split())


def _correct(data: Path, *rows: str) -> None:
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.writelines(f"{row},事務局 試験,2021/11/05 10:0{i}\n" for i, row in enumerate(rows))


def _master_notes(out: Path, cycle_: str) -> list[dict[str, object]]:
    import json

    manifest = json.loads((out / cycle_ / "manifest.json").read_text(encoding="utf-8"))
    return [f for f in manifest["followups"]
            if f["kind"] == "paid_correction" and ("専門家 " in f["ja"] or "機関 " in f["ja"])]


def _paid_of(out: Path, cycle_: str, column: str, value: str) -> list[str]:
    ledger = pl.read_csv(out / cycle_ / "ledger.csv", infer_schema=False)
    return sorted(ledger.filter(pl.col(column) == value).get_column("派遣ID").to_list())


def _withheld_experts(out: Path, cycle_: str) -> list[str]:
    payments = pl.read_csv(out / cycle_ / "payments.csv", infer_schema=False)
    return sorted(payments.filter(pl.col("源泉徴収額").cast(pl.Int64) > 0)
                  .get_column("専門家ID").to_list())


def test_R_PAY_1_a_correction_of_a_paid_experts_payee_type_is_named(tmp_path: Path) -> None:
    """区分 decided the tax withheld (R-TAX-1): corrected after payment, the clerk is told which
    paid dispatches it concerns; a bank-data correction (the next transfer's) is not a note,
    nor a correction and its revert. Blind corrections check, session 13."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    expert, other = _withheld_experts(out, "2021-10")[:2]  # 個人: tax was withheld
    _correct(data, f"experts,{expert},区分,法人,法人と判明",
             f"experts,{other},区分,法人,誤り", f"experts,{other},区分,個人,誤りを取消",
             f"experts,{other},口座番号,1234567,口座の変更")
    said = _settle(data, out, "2021-11")
    notes = _master_notes(out, "2021-11")
    assert [n["dispatch_ids"] for n in notes] == [_paid_of(out, "2021-10", "専門家ID", expert)]
    assert f"（専門家 {expert} の「区分」、R-TAX-1）" in str(notes[0]["ja"])
    assert f"専門家 {expert} の「区分」" in said and f"専門家 {other}" not in said
    _settle(data, out, "2021-12")  # said once
    assert _master_notes(out, "2021-12") == []


def test_R_PAY_1_a_revert_of_a_correction_the_paying_cycle_applied_is_named(
        tmp_path: Path) -> None:
    """The paying cycle applied 区分 → 法人 (no tax withheld); reverting it afterwards
    changes what was paid on, although the cell now ends as the export wrote it."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    expert = _withheld_experts(out, "2021-10")[0]
    shutil.rmtree(out)
    _correct(data, f"experts,{expert},区分,法人,法人と判明")
    _settle(data, out, "2021-10")
    _correct(data, f"experts,{expert},区分,個人,法人ではなかった")
    _settle(data, out, "2021-11")
    notes = _master_notes(out, "2021-11")
    assert [n["dispatch_ids"] for n in notes] == [_paid_of(out, "2021-10", "専門家ID", expert)]


def test_R_EXC_3_an_institution_kind_corrected_after_payment_names_its_members_only(
        tmp_path: Path) -> None:
    """機関種別 decides the R-EXC-3 exception, and only for the institution's own members: a
    dispatch of a non-member through the same institution is not named."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    through = ledger.filter(pl.col("申請機関ID") == "PF13-01")
    assert "D21-P016" in through.get_column("派遣ID").to_list()  # EP008, a member (samples)
    _correct(data, "institutions,PF13-01,機関種別,5,種別の誤り")
    _settle(data, out, "2021-11")
    assert [n["dispatch_ids"] for n in _master_notes(out, "2021-11")] == [["D21-P016"]]


def _notes(out: Path, cycle_: str) -> list[dict[str, object]]:
    import json

    manifest = json.loads((out / cycle_ / "manifest.json").read_text(encoding="utf-8"))
    return [f for f in manifest["followups"] if f["kind"] == "paid_correction"]


def _correct_at(data: Path, *rows: tuple[str, str]) -> None:
    """Append corrections (row without author and time, 修正日時)."""
    with (data / "corrections.csv").open("a", encoding="utf-8") as f:
        f.writelines(f"{row},事務局 試験,{at}\n" for row, at in rows)


def _minutes(data: Path, dispatch_id: str) -> str:
    reports = pl.read_csv(data / "reports.csv", infer_schema=False)
    return str(reports.filter(pl.col("派遣ID") == dispatch_id)
               .get_column("対面支援時間(分)")[0])


def test_R_PAY_1_only_a_changed_money_cell_of_a_paid_dispatch_is_named(tmp_path: Path) -> None:
    """Per cell, its final value against the paid one (blind follow-ups check, session 14:
    each of these was named as 'changes no payment'): the export's own value written
    again; a correction undone by one dated later although written above it (applied by
    修正日時); a cell the money does not read (企業電話番号). A real change is named, and its
    value (a free text may hold a name) is not kept in the manifest."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    same, undone, phone, cut, why = sorted(
        pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
        .get_column("派遣ID"))[:5]
    text = "山田太郎様の都合で同行なし"
    _correct_at(data,
                (f"reports,{same},対面支援時間(分),{_minutes(data, same)},再確認",
                 "2021/11/05 10:00"),
                (f"reports,{undone},対面支援時間(分),{_minutes(data, undone)},取消",
                 "2021/11/05 10:05"),
                (f"reports,{undone},対面支援時間(分),30,誤り", "2021/11/05 10:01"),
                (f"dispatches,{phone},企業電話番号,03-0000-0000,番号変更", "2021/11/05 10:02"),
                (f"reports,{cut},対面支援時間(分),30,支払後に判明", "2021/11/05 10:03"),
                (f"reports,{why},同行なし理由,{text},支払後に判明", "2021/11/05 10:04"))
    _settle(data, out, "2021-11")
    [note] = _notes(out, "2021-11")
    assert note["dispatch_ids"] == sorted([cut, why])
    assert f"派遣 {cut} の「対面支援時間(分)」" in str(note["ja"])
    assert "corrections in row " in str(note["en"]) and " change no payment" in str(note["en"])
    assert text not in (out / "2021-11" / "manifest.json").read_text(encoding="utf-8")
    # each dispatch's row of the list, and its explain, say its own correction
    listed = pl.read_csv(out / "followups" / "2021-11.csv", infer_schema=False)
    [own] = listed.filter(pl.col("派遣ID") == why)["お知らせ"].to_list()
    assert f"派遣 {why} の「同行なし理由」" in own and cut not in own


def test_R_PAY_1_a_cell_is_told_again_only_when_its_value_changes(tmp_path: Path) -> None:
    """Told once per value: the cell set back to the paid value is told so (the difference
    told earlier needs no settling), and set to 30 again it is told again (blind check: a
    value told once was never told again)."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    paid = sorted(pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
                  .get_column("派遣ID"))[0]
    minutes = _minutes(data, paid)
    _correct_at(data, (f"reports,{paid},対面支援時間(分),30,支払後に判明", "2021/11/05 10:00"))
    _settle(data, out, "2021-11")
    assert [n["dispatch_ids"] for n in _notes(out, "2021-11")] == [[paid]]
    _settle(data, out, "2021-12")
    assert _notes(out, "2021-12") == []
    _correct_at(data, (f"reports,{paid},対面支援時間(分),{minutes},誤り", "2022/01/05 10:00"))
    said = _settle(data, out, "2022-01")
    [back] = _notes(out, "2022-01")
    assert back["dispatch_ids"] == [paid] and "支払時の値に戻りました" in said
    _correct_at(data, (f"reports,{paid},対面支援時間(分),30,やはり30分", "2022/02/05 10:00"))
    _settle(data, out, "2022-02")
    [again] = _notes(out, "2022-02")
    assert again["dispatch_ids"] == [paid] and "反映されません" in str(again["ja"])


def test_R_EXC_2_a_corrected_list_of_institutions_names_the_dispatches_through_them(
        tmp_path: Path) -> None:
    """給与等支払機関ID decides R-EXC-2 through the dispatching institution only: a correction
    naming an institution none of the expert's paid dispatches went through is no note, and
    one naming YR03 names the dispatches through YR03 (it named all eleven of E000186's)."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    mine = ledger.filter(pl.col("専門家ID") == "E000186")
    through = sorted(mine.filter(pl.col("申請機関ID") == "YR03").get_column("派遣ID"))
    assert through and mine.height > len(through)  # the samples: YR47 and YR03
    elsewhere = sorted(set(ledger.get_column("申請機関ID")) - set(mine.get_column("申請機関ID")))
    _correct(data, "experts,E000186,給与等支払機関ID,YR03,給与の支払元と判明",
             f"experts,E000236,給与等支払機関ID,{elsewhere[0]},給与の支払元と判明")
    _settle(data, out, "2021-11")
    assert [n["dispatch_ids"] for n in _master_notes(out, "2021-11")] == [through]


def test_R_TAX_1_a_revert_tells_the_dispatch_it_restores_and_the_one_it_changes(
        tmp_path: Path) -> None:
    """E000363 paid in October as 個人 (D21-0000004), corrected to 法人 in November and paid
    so (D21-0000227), set back to 個人 in December: D21-0000227 is now paid on another
    value, and D21-0000004 is back to its own (blind check, session 15: the revert named
    only the first, and explain of the second kept 'settle the difference')."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    october = _paid_of(out, "2021-10", "専門家ID", "E000363")
    _correct_at(data, ("experts,E000363,区分,法人,法人成り", "2021/11/05 10:00"))
    _settle(data, out, "2021-11")
    november = _paid_of(out, "2021-11", "専門家ID", "E000363")
    assert october and november
    assert [n["dispatch_ids"] for n in _master_notes(out, "2021-11")] == [october]
    _correct_at(data, ("experts,E000363,区分,個人,誤りだったので戻す", "2021/12/03 10:00"))
    _settle(data, out, "2021-12")
    changed, back = _master_notes(out, "2021-12")
    assert changed["dispatch_ids"] == november and "源泉徴収の要否と額" in str(changed["ja"])
    assert back["dispatch_ids"] == october and "支払時の値に戻りました" in str(back["ja"])


def test_R_EXC_3_a_list_told_per_dispatch_a_reorder_is_no_change(tmp_path: Path) -> None:
    """所属機関ID acts through the dispatching institution only: told when it adds the
    institution of a paid dispatch, not again when the list is reordered or changed
    elsewhere (it was re-told: the cell's value had changed)."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    dispatch, institution = ledger.filter(pl.col("専門家ID") == "E000092").select(
        "派遣ID", "申請機関ID").row(0)
    _correct_at(data, (f"experts,E000092,所属機関ID,PF12-04;{institution},所属と判明",
                       "2021/11/05 10:00"))
    _settle(data, out, "2021-11")
    assert dispatch in [d for n in _master_notes(out, "2021-11") for d in n["dispatch_ids"]]
    _correct_at(data, (f"experts,E000092,所属機関ID,{institution};PF12-04,並べ替え",
                       "2021/12/05 10:00"))
    _settle(data, out, "2021-12")
    assert _master_notes(out, "2021-12") == []


def _kind(data: Path, institution: str) -> int:
    table = pl.read_csv(data / "institutions.csv", infer_schema=False)
    return int(table.filter(pl.col("機関ID") == institution).get_column("機関種別")[0])


def test_R_EXC_3_membership_and_kind_corrected_together_are_one_question(
        tmp_path: Path) -> None:
    """所属機関ID and 機関種別 decide R-EXC-3 together (a member of the institution, unless its
    kind is ①–④). Corrected together after payment so that the exclusion stays as paid, the
    dispatch is not named; each was judged with the other's new value (session 15's 'noticed
    and left'): a member leaving a kind that stops being spared was named, and so was a
    non-member joining one that becomes spared."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    assert _kind(data, "PF13-01") <= 4  # spared: EP008, a member, was paid through it
    outsider, elsewhere = ledger.filter(pl.col("専門家ID") == "E000092").select(
        "派遣ID", "申請機関ID").row(0)
    assert _kind(data, elsewhere) > 4 and elsewhere != "PF12-04"
    _correct_at(data,
                ("institutions,PF13-01,機関種別,5,種別の誤り", "2021/11/05 10:00"),
                ("experts,EP008,所属機関ID,PF12-04,所属の誤り", "2021/11/05 10:01"),
                (f"institutions,{elsewhere},機関種別,1,種別の誤り", "2021/11/05 10:02"),
                (f"experts,E000092,所属機関ID,PF12-04;{elsewhere},所属と判明",
                 "2021/11/05 10:03"))
    _settle(data, out, "2021-11")
    named = {d for n in _master_notes(out, "2021-11") for d in n["dispatch_ids"]}
    assert "D21-P016" not in named and outsider not in named
    # each alone does change the exclusion, and is named
    for pair in (("institutions,PF13-01,機関種別,5,種別の誤り", "D21-P016"),
                 (f"experts,E000092,所属機関ID,PF12-04;{elsewhere},所属と判明", outsider)):
        alone, alone_out = tmp_path / f"alone-{pair[1]}", tmp_path / f"out-{pair[1]}"
        shutil.copytree(SAMPLES, alone)
        shutil.copytree(out / "2021-10", alone_out / "2021-10")
        _correct_at(alone, (pair[0], "2021/11/05 10:00"))
        _settle(alone, alone_out, "2021-11")
        assert pair[1] in {d for n in _master_notes(alone_out, "2021-11")
                           for d in n["dispatch_ids"]}, pair


def _named_cells(out: Path, cycle_: str) -> set[str]:
    """table|key|column of each cell the cycle's notes named (the told keys)."""
    return {"|".join(str(k).split("/")[0].split("|")[:3])
            for n in _master_notes(out, cycle_) for k in n["keys"]}  # type: ignore[attr-defined]


def _elsewhere(out: Path) -> tuple[str, str]:
    ledger = pl.read_csv(out / "2021-10" / "ledger.csv", infer_schema=False)
    dispatch, institution = ledger.filter(pl.col("専門家ID") == "E000092").select(
        "派遣ID", "申請機関ID").row(0)
    return str(dispatch), str(institution)


def test_R_EXC_3_a_cell_corrected_before_payment_is_not_named_for_the_others_change(
        tmp_path: Path) -> None:
    """Of 所属機関ID and 機関種別, only the cell that moved since payment is named when the
    pair changes R-EXC-3 (helper review: the one corrected before payment was named too)."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    _, elsewhere = _elsewhere(out)
    assert _kind(data, elsewhere) > 4
    shutil.rmtree(out)
    # a) EP008 stays a member of PF13-01 (spared ②), corrected before payment; the kind
    # turns ⑤ afterwards: D21-P016 is now excluded by the kind alone
    # b) the E000092 dispatch's institution turns ⑦ before payment; E000092 joins it after
    _correct_at(data, ("experts,EP008,所属機関ID,PF13-01;PF12-04,所属の追記", "2021/10/01 09:00"),
                (f"institutions,{elsewhere},機関種別,7,種別の誤り", "2021/10/01 09:01"))
    _settle(data, out, "2021-10")
    _correct_at(data, ("institutions,PF13-01,機関種別,5,種別の誤り", "2021/11/05 10:00"),
                (f"experts,E000092,所属機関ID,PF12-04;{elsewhere},所属と判明",
                 "2021/11/05 10:01"))
    _settle(data, out, "2021-11")
    named = _named_cells(out, "2021-11")
    assert "institutions|PF13-01|kind" in named and "experts|E000092|member_of_institution_ids" \
        in named, named
    assert "experts|EP008|member_of_institution_ids" not in named
    assert f"institutions|{elsewhere}|kind" not in named


def test_R_EXC_3_a_kind_between_two_unspared_kinds_is_not_named_beside_a_membership(
        tmp_path: Path) -> None:
    """c) both after payment: the institution's kind moves between two kinds R-EXC-3 does
    not spare (no change by itself), E000092 joins it: only the membership is named."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    dispatch, elsewhere = _elsewhere(out)
    kind = _kind(data, elsewhere)
    other = 7 if kind != 7 else 11
    _correct_at(data, (f"institutions,{elsewhere},機関種別,{other},種別の誤り", "2021/11/05 10:00"),
                (f"experts,E000092,所属機関ID,PF12-04;{elsewhere},所属と判明",
                 "2021/11/05 10:01"))
    _settle(data, out, "2021-11")
    named = _named_cells(out, "2021-11")
    assert named == {"experts|E000092|member_of_institution_ids"}, named
    assert dispatch in {d for n in _master_notes(out, "2021-11") for d in n["dispatch_ids"]}


def test_R_EXC_3_set_back_by_another_correction_is_told_as_the_effect_not_the_value(
        tmp_path: Path) -> None:
    """November's kind correction (PF13-01 → ⑤) excluded D21-P016; December's membership
    correction (EP008 leaves PF13-01) makes it as paid again. The kind's value did not go
    back, so the note says the effect did (helper review: 「支払時の値に戻りました」)."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    _correct_at(data, ("institutions,PF13-01,機関種別,5,種別の誤り", "2021/11/05 10:00"))
    _settle(data, out, "2021-11")
    assert "D21-P016" in {d for n in _master_notes(out, "2021-11") for d in n["dispatch_ids"]}
    _correct_at(data, ("experts,EP008,所属機関ID,PF12-04,所属の誤り", "2021/12/05 10:00"))
    _settle(data, out, "2021-12")
    back = [n for n in _master_notes(out, "2021-12") if "D21-P016" in n["dispatch_ids"]]
    assert len(back) == 1, back
    said = str(back[0]["ja"])
    assert "除外されるかどうかは支払時と同じに戻りました" in said
    assert "支払時の値に戻りました" not in said


def test_a_paid_dispatch_cancelled_afterwards_says_section_2_is_as_of_payment(
        tmp_path: Path) -> None:
    """The paid_cancelled note (section 7) beside 「修正はありません」 (section 2) read as a
    contradiction (helper review)."""
    from haken_batch import explain

    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(SAMPLES, data)
    _settle(data, out, "2021-10")
    assert "D21-0000046" in _paid_of(out, "2021-10", "派遣ID", "D21-0000046")
    _correct_at(data, ("dispatches,D21-0000046,状態,キャンセル,取消", "2021/11/10 10:00"))
    _settle(data, out, "2021-11")
    text = explain.render(explain.story(out, "D21-0000046"))
    assert "サイクル 2021-10 の時点では、この派遣に関わる修正はありません（支払後の修正は 7. に）" \
        in text
