"""KPI workbook for the agency (R-RPT-2, R-PAY-7): ``kpi_CYCLE.xlsx`` in the cycle folder.

Month and cumulative (fiscal year) numbers from the settlement; every count and yen equals
``dispatches.csv`` / ``payments.csv`` and the ledger (tests/test_kpi_*.py reconcile them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from haken_batch.emit.xlsx_style import Book, Col, Group, Written, wrapped_height
from haken_batch.kpi.inputs import KpiInputs
from haken_batch.kpi.tables import ROLE_TOTAL, TOTAL_LABEL, all_tables, with_total

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from haken_batch.run import CycleRun

MONTH = "当月（本サイクル支払分）"
CUMULATIVE = "累計（年度）"

# (sheet, one-line description) — the 定義 sheet and docs/kpi.md list the same lines.
SHEETS: tuple[tuple[str, str], ...] = (
    ("概要", "主要指標（当月・累計）、本サイクルの支払・保留・対象外件数（参考）、グラフ"),
    ("定義", "当月・累計の定義、計上しないもの、各シートの説明"),
    ("よろず支援拠点別", "よろず支援拠点ごとの派遣件数・謝金・旅費・合計（当月・累計）"),
    ("プラットフォーム別", "地域プラットフォームごとの計と代表機関・構成機関の内訳（当月・累計）"),
    ("機関別", "全派遣可能機関の派遣件数・謝金・旅費・合計（当月・累計）"),
    ("専門家別", "専門家ごとの派遣件数・謝金・旅費・合計（当月・累計）"),
    ("経営課題別", "経営課題ごとの派遣件数（グラフのデータ）"),
    ("業種別", "業種（日本標準産業分類 大分類）ごとの派遣件数（グラフのデータ）"),
    ("機関種別", "申請機関の種別（①〜⑫、よろず支援拠点）ごとの派遣件数（グラフのデータ）"),
    ("経済産業局別", "支援企業の所在地を管轄する経済産業局ごとの派遣件数（グラフのデータ）"),
    ("都道府県別", "支援企業の所在都道府県ごとの派遣件数"),
    ("保有資格別", "専門家の保有資格ごとの派遣件数（複数資格は各資格に計上、グラフのデータ）"),
    ("企業区分別",
     "企業区分（小規模事業者・創業予定者など）ごとの派遣件数と支援企業数（グラフのデータ）"),
    ("支援企業一覧", "当月の支援企業（名称・所在地・電話番号・業種・規模）"),
    ("支援企業一覧（累計）",
     "年度初めから本サイクルまでの支援企業（同じ項目と、当月・累計の派遣件数）"),
    ("要確認フラグ",
     "当月支払分の派遣についた要確認フラグ（支払は止めない指摘：同行なしの理由、複数泊など）"),
)
SHEET_NAMES = tuple(name for name, _ in SHEETS)
# The two short charts first: they fit on the summary's first printed page.
CHART_SHEETS = ("経済産業局別", "企業区分別", "経営課題別", "業種別", "機関種別", "保有資格別")

AMOUNT_COLS = (
    Col("month_count", "派遣件数", "int"), Col("month_fee", "謝金（円）", "yen"),
    Col("month_travel", "旅費（円）", "yen"), Col("month_total", "合計（円）", "yen"),
    Col("cum_count", "派遣件数", "int"), Col("cum_fee", "謝金（円）", "yen"),
    Col("cum_travel", "旅費（円）", "yen"), Col("cum_total", "合計（円）", "yen"),
)
AMOUNT_GROUPS = (Group(MONTH, "month_count", "month_total"),
                 Group(CUMULATIVE, "cum_count", "cum_total"))


def file_name(cycle: str) -> str:
    return f"kpi_{cycle}.xlsx"


def emit(run: CycleRun, folder: Path) -> None:
    """Write ``kpi_CYCLE.xlsx`` for the cycle into folder."""
    write(KpiInputs.from_run(run), folder)


def write(inp: KpiInputs, folder: Path) -> Path:
    path = folder / file_name(inp.cycle)
    path.write_bytes(build(inp))  # the staged cycle folder is fsynced whole (outdir)
    return path


def definitions(inp: KpiInputs) -> list[str]:
    fy = inp.fiscal_year
    return [
        f"当月：本サイクル（{inp.cycle}）の精算で「支払」とした派遣と、その支払額。"
        "支援日が前月以前の派遣（承認が遅れたもの）も、支払ったサイクルの当月に計上します。",
        f"累計：{fy}年度（{inp.fy_start:%Y/%m/%d}〜）に精算した各サイクルの支払済派遣"
        "（過去サイクルの支払台帳＋本サイクルの支払分）。本サイクルまでを含みます。",
        "保留の派遣は、支払うサイクルまで計上しません（解消して支払われたサイクルで計上）。"
        "対象外（R-EXC-*、R-PER-1）の派遣は計上しません。本サイクルの保留・対象外件数は"
        "「概要」に参考として示します。",
        "派遣件数＝支払済の派遣の件数（0円の支払も1件）。旅費＝交通費＋日当＋宿泊費（R-TRV-2）。"
        "合計＝謝金＋旅費（源泉徴収前の支払総額）。金額は円、整数。",
        "支援企業数（実数）＝企業IDの異なり数。専門家数・申請機関数も同様に実数。",
        "経営課題・業種・企業区分・企業の都道府県は派遣案件データの値。経済産業局は支援企業の"
        "所在都道府県から定めます（rules/codes/prefectures.yaml）。値がないものは「不明」。",
        "機関種別は申請機関の種別（①〜⑫）、よろず支援拠点は「よろず支援拠点」。",
        "保有資格：2つ以上の資格を持つ専門家の派遣は、資格ごとに1件ずつ数えます。そのため"
        "「保有資格別」の合計は派遣件数を超えることがあります。資格のない専門家は「資格なし」。",
        "専門家別：専門家IDと氏名を載せます（機構への支払実績報告 R-PAY-7 のため）。口座・住所・"
        "マイナンバーは載せません。支援企業一覧とともに個人情報を含むため取扱注意。",
        "要確認フラグ：当月支払分の派遣についた、支払を止めない指摘（findings.csv の区分 flag）を"
        "1件1行で載せます。例：機関の同行なしで理由の記載がない・同行の有無の記録がない"
        "（R-CHK-4）、複数泊（R-TRV-10）、回数上限の例外記録による支払（R-LIM-1）。フラグは"
        "支払を止めず、機構への報告のために一覧にします（同行しない理由が不自然なものは機構へ"
        "報告：R-CHK-4）。保留の派遣のフラグは支払うサイクルで載せ、対象外の派遣のフラグは"
        "載せません。専門家の氏名・口座は載せません。",
        "要確認フラグの件数（概要）は当月分のみで、累計はありません。実績の累計は過去サイクルの"
        "支払台帳から数えますが、過去サイクルの指摘は読まないためです（各サイクルのフラグは、"
        "そのサイクルの本ブックと findings.csv にあります）。",
        "セルの値はすべて数値・文字であり、数式はありません。各表の「合計」行も値です。",
    ]


def build(inp: KpiInputs) -> bytes:
    t = all_tables(inp)
    book = Book(created=inp.created, title=f"専門家派遣 月次実績報告 {inp.cycle}",
                subject="R-RPT-2 R-PAY-7")
    subtitle = [f"サイクル {inp.cycle}（{inp.fiscal_year}年度）　当月＝本サイクル支払分、"
                f"累計＝{inp.fy_start:%Y/%m/%d}以降の支払分"]
    summary = book.sheet("概要", landscape=True)
    notes = book.sheet("定義")
    written: dict[str, Written] = {}

    written.update(_amount_sheet(book, "よろず支援拠点別", t["yorozu"], subtitle, (
        Col("institution_id", "機関ID"), Col("institution_name", "よろず支援拠点"),
        Col("prefecture", "都道府県")), pl.col("institution_id") == TOTAL_LABEL))
    written.update(_amount_sheet(book, "プラットフォーム別", t["platform"], subtitle, (
        Col("platform_id", "プラットフォームID"), Col("platform_name", "プラットフォーム名"),
        Col("role", "区分"), Col("institution_id", "機関ID"),
        Col("institution_name", "機関名"), Col("kind_label", "機関種別", cap=36)),
        (pl.col("platform_id") == TOTAL_LABEL) | (pl.col("role") == ROLE_TOTAL)))
    written.update(_amount_sheet(book, "機関別", t["institution"], subtitle, (
        Col("institution_id", "機関ID"), Col("institution_name", "機関名"),
        Col("channel", "窓口区分"), Col("kind_label", "機関種別", cap=36),
        Col("platform_id", "プラットフォームID"), Col("prefecture", "都道府県")),
        pl.col("institution_id") == TOTAL_LABEL))
    written.update(_amount_sheet(book, "専門家別", t["expert"], subtitle, (
        Col("expert_id", "専門家ID"), Col("expert_name", "氏名"), Col("payee_type", "区分"),
        Col("qualifications", "保有資格", width=24)), pl.col("expert_id") == TOTAL_LABEL))

    counts = (Col("month", "当月\n派遣件数", "int"), Col("cumulative", "累計\n派遣件数", "int"))
    for sheet, key, header, extra in (
        ("経営課題別", "issue", "経営課題", ()),
        ("業種別", "industry", "業種（日本標準産業分類 大分類）", ()),
        ("機関種別", "kind", "申請機関の種別", ()),
        ("経済産業局別", "bureau", "経済産業局（支援企業の所在地）", ()),
        ("都道府県別", "prefecture", "都道府県（支援企業の所在地）", ()),
        ("保有資格別", "qualification", "専門家の保有資格",
         ("複数の資格を持つ専門家の派遣は資格ごとに1件ずつ数えます（合計は派遣件数を超えます）。",)),
    ):
        written[sheet] = _count_sheet(book, sheet, t[key], subtitle + list(extra),
                                      (Col("label", header, cap=80), *counts))
    written["企業区分別"] = _count_sheet(book, "企業区分別", t["company_class"], subtitle, (
        Col("label", "企業区分"), Col("month", "当月\n派遣件数", "int"),
        Col("month_companies", "当月\n支援企業数", "int"),
        Col("cumulative", "累計\n派遣件数", "int"),
        Col("cum_companies", "累計\n支援企業数", "int")), sums=("month", "cumulative"))
    _companies_sheet(book, t["companies"], inp)
    _companies_sheet(book, t["companies_cumulative"], inp, cumulative=True)
    _flags_sheet(book, t["flags"], inp)

    _summary(book, summary, inp, t, written)
    _definitions(book, notes, inp)
    return book.to_bytes()


def _amount_sheet(book: Book, name: str, frame: pl.DataFrame, subtitle: list[str],
                  ids: tuple[Col, ...], totals: pl.Expr) -> dict[str, Written]:
    ws = book.sheet(name, landscape=True)
    row = book.title(ws, f"{name} 支払実績", subtitle)
    w = book.table(ws, frame, (*ids, *AMOUNT_COLS), row=row, groups=AMOUNT_GROUPS,
                   totals=totals,
                   freeze_cols=len(ids) if len(ids) <= 2 else 2)
    return {name: w}


def _count_sheet(book: Book, name: str, frame: pl.DataFrame, subtitle: list[str],
                 cols: tuple[Col, ...], *,
                 sums: tuple[str, ...] = ("month", "cumulative")) -> Written:
    ws = book.sheet(name)
    row = book.title(ws, f"{name} 派遣件数", subtitle)
    summed = tuple(c.key for c in cols if c.key in sums)
    framed = with_total(frame, "label", sums=summed)
    if set(summed) != {c.key for c in cols if c.kind == "int"}:
        # Distinct companies do not add up across classes: leave their total blank.
        framed = framed.with_columns(
            pl.when(pl.col("label") == "合計").then(None).otherwise(pl.col(c.key)).alias(c.key)
            for c in cols if c.kind == "int" and c.key not in summed)
    w = book.table(ws, framed, cols, row=row, totals=pl.col("label") == TOTAL_LABEL,
                   freeze_cols=1)
    w.last_row -= 1  # the chart's range excludes the total row
    return w


def _companies_sheet(book: Book, frame: pl.DataFrame, inp: KpiInputs, *,
                     cumulative: bool = False) -> None:
    counts: tuple[Col, ...]
    if cumulative:
        name = "支援企業一覧（累計）"
        title, note = name, (f"{inp.fy_start:%Y/%m/%d}以降の各サイクルとサイクル {inp.cycle} "
                             "に支払った派遣の支援企業。個人情報を含むため取扱注意。")
        counts = (Col("month_count", "当月\n派遣件数", "int"),
                  Col("cum_count", "累計\n派遣件数", "int"))
    else:
        name, title = "支援企業一覧", "支援企業一覧（当月）"
        note = f"サイクル {inp.cycle} に支払った派遣の支援企業。個人情報を含むため取扱注意。"
        counts = (Col("month_count", "当月\n派遣件数", "int"),)
    ws = book.sheet(name, landscape=True)
    row = book.title(ws, title, [note])
    book.table(ws, frame, (
        Col("company_id", "企業ID"), Col("company_name", "企業名"),
        Col("company_address", "所在地"), Col("company_phone", "電話番号"),
        Col("company_prefecture", "都道府県"), Col("industry", "業種"),
        Col("employees", "従業員数", "int"), Col("company_class", "企業区分"),
        *counts), row=row, freeze_cols=2)


def _flags_sheet(book: Book, frame: pl.DataFrame, inp: KpiInputs) -> None:
    """The month's flags (rules.md "Decisions", R-CHK-4): no expert name, no bank data."""
    ws = book.sheet("要確認フラグ", landscape=True)
    row = book.title(ws, "要確認フラグ（当月支払分）", [
        f"サイクル {inp.cycle} に支払った派遣についた要確認フラグ。支払は止めず、"
        "機構への報告のために載せます（定義シート参照）。"])
    book.table(ws, frame, (
        Col("dispatch_id", "派遣ID"), Col("line_no", "明細番号", "int"),
        Col("support_date", "支援日", "date"),
        Col("institution_id", "申請機関ID"), Col("institution_name", "機関名"),
        Col("expert_id", "専門家ID"), Col("rule_id", "ルール"),
        Col("message", "内容", cap=80)), row=row, freeze_cols=1)


def _summary(book: Book, ws: Worksheet, inp: KpiInputs, t: dict[str, pl.DataFrame],
             written: dict[str, Written]) -> None:
    row = book.title(ws, "専門家派遣 月次実績報告（KPI）", [
        f"サイクル {inp.cycle}（{inp.fiscal_year}年度）　締日 {inp.cutoff:%Y/%m/%d}　"
        f"振込指定日 {inp.transfer_date:%Y/%m/%d}",
        f"当月＝本サイクルで支払った派遣、累計＝{inp.fy_start:%Y/%m/%d}以降の各サイクルで"
        "支払った派遣（定義シート参照）"])
    book.table(ws, t["headline"], (
        Col("item", "項目", width=30), Col("unit", "単位", width=6),
        Col("month", "当月", "int", width=14), Col("cumulative", "累計", "int", width=14)),
        row=row, freeze=False)
    row += t["headline"].height + 2
    ws.write_string(row, 0, "本サイクルの審査結果（参考：保留・対象外は上の数に含みません）",
                    book.f["label"])
    book.table(ws, t["status"], (Col("label", "状態", width=30),
                                 Col("count", "件数", "int", width=6)),
               row=row + 1, set_widths=False, freeze=False)
    # Charts two a row; the first (short) pair shares the first printed page with the
    # headline, each later pair gets a page of its own (no chart cut by a page break).
    row += t["status"].height + 3
    breaks = []
    series = [("month", "当月"), ("cumulative", "累計")]
    for i in range(0, len(CHART_SHEETS), 2):
        pair = CHART_SHEETS[i:i + 2]
        rows = max(written[s].last_row - written[s].first_row + 1 for s in pair)
        height = max(300, 110 + 20 * rows)
        if i:
            breaks.append(row)
        for j, sheet in enumerate(pair):
            book.bar_chart(ws, (row + 1, 0), written[sheet], title=sheet, category="label",
                           series=series, size=(560, height), x_offset=580 * j)
        row += -(-height // 20) + 2
    ws.set_h_pagebreaks(breaks)


def _definitions(book: Book, ws: Worksheet, inp: KpiInputs) -> None:
    row = book.title(ws, "定義・注記", [f"サイクル {inp.cycle}（{inp.fiscal_year}年度）"])
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 100)
    for i, text in enumerate(definitions(inp)):
        ws.write_string(row + i, 0, f"{i + 1}.", book.f["label"])
        ws.write_string(row + i, 1, text, book.f["note"])
        ws.set_row(row + i, wrapped_height(text, 100))
    row += len(definitions(inp)) + 1
    ws.write_string(row, 0, "シート", book.f["header"])
    ws.write_string(row, 1, "内容", book.f["header"])
    for i, (name, text) in enumerate(SHEETS, start=1):
        ws.write_string(row + i, 0, name, book.f["text"])
        ws.write_string(row + i, 1, text, book.f["text"])
