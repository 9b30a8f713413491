"""源泉所得税の納付集計 (R-TAX-4, R-PAY-4): ``withholding_summary.csv`` and ``.pdf``.

One cycle's transfer is one payment date, so the summary has one payment month. Rows, in
this order: 1号 (報酬・料金: lecture and guidance fees), 2号 (企業診断員), 法人 (not
withheld, R-TAX-1), and the total. A payee's class is ``experts.fee_class``; an empty class
is ``tax.default_fee_class`` in force on the transfer date. A 法人 is its own row while
``tax.withhold_corporations`` is false; when it is true a 法人 is classed like anyone else.
``payees`` counts payees paid more than 0 yen. The totals are checked against
``payments`` before anything is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haken_batch.errors import HakenError
from haken_batch.followups import month_total

if TYPE_CHECKING:
    import polars as pl
    from fpdf import FPDF

    from haken_batch.pdf import DocTemplate, FontBook
    from haken_batch.run import CycleRun

CSV_FILE = "withholding_summary.csv"
PDF_FILE = "withholding_summary.pdf"
CLASSES = ("1号", "2号")
CORPORATE = "法人"
TOTAL = "total"
COLUMNS = ("payment_month", "transfer_date", "due_date", "fee_class", "payees", "gross",
           "withholding")


class SummaryMismatch(HakenError):
    """The summary would not equal payments.csv (a bug upstream; nothing is written)."""


def emit(run: CycleRun, folder: Path) -> None:
    """Write the CSV always and the printable page when documents are on."""
    from haken_batch.pdf import load_template

    tmpl = load_template("withholding")
    summary = summary_frame(run)
    write_csv(summary, folder / CSV_FILE, run.options.headers, tmpl)
    if run.options.documents:
        data = render_pdf(run, summary, tmpl)
        (folder / PDF_FILE).write_bytes(data)


def payee_classes(run: CycleRun) -> pl.DataFrame:
    """expert_id, fee_class (1号/2号/法人), gross, withholding — one row per payment."""
    import polars as pl

    on = run.settlement.transfer_date
    default = str(run.rules.value_at("tax.default_fee_class", on))
    withhold_corp = bool(run.rules.value_at("tax.withhold_corporations", on))
    experts = run.data.tables["experts"]
    fee_class = (pl.col("fee_class") if "fee_class" in experts.columns
                 else pl.lit(None, pl.String))
    master = experts.select("expert_id", "payee_type", fee_class.alias("fee_class"))
    pay = run.settlement.payments.select("expert_id", "gross", "withholding").join(
        master, on="expert_id", how="left")
    missing = pay.filter(pl.col("payee_type").is_null())
    if missing.height:
        eid = missing.get_column("expert_id")[0]
        raise SummaryMismatch(f"支払先 {eid} が専門家マスタにありません",
                              f"payee {eid} is not in the experts master", where="experts")
    corporate = (pl.col("payee_type") == CORPORATE) & pl.lit(not withhold_corp)
    out = pay.select(
        "expert_id",
        pl.when(corporate).then(pl.lit(CORPORATE))
        .otherwise(pl.col("fee_class").fill_null(default)).alias("fee_class"),
        "gross", "withholding",
    ).sort("expert_id")
    bad = out.filter(~pl.col("fee_class").is_in([*CLASSES, CORPORATE]))
    if bad.height:
        row = bad.row(0, named=True)
        raise HakenError(
            f"専門家 {row['expert_id']} の報酬区分「{row['fee_class']}」は"
            " 1号 / 2号 ではありません",
            f"expert {row['expert_id']}: fee class {row['fee_class']!r} is not 1号 / 2号",
            where=f"experts, {row['expert_id']}, fee_class")
    return out


def withholding_by_class(run: CycleRun) -> dict[str, int]:
    """The tax withheld per form (R-TAX-4: 1号 and 2号 are paid on two 徴収高計算書)."""
    import polars as pl

    sums = dict(payee_classes(run).group_by("fee_class").agg(pl.col("withholding").sum())
                .iter_rows())
    return {c: int(sums.get(c) or 0) for c in CLASSES}


ClassRows = dict[str, dict[str, Any]]  # 1号/2号 -> payees, gross, withholding


def class_rows(run: CycleRun) -> ClassRows:
    """This cycle's rows of the two forms (1号, 2号), as its summary writes them."""
    rows = {r["fee_class"]: r for r in summary_frame(run).iter_rows(named=True)}
    return {c: {k: int(rows[c][k]) for k in ("payees", "gross", "withholding")}
            for c in CLASSES}


def read_rows(path: Path, withheld: int) -> ClassRows | None:
    """The 1号 and 2号 rows of another cycle's withholding_summary.csv (Japanese or English
    headers); None when it cannot be read or its tax does not add up to ``withheld`` (the
    manifest's figure), so nothing unsure is printed as the month's."""
    import csv
    import io

    from haken_batch.pdf import load_template

    try:
        table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError):
        return None
    if not table:
        return None
    heads = load_template("withholding")["csv_headers"]
    at = next(({key: labels.index(col) for key, col in zip(COLUMNS, labels, strict=True)}
               for labels in heads.values() if list(labels) == table[0]), None)
    if at is None:
        return None
    try:
        by = {row[at["fee_class"]]: {k: int(row[at[k]]) for k in ("payees", "gross",
                                                                  "withholding")}
              for row in table[1:]}
        rows = {c: by[c] for c in CLASSES}
        tax = sum(r["withholding"] for r in rows.values()) + by.get(CORPORATE, {}).get(
            "withholding", 0)
    except (KeyError, ValueError, IndexError):
        return None
    return rows if tax == withheld else None


def summary_frame(run: CycleRun) -> pl.DataFrame:
    """The summary rows (classes in fixed order, then the total), checked against payments."""
    import polars as pl

    from haken_batch.jpcalendar import tax_due_date

    st = run.settlement
    classes = payee_classes(run)
    order = pl.DataFrame({"fee_class": [*CLASSES, CORPORATE], "_order": [0, 1, 2]})
    by_class = (
        order.join(
            classes.group_by("fee_class").agg(
                (pl.col("gross") > 0).sum().cast(pl.Int64).alias("payees"),
                pl.col("gross").sum().cast(pl.Int64), pl.col("withholding").sum().cast(pl.Int64)),
            on="fee_class", how="left")
        .with_columns(pl.col("payees", "gross", "withholding").fill_null(0))
    )
    total = by_class.select(pl.lit(TOTAL).alias("fee_class"), pl.lit(3).alias("_order"),
                            pl.col("payees").sum(), pl.col("gross").sum(),
                            pl.col("withholding").sum())
    due = tax_due_date(st.transfer_date, run.rules)
    summary = (
        pl.concat([by_class, total], how="vertical_relaxed")
        .sort("_order")
        .select(
            pl.lit(st.transfer_date.strftime("%Y-%m")).alias("payment_month"),
            pl.lit(st.transfer_date).alias("transfer_date"),
            pl.lit(due).alias("due_date"),
            "fee_class",
            pl.col("payees").cast(pl.Int64),
            pl.col("gross").cast(pl.Int64),
            pl.col("withholding").cast(pl.Int64),
        )
    )
    check_totals(summary, st.payments)
    return summary


def check_totals(summary: pl.DataFrame, payments: pl.DataFrame) -> None:
    """R-TAX-4: the summary's totals equal payments.csv, and a 法人 row withholds nothing."""
    import polars as pl

    total = summary.filter(pl.col("fee_class") == TOTAL).row(0, named=True)
    rows = summary.filter(pl.col("fee_class") != TOTAL)
    want_gross = int(payments.get_column("gross").sum())
    want_tax = int(payments.get_column("withholding").sum())
    want_payees = int((payments.get_column("gross") > 0).sum())
    problems = []
    if total["gross"] != want_gross or int(rows.get_column("gross").sum()) != want_gross:
        problems.append(f"gross {total['gross']} != {want_gross}")
    if total["withholding"] != want_tax or int(rows.get_column("withholding").sum()) != want_tax:
        problems.append(f"withholding {total['withholding']} != {want_tax}")
    if total["payees"] != want_payees:
        problems.append(f"payees {total['payees']} != {want_payees}")
    corp = rows.filter(pl.col("fee_class") == CORPORATE).get_column("withholding").sum()
    if int(corp) != 0:
        problems.append(f"法人 withheld {corp}")
    if problems:
        raise SummaryMismatch(
            f"源泉徴収の集計が payments と一致しません: {problems}",
            f"withholding summary does not equal payments: {problems}")


def write_csv(summary: pl.DataFrame, path: Path, headers: str, tmpl: DocTemplate) -> None:
    """UTF-8 with BOM; rows already in class order (1号, 2号, 法人, total)."""
    import polars as pl

    labels = tmpl["csv_headers"].get(headers, list(COLUMNS))
    total = str(tmpl["csv_total_label"].get(headers, TOTAL))
    out = summary.select(COLUMNS).with_columns(
        pl.col("fee_class").replace({TOTAL: total})
    ).rename(
        dict(zip(COLUMNS, labels, strict=True))
    )
    with path.open("wb") as fh:  # opened by Python: a path polars opens is UTF-8 (emit/csvs)
        out.write_csv(fh, include_bom=True, line_terminator="\n", date_format="%Y-%m-%d")


def render_pdf(run: CycleRun, summary: pl.DataFrame, tmpl: DocTemplate,
               fonts: FontBook | None = None) -> bytes:
    from haken_batch.pdf import Column, FontBook, Table, new_pdf, yen
    from haken_batch.pdf.layout import line_cell, paragraph, shortened

    st = run.settlement
    first = summary.row(0, named=True)
    due: dt.date = first["due_date"]
    from haken_batch.pdf.fonts import strip_controls

    name = strip_controls(str(getattr(run.payer, "display_name", "") or ""))
    values: dict[str, Any] = {
        "cycle": st.cycle, "payer_name": name, "payment_month": first["payment_month"],
        "transfer_date": st.transfer_date, "due_date": due,
        "due_weekday": tmpl["weekdays"][due.weekday()],
        "default_class": str(run.rules.value_at("tax.default_fee_class", st.transfer_date)),
    }
    withheld_corp = bool(run.rules.value_at("tax.withhold_corporations", st.transfer_date))
    corp_note = "note_corporate_withheld" if withheld_corp else "note_corporate"
    together = month_total(run.followups)
    if together:
        values["month_total"] = together["total"]
    keys = ["title", "subtitle", "payment_month", "transfer_date", "due_date",
            "table_heading", "note_1", "note_2", corp_note, "note_default", "note_totals",
            "note_month", *(("month_heading", "month_note") if together else ())]
    if name:
        keys.insert(2, "payer")
    texts = {k: tmpl.text(k, **values) for k in keys}
    texts["note_corporate"] = texts.pop(corp_note)
    labels = {str(k): str(v) for k, v in tmpl["classes"].items()}
    if withheld_corp:  # the 法人 row is empty then: its payees are in 1号 and 2号
        labels[CORPORATE] = str(tmpl["corporate_withheld_label"])
    rows = [{"label": labels[r["fee_class"]], "payees": yen(r["payees"]),
             "gross": yen(r["gross"]), "withholding": yen(r["withholding"])}
            for r in summary.iter_rows(named=True)]
    footer_text = tmpl.text("footer", **values)
    book = fonts or FontBook()
    columns = [Column.from_spec(s) for s in tmpl["columns"]]
    month_columns = [Column.from_spec(s) for s in tmpl["month_columns"]]
    month_rows = _month_rows(together, tmpl) if together else []
    strings = [*texts.values(), footer_text, "…", *(c.header for c in columns),
               *(v for r in rows for v in r.values()),
               *((c.header for c in month_columns) if together else ()),
               *(v for r in month_rows for v in r.values())]
    for s in strings:
        book.check(s, where="withholding_summary")
    book.prepare(strings)
    size = tmpl["font_size"]

    def footer(pdf: FPDF) -> None:
        pdf.set_y(-15)
        pdf.set_font_size(float(size["small"]))

        def render(payer: str) -> str:
            return tmpl.text("footer", **{**values, "payer_name": payer})

        # a long payer name is cut here only, as on the notices (it ran into both margins
        # at 5.5 pt: documents check, session 23); it stands whole under the title
        line_cell(pdf, pdf.epw, 5,
                  render(shortened(pdf, render, name, pdf.epw - 2 * pdf.c_margin)), align="C")

    pdf = new_pdf(book, created=st.transfer_date, title=texts["title"], author=name,
                  page=tmpl["page"], footer=footer)
    pdf.add_page()
    full = pdf.epw
    pdf.set_font_size(float(size["title"]))
    line_cell(pdf, full, 12, texts["title"], align="C")
    pdf.set_font_size(float(size["heading"]))
    line_cell(pdf, full, 7, texts["subtitle"], align="C")
    pdf.ln(4)
    pdf.set_font_size(float(size["body"]))
    for key in ("payer", "payment_month", "transfer_date", "due_date"):
        if key in texts:  # a long payer name wraps (it went past the right margin)
            paragraph(pdf, texts[key], line_h=7)
    pdf.ln(4)
    pdf.set_font_size(float(size["heading"]))
    line_cell(pdf, full, 7, texts["table_heading"])
    table = Table(pdf, columns, size=float(size["table"]), row_h=8)
    table.header()
    for i, row in enumerate(rows):
        table.row(row, bold_fill=i == len(rows) - 1)
    pdf.ln(1)
    pdf.set_font_size(float(size["small"]) + 1)
    paragraph(pdf, texts["note_month"], line_h=5)  # of the table above, beneath it
    if together:
        pdf.ln(5)
        pdf.set_font_size(float(size["heading"]))
        line_cell(pdf, full, 7, texts["month_heading"])
        pdf.set_font_size(float(size["body"]))
        paragraph(pdf, texts["month_note"], line_h=5)
        pdf.ln(1)
        month = Table(pdf, month_columns, size=float(size["table"]), row_h=7)
        month.header()
        for i, row in enumerate(month_rows):
            month.row(row, bold_fill=i == len(month_rows) - 1)
    pdf.ln(5)
    pdf.set_font_size(float(size["small"]) + 1)
    for key in ("note_1", "note_2", "note_corporate", "note_default", "note_totals"):
        paragraph(pdf, texts[key], line_h=5)
        pdf.ln(1)
    return bytes(pdf.output())


def _month_rows(together: dict[str, Any], tmpl: DocTemplate) -> list[dict[str, str]]:
    """The month block's rows: each cycle's 1号 and 2号 (人員, 支払金額, 税額; — where an
    older manifest kept less), then the month's sums per form (``per_class``, computed once
    with the follow-up's note) and the total to pay."""
    from haken_batch.pdf import yen

    unknown = str(tmpl["month_unknown"])

    def shown(value: Any) -> str:
        return unknown if value is None else yen(int(value))

    rows = []
    for c in together["cycles"]:
        for cls in CLASSES:
            row = (c.get("rows") or {}).get(cls) or {}
            rows.append({"cycle": str(c["cycle"]), "class": cls,
                         **{k: shown(row.get(k)) for k in ("payees", "gross", "withholding")}})
    label = str(tmpl["month_total_label"])
    per = together.get("per_class") or {}
    for cls in CLASSES:
        row = per.get(cls) or {}
        rows.append({"cycle": label, "class": cls,
                     **{k: shown(row.get(k)) for k in ("payees", "gross", "withholding")}})
    rows.append({"cycle": label, "class": str(tmpl["classes"]["total"]), "payees": "",
                 "gross": "", "withholding": yen(int(together["total"]))})
    return rows
