"""Validation of the typed tables against the input contract, and what a failing row touches.

* pandera (polars backend) checks each collected table with ``lazy=True``; its
  ``failure_cases`` frame is turned into findings by (column, check, index) — never by
  parsing message text (architecture.md).
* Row checks that pandera cannot express on one table run as polars expressions and produce
  the same shape: references between tables, characters outside Shift_JIS in names.
* Bank data that cannot be paid comes from ``haken_batch.bankcheck.unpayable_experts``
  (R-VAL-2; holder kana and bank/branch existence live there).
* ``touched_dispatches`` says which dispatches an error finding holds (R-VAL-1, R-VAL-2).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from haken_batch.load.findings import (
    ERROR,
    ISSUE_SCHEMA,
    WARNING,
    concat_issues,
    issues_for,
    one_issue,
)
from haken_batch.load.spec import DISPATCH_TABLES, TABLE_ORDER, ColumnMap, ColumnSpec, TableSpec
from haken_batch.pdf.fonts import UNPRINTABLE_RX

if TYPE_CHECKING:
    from haken_batch.load import Dataset
    from haken_batch.load.codes import Codes
    from haken_batch.rules import RuleBook

TOUCHED_SCHEMA: dict[str, pl.DataType] = {
    "dispatch_id": pl.String(), "rule_id": pl.String(), "message_ja": pl.String(),
    "message_en": pl.String(),
}
_ALLOWED_SHOWN = 12  # a code list this short is quoted in the message


def expectation(check: str, col: ColumnSpec, cmap: ColumnMap, codes: Codes) -> tuple[str, str]:
    """What a failed check expected, in Japanese and English (by check name, not text)."""
    if check == "not_nullable":
        return "必須の項目が空です", "required value is empty"
    if check in ("field_uniqueness", "multiple_fields_uniqueness"):
        # a correction names a row by its key and so reaches both: the export is the fix
        return ("キーが重複しています（同じキーの行が複数あります。事務局修正は同じキーの行すべてに"
                "かかるため、元のシステムで重複を解消して出力し直してください）",
                "duplicate key (several rows share it; a correction reaches every row of the "
                "key, so remove the duplicate in the source system and export again)")
    if check == "code_list":
        if col.kind == "inst_kind":
            return "機関種別は 1〜12（①〜⑫）のいずれかです", "institution kind must be 1-12"
        name = {"prefecture": "prefectures", "jsic": "jsic", "fee_class": "fee_class"}.get(
            col.kind, col.codes or "")
        allowed = codes.allowed(name)
        if len(allowed) <= _ALLOWED_SHOWN:
            shown = "・".join(allowed)
            return (f"コード表にない値です（{shown} のいずれか）",
                    f"not in the code list ({', '.join(allowed)})")
        return (f"コード表（rules/codes の {name}）にない値です",
                f"not in the code list {name} (rules/codes)")
    if check == "range":
        low = 0 if col.kind == "yen" and col.min is None else col.min
        low_s, high_s = _num(low), _num(col.max)
        return f"範囲外の値です（{low_s}〜{high_s}）", f"out of range ({low_s} to {high_s})"
    if check == "plausible_date":
        return (f"ありえない日付です（{cmap.date_min}〜{cmap.date_max} の範囲外）",
                f"implausible date (outside {cmap.date_min} to {cmap.date_max})")
    if check == "digits":
        return f"{col.width}桁の数字である必要があります", f"must be {col.width} digits"
    if check == "safe_id":
        return ("IDに使えない形式です（半角英数字と - _ . のみ、64文字まで。"
                "../ や CON などは不可）",
                "not a safe id (ASCII letters, digits, - _ . only, up to 64; no ../, CON, …)")
    if check == "formula":
        return ("数式として解釈される文字（= + - @）で始まっています。値を確認してください",
                "starts like a spreadsheet formula (= + - @); check the value")
    if check == "end_after_start":
        return "終了時刻が開始時刻より後ではありません", "end time is not after start time"
    if check == "minutes_within_span":
        return ("対面支援時間が開始〜終了の時間を超えています",
                "face-to-face minutes exceed the span from start to end")
    if check == "fare_for_mode":
        return ("鉄道・航空・船・バスの明細に運賃がありません（空欄を0円として払わず保留します）",
                "a rail, air, boat or bus line has no fare (held, not paid as 0 yen)")
    if check == "amount_for_mode":
        return ("タクシー・宿泊の明細に金額がありません（空欄を0円として払わず保留します）",
                "a taxi or lodging line has no amount (held, not paid as 0 yen)")
    if check == "platform_member_kind":
        return ("地域プラットフォームの構成機関には機関種別（1〜12）が必要です",
                "a platform constituent needs an institution kind (1-12)")
    if check == "control_chars":
        return ("制御文字（エスケープ・改ページなど）が含まれています",
                "contains control characters (escape sequences, form feeds, …)")
    if check == "not_cp932":
        return ("Shift_JIS で表せない文字（絵文字・外字、ゼロ幅スペースなどの見えない文字）が"
                "含まれています",
                "contains characters outside Shift_JIS (emoji, rare characters, invisible ones "
                "such as a zero-width space)")
    if check == "not_in_font":
        return ("支払通知書のフォントにない文字（外字・∑ など）が含まれています",
                "contains characters the notice font cannot print (user-defined gaiji, ∑, …)")
    return f"契約に合いません（{check}）", f"does not meet the contract ({check})"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _text_of(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    c = pl.col(column)
    if isinstance(dtype, pl.List):
        return c.list.join(";")
    # a time as the export writes it (10:00, not 10:00:00; a timestamp without .000000),
    # seconds only where the cell had some
    if isinstance(dtype, (pl.Time, pl.Datetime)):
        minutes = "%H:%M" if isinstance(dtype, pl.Time) else "%Y-%m-%d %H:%M"
        return (pl.when(c.dt.second() == 0).then(c.dt.strftime(minutes))
                .otherwise(c.dt.strftime(minutes + ":%S")))
    return c.cast(pl.String)


def failure_issues(table: str, failure_cases: pl.DataFrame, frame: pl.DataFrame,
                   cmap: ColumnMap, codes: Codes) -> pl.DataFrame:
    """pandera failure cases -> issues, grouped by (column, check); values read by index."""
    from haken_batch.contract import FRAME_CHECK_COLUMN

    spec = cmap.tables[table]
    names = {c.name for c in spec.columns}
    parts = []
    fc = failure_cases.select("column", "check", pl.col("index").cast(pl.Int64).alias("idx"))
    no_index = fc.filter(pl.col("idx").is_null())
    pairs = no_index.select("column", "check").unique().sort(["column", "check"])
    for column, check in pairs.iter_rows():
        # A dtype or column fault: the loader should have made the type; a bug, not a clerk's.
        parts.append(one_issue(table=table, column=column if column in names else None, value=None,
                               rule_id="R-VAL-1", severity=ERROR,
                               ja=f"表の形式が契約と違います（{column}: {check}）",
                               en=f"the table does not meet the contract ({column}: {check})"))
    rows = fc.filter(pl.col("idx").is_not_null())
    pairs = rows.select("column", "check").unique().sort(["column", "check"])
    for column, check in pairs.iter_rows():
        if check == "multiple_fields_uniqueness":
            target = spec.key[-1]
        elif column in names:
            target = column
        else:
            target = FRAME_CHECK_COLUMN.get(check, spec.key[0])
        col = spec.column(target)
        ja, en = expectation(check, col, cmap, codes)
        hit = (rows.filter((pl.col("column") == column) & (pl.col("check") == check))
               .select("idx").unique()
               .join(frame.select(pl.col("idx"), _text_of(frame, target).alias("value")),
                     on="idx", how="left"))
        if hit.schema["value"] == pl.String:
            # 3.34258E+12: Excel showed a long id as a number and saved what it showed (1,040
            # findings that named no cause: blind clerk check); the digits are lost. An id,
            # and as much a ゆうちょ 記号番号 told "7 digits" (Excel round-trip check, s20)
            shown = pl.col("value").str.contains(_EXPONENT_RX).fill_null(False)
            parts.append(issues_for(
                hit.filter(shown), table=table, column=target, rule_id=col.rule_id,
                severity=ERROR,
                ja=f"{col.label}: Excel の指数表示（3.34E+12 など）で保存された値で、桁が"
                   "失われています。元のシステムから出力し直してください（Excel で開いて保存"
                   "するときは、この列を「文字列」にします）",
                en=f"{col.name}: saved as Excel showed it in exponent form (3.34E+12 …), its "
                   "digits lost; export it again (when saving from Excel, make this column "
                   "text)"))
            hit = hit.filter(~shown)
        parts.append(issues_for(hit, table=table, column=target, rule_id=col.rule_id,
                                severity=ERROR, ja=f"{col.label}: {ja}", en=f"{col.name}: {en}"))
    return concat_issues(parts)


_EXPONENT_RX = r"^[0-9](?:\.[0-9]+)?[Ee][+][0-9]+$"


def _contract_issues(table: str, frame: pl.DataFrame, cmap: ColumnMap,
                     codes: Codes) -> pl.DataFrame:
    import pandera.errors as pa_errors

    from haken_batch.contract import schema_for, without_proven_keys

    schema = without_proven_keys(schema_for(table, cmap, codes, frame), frame)
    try:
        schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        return failure_issues(table, exc.failure_cases, frame, cmap, codes)
    except pa_errors.SchemaError as exc:  # lazy=True should collect; keep it a finding anyway
        if exc.failure_cases is not None and isinstance(exc.failure_cases, pl.DataFrame):
            return failure_issues(table, exc.failure_cases, frame, cmap, codes)
        raise
    return concat_issues([])


def name_faults(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Per value: (not_cp932, not_in_font).

    not_cp932: a character neither CP932 nor Shift_JIS can write (emoji, …). not_in_font: all
    characters writable, but one the notice font cannot draw (外字, ∑: ``UNPRINTABLE_RX``).
    Both are decided once per distinct non-ASCII value (a name repeats, and ASCII is always
    fine), in one encode per codec (no per-row loop): each character that cannot be encoded
    becomes one ``?``, so the joined values stay aligned.
    """
    distinct = values.drop_nulls().unique()
    distinct = distinct.filter(~distinct.str.contains(r"^[\x00-\x7F]*$"))
    if distinct.len() == 0:
        none = pl.repeat(False, values.len(), eager=True)
        return none, none
    # JIS X 0208's dash 1-29 (0x815C) is U+2014 in the JIS mapping (a Mac writes it) and
    # U+2015 in Python's codecs: both are the Shift_JIS character
    jis = distinct.str.replace_all("\u2014", "\u2015", literal=True)
    joined = "\x00".join(jis.to_list())
    bad = pl.repeat(True, distinct.len(), eager=True)
    for codec in ("cp932", "shift_jis"):
        back = pl.Series(joined.encode(codec, "replace").decode(codec).split("\x00"))
        bad = bad & (back != jis)
    unprintable = distinct.str.contains(UNPRINTABLE_RX) & ~bad
    return (values.is_in(distinct.filter(bad).implode()).fill_null(False),
            values.is_in(distinct.filter(unprintable).implode()).fill_null(False))


def control_chars() -> list[str]:
    """The characters ``CONTROL_RX`` matches (all below U+0100), for ``str.contains_any``.

    A substring search for these is the same test as the regex (UTF-8 encodes a character
    the same wherever it stands), and at 1,000,000 dispatches a tenth of the cost on columns
    that are mostly empty (measured).
    """
    import re

    from haken_batch.load.findings import CONTROL_RX

    return [chr(i) for i in range(0x100) if re.search(CONTROL_RX, chr(i))]


def _shift_jis_issues(table: str, frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    parts = []
    controls = control_chars()
    texts = [col for col in spec.columns if col.kind in ("name", "kana", "text")]
    # one pass says which text columns hold a control character at all (usually none)
    with_controls = frame.select(
        pl.col(col.name).str.contains_any(controls).any().alias(col.name) for col in texts
    ).row(0, named=True) if texts else {}
    for col in texts:
        if with_controls[col.name]:
            ctl = frame.filter(pl.col(col.name).str.contains_any(controls).fill_null(False))
            ja, en = expectation("control_chars", col, None, None)  # type: ignore[arg-type]
            parts.append(issues_for(ctl.select("idx", pl.col(col.name).alias("value")),
                                    table=table, column=col.name, rule_id=col.rule_id,
                                    severity=ERROR, ja=f"{col.label}: {ja}",
                                    en=f"{col.name}: {en}"))
        # the holder kana goes to the bank file only, as its Zengin conversion writes it: that
        # conversion is its check (R-VAL-2), which maps what Shift_JIS lacks (a Mac's — U+2014,
        # ゔ, a no-break space); this check held those experts (blind Zengin check)
        if col.kind not in ("name", "kana") or col.bank:
            continue
        # not_in_font: CP932 can write them, the notice font cannot draw them; settle would
        # stop at the notice, so they are held here, with their row, like the characters above.
        not_cp932, not_in_font = name_faults(frame.get_column(col.name))
        for check, hits in (("not_cp932", not_cp932), ("not_in_font", not_in_font)):
            if not hits.any():
                continue
            hit = frame.filter(hits).select("idx", pl.col(col.name).alias("value"))
            ja, en = expectation(check, col, None, None)  # type: ignore[arg-type]
            parts.append(issues_for(hit, table=table, column=col.name, rule_id=col.rule_id,
                                    severity=ERROR, ja=f"{col.label}: {ja}",
                                    en=f"{col.name}: {en}"))
    return concat_issues(parts)


def _reference_issues(frames: dict[str, pl.DataFrame], cmap: ColumnMap) -> pl.DataFrame:
    parts = []
    for ref in cmap.references:
        child, parent = frames[ref.table], frames[ref.parent]
        col = cmap.tables[ref.table].column(ref.column)
        pspec = cmap.tables[ref.parent]
        values = child.select("idx", pl.col(ref.column).alias("value"))
        if isinstance(values.schema["value"], pl.List):  # a list of ids: each id is looked up
            values = values.explode("value")
        hit = (values.filter(pl.col("value").is_not_null())
               # an anti join needs no unique() of the parent (that doubled its cost)
               .join(parent.select(pl.col(ref.parent_column).alias("value")),
                     on="value", how="anti"))
        if hit.height == 0:
            continue
        if col.kind == "list":
            # ids joined by another separator ("PF01-01,YR13") read as one unknown id: a
            # warning paid the dispatch its list would exclude (R-EXC-2/3: independent model
            # check). Not guessed apart: an error, holding the row's dispatches until corrected
            joined = pl.col("value").str.contains(_OTHER_SEPARATORS)
            parts.append(issues_for(
                hit.filter(joined), table=ref.table, column=ref.column, rule_id="R-VAL-1",
                severity=ERROR,
                ja=f"{col.label}: 区切りが「;」ではないため1つのIDとして読まれ、{pspec.ja}"
                   f"（{pspec.name}）にありません。「;」で区切ってください（このリストで決まる"
                   "対象外を判断できないため保留します）",
                en=f"{col.name}: not separated by ';', so read as one id, which is not in "
                   f"{pspec.name}; separate the ids with ';' (held: the exclusions this list "
                   "decides cannot be judged)"))
            hit = hit.filter(~joined)
        # an id typed in full width (Ｄ２１－０００２) matches nothing, and its dispatch drops out
        # of the cycle as "not reported": say which row it would be (Excel round-trip check)
        folded = pl.col("value").str.normalize("NFKC")
        near = (hit.filter(folded != pl.col("value"))
                .with_columns(folded.alias("_near"))
                .join(parent.select(pl.col(ref.parent_column).alias("_near")), on="_near",
                      how="semi"))
        # one frame for them all, each naming its own row (a whole column typed in full
        # width is a million of them: review, session 20)
        parts.append(issues_for(
            near, table=ref.table, column=ref.column, rule_id="R-VAL-1",
            severity=ref.severity,
            ja=pl.format(f"{col.label}: {pspec.ja}（{pspec.name}）にない値です（全角の文字が"
                         "あります。半角の「{}」なら行があります。元のシステムで直して出力し"
                         "直してください）", pl.col("_near")),
            en=pl.format(f"{col.name}: not found in {pspec.name} (it has full-width "
                         "characters; '{}' in half width is there: fix it in the source "
                         "system and export again)", pl.col("_near"))))
        hit = hit.join(near.select("idx", "value"), on=["idx", "value"], how="anti")
        parts.append(issues_for(
            hit, table=ref.table, column=ref.column, rule_id="R-VAL-1", severity=ref.severity,
            ja=f"{col.label}: {pspec.ja}（{pspec.name}）にない値です",
            en=f"{col.name}: not found in {pspec.name}"))
    return concat_issues(parts)


# what a clerk may have put between ids instead of ";" (an id holds none of them)
_OTHER_SEPARATORS = r"[,，、､・/／\s　]"


def _representative_issues(institutions: pl.DataFrame) -> pl.DataFrame:
    """A platform has one representative institution (rules.md "Actors", input-contract.md):
    none or several leave its statement (R-RPT-1) without a clear recipient. Reported on the
    platform's rows (none) or its representatives (several); holds nothing: no yen depends
    on it."""
    members = (institutions.filter(pl.col("platform_id").is_not_null())
               .with_columns(pl.col("is_representative").fill_null(False).sum()
                             .over("platform_id").alias("_reps")))
    odd = members.filter((pl.col("_reps") == 0)
                         | ((pl.col("_reps") > 1) & pl.col("is_representative")))
    parts = []
    for (platform, reps), rows in sorted(odd.group_by("platform_id", "_reps"),
                                         key=lambda g: str(g[0][0])):
        if reps == 0:
            ja = f"プラットフォーム {platform} に代表機関がありません（1機関だけ「有」にします）"
            en = f"platform {platform} has no representative institution (mark one)"
        else:
            ja = (f"プラットフォーム {platform} に代表機関が{reps}つあります"
                  "（1機関だけ「有」にします）")
            en = f"platform {platform} has {reps} representative institutions (mark one)"
        value = pl.when(pl.col("is_representative")).then(pl.lit("有")).otherwise(pl.lit("無"))
        parts.append(issues_for(rows.select("idx", value.alias("value")), table="institutions",
                                column="is_representative", rule_id="R-VAL-1",
                                severity=WARNING, ja=f"代表機関: {ja}",
                                en=f"is_representative: {en}"))
    return concat_issues(parts)


def _status_issues(dispatches: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """An approved report (機関承認日時) on a dispatch whose 状態 says it was not carried out.

    The exports disagree, and the clerk should know which one settle follows: an approved
    report is settled whatever the 状態 says, except キャンセル, which is never paid (so
    the report waits unpaid, which would otherwise go unexplained). Holds nothing.
    """
    from haken_batch.settle.select import CANCELLED

    DONE = "実施済"  # the contract's value (input-contract.md 状態)
    approved = reports.filter(pl.col("approved_at").is_not_null()).select("dispatch_id").unique()
    odd = (dispatches.filter(pl.col("status").is_in(["申請中", "承認済", CANCELLED]))
           .join(approved, on="dispatch_id", how="semi"))
    parts = []
    for (status,), rows in sorted(odd.group_by("status"), key=lambda g: str(g[0][0])):
        if status == CANCELLED:
            ja = "支援実績報告は承認済みですが、派遣はキャンセルです（キャンセルは支払いません）"
            en = "the report is approved, but the dispatch is cancelled (never paid)"
        else:
            ja = f"支援実績報告は承認済みですが、派遣の状態が「{status}」のままです（精算はします）"
            en = f"the report is approved, but the dispatch is still {status} (settled anyway)"
        parts.append(issues_for(rows.select("idx", pl.col("status").alias("value")),
                                table="dispatches", column="status", rule_id="R-VAL-1",
                                severity=WARNING, ja=f"状態: {ja}", en=f"status: {en}"))
    # carried out, but no report row at all: the reports export may be cut short (a
    # half-copied file settled two thirds of the month without a word: blind clerk check)
    unreported = (dispatches.filter(pl.col("status") == DONE)
                  .join(reports.select("dispatch_id").unique(), on="dispatch_id", how="anti"))
    parts.append(issues_for(
        unreported.select("idx", pl.col("status").alias("value")), table="dispatches",
        column="status", rule_id="R-VAL-1", severity=WARNING,
        ja="状態: 実施済ですが、支援実績報告の行がありません（報告が届くまで支払いません。"
           "報告のエクスポートが途中で切れていないか確認してください）",
        en="status: carried out, but the reports export has no row for it (not paid until "
           "it has; check that the reports export is complete)"))
    return concat_issues(parts)


def _approval_issues(reports: pl.DataFrame) -> pl.DataFrame:
    """A report approved before its support day: one of the two dates is mistyped (a
    support day corrected into a later month was paid with no word: blind clerk check).
    The contract does not make it an error, so it holds nothing: it is settled as approved
    (docs/readings.md)."""
    early = reports.filter(pl.col("approved_at").dt.date() < pl.col("support_date"))
    return issues_for(
        early.select("idx", pl.col("approved_at").dt.strftime("%Y-%m-%d %H:%M").alias("value")),
        table="reports", column="approved_at", rule_id="R-VAL-1", severity=WARNING,
        ja="機関承認日時: 支援日より前に承認されています（支援日か承認日時の入力誤りでないか"
           "確認してください。承認済みとして精算します）",
        en="approved_at: approved before the support date (check neither date is mistyped; "
           "it is settled as approved)")


def _bank_issues(experts: pl.DataFrame, public: pl.DataFrame, cmap: ColumnMap,
                 rules: RuleBook) -> pl.DataFrame:
    """R-VAL-2 findings from the bank check (holder kana, unknown bank/branch, …)."""
    from haken_batch.bankcheck import unpayable_experts

    found = unpayable_experts(public, rules)
    if found.height == 0:
        return concat_issues([])
    spec = cmap.tables["experts"]
    lookup = spec.by_header()
    from haken_batch.load.spec import fold

    name_of = {str(c): lookup[fold(str(c))].name
               for c in found.get_column("column").drop_nulls().unique().to_list()
               if fold(str(c)) in lookup}
    rows = (found.join(experts.select("idx", "expert_id"), on="expert_id", how="inner")
            .select(
                pl.lit("experts").alias("table"), pl.col("idx"),
                pl.col("column").replace(name_of).alias("column"),
                pl.col("value_masked").alias("value"),
                pl.col("rule_id").fill_null("R-VAL-2"), pl.lit(ERROR).alias("severity"),
                pl.col("message_ja"), pl.col("message_en")))
    return rows.cast(ISSUE_SCHEMA)  # type: ignore[arg-type]


def validate_tables(frames: dict[str, pl.DataFrame], cmap: ColumnMap, codes: Codes,
                    rules: RuleBook, unreadable: pl.DataFrame | None = None) -> pl.DataFrame:
    """Issues of the typed tables (each frame has its English columns plus ``idx``).

    ``unreadable`` (table, idx, column) are cells the loader already reported as unreadable:
    they are null now, so "required value is empty" or the bank check would say the same
    thing twice; one finding per cell is enough.
    """
    from haken_batch.parallel import ordered_map

    def table_issues(table: str) -> list[pl.DataFrame]:
        frame = frames[table]
        return [_contract_issues(table, frame, cmap, codes),
                _shift_jis_issues(table, frame, cmap.tables[table])]

    # the smallest table first, alone: pandera registers its backends on first use
    first, *rest = sorted(TABLE_ORDER, key=lambda t: frames[t].height)
    by_table = dict(zip([first, *rest], [table_issues(first), *ordered_map(table_issues, rest)],
                        strict=True))
    parts = [part for table in TABLE_ORDER for part in by_table[table]]
    parts.append(_reference_issues(frames, cmap))
    parts.append(_representative_issues(frames["institutions"]))
    parts.append(_status_issues(frames["dispatches"], frames["reports"]))
    parts.append(_approval_issues(frames["reports"]))
    experts = frames["experts"]
    contract = concat_issues(parts)
    if unreadable is not None and unreadable.height:
        contract = contract.join(unreadable.select("table", "idx", "column").unique(),
                                 on=["table", "idx", "column"], how="anti", nulls_equal=True)
    # The bank check may repeat a format finding of the same cell: the contract's comes first.
    bank = _bank_issues(experts, experts.drop("idx").rename({"row": "_row"}), cmap, rules)
    seen = pl.concat([contract.select("table", "idx", "column"),
                      (unreadable.select("table", "idx", "column") if unreadable is not None
                       else contract.select("table", "idx", "column").clear())])
    bank = bank.join(seen.unique(), on=["table", "idx", "column"], how="anti", nulls_equal=True)
    return concat_issues([contract, bank]).unique(maintain_order=True)


def touched_dispatches(dataset: Dataset, severity: str = ERROR) -> pl.DataFrame:
    """dispatch_id, rule_id, message_ja, message_en: every dispatch an ERROR finding holds
    (with ``severity=WARNING``: every dispatch a warning is about, for explain; it holds none).

    A dispatches/reports/checkins/travel_claims row -> its dispatch; an experts row -> all of
    that expert's dispatches; an institutions row -> all of its dispatches (R-VAL-1; a bank
    field is R-VAL-2). One row per (dispatch, rule); messages of several findings are joined
    with " / ". Sorted by dispatch_id, rule_id.
    """
    f = dataset.findings.filter((pl.col("severity") == severity) & pl.col("key").is_not_null())
    dispatches = dataset.tables["dispatches"].select("dispatch_id", "expert_id", "institution_id")
    refused = dataset.refused_corrections
    if severity == ERROR and refused is not None and refused.height:
        # a correction that could not be applied holds the rows it aimed at, like an error
        # on them: the clerk meant them to change before they are paid
        f = pl.concat([f.select("table", "key", "rule_id", "message_ja", "message_en"),
                       refused.select("table", "key", pl.lit("R-VAL-1").alias("rule_id"),
                                      "message_ja", "message_en")])
    names = {"experts": "専門家", "institutions": "派遣可能機関", "dispatches": "派遣案件",
             "reports": "支援実績報告", "checkins": "チェックイン・チェックアウト",
             "travel_claims": "旅費請求明細"}
    f = f.with_columns(
        pl.concat_str([pl.col("table").replace(names), pl.lit("（"), pl.col("key"), pl.lit("）"),
                       pl.col("message_ja")]).alias("message_ja"),
        pl.concat_str([pl.col("table"), pl.lit(" "), pl.col("key"), pl.lit(": "),
                       pl.col("message_en")]).alias("message_en"),
    )
    cols = ["dispatch_id", "rule_id", "message_ja", "message_en"]
    # A row's own dispatch, also when its id is written in full width (Ｄ０００１): ids are
    # not folded, so the row stays an error, but folding here finds the dispatch it belongs
    # to and holds it; otherwise a claim line with such an id was left out of a paid dispatch.
    own = (f.filter(pl.col("table").is_in(DISPATCH_TABLES))
           .with_columns(pl.col("key").str.split(";").list.first().alias("dispatch_id"))
           .select(cols))
    folded = own.with_columns(pl.col("dispatch_id").str.normalize("NFKC").str.strip_chars())
    # an expert's (institution's) row by its key as written and folded alike: a correction
    # keyed Ｅ００１ that was refused held nothing, and E001 was paid on the uncorrected row
    master = f.filter(pl.col("table").is_in(["experts", "institutions"]))
    master = pl.concat([master, master.with_columns(
        pl.col("key").str.normalize("NFKC").str.strip_chars())]).unique()
    by_expert = (master.filter(pl.col("table") == "experts")
                 .join(dispatches, left_on="key", right_on="expert_id", how="inner").select(cols))
    by_inst = (master.filter(pl.col("table") == "institutions")
               .join(dispatches, left_on="key", right_on="institution_id", how="inner")
               .select(cols))
    out = (pl.concat([own, folded, by_expert, by_inst], how="vertical").unique()
           .join(dispatches.select("dispatch_id"), on="dispatch_id", how="semi"))
    return (out.group_by("dispatch_id", "rule_id")
            .agg(pl.col("message_ja").unique().sort().str.join(" / "),
                 pl.col("message_en").unique().sort().str.join(" / "))
            .sort("dispatch_id", "rule_id")
            .cast(TOUCHED_SCHEMA))  # type: ignore[arg-type]


# --- for the `haken validate` command ------------------------------------------------------

FINDING_HEADERS = {
    "ja": {"file": "ファイル", "sheet": "シート", "row": "行", "column": "列", "value": "値",
           "table": "表", "key": "キー", "rule_id": "ルールID", "severity": "重要度",
           "message_ja": "内容", "message_en": "内容（英語）"},
    "en": {"file": "file", "sheet": "sheet", "row": "row", "column": "column", "value": "value",
           "table": "table", "key": "key", "rule_id": "rule_id", "severity": "severity",
           "message_ja": "message_ja", "message_en": "message_en"},
}


def validate_folder(data_dir: Path, rules_dir: Path | None = None) -> Dataset:
    """Load the rules and the data folder; the one call `haken validate` makes."""
    from haken_batch.load import load_dataset
    from haken_batch.rules import load_rules

    return load_dataset(Path(data_dir), load_rules(rules_dir))


def findings_csv(findings: pl.DataFrame, *, headers: str = "ja") -> bytes:
    """findings.csv: UTF-8 with BOM, Japanese (or English) headers, formula-safe cells."""
    from haken_batch.textsafe import looks_like_formula, neutralize

    text_cols = [c for c, t in findings.schema.items() if t == pl.String]
    safe = findings.sort(["file", "sheet", "row", "column", "rule_id", "message_ja"],
                         nulls_last=True)
    for c in text_cols:
        # neutralize() once per distinct formula-looking text, then a vectorised replace.
        distinct = safe.get_column(c).drop_nulls().unique().to_list()
        mapping = {v: neutralize(v) for v in distinct if looks_like_formula(v)}
        if mapping:
            safe = safe.with_columns(pl.col(c).replace(mapping))
    body = safe.rename(FINDING_HEADERS[headers]).write_csv(line_terminator="\n")
    return b"\xef\xbb\xbf" + body.encode("utf-8")


def masked_for_display(findings: pl.DataFrame, rules: RuleBook) -> pl.DataFrame:
    """Findings with personal values masked (terminal and JSON output never show them)."""
    from haken_batch.load.findings import MASK
    from haken_batch.load.spec import column_map

    cmap = column_map(rules.columns)
    personal = pl.DataFrame(
        [{"table": t, "column": label, "personal": True}
         for t, spec in cmap.tables.items() for c in spec.columns if c.personal or c.secret
         for label in (c.label, c.name)],
        schema={"table": pl.String, "column": pl.String, "personal": pl.Boolean}).unique()
    return (findings.join(personal, on=["table", "column"], how="left")
            .with_columns(pl.when(pl.col("personal").fill_null(False)
                                  & pl.col("value").is_not_null())
                          .then(pl.lit(MASK)).otherwise(pl.col("value")).alias("value"))
            .drop("personal"))


def summary(dataset: Dataset, cmap: ColumnMap | None = None) -> dict[str, object]:
    """Counts per table and per rule (and severity), for the rich summary and --format json;
    with the column map, each table's Japanese name (専門家) as the exports call it."""
    from haken_batch.load.whole_column import whole_columns_in

    f = dataset.findings
    per_table = (f.group_by(pl.col("table").fill_null("-"), "severity").len()
                 .sort("table", "severity"))
    per_rule = f.group_by("rule_id", "severity").len().sort("rule_id", "severity")
    return {
        "rows": {t: frame.height for t, frame in dataset.tables.items()},
        "errors": int((f.get_column("severity") == ERROR).sum()),
        "warnings": int((f.get_column("severity") != ERROR).sum()),
        "per_table": per_table.rows(named=True),
        "per_rule": per_rule.rows(named=True),
        "corrections": dataset.corrections.height,  # cells reached
        "corrections_rows": int(dataset.corrections.get_column("seq").n_unique()),
        "names_ja": {t: spec.ja for t, spec in cmap.tables.items()} if cmap else {},
        # a column failing alike in nearly every row: a re-save through Excel, told once
        "whole_columns": whole_columns_in(dataset),
        "sources": {t: {"file": s.path.name, "sheet": s.sheet, "encoding": s.encoding,
                        "sha256": s.sha256} for t, s in sorted(dataset.sources.items())},
    }
