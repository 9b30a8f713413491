"""支払通知書 (R-PAY-3): files, figures equal to the CSVs, Japanese text, same bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import shutil
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from haken_batch.emit import notices
from haken_batch.errors import ConfigError
from haken_batch.outdir import safe_name
from haken_batch.pdf import FAMILY, FontBook, MissingGlyphError, load_template
from test_notices_fixtures import (
    DISPATCHES,
    EXPERTS,
    REPO,
    make_run,
    many_dispatches,
    rules_without_columns,
)


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return rules_without_columns(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def fonts():
    return FontBook()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, rules, fonts):
    out = tmp_path_factory.mktemp("cycle")
    run = make_run(out, rules)
    index = notices.render_notices(run, out, fonts=fonts)
    return run, out, index


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _file(out: Path, expert_id: str) -> Path:
    return out / "notices" / f"notice_{safe_name(expert_id)}_2021-10.pdf"


def test_R_PAY_3_one_notice_per_expert_with_a_paid_dispatch(rendered):
    run, out, _ = rendered
    paid = sorted(run.settlement.payments["expert_id"])
    files = sorted(p.name for p in (out / "notices").iterdir())
    assert files == sorted(notices.notice_file_name(e, "2021-10") for e in paid)
    assert not _file(out, "E-004").exists()  # only a held dispatch: no notice
    assert all(".." not in f and "=" not in f for f in files)


def test_R_PAY_3_index_csv_equals_payments_and_files(rendered):
    run, out, _ = rendered
    raw = (out / "notices_index.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    index = pl.read_csv(io.BytesIO(raw), schema_overrides={"専門家ID": pl.String})
    assert index.columns == ["専門家ID", "ファイル", "支払総額", "源泉徴収税額", "振込額",
                             "ページ数", "SHA256"]
    pay = run.settlement.payments.sort("expert_id")
    assert index["支払総額"].to_list() == pay["gross"].to_list()
    assert index["源泉徴収税額"].to_list() == pay["withholding"].to_list()
    assert index["振込額"].to_list() == pay["net"].to_list()
    # the formula-looking id is neutralised in the CSV (textsafe)
    assert "'=HYPERLINK(1)" in index["専門家ID"].to_list()
    for row in index.iter_rows(named=True):
        data = (out / row["ファイル"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["SHA256"]
        assert len(PdfReader(io.BytesIO(data)).pages) == row["ページ数"]


def test_R_PAY_3_each_notice_shows_the_csv_figures(rendered):
    run, out, _ = rendered
    for pay in run.settlement.payments.iter_rows(named=True):
        text = _text(_file(out, pay["expert_id"]))
        for column in ("gross", "withholding", "net"):
            assert f"{pay[column]:,} 円" in text, (pay["expert_id"], column)
        assert f"お支払の明細（{pay['dispatch_count']}件）" in text


def test_R_PAY_3_japanese_text_extracts_exactly(rendered):
    _, out, _ = rendered
    text = _text(_file(out, "E-001"))
    for expected in ("支払通知書", "山田 太郎", "様", "振込指定日", "2021年11月19日",
                     "2021年10月精算分", "東京都よろず支援拠点", "大宮商工会議所",
                     "中小企業119 専門家派遣事務局", "みずほ", "東京営業部", "対象時間",
                     "6時間00分", "東京→大宮", "大宮→高崎"):
        assert expected in text, expected
    corp = _text(_file(out, "E-002"))
    assert "株式会社髙橋コンサルティング" in corp and "御中" in corp  # JIS X 0213 髙
    assert "源泉徴収は行っていません" in corp
    assert "渡辺 﨑子" in _text(_file(out, "=HYPERLINK(1)"))


def test_R_PAY_3_dispatch_rows_items_and_totals(rendered):
    _, out, _ = rendered
    text = _text(_file(out, "E-001"))
    # D-002: fee 31,680 transport 4,460 per diem 1,100 lodging 9,800 = 47,040
    assert "31,680" in text and "4,460" in text and "47,040" in text
    assert "特急料金" in text and "宿泊費" in text
    # the total row of the table equals the notice's gross
    assert "36,960" in text and "5,800" in text and "53,660" in text


def test_R_PAY_3_reductions_with_their_reason(rendered):
    _, out, _ = rendered
    text = _text(_file(out, "E-001"))
    assert "減額した項目" in text
    assert "R-TRV-3 片道100km未満のため特急料金は対象外" in text
    assert "R-TRV-10 1泊9,800円を超える宿泊費は対象外" in text
    assert "12,000" in text and "2,200" in text  # claimed lodging, reduced by
    assert "R-FEE-3" in text
    assert "減額した項目はありません" in _text(_file(out, "E-003"))


def test_R_PAY_3_account_number_masked_except_last_digits(rendered):
    _, out, _ = rendered
    text = _text(_file(out, "E-001"))
    assert "****567" in text and "1234567" not in text
    assert notices.mask_account("0001234", 3) == "****234"
    assert notices.mask_account("1234567", 0) == "*******"


def test_japanese_font_is_embedded_as_a_subset(rendered):
    _, out, _ = rendered
    reader = PdfReader(_file(out, "E-001"))
    font = reader.pages[0]["/Resources"]["/Font"]
    (ref,) = font.values()
    obj = ref.get_object()
    assert obj["/Subtype"] == "/Type0"
    base = obj["/BaseFont"]
    assert base.endswith("+IPAexGothic") and len(base.split("+")[0]) == 7
    descendant = obj["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    embedded = descriptor["/FontFile2"].get_object().get_data()
    assert 1_000 < len(embedded) < 300_000  # a subset, not the 6 MB font
    assert "/ToUnicode" in obj


def test_pdf_metadata_is_fixed_by_the_data(rendered):
    _, out, _ = rendered
    meta = PdfReader(_file(out, "E-001")).metadata
    assert meta["/Producer"] == "haken-batch"
    assert meta["/CreationDate"].startswith("D:20211119000000")


def test_same_inputs_give_byte_identical_notices(tmp_path, rules, rendered):
    _, first, _ = rendered
    second = tmp_path / "again"
    second.mkdir()
    notices.render_notices(make_run(second, rules), second)  # a fresh FontBook as well
    names = sorted(p.name for p in (first / "notices").iterdir())
    for name in names:
        assert (first / "notices" / name).read_bytes() == (second / "notices" / name).read_bytes()
    assert (first / "notices_index.csv").read_bytes() == (second / "notices_index.csv").read_bytes()


def test_a_notice_does_not_depend_on_the_rest_of_the_batch(tmp_path, rules, rendered):
    _, batch, _ = rendered
    alone = tmp_path / "alone"
    alone.mkdir()
    only = [d for d in DISPATCHES if d[1] == "E-001"]
    notices.render_notices(make_run(alone, rules, dispatches=only), alone)
    assert _file(alone, "E-001").read_bytes() == _file(batch, "E-001").read_bytes()


def test_batch_font_gives_the_same_bytes_whatever_else_the_batch_holds():
    """FontBook's batch pre-subset is a speed-up only: a document prepared alone and one
    prepared within a large batch are byte-identical."""
    import datetime as dt

    from fpdf import FPDF

    from haken_batch.pdf import new_pdf

    text = "支払通知書 株式会社髙橋 53,660 円"

    def draw(book: FontBook) -> bytes:
        pdf: FPDF = new_pdf(book, created=dt.date(2021, 11, 19), title="t", author="a",
                            page={"format": "A4"})
        pdf.add_page()
        pdf.set_font(FAMILY, size=10)
        pdf.cell(0, 6, text)
        return bytes(pdf.output())

    alone = FontBook()
    alone.prepare([text])
    batch = FontBook()
    kanji = "".join(map(chr, range(0x4E00, 0x5200)))
    batch.prepare([text, "ほかの通知書の文字 鹿児島県 﨑 " + kanji])
    assert draw(alone) == draw(batch)
    with pytest.raises(RuntimeError):
        FontBook().attach(FPDF())


def test_missing_template_value_is_an_error_not_a_blank(tmp_path, rules, fonts):
    src = load_template("notice")
    root = tmp_path / "templates"
    shutil.copytree(src.path.parent, root / "notice")
    path = root / "notice" / "notice.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title: "支払通知書"', 'title: "支払通知書 {{ no_such_value }}"'), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ConfigError) as err:
        notices.render_notices(make_run(out, rules), out, fonts=fonts,
                               template=load_template("notice", root))
    assert "no_such_value" in err.value.en and "title" in err.value.en
    assert not (out / "notices").exists()


def test_missing_expert_name_is_an_error(tmp_path, rules, fonts):
    experts = [(e[0], None if e[0] == "E-003" else e[1], *e[2:]) for e in EXPERTS]
    with pytest.raises(notices.NoticeMismatch) as err:
        notices.render_notices(make_run(tmp_path, rules, experts=experts), tmp_path, fonts=fonts)
    assert "E-003" in err.value.ja and "name" in err.value.ja


def test_character_outside_the_font_is_an_error(tmp_path, rules, fonts):
    experts = [(e[0], "山田 太郎 \U0001f600" if e[0] == "E-001" else e[1], *e[2:])
               for e in EXPERTS]
    with pytest.raises(MissingGlyphError) as err:
        notices.render_notices(make_run(tmp_path, rules, experts=experts), tmp_path, fonts=fonts)
    assert "U+1F600" in err.value.ja


def test_figures_that_do_not_equal_payments_are_refused(tmp_path, rules, fonts):
    run = make_run(tmp_path, rules)
    bad = run.settlement.payments.with_columns(
        pl.when(pl.col("expert_id") == "E-001").then(pl.col("gross") + 1)
        .otherwise(pl.col("gross")).alias("gross"))
    run = dataclasses.replace(run, settlement=dataclasses.replace(run.settlement, payments=bad))
    with pytest.raises(notices.NoticeMismatch):
        notices.render_notices(run, tmp_path, fonts=fonts)
    assert not (tmp_path / "notices").exists()


def test_documents_off_writes_no_notices(tmp_path, rules):
    run = make_run(tmp_path, rules)
    run = dataclasses.replace(run, options=dataclasses.replace(run.options, documents=False))
    notices.emit(run, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_index_headers_in_english(tmp_path, rules, fonts):
    notices.render_notices(make_run(tmp_path, rules, headers="en"), tmp_path, fonts=fonts)
    header = (tmp_path / "notices_index.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "expert_id,file,gross,withholding,net,pages,sha256"


def test_long_table_breaks_onto_a_second_page_with_its_header(tmp_path, rules, fonts):
    import datetime as dt

    many = [(f"D-{i:03d}", "E-001", "I-01", dt.date(2021, 10, 1 + i % 28), "paid", 2640, 0, 0, 0)
            for i in range(60)]
    index = notices.render_notices(make_run(tmp_path, rules, dispatches=many), tmp_path,
                                   fonts=fonts)
    (row,) = index
    assert row["pages"] >= 2
    reader = PdfReader(tmp_path / row["file"])
    texts = [page.extract_text() for page in reader.pages]
    with_rows = [t for t in texts if "2021/10/" in t]
    assert len(with_rows) >= 2 and all("派遣機関" in t for t in with_rows)
    assert f"1／{len(texts)}" in texts[0].replace(" ", "")


@pytest.mark.slow
def test_notice_rasterises_with_pdftoppm(tmp_path, rendered):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    _, out, _ = rendered
    subprocess.run(["pdftoppm", "-r", "40", "-gray", _file(out, "E-001"), tmp_path / "p"],
                   check=True, capture_output=True)
    (pgm,) = tmp_path.glob("p*.pgm")
    data = pgm.read_bytes()
    # binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel
    header_end = data.index(b"\n255\n") + 5
    pixels = data[header_end:]
    dark = sum(1 for b in pixels if b < 128)
    assert 0.005 < dark / len(pixels) < 0.5  # text drawn, page not blank nor black


@pytest.mark.slow
def test_300_notices_in_under_10_seconds(tmp_path, rules):
    experts, dispatches = many_dispatches(300)
    run = make_run(tmp_path, rules, dispatches=dispatches, experts=experts)
    start = time.perf_counter()
    index = notices.render_notices(run, tmp_path)
    elapsed = time.perf_counter() - start
    assert len(index) == 300
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_control_characters_in_data_are_dropped_not_printed(tmp_path, rules, fonts):
    experts = [(e[0], "\x1b[31m山田\u202e 太郎\x1b[0m" if e[0] == "E-001" else e[1], *e[2:])
               for e in EXPERTS]
    notices.render_notices(make_run(tmp_path, rules, experts=experts), tmp_path, fonts=fonts)
    text = _text(_file(tmp_path, "E-001"))
    assert "[31m山田 太郎[0m" in text and "\x1b" not in text and "\u202e" not in text


def test_unprintable_character_is_named_by_code_point_only(fonts):
    with pytest.raises(MissingGlyphError) as err:
        fonts.check("a\x07b\U0001f600", where="x")
    assert "\x07" not in err.value.ja and "U+0007" in err.value.ja and "U+1F600" in err.value.ja


def test_parallel_rendering_gives_the_same_files(tmp_path, rules, rendered):
    _, serial, _ = rendered
    par = tmp_path / "par"
    par.mkdir()
    index = notices.render_notices(make_run(par, rules), par, workers=2)
    assert len(index) == 4
    for name in sorted(p.name for p in (serial / "notices").iterdir()):
        assert (par / "notices" / name).read_bytes() == (serial / "notices" / name).read_bytes()
    assert (par / "notices_index.csv").read_bytes() == (serial / "notices_index.csv").read_bytes()


def test_a_worker_ignores_ctrl_c_and_still_answers(tmp_path, rules, rendered, monkeypatch):
    """Ctrl-C reaches every process of the terminal's group; a notice worker leaves it to the
    main process and answers (exit 0: its own pages, no fallback). A pool worker could die
    or hang on it, and the main process then waited for ever (blind clerk check)."""
    import os
    import signal

    _, serial, _ = rendered
    started = []
    real = notices._start_worker

    def interrupted_at_start(task):
        proc, receiver = real(task)
        os.kill(proc.pid, signal.SIGINT)
        started.append(proc)
        return proc, receiver

    monkeypatch.setattr(notices, "_start_worker", interrupted_at_start)
    par = tmp_path / "par"
    par.mkdir()
    notices.render_notices(make_run(par, rules), par, workers=2)
    assert started and all(p.exitcode == 0 for p in started)
    for name in sorted(p.name for p in (serial / "notices").iterdir()):
        assert (par / "notices" / name).read_bytes() == (serial / "notices" / name).read_bytes()


def test_an_interrupted_main_process_leaves_no_worker_behind(tmp_path, rules, monkeypatch):
    started = []
    real = notices._start_worker

    def spy(task):
        started.append(real(task))
        return started[-1]

    def ctrl_c(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(notices, "_start_worker", spy)
    monkeypatch.setattr(notices, "_render_one", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        notices.render_notices(make_run(tmp_path, rules), tmp_path, workers=2)
    assert started and not any(proc.is_alive() for proc, _ in started)


def test_paid_time_from_the_engine_or_the_hourly_rate(tmp_path, rules, fonts):
    run = make_run(tmp_path, rules)
    with_minutes = run.settlement.dispatches.with_columns(
        paid_minutes=pl.when(pl.col("dispatch_id") == "D-001").then(pl.lit(90, pl.Int64)))
    run = dataclasses.replace(
        run, settlement=dataclasses.replace(run.settlement, dispatches=with_minutes))
    notices.render_notices(run, tmp_path, fonts=fonts)
    text = _text(_file(tmp_path, "E-001"))
    assert "1時間30分" in text  # the engine's figure for D-001
    assert "6時間00分" in text  # D-002: 31,680 yen ÷ 5,280 yen/h (R-FEE-1)


def test_paid_time_is_a_dash_under_a_fee_formula_without_hours(tmp_path, fonts):
    root = tmp_path / "rules"
    for part in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / part, root / part)
    fee = root / "parameters" / "fee.yaml"
    fee.write_text(fee.read_text(encoding="utf-8").replace(
        "2021-04-01: hourly_capped", "2021-04-01: flat_per_visit"), encoding="utf-8")
    from haken_batch.rules import load_rules

    out = tmp_path / "out"
    out.mkdir()
    notices.render_notices(make_run(out, load_rules(root)), out, fonts=fonts)
    assert "—" in _text(_file(out, "E-003"))


def test_R_PAY_3_a_payee_paid_0_yen_is_told_there_is_no_transfer(tmp_path, rules, fonts):
    """A paid dispatch can come to 0 yen (rules.md "Decisions"): its notice must not announce
    a transfer (R-PAY-1: no Zengin record for it)."""
    dispatches = [*DISPATCHES, ("D-007", "E-004", "I-01", dt.date(2021, 10, 25), "paid",
                                0, 0, 0, 0)]
    run = make_run(tmp_path, rules, dispatches=dispatches)
    notices.render_notices(run, tmp_path, fonts=fonts)
    zero = _text(tmp_path / "notices" / f"notice_{safe_name('E-004')}_2021-10.pdf")
    assert "今回のお振込みはありません" in zero and "お振込みいたします" not in zero
    # no transfer date to expect money on, and the account is not called the payee's
    # destination (independent-data check, session 19)
    assert "振込指定日" not in zero and "振込先" not in zero
    assert "ご登録の口座（今回の振込なし）" in zero
    # no sentence on how tax is withheld from 0 yen (documents check, session 21)
    assert "源泉徴収税額は、" not in zero and "源泉徴収税額は、" in _text(
        tmp_path / "notices" / f"notice_{safe_name('E-001')}_2021-10.pdf")
    paid = _text(tmp_path / "notices" / f"notice_{safe_name('E-001')}_2021-10.pdf")
    assert "お振込みいたします" in paid and "お振込みはありません" not in paid
    assert "振込指定日" in paid and "振込先" in paid and "今回の振込なし" not in paid
    # the month is the settlement's, not the dispatches' (「2021年10月分の専門家派遣」 over
    # a table of September dispatches: documents check, session 21)
    for text in (paid, zero):
        flat = text.replace("\n", "")
        assert "下記の専門家派遣に係る" in flat and "（2021年10月精算分）" in flat
        assert "2021年10月分の専門家派遣" not in flat


def test_R_FEE_2_a_fee_of_0_yen_shows_why_on_the_notice(tmp_path, rules, fonts):
    """A dispatch paid 0 yen of fee (under 30 minutes face to face) lists the fee line's note
    under it; a fee above 0 shows its time in its row and no fee line (blind check, s12)."""
    dispatches = [*DISPATCHES, ("D-007", "E-004", "I-01", dt.date(2021, 10, 25), "paid",
                                0, 620, 0, 0)]
    run = make_run(tmp_path, rules, dispatches=dispatches)
    extra = pl.DataFrame(
        [("D-007", 0, "謝金", 0, 0, "R-FEE-2", "対面15分 → 0×30分 × 5280円/時"),
         ("D-007", 1, "バス", 620, 620, "R-TRV-5", "普通運賃")],
        schema=run.settlement.lines.schema, orient="row")
    lines = pl.concat([run.settlement.lines, extra])
    run = dataclasses.replace(run, settlement=dataclasses.replace(run.settlement, lines=lines))
    notices.render_notices(run, tmp_path, fonts=fonts)
    zero = _text(tmp_path / "notices" / f"notice_{safe_name('E-004')}_2021-10.pdf")
    assert "対面15分 → 0×30分" in zero and "普通運賃" in zero
    paid = _text(_file(tmp_path, "E-001"))
    assert "60分" not in paid  # D-001's fee note: its time is in the row already


def test_R_TAX_2_withholding_note_names_the_base_the_engine_taxed(tmp_path, rules, fonts):
    """With travel in the base (R-TAX-2 as dated) the note says 支払総額; with it switched off,
    the engine taxes the fee alone, and the note must say so rather than 支払総額."""
    notices.render_notices(make_run(tmp_path, rules), tmp_path, fonts=fonts)
    assert "支払総額（謝金＋旅費）に10.21％" in _text(_file(tmp_path, "E-001"))

    root = tmp_path / "rules"
    for part in ("parameters", "codes"):
        shutil.copytree(REPO / "rules" / part, root / part)
    tax = root / "parameters" / "tax.yaml"
    text = tax.read_text(encoding="utf-8")
    head, tail = text.split("travel_in_base:", 1)
    tax.write_text(head + "travel_in_base:" + tail.replace("2021-04-01: true",
                                                           "2021-04-01: false", 1),
                   encoding="utf-8")
    from haken_batch.rules import load_rules

    out = tmp_path / "out"
    out.mkdir()
    notices.render_notices(make_run(out, load_rules(root)), out, fonts=fonts)
    note = _text(_file(out, "E-001"))
    assert "謝金に10.21％" in note and "支払総額（謝金＋旅費）に" not in note


def _text_runs(path: Path) -> list[tuple[float, float, str]]:
    """(x, font size, text) of each text run on the first page (pypdf's visitor)."""
    runs: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = tm[0] * cm[0] or 1.0
            runs.append((tm[4] * cm[0] + cm[4], font_size * scale, text))

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return runs


def test_R_PAY_3_a_long_payer_name_and_address_wrap_on_the_paper(tmp_path, rules, fonts):
    """payer.md allows any text: a long name and address were shrunk to 5.5 pt and then ran
    off the paper, the footer into both margins (independent documents check, session 21).
    They wrap in the payer block; the footer cuts the name."""
    name = ("中小企業・小規模事業者ワンストップ総合支援事業（専門家派遣）全国事務局 精算担当 "
            "第二係（令和三年度 謝金・旅費の精算、源泉徴収、支払調書の作成を担当）")
    address = ("〒100-0013 東京都千代田区霞が関一丁目3番1号 経済産業省別館 気付 第三会議室横 "
               "郵便受け（平日のみ受付）")
    run = make_run(tmp_path, rules)
    run = dataclasses.replace(run, payer=dataclasses.replace(
        run.payer, display_name=name, address=address))
    notices.render_notices(run, tmp_path, fonts=fonts)
    path = _file(tmp_path, "E-001")
    width = float(PdfReader(path).pages[0].mediabox.width)
    for x, size, text in _text_runs(path):
        # a full-width character is one em wide, a half-width one half: an upper bound
        ems = sum(1.0 if ord(ch) > 0xFF else 0.5 for ch in text)
        assert x + ems * size <= width - 15 * 72 / 25.4 + 1, (x, size, text)
    flat = _text(path).replace("\n", "").replace(" ", "")  # lines part at the spaces
    assert name.replace(" ", "") in flat and "郵便受け（平日のみ受付）" in flat
    body = float(load_template("notice")["font_size"]["body"])
    block = [size for x, size, text in _text_runs(path) if x > width / 2 and "事務局" in text]
    assert block and min(block) >= body * 0.8  # wrapped, not shrunk past a fifth
    # the demo's address parts at its space, not inside a word
    plain = make_run(tmp_path / "plain", rules)
    notices.render_notices(plain, tmp_path / "plain", fonts=fonts)
    lines = _text(tmp_path / "plain" / "notices" / "notice_E-001_2021-10.pdf").splitlines()
    assert "〒100-0013 東京都千代田区霞が関1-3-1" in " ".join(lines)
    # the footer cut the name instead of running into the margins
    assert "…" in _text(path).splitlines()[-1]


def _runs_with_y(path: Path) -> list[tuple[int, float, str]]:
    """(page, baseline in pt from the bottom, text) of every text run of every page."""
    runs: list[tuple[int, float, str]] = []
    for n, page in enumerate(PdfReader(path).pages):
        def visit(text, cm, tm, font_dict, font_size, n=n):
            if text.strip():
                runs.append((n, tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


def test_R_PAY_3_a_heading_keeps_its_table_header_and_first_row_on_its_page(tmp_path, rules,
                                                                           fonts):
    """「減額した項目」 and its table's header were drawn into the bottom margin, over the
    footer, when the dispatch table ended near the foot of a page (the bundled month's
    E000060; documents check, session 23). At every length of the table, nothing but the
    footer is below the bottom margin, and a heading is never the last line of its page."""
    margin = float(load_template("notice")["page"]["bottom_margin_mm"]) * 72 / 25.4
    for n in range(14, 30):
        many = [(f"D-{i:03d}", "E-001", "I-01", dt.date(2021, 10, 1 + i % 28), "paid", 2640,
                 0, 0, 0) for i in range(n)]
        folder = tmp_path / str(n)
        notices.render_notices(make_run(folder, rules, dispatches=many), folder, fonts=fonts)
        runs = _runs_with_y(_file(folder, "E-001"))
        low = [(page, y, text) for page, y, text in runs if y < margin]
        footer_y = {round(y) for _p, y, _t in low}
        assert len(footer_y) == 1 and footer_y.pop() < margin - 10, (n, low)  # the footer only
        for heading in ("減額した項目", "お支払の明細"):
            (page, y, _t), = [r for r in runs if r[2].startswith(heading)]
            below = [r for r in runs if r[0] == page and margin < r[1] < y - 1]
            assert below, (n, heading)  # something of its own under it, on its page


def test_R_PAY_3_a_long_addressee_wraps_beside_the_payer_block(tmp_path, rules, fonts):
    """A 法人's 58-character name went to 5.5 pt and ran over the payer block (documents
    check, session 23): it wraps onto lines of a legible size within its half."""
    name = ("一般社団法人ながいなまえの中小企業経営支援研究機構（東日本地域事業承継・創業支援"
            "センター）経営相談第三部")
    experts = [(e[0], name, "法人", *e[3:]) if e[0] == "E-001" else e for e in EXPERTS]
    notices.render_notices(make_run(tmp_path, rules, experts=experts), tmp_path, fonts=fonts)
    path = _file(tmp_path, "E-001")
    tmpl = load_template("notice")
    width = float(PdfReader(path).pages[0].mediabox.width)
    left = float(tmpl["page"]["margin_mm"]) * 72 / 25.4
    half = left + (width - 2 * left) * 0.55
    lines = [(x, size, text) for x, size, text in _text_runs(path)
             if text.strip() and text.strip() in name + "　御中"]
    assert "".join(t.strip() for _x, _s, t in lines).startswith(name)
    assert len(lines) >= 2
    for x, size, text in lines:
        ems = sum(1.0 if ord(ch) > 0xFF else 0.5 for ch in text.strip())
        assert x + ems * size <= half + 1, (x, size, text)
        assert size >= (float(tmpl["font_size"]["heading"]) + 2) * 0.8 - 0.01



def test_R_VAL_1_an_emoji_in_a_quoted_reason_prints_as_geta_not_a_stop(tmp_path, rules, fonts):
    """An emoji in a claim's 理由 passed validate, then stopped the whole cycle at its notice
    (exit 2, nothing paid; documents check, session 23). The notice quotes free text from
    the engine's notes (実費（理由: …）, a reduction's reason): a character the font cannot
    draw prints as 〓. Names still stop (test_character_outside_the_font_is_an_error)."""
    run = make_run(tmp_path, rules)
    s = run.settlement
    lines = s.lines.with_columns(
        pl.when((pl.col("dispatch_id") == "D-001") & (pl.col("line_no") == 1))
        .then(pl.lit("実費（理由: 駅から🚕で移動）")).otherwise(pl.col("note")).alias("note"))
    findings = s.findings.with_columns(
        pl.when(pl.col("rule_id") == "R-TRV-10").then(pl.lit("1泊9,800円を超える🏨宿泊費"))
        .otherwise(pl.col("message")).alias("message"))
    run = dataclasses.replace(run, settlement=dataclasses.replace(s, lines=lines,
                                                                  findings=findings))
    notices.render_notices(run, tmp_path, fonts=fonts)
    text = _text(_file(tmp_path, "E-001")).replace("\n", "")
    assert "駅から〓で移動" in text and "超える〓宿泊費" in text
    assert "🚕" not in text and "🏨" not in text


def test_R_PAY_3_the_dispatch_heading_keeps_a_dispatch_and_its_first_item(tmp_path, rules,
                                                                        fonts):
    """A long addressee pushed the table down until 「お支払の明細」 and its header were
    left alone at the foot of page 1: the first dispatch went on with its first item
    (review, session 23)."""
    header = {c["header"] for c in load_template("notice")["dispatch_columns"]}
    base = "一般社団法人ながいなまえの中小企業経営支援研究機構"
    for n in range(400, 470, 5):  # around where the old layout left the heading alone
        experts = [(e[0], (base * 40)[:n], "法人", *e[3:]) if e[0] == "E-001" else e
                   for e in EXPERTS]
        folder = tmp_path / str(n)
        notices.render_notices(make_run(folder, rules, experts=experts), folder, fonts=fonts)
        runs = _runs_with_y(_file(folder, "E-001"))
        (page, y, _t), = [r for r in runs if r[2].startswith("お支払の明細")]
        under = {t for p, ry, t in runs if p == page and 43 < ry < y - 1}
        assert under - header, (n, page)  # a dispatch row, not only the header
