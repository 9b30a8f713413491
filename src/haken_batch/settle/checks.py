"""Holds and flags before paying: R-FEE-4, R-CHK-2..7, R-VAL-1, R-VAL-2.

Each function is a plain frame -> rows-of-results function citing its rule
(``results.result``). Tolerances and switches are parameters read on the support date.
"""

from __future__ import annotations

import unicodedata

import polars as pl

from haken_batch.rules import RuleBook
from haken_batch.settle import params, windows
from haken_batch.settle.results import SCHEMA, Part, result, txt, txt_en
from haken_batch.settle.select import CANCELLED, first_per_key

CHECK_IN = "チェックイン"
CHECK_OUT = "チェックアウト"


def approved_start() -> pl.Expr:
    return pl.col("support_date").dt.combine(pl.col("start_time"))


def approved_end() -> pl.Expr:
    return pl.col("support_date").dt.combine(pl.col("end_time"))


def attach_checkins(d: pl.DataFrame, checkins: pl.DataFrame) -> pl.DataFrame:
    """One check-in and one check-out per dispatch, side by side: the earliest check-in and
    the earliest SIGNED check-out (else the earliest check-out). R-CHK-2 Reading: complete =
    a check-in and a signed check-out, so an unsigned check-out followed by a signed one is
    complete, and R-CHK-3 compares the signed one."""

    def events(kind: str, prefix: str) -> pl.DataFrame:
        unsigned = (~pl.col("signed").fill_null(False)).alias("_unsigned")
        first = [unsigned] if kind == CHECK_OUT else []
        return (
            checkins.filter(pl.col("event") == kind)
            .sort(["dispatch_id", *first, "at", "lat", "lon"], nulls_last=True)
            .unique(subset="dispatch_id", keep="first", maintain_order=True)
            .select(
                "dispatch_id",
                *(pl.col(c).alias(f"{prefix}_{c}") for c in ("at", "lat", "lon", "signed")),
            )
            .with_columns(pl.lit(True).alias(f"{prefix}_present"))
        )

    return (
        d.join(events(CHECK_IN, "ci"), on="dispatch_id", how="left")
        .join(events(CHECK_OUT, "co"), on="dispatch_id", how="left")
        .with_columns(pl.col("ci_present").fill_null(False), pl.col("co_present").fill_null(False))
    )


# R-CHK-2/3/4/6 inputs whose cell may fail validation: flag -> (table, check-in
# event or None for the report, columns)
_REFUSED = {
    "_bad_ci_at": ("checkins", CHECK_IN, ("at",)),
    "_bad_co_at": ("checkins", CHECK_OUT, ("at",)),
    "_bad_ci_pos": ("checkins", CHECK_IN, ("lat", "lon")),
    "_bad_co_pos": ("checkins", CHECK_OUT, ("lat", "lon")),
    "_bad_place": ("reports", None, ("place_lat", "place_lon")),
    "_bad_start": ("reports", None, ("support_date", "start_time")),
    "_bad_end": ("reports", None, ("support_date", "end_time")),
    "_bad_confirmed": ("reports", None, ("company_confirmed",)),
    "_bad_signed": ("checkins", CHECK_OUT, ("signed",)),
    "_bad_declared": ("reports", None, ("declaration_submitted",)),
    "_bad_accompanied": ("reports", None, ("accompanied",)),
}


def refused_inputs(cells: pl.DataFrame | None) -> pl.DataFrame:
    """dispatch_id and one flag of ``_REFUSED`` per dispatch with such a cell among the
    loader's error cells (table, key, column). A value the contract refused is kept as read
    (a latitude of 95, a check-in in 2201): the checks treat it as missing, as they treat a
    blank, since R-VAL-1 holds its row already; compared, it gave R-CHK-3 differences of
    6,595,955 m and 94,669,950 minutes."""
    schema = {"dispatch_id": pl.String(), **dict.fromkeys(_REFUSED, pl.Boolean())}
    if cells is None or cells.height == 0:
        return pl.DataFrame(schema=schema)
    key = pl.col("key").str.split(";")
    c = cells.filter(pl.col("table").is_in(["reports", "checkins"])).with_columns(
        key.list.first().alias("dispatch_id"), key.list.get(1, null_on_oob=True).alias("_event"))
    flags = [((pl.col("table") == table)
              & (pl.col("_event") == event if event else pl.lit(True))
              & pl.col("column").is_in(list(columns))).any().alias(flag)
             for flag, (table, event, columns) in _REFUSED.items()]
    return c.group_by("dispatch_id").agg(flags).cast(schema)  # type: ignore[arg-type]


def _with_refused(d: pl.DataFrame, refused: pl.DataFrame | None) -> pl.DataFrame:
    """``d`` with the flags of ``refused_inputs`` (false where none)."""
    if refused is None or refused.height == 0:  # the normal month: no join over d
        return d.with_columns(pl.lit(False).alias(flag) for flag in _REFUSED)
    return d.join(refused, on="dispatch_id", how="left").with_columns(
        pl.col(list(_REFUSED)).fill_null(False))


def r_fee_4(d: pl.DataFrame, rules: RuleBook) -> Part:
    """R-FEE-4: a web meeting counts only with the secretariat's prior approval; else held."""
    d = params.add(
        d.select("dispatch_id", "support_date", "web_meeting", "web_meeting_approved"),
        rules,
        "support_date",
        {"_need": ("fee.web_meeting_requires_approval", pl.Boolean())},
    )
    failed = (
        pl.col("web_meeting").fill_null(False)
        & ~pl.col("web_meeting_approved").fill_null(False)
        & pl.col("_need").fill_null(True)
    )
    return result(
        d,
        "R-FEE-4",
        failed,
        "hold",
        pl.lit("WEB会議だが事務局の事前確認がない"),
        pl.lit("web meeting without the secretariat's prior approval"),
        ok_message=pl.when(pl.col("web_meeting").fill_null(False))
        .then(pl.lit("WEB会議（事前確認あり）"))
        .otherwise(pl.lit("対面")),
        ok_message_en=pl.when(pl.col("web_meeting").fill_null(False))
        .then(pl.lit("web meeting (approved in advance)"))
        .otherwise(pl.lit("face to face")),
    )


def r_chk_6(d: pl.DataFrame, refused: pl.DataFrame | None = None) -> Part:
    """R-CHK-6: the company's confirmation (従事証明) must have been checked. A 従事証明確認
    that failed validation is missing (``refused_inputs``): still not checked, so held, but
    the message says why instead of stating that nobody checked."""
    d = _with_refused(d, refused)
    bad = pl.col("_bad_confirmed")
    return result(
        d,
        "R-CHK-6",
        ~pl.when(~bad).then(pl.col("company_confirmed")).fill_null(False),
        "hold",
        pl.when(bad)
        .then(pl.lit("企業の従事証明（メール）の確認が分からない（従事証明確認の値が検証エラー、"
                     "R-VAL-1）"))
        .otherwise(pl.lit("企業の従事証明（メール）が確認されていない")),
        pl.when(bad)
        .then(pl.lit("whether the company's confirmation of the support (email) was checked "
                     "is unknown (company_confirmed failed validation, R-VAL-1)"))
        .otherwise(pl.lit("the company's confirmation of the support (email) has not been "
                          "checked")),
    )


def r_chk_2(d: pl.DataFrame, refused: pl.DataFrame | None = None) -> Part:
    """R-CHK-2: complete = a check-in and a signed check-out; otherwise a declaration. A
    署名 or 誓約書提出 that failed validation is missing (``refused_inputs``), and the message
    says so instead of "no signature" (R-VAL-1 holds the row already)."""
    d = _with_refused(d, refused)
    complete = pl.col("ci_present") & pl.col("co_present") & pl.col("co_signed").fill_null(False)
    declared = pl.col("declaration_submitted").fill_null(False)
    unsigned = pl.col("co_present") & ~pl.col("co_signed").fill_null(False)
    bad_sign, bad_decl = pl.col("_bad_signed"), pl.col("_bad_declared")
    missing = pl.concat_str(
        pl.when(~pl.col("ci_present")).then(pl.lit("チェックインなし")),
        pl.when(~pl.col("co_present")).then(pl.lit("チェックアウトなし")),
        pl.when(unsigned).then(pl.when(bad_sign).then(pl.lit("署名が不明（署名の値が検証エラー）"))
                               .otherwise(pl.lit("署名なし"))),
        separator="・",
        ignore_nulls=True,
    )
    missing_en = pl.concat_str(
        pl.when(~pl.col("ci_present")).then(pl.lit("no check-in")),
        pl.when(~pl.col("co_present")).then(pl.lit("no check-out")),
        pl.when(unsigned).then(pl.when(bad_sign)
                               .then(pl.lit("signature unknown (the value failed validation)"))
                               .otherwise(pl.lit("no signature"))),
        separator=", ",
        ignore_nulls=True,
    )
    no_decl = pl.when(bad_decl).then(
        pl.lit("支援実施証明兼再発防止誓約書の提出が不明（誓約書提出の値が検証エラー、R-VAL-1）")
    ).otherwise(pl.lit("支援実施証明兼再発防止誓約書の提出もない"))
    no_decl_en = pl.when(bad_decl).then(
        pl.lit("whether the declaration (support certificate and pledge) was submitted is "
               "unknown (declaration_submitted failed validation, R-VAL-1)")
    ).otherwise(pl.lit("no declaration (support certificate and pledge) submitted"))
    return result(
        d,
        "R-CHK-2",
        ~complete & ~declared,
        "hold",
        pl.format("{}、{}", missing, no_decl),
        pl.format("{}, and {}", missing_en, no_decl_en),
        ok_message=pl.when(complete)
        .then(pl.lit("チェックイン・署名付きチェックアウトあり"))
        .otherwise(pl.format("{}（誓約書提出あり）", missing)),
        ok_message_en=pl.when(complete)
        .then(pl.lit("check-in and signed check-out present"))
        .otherwise(pl.format("{} (declaration submitted)", missing_en)),
    )


def haversine_m(
    lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr, radius: pl.Expr
) -> pl.Expr:
    """Great-circle distance in metres (R-CHK-3 Reading); the radius is a parameter."""
    p1, p2 = lat1.radians(), lat2.radians()
    dphi = (lat2 - lat1).radians()
    dlmb = (lon2 - lon1).radians()
    a = (dphi / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlmb / 2).sin() ** 2
    return 2 * radius * a.sqrt().clip(upper_bound=1.0).arcsin()


def beyond_m(distance: pl.Expr, tolerance: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """R-CHK-3: "differ" = beyond the tolerance; exactly the tolerance passes. The distance is
    rounded half up to ``decimals`` places of a metre first (check.distance_decimals), so a
    point placed exactly 500 m away is not lost to floating point or to the earth radius."""
    scale = pl.lit(10.0).pow(decimals)
    return (distance * scale + 0.5).floor() > tolerance * scale


def _not_compared(d: pl.DataFrame) -> pl.DataFrame:
    """R-CHK-3's inputs with the values that failed validation taken out (``refused_inputs``),
    as a missing position or time is (no R-CHK-3 hold, docs/readings.md); ``_skipped``,
    ``_skipped_en``: what was therefore not compared ("" when nothing)."""
    def out(column: str, flag: str) -> pl.Expr:
        return pl.when(~pl.col(flag)).then(pl.col(column)).alias(column)

    ci, co = pl.col("ci_present"), pl.col("co_present")
    which = [  # (ja, en), the check-in/out is there, a compared value failed validation
        (("チェックイン時刻", "check-in time"), ci, ("_bad_ci_at", "_bad_start")),
        (("チェックアウト時刻", "check-out time"), co, ("_bad_co_at", "_bad_end")),
        (("チェックイン位置", "check-in position"), ci, ("_bad_ci_pos", "_bad_place")),
        (("チェックアウト位置", "check-out position"), co, ("_bad_co_pos", "_bad_place")),
    ]

    def skipped(lang: int, separator: str) -> pl.Expr:
        return pl.concat_str(
            [pl.when(there & pl.any_horizontal(*flags)).then(pl.lit(words[lang]))
             for words, there, flags in which], separator=separator, ignore_nulls=True)

    return d.with_columns(
        out("ci_at", "_bad_ci_at"), out("co_at", "_bad_co_at"),
        out("start_time", "_bad_start"), out("end_time", "_bad_end"),
        *(out(c, "_bad_ci_pos") for c in ("ci_lat", "ci_lon")),
        *(out(c, "_bad_co_pos") for c in ("co_lat", "co_lon")),
        *(out(c, "_bad_place") for c in ("place_lat", "place_lon")),
        skipped(0, "・").alias("_skipped"), skipped(1, ", ").alias("_skipped_en"),
    )


def r_chk_3(d: pl.DataFrame, rules: RuleBook, refused: pl.DataFrame | None = None) -> Part:
    """R-CHK-3: check-in vs approved start, check-out vs approved end, positions vs place."""
    d = params.add(
        _not_compared(_with_refused(d, refused)),
        rules,
        "support_date",
        {
            "_tol_min": ("check.time_tolerance_minutes", pl.Int64()),
            "_tol_m": ("check.distance_tolerance_m", pl.Float64()),
            "_radius": ("check.earth_radius_m", pl.Float64()),
            "_dec": ("check.distance_decimals", pl.Int64()),
        },
    )
    tol_us = pl.col("_tol_min") * 60_000_000
    ci_dt = (pl.col("ci_at") - approved_start()).dt.total_microseconds().abs()
    co_dt = (pl.col("co_at") - approved_end()).dt.total_microseconds().abs()
    ci_m = haversine_m(
        pl.col("ci_lat"),
        pl.col("ci_lon"),
        pl.col("place_lat"),
        pl.col("place_lon"),
        pl.col("_radius"),
    )
    co_m = haversine_m(
        pl.col("co_lat"),
        pl.col("co_lon"),
        pl.col("place_lat"),
        pl.col("place_lon"),
        pl.col("_radius"),
    )
    d = d.with_columns(
        (ci_dt > tol_us).fill_null(False).alias("_ci_t"),
        (co_dt > tol_us).fill_null(False).alias("_co_t"),
        beyond_m(ci_m, pl.col("_tol_m"), pl.col("_dec")).fill_null(False).alias("_ci_p"),
        beyond_m(co_m, pl.col("_tol_m"), pl.col("_dec")).fill_null(False).alias("_co_p"),
        (ci_dt / 60_000_000).round(0).cast(pl.Int64).alias("_ci_min"),
        (co_dt / 60_000_000).round(0).cast(pl.Int64).alias("_co_min"),
        ci_m.round(0).cast(pl.Int64).alias("_ci_dist"),
        co_m.round(0).cast(pl.Int64).alias("_co_dist"),
        # the app's day when it is not the report's: 14397 minutes said nothing of a
        # support date typed wrong (blind clerk check, session 18)
        pl.col("ci_at").dt.date().alias("_ci_day"),
        pl.col("co_at").dt.date().alias("_co_day"),
    )
    # the day of the record found apart (a check-out on the next day: review, session 18)
    ci_off = pl.col("_ci_t") & (pl.col("_ci_day") != pl.col("support_date")).fill_null(False)
    co_off = pl.col("_co_t") & (pl.col("_co_day") != pl.col("support_date")).fill_null(False)
    d = d.with_columns(pl.when(ci_off).then(pl.col("_ci_day")).when(co_off)
                       .then(pl.col("_co_day")).alias("_app_day"))
    other_day = ci_off | co_off
    parts = pl.concat_str(
        pl.when(pl.col("_ci_t")).then(
            pl.format("チェックイン時刻が承認開始と{}分差", txt(pl.col("_ci_min")))
        ),
        pl.when(pl.col("_co_t")).then(
            pl.format("チェックアウト時刻が承認終了と{}分差", txt(pl.col("_co_min")))
        ),
        pl.when(pl.col("_ci_p")).then(
            pl.format("チェックイン位置が支援場所から{}m", txt(pl.col("_ci_dist")))
        ),
        pl.when(pl.col("_co_p")).then(
            pl.format("チェックアウト位置が支援場所から{}m", txt(pl.col("_co_dist")))
        ),
        pl.when(other_day).then(
            pl.format("アプリの記録は {}、報告の支援日は {}（支援日の誤りではないか確認）",
                      txt(pl.col("_app_day")), txt(pl.col("support_date")))
        ),
        separator="・",
        ignore_nulls=True,
    )
    parts_en = pl.concat_str(
        pl.when(pl.col("_ci_t")).then(
            pl.format("check-in time {} min from the approved start", txt_en(pl.col("_ci_min")))
        ),
        pl.when(pl.col("_co_t")).then(
            pl.format("check-out time {} min from the approved end", txt_en(pl.col("_co_min")))
        ),
        pl.when(pl.col("_ci_p")).then(
            pl.format(
                "check-in position {} m from the place of support", txt_en(pl.col("_ci_dist"))
            )
        ),
        pl.when(pl.col("_co_p")).then(
            pl.format(
                "check-out position {} m from the place of support", txt_en(pl.col("_co_dist"))
            )
        ),
        pl.when(other_day).then(
            pl.format("the app recorded {}, the report's support date is {} (check the "
                      "support date is not mistyped)", txt_en(pl.col("_app_day")),
                      txt_en(pl.col("support_date")))
        ),
        separator=", ",
        ignore_nulls=True,
    )
    failed = pl.col("_ci_t") | pl.col("_co_t") | pl.col("_ci_p") | pl.col("_co_p")
    limits = pl.format(
        "（許容 {}分・{}m）", txt(pl.col("_tol_min")), txt(pl.col("_tol_m").round(0).cast(pl.Int64))
    )
    limits_en = pl.format(
        " (tolerance {} min, {} m)",
        txt_en(pl.col("_tol_min")),
        txt_en(pl.col("_tol_m").round(0).cast(pl.Int64)),
    )
    skipped = pl.col("_skipped") != ""
    unread = pl.format("{}は検証エラーの値のため比較せず（R-VAL-1）", pl.col("_skipped"))
    unread_en = pl.format("{} not compared: the value failed validation (R-VAL-1)",
                          pl.col("_skipped_en"))
    return result(
        d,
        "R-CHK-3",
        failed,
        "hold",
        pl.format("{}{}{}", parts, limits,
                  pl.when(skipped).then(pl.format("。{}", unread)).otherwise(pl.lit(""))),
        pl.format("{}{}{}", parts_en, limits_en,
                  pl.when(skipped).then(pl.format("; {}", unread_en)).otherwise(pl.lit(""))),
        # no tolerance without a dated support day: said, not 「許容 空欄分」 (blind check)
        ok_message=pl.when(pl.col("_tol_min").is_null())
        .then(pl.lit("支援日が空欄か日付でない、またはその日の許容値がルールにないため比較して"
                     "いません"))
        .when(skipped)
        .then(pl.format("{}、比較できた差は許容範囲内{}", unread, limits))
        .when(pl.col("ci_present") | pl.col("co_present"))
        .then(pl.format("差は許容範囲内{}", limits))
        .otherwise(pl.lit("チェックイン・アウトなし（比較対象なし）")),
        ok_message_en=pl.when(pl.col("_tol_min").is_null())
        .then(pl.lit("not compared: the support date is blank or not a date, or the rules "
                     "have no tolerance on it"))
        .when(skipped)
        .then(pl.format("{}; what could be compared is within tolerance{}", unread_en,
                        limits_en))
        .when(pl.col("ci_present") | pl.col("co_present"))
        .then(pl.format("differences within tolerance{}", limits_en))
        .otherwise(pl.lit("no check-in or check-out (nothing to compare)")),
    )


# ends of a reason that carry no meaning: "-", "・", "なし。" read as "", "なし"
_REASON_EDGES = " \t\u3000。、．，.,・:：;；!！?？-‐－―ー…/／"


def _reason_text(expr: pl.Expr) -> pl.Expr:
    """A reason as compared with the R-CHK-4 lists: NFKC, lower case, edges trimmed."""
    return (expr.fill_null("").str.normalize("NFKC").str.to_lowercase()
            .str.strip_chars(_REASON_EDGES))


def _reason_phrase(text: str) -> str:
    """A listed phrase, normalised like ``_reason_text`` (so the YAML may use any width)."""
    return unicodedata.normalize("NFKC", text).lower().strip(_REASON_EDGES)


def _implausible_reasons(d: pl.DataFrame, rules: RuleBook) -> pl.Series:
    """R-CHK-4 Reading: a "no accompaniment" reason that says nothing (it equals a phrase of
    check.accompaniment_empty_reasons: なし, 特になし, 不明 …) or gives no ground (it contains
    a phrase of check.accompaniment_implausible_words: 面倒, 忘れ …). Both lists are dated
    parameters a clerk extends; the flag never blocks payment."""
    lists = params.at_dates(
        rules, d.get_column("support_date"),
        {"_empty": "check.accompaniment_empty_reasons",
         "_words": "check.accompaniment_implausible_words"},
        {"_empty": pl.List(pl.String()), "_words": pl.List(pl.String())})
    phrases = pl.concat([
        lists.select("date", pl.col(col).alias("phrase"), pl.lit(whole).alias("whole"))
        .explode("phrase").drop_nulls("phrase")
        for col, whole in (("_empty", True), ("_words", False))])
    phrases = phrases.with_columns(
        pl.col("phrase").map_elements(_reason_phrase, return_dtype=pl.String()))
    # ``_r``: the reason as _reason_text reads it (added by r_chk_4)
    said = (d.select(pl.int_range(pl.len()).alias("_i"), "support_date", "_r",
                     (pl.col("accompanied") == False).alias("_no"))  # noqa: E712
            .filter(pl.col("_no").fill_null(False) & (pl.col("_r") != "")))
    hits = (said.join(phrases.filter(pl.col("phrase") != ""), left_on="support_date",
                      right_on="date")
            .filter(pl.when(pl.col("whole")).then(pl.col("_r") == pl.col("phrase"))
                    .otherwise(pl.col("_r").str.contains(pl.col("phrase"), literal=True)))
            .get_column("_i").unique())
    return pl.Series("_implausible", pl.int_range(d.height, eager=True).is_in(hits.implode()))


def r_chk_4(d: pl.DataFrame, rules: RuleBook, refused: pl.DataFrame | None = None) -> Part:
    """R-CHK-4: accompaniment recorded, with its time; "no" needs a plausible reason (flag
    only, never blocks). The message names the first of: not recorded (or not readable,
    ``refused_inputs``), no reason, a reason that is no ground (Reading: the lists in
    check.yaml), a time that contradicts 有/無."""
    d = _with_refused(d, refused)
    d = d.with_columns(_reason_text(pl.col("no_accompany_reason")).alias("_r"))
    d = d.with_columns(_implausible_reasons(d, rules))
    raw = pl.col("no_accompany_reason").fill_null("").str.strip_chars()
    unknown = pl.col("accompanied").is_null()
    no = pl.col("accompanied") == False  # noqa: E712
    no_reason = no & (pl.col("_r") == "")
    implausible = pl.col("_implausible")
    minutes = pl.col("accompany_minutes")
    # 有 with 0 minutes contradicts itself. A blank time is not flagged: 同行時間(分) is an
    # optional column of the input contract (an export without it would flag every 有)
    zero_time = (pl.col("accompanied") == True) & (minutes == 0)  # noqa: E712
    time_when_no = no & (minutes > 0)
    return result(
        d,
        "R-CHK-4",
        unknown | no_reason.fill_null(False) | implausible | zero_time.fill_null(False)
        | time_when_no.fill_null(False),
        "flag",
        pl.when(unknown & pl.col("_bad_accompanied"))
        .then(pl.lit("機関の同行の有無が分からない（同行有無の値が検証エラー、R-VAL-1）"))
        .when(unknown).then(pl.lit("機関の同行の有無が記録されていない"))
        .when(no_reason).then(pl.lit("機関の同行なし、理由の記載なし"))
        .when(implausible).then(pl.format("機関の同行なし、理由が同行しない理由になっていない"
                                          "おそれ（理由: {}）", raw))
        .when(zero_time).then(pl.lit("機関の同行ありだが、同行時間が0分"))
        .otherwise(pl.format("機関の同行なしだが、同行時間{}分の記録がある", txt(minutes))),
        pl.when(unknown & pl.col("_bad_accompanied"))
        .then(pl.lit("whether the institution accompanied is unknown (accompanied failed "
                     "validation, R-VAL-1)"))
        .when(unknown).then(pl.lit("whether the institution accompanied is not recorded"))
        .when(no_reason).then(pl.lit("institution did not accompany, no reason given"))
        .when(implausible).then(pl.format("institution did not accompany; the reason may be "
                                          "no ground for it (reason: {})", raw))
        .when(zero_time).then(pl.lit("institution accompanied, but for 0 minutes"))
        .otherwise(pl.format("institution did not accompany, but {} minutes of accompaniment "
                             "are recorded", txt_en(minutes))),
        ok_message=pl.when(pl.col("accompanied"))
        .then(pl.lit("同行あり"))
        .otherwise(pl.format("同行なし（理由: {}）", raw)),
        ok_message_en=pl.when(pl.col("accompanied"))
        .then(pl.lit("accompanied"))
        .otherwise(pl.format("not accompanied (reason: {})", raw)),
    )


def overlapping(t: dict[str, pl.DataFrame], rules: RuleBook) -> pl.DataFrame:
    """R-CHK-7: every approved report whose approved time overlaps another of the same expert.

    All approved reports of non-cancelled dispatches count, whatever their cycle, so both
    dispatches of an overlap are held even when only one of them is in this cycle.
    Intervals are [start, end): one ending at 11:00 and one starting at 11:00 do not overlap,
    and one whose end is not after its start is empty.

    dispatch_id, overlaps_with (the other ids, ``;``-joined) and _overlap_count. The ids are
    listed by joining an expert-day's overlapping reports pairwise, which grows with the
    square of their number; an expert-day with more of them than check.overlap_list_max
    (a broken or hostile export) is not joined: its dispatches get only the count
    (_overlap_count, overlaps_with null). A date without that parameter lists nothing.
    """
    r = (
        first_per_key(
            t["reports"]
            .filter(pl.col("approved_at").is_not_null())
            .select("dispatch_id", "support_date", "start_time", "end_time"),
            "dispatch_id",
        )
        .join(
            first_per_key(
                t["dispatches"]
                .filter(pl.col("status").fill_null("") != CANCELLED)
                .select("dispatch_id", "expert_id"),
                "dispatch_id",
            ),
            on="dispatch_id",
            how="inner",
        )
        .filter(
            pl.col("support_date").is_not_null()
            & pl.col("start_time").is_not_null()
            & pl.col("end_time").is_not_null()
            & pl.col("expert_id").is_not_null()
            # an end not after its start is an empty slot: it overlaps nothing (its own
            # report is held under R-VAL-1, and that holds only the dispatch it touches)
            & (pl.col("end_time") > pl.col("start_time"))
        )
    )
    grp = ["expert_id", "support_date"]
    o = windows.ordered(r, grp, ["start_time", "end_time", "dispatch_id"])
    hit = o.filter(
        (
            windows.earlier_max(windows.seconds("end_time")) > windows.seconds("start_time")
        ).fill_null(False)
        | (windows.next_in_group("start_time") < pl.col("end_time")).fill_null(False)
    ).select("dispatch_id", *grp, "start_time", "end_time", windows.G)
    hit = params.add(
        hit.with_columns(pl.len().over(windows.G).cast(pl.Int64).alias("_n")),
        rules,
        "support_date",
        {"_list_max": ("check.overlap_list_max", pl.Int64())},
    )
    listed = (pl.col("_n") <= pl.col("_list_max")).fill_null(False)
    small = hit.filter(listed).drop(windows.G, "_n", "_list_max")
    pairs = (
        small.join(small, on=grp, suffix="_o")
        .filter(
            (pl.col("dispatch_id") != pl.col("dispatch_id_o"))
            & (pl.col("start_time") < pl.col("end_time_o"))
            & (pl.col("start_time_o") < pl.col("end_time"))
        )
        .group_by("dispatch_id")
        .agg(pl.col("dispatch_id_o").sort().str.join(";").alias("overlaps_with"))
        .with_columns(pl.lit(None, pl.Int64()).alias("_overlap_count"))
    )
    counted = hit.filter(~listed).select(
        "dispatch_id",
        pl.lit(None, pl.String()).alias("overlaps_with"),
        pl.col("_n").alias("_overlap_count"),
    )
    return pl.concat([pairs, counted]).sort("dispatch_id")


def r_chk_7(d: pl.DataFrame, overlaps: pl.DataFrame) -> Part:
    """R-CHK-7: one expert cannot support two companies at once; hold both."""
    d = d.select("dispatch_id").join(overlaps, on="dispatch_id", how="left")
    return result(
        d,
        "R-CHK-7",
        pl.col("overlaps_with").is_not_null() | pl.col("_overlap_count").is_not_null(),
        "hold",
        pl.when(pl.col("overlaps_with").is_not_null())
        .then(pl.format("同じ専門家の派遣 {} と承認時間が重なる", pl.col("overlaps_with")))
        .otherwise(
            pl.format(
                "同じ専門家の同日の派遣 {} 件で承認時間が重なる（一覧は省略）",
                txt(pl.col("_overlap_count")),
            )
        ),
        pl.when(pl.col("overlaps_with").is_not_null())
        .then(
            pl.format(
                "approved time overlaps the same expert's dispatch {}", pl.col("overlaps_with")
            )
        )
        .otherwise(
            pl.format(
                "approved times overlap among {} dispatches of the same expert on the same day"
                " (list omitted)",
                txt_en(pl.col("_overlap_count")),
            )
        ),
    )


def r_val_1(d: pl.DataFrame, touched: pl.DataFrame) -> Part:
    """R-VAL-1/R-VAL-2 from validation (rows that fail hold what they touch), plus the
    engine's own guards: a key twice, an unknown expert/institution, no date or times."""
    guards = pl.concat_str(
        pl.when(pl.col("_dup")).then(pl.lit("派遣IDが重複している")),
        pl.when(~pl.col("_expert_known")).then(
            pl.format("専門家 {} がマスタにない", txt(pl.col("expert_id")))
        ),
        pl.when(~pl.col("_institution_known")).then(
            pl.format("機関 {} がマスタにない", txt(pl.col("institution_id")))
        ),
        pl.when(pl.col("support_date").is_null()).then(pl.lit("支援日がない")),
        pl.when(pl.col("start_time").is_null() | pl.col("end_time").is_null()).then(
            pl.lit("開始・終了時刻がない")
        ),
        pl.when(pl.col("face_to_face_minutes").is_null()).then(pl.lit("対面支援時間がない")),
        separator="・",
        ignore_nulls=True,
    )
    guards_en = pl.concat_str(
        pl.when(pl.col("_dup")).then(pl.lit("dispatch id appears more than once")),
        pl.when(~pl.col("_expert_known")).then(
            pl.format("expert {} is not in the master", txt_en(pl.col("expert_id")))
        ),
        pl.when(~pl.col("_institution_known")).then(
            pl.format("institution {} is not in the master", txt_en(pl.col("institution_id")))
        ),
        pl.when(pl.col("support_date").is_null()).then(pl.lit("no support date")),
        pl.when(pl.col("start_time").is_null() | pl.col("end_time").is_null()).then(
            pl.lit("no start or end time")
        ),
        pl.when(pl.col("face_to_face_minutes").is_null()).then(pl.lit("no face-to-face minutes")),
        separator="; ",
        ignore_nulls=True,
    )
    # an English twin the validator did not give (frames built by hand) falls back to Japanese
    en = pl.col("message_en") if "message_en" in touched.columns else pl.lit(None, pl.String())
    from_validation = touched.join(d.select("dispatch_id"), on="dispatch_id", how="semi").select(
        "dispatch_id",
        pl.lit(None, pl.Int64()).alias("line_no"),
        "rule_id",
        pl.lit("hold").alias("outcome"),
        pl.col("message_ja").alias("message"),
        pl.when(en.fill_null("") != "")
        .then(en)
        .otherwise(pl.col("message_ja"))
        .alias("message_en"),
    )
    # the engine's guards speak only where the validator said nothing about the dispatch;
    # the English is built on those rows only
    guard_cols = [
        "dispatch_id",
        "_dup",
        "_expert_known",
        "expert_id",
        "_institution_known",
        "institution_id",
        "support_date",
        "start_time",
        "end_time",
        "face_to_face_minutes",
    ]
    own = (
        d.select(*guard_cols, guards.alias("_g"))
        .filter(pl.col("_g") != "")
        .join(from_validation.filter(pl.col("rule_id") == "R-VAL-1"), on="dispatch_id", how="anti")
    )
    engine_rows = own.select(
        "dispatch_id",
        pl.lit(None, pl.Int64()).alias("line_no"),
        pl.lit("R-VAL-1").alias("rule_id"),
        pl.lit("hold").alias("outcome"),
        pl.col("_g").alias("message"),
        guards_en.alias("message_en"),
    )
    # one row per distinct Japanese row, as before the English twin (its first English)
    problems = pl.concat([from_validation.cast(SCHEMA), engine_rows.cast(SCHEMA)]).unique(
        subset=[c for c in SCHEMA if c != "message_en"], keep="first", maintain_order=True
    )
    passed = (
        d.select("dispatch_id")
        .join(problems.filter(pl.col("rule_id") == "R-VAL-1"), on="dispatch_id", how="anti")
        .select(
            "dispatch_id",
            pl.lit(None, pl.Int64()).alias("line_no"),
            pl.lit("R-VAL-1").alias("rule_id"),
            pl.lit("pass").alias("outcome"),
            pl.lit("検証エラーなし").alias("message"),
            pl.lit("no validation error").alias("message_en"),
        )
    )
    return pl.concat([problems, passed.cast(SCHEMA)]).lazy()


def r_val_2(d: pl.DataFrame, unpayable: pl.DataFrame, touched: pl.DataFrame) -> Part:
    """R-VAL-2: bank data that cannot be paid holds all of that expert's dispatches.

    In a run the validator's findings (``touched``) carry the bank check already (it runs
    ``bankcheck.unpayable_experts`` on the same experts table), so ``unpayable`` is empty and
    this check only notes the validator's hold; frames built by hand (tests) may pass bank
    problems here instead. A problem the validator already reported is not held twice.
    """
    en = "message_en" if "message_en" in unpayable.columns else "message_ja"
    bad = unpayable.group_by("expert_id").agg(
        pl.col("message_ja").unique().sort().str.join("・").alias("_bank"),
        pl.col(en).fill_null(pl.col("message_ja")).unique().sort().str.join("; ").alias("_bank_en"),
    )
    said = touched.filter(pl.col("rule_id") == "R-VAL-2").select("dispatch_id").unique()
    d = (
        d.select("dispatch_id", "expert_id")
        .join(bad, on="expert_id", how="left")
        .join(said.with_columns(pl.lit(True).alias("_said")), on="dispatch_id", how="left")
    )
    return result(
        d,
        "R-VAL-2",
        pl.col("_bank").is_not_null() & pl.col("_said").is_null(),
        "hold",
        pl.format("振込先口座を使えない: {}", pl.col("_bank")),
        pl.format("the bank account cannot be paid: {}", pl.col("_bank_en")),
        ok_message=pl.when(pl.col("_said").is_not_null())
        .then(pl.lit("振込先口座の問題は検証結果で保留"))
        .otherwise(pl.lit("振込先口座に問題なし")),
        ok_message_en=pl.when(pl.col("_said").is_not_null())
        .then(pl.lit("bank account problem held by the validation findings"))
        .otherwise(pl.lit("bank account usable")),
    )


def all_checks(
    d: pl.DataFrame,
    rules: RuleBook,
    overlaps: pl.DataFrame,
    touched: pl.DataFrame,
    unpayable: pl.DataFrame,
    refused: pl.DataFrame | None = None,
) -> list[Part]:
    """Every check; ``refused``: ``refused_inputs`` of the loader's error cells."""
    return [
        r_fee_4(d, rules),
        r_chk_6(d, refused),
        r_chk_2(d, refused),
        r_chk_3(d, rules, refused),
        r_chk_4(d, rules, refused),
        r_chk_7(d, overlaps),
        r_val_1(d, touched),
        r_val_2(d, unpayable, touched),
    ]
