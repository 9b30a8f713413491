"""The input contract's tables as the generator writes them: English name → Japanese label.

Copied from ../shared/spec/input-contract.md (a test parses that page and compares), so the
generator does not depend on the loader's column map.
"""

from __future__ import annotations

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "experts": (
        ("expert_id", "専門家ID"),
        ("name", "氏名"),
        ("name_kana", "氏名カナ"),
        ("payee_type", "区分"),
        ("fee_class", "報酬区分"),
        ("postal_code", "郵便番号"),
        ("address", "住所"),
        ("prefecture", "都道府県"),
        ("qualifications", "保有資格"),
        ("specialties", "専門分野"),
        ("recommending_institution_id", "推薦機関ID"),
        ("certified_support_org", "認定支援機関"),
        ("years_experience", "実務経験年数"),
        ("years_sme_support", "支援経験年数"),
        ("years_teaching", "指導教育経験年数"),
        ("terms_agreed", "規約同意"),
        ("registered_on", "登録日"),
        ("commission_terms_agreed_on", "委嘱条件同意日"),
        ("commission_accepted_on", "就任承諾日"),
        ("bank_code", "金融機関コード"),
        ("branch_code", "支店コード"),
        ("account_type", "預金種目"),
        ("account_number", "口座番号"),
        ("account_holder_kana", "口座名義カナ"),
        ("public_salary_subsidy", "人件費補助"),
        ("paid_by_institution_ids", "給与等支払機関ID"),
        ("member_of_institution_ids", "所属機関ID"),
        ("my_number_on_file", "マイナンバー取得済"),
        ("renew_next_year", "次年度更新意向"),
    ),
    "institutions": (
        ("institution_id", "機関ID"),
        ("name", "機関名"),
        ("channel", "窓口区分"),
        ("kind", "機関種別"),
        ("platform_id", "プラットフォームID"),
        ("platform_name", "プラットフォーム名"),
        ("is_representative", "代表機関"),
        ("prefecture", "都道府県"),
        ("email", "メールアドレス"),
    ),
    "dispatches": (
        ("dispatch_id", "派遣ID"),
        ("institution_id", "申請機関ID"),
        ("expert_id", "専門家ID"),
        ("company_id", "企業ID"),
        ("company_name", "企業名"),
        ("company_address", "企業住所"),
        ("company_phone", "企業電話番号"),
        ("company_prefecture", "企業都道府県"),
        ("industry", "業種"),
        ("employees", "従業員数"),
        ("company_class", "企業区分"),
        ("issue_category", "経営課題"),
        ("applied_on", "申請日"),
        ("scheduled_on", "派遣予定日"),
        ("status", "状態"),
        ("expert_initiated", "専門家からの要請"),
        ("web_meeting", "WEB会議"),
        ("web_meeting_approved", "WEB会議事前確認"),
        ("limit_exception", "回数上限例外"),
    ),
    "reports": (
        ("dispatch_id", "派遣ID"),
        ("support_date", "支援日"),
        ("start_time", "開始時刻"),
        ("end_time", "終了時刻"),
        ("face_to_face_minutes", "対面支援時間(分)"),
        ("place_address", "支援場所住所"),
        ("place_lat", "支援場所緯度"),
        ("place_lon", "支援場所経度"),
        ("trip_km", "全行程距離(km)"),
        ("accompanied", "同行有無"),
        ("accompany_minutes", "同行時間(分)"),
        ("no_accompany_reason", "同行なし理由"),
        ("declaration_submitted", "誓約書提出"),
        ("company_confirmed", "従事証明確認"),
        ("approved_at", "機関承認日時"),
    ),
    "checkins": (
        ("dispatch_id", "派遣ID"),
        ("event", "種別"),
        ("at", "日時"),
        ("lat", "緯度"),
        ("lon", "経度"),
        ("signed", "署名"),
    ),
    "travel_claims": (
        ("dispatch_id", "派遣ID"),
        ("line_no", "明細番号"),
        ("mode", "区分"),
        ("used_on", "利用日"),
        ("origin", "出発地"),
        ("destination", "到着地"),
        ("one_way_km", "片道距離(km)"),
        ("fare", "運賃"),
        ("express_fee", "特急料金"),
        ("reserved_fee", "指定席料金"),
        ("round_trip_fare", "往復割引運賃"),
        ("seat_class", "座席区分"),
        ("high_speed_boat", "高速船"),
        ("distance_km", "走行距離(km)"),
        ("nights", "泊数"),
        ("lodging_type", "宿泊施設区分"),
        ("amount", "金額"),
        ("approved_amount", "事務局精査額"),
        ("receipt", "領収書"),
        ("boarding_pass", "搭乗券半券"),
        ("reason", "理由"),
    ),
    "corrections": (
        ("table", "対象表"),
        ("key", "キー"),
        ("column", "項目"),
        ("value", "修正後の値"),
        ("reason", "理由"),
        ("corrected_by", "修正者"),
        ("corrected_at", "修正日時"),
    ),
}

# Japanese table names (file and sheet names are accepted in either language).
TABLE_LABELS: dict[str, str] = {
    "experts": "専門家",
    "institutions": "派遣可能機関",
    "dispatches": "派遣案件",
    "reports": "支援実績報告",
    "checkins": "チェックイン・チェックアウト",
    "travel_claims": "旅費請求明細",
    "corrections": "事務局修正",
}

# Primary keys, for sorting and for the `D-1;2` key notation of corrections.
KEYS: dict[str, tuple[str, ...]] = {
    "experts": ("expert_id",),
    "institutions": ("institution_id",),
    "dispatches": ("dispatch_id",),
    "reports": ("dispatch_id",),
    "checkins": ("dispatch_id", "event"),
    "travel_claims": ("dispatch_id", "line_no"),
    "corrections": (),
}


def label(table: str, name: str) -> str:
    for n, lab in TABLES[table]:
        if n == name:
            return lab
    raise KeyError(f"{table}.{name}")
