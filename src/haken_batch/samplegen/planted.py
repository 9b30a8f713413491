# ruff: noqa: E501 — data module: Japanese descriptions and hand arithmetic read best unwrapped
"""The planted cases of the bundled FY2021 sample, with expectations computed BY HAND.

Each ``Case`` is one dispatch with everything the settlement reads (dispatch, report,
check-ins, travel lines) plus what ``haken settle`` must say about it: status and yen in a
cycle, the rule ids its ``rules`` column must contain, flags, and the arithmetic in words.
The numbers below were worked out from ../shared/spec/rules.md (and the FY2021 parameters:
5,280 yen/h in 30-minute units of 2,640, cap 31,680/day, express from 100 km one way, 37 yen
per whole km, per diem 1,100, lodging 9,800/night, tolerances 15 min / 500 m, withholding
10.21 % to 1,000,000 and 20.42 % above) — not from the engine — so they check it.

Conventions of the expectations: the cycle is the first one settled in an empty OUT
(2021-10 considers everything approved up to 2021-10-31; 2021-11 expectations assume
2021-10 was settled first in the same OUT); a held or excluded dispatch pays 0 in every
column; a paid dispatch can be 0 yen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

D = dt.date
T = dt.time

# Planted places (WGS84): name → (lat, lon, prefecture, address stem).
PLACES: dict[str, tuple[float, float, str, str]] = {
    "東京": (35.681236, 139.767125, "東京都", "東京都千代田区丸の内"),
    "新宿": (35.689600, 139.700600, "東京都", "東京都新宿区西新宿"),
    "宇都宮": (36.555100, 139.882800, "栃木県", "栃木県宇都宮市川向町"),
    "高崎": (36.321900, 139.003200, "群馬県", "群馬県高崎市八島町"),
    "厚木": (35.443700, 139.362500, "神奈川県", "神奈川県厚木市中町"),
    "福岡": (33.590200, 130.401700, "福岡県", "福岡県福岡市中央区天神"),
    "大島": (34.750400, 139.355600, "東京都", "東京都大島町元町"),
    "垂水": (31.385700, 130.852200, "鹿児島県", "鹿児島県垂水市本町"),
    "大阪": (34.686300, 135.520000, "大阪府", "大阪府大阪市中央区本町"),
}


@dataclass(frozen=True)
class Expert:
    id: str
    name: str
    kana: str
    holder: str
    prefecture: str = "東京都"
    payee_type: str = "個人"
    bank: str = "0001"
    branch: str = "238"
    account: str = "1234567"
    subsidy: bool = False
    paid_by: str | None = None
    member_of: str | None = None
    fee_class: str | None = "1号"
    qualifications: str = "中小企業診断士"


@dataclass(frozen=True)
class Claim:
    mode: str
    origin: str | None = None
    destination: str | None = None
    one_way_km: float | None = None
    fare: int | None = None
    express_fee: int | None = None
    reserved_fee: int | None = None
    round_trip_fare: int | None = None
    seat_class: str | None = None
    high_speed_boat: bool | None = None
    distance_km: float | None = None
    nights: int | None = None
    lodging_type: str | None = None
    amount: int | None = None
    approved_amount: int | None = None
    receipt: bool = False
    boarding_pass: bool | None = None
    reason: str | None = None
    day_offset: int = 0  # used_on relative to the support date (前泊 = -1)


@dataclass(frozen=True)
class Expect:
    cycle: str
    status: str
    fee: int = 0
    transport: int = 0
    per_diem: int = 0
    lodging: int = 0
    rules: tuple[str, ...] = ()  # the dispatch's `rules` column contains at least one of these
    flags: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.fee + self.transport + self.per_diem + self.lodging


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    what: str
    expert: str
    company: str
    day: dt.date
    start: dt.time
    end: dt.time
    face: int
    expect: tuple[Expect, ...]
    calc: str
    institution: str = "YR13"
    issue: str = "経営改善"
    status: str = "実施済"
    approved: dt.datetime | str | None = "default"  # default: 2 days later at 17:00
    trip_km: float = 12.0
    web: bool = False
    web_ok: bool = False
    expert_initiated: bool = False
    limit_exception: bool = False
    accompanied: bool = True
    no_accompany_reason: str | None = None
    declaration: bool = False
    confirmed: bool = True
    checkins: bool = True
    checkin_shift: int = -3  # minutes relative to the approved start
    checkin_dlat: float = 0.0  # degrees north of the approved place
    signed: bool = True
    duplicate_checkin: bool = False
    place: str = "東京"
    claims: tuple[Claim, ...] = ()
    also: tuple[str, ...] = ()  # further rule ids this case exercises
    extra: dict[str, Any] = field(default_factory=dict)

    def approved_at(self) -> dt.datetime | None:
        if self.approved == "default":
            return dt.datetime.combine(self.day + dt.timedelta(days=2), T(17, 0))
        return self.approved  # type: ignore[return-value]


def paid(
    cycle: str = "2021-10",
    fee: int = 0,
    transport: int = 0,
    per_diem: int = 0,
    lodging: int = 0,
    rules: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> Expect:
    return Expect(cycle, "paid", fee, transport, per_diem, lodging, rules, flags)


def held(*rules: str, cycle: str = "2021-10") -> Expect:
    return Expect(cycle, "held", rules=rules)


def excluded(*rules: str, cycle: str = "2021-10") -> Expect:
    return Expect(cycle, "excluded", rules=rules)


# ---------------------------------------------------------------------------------------
# planted experts (bank pairs are real; EP032..EP034 are broken on purpose, R-VAL-2)

EXPERTS: tuple[Expert, ...] = (
    Expert("EP001", "石原　健司", "イシハラ　ケンジ", "ｲｼﾊﾗ ｹﾝｼﾞ", account="2034518"),
    Expert(
        "EP002",
        "小松　由紀子",
        "コマツ　ユキコ",
        "コマツ　ユキコ",
        bank="0005",
        branch="038",
        account="0561233",
    ),
    Expert(
        "EP003",
        "宮本　浩二",
        "ミヤモト　コウジ",
        "ﾐﾔﾓﾄ ｺｳｼﾞ",
        bank="0009",
        branch="118",
        account="3318870",
    ),
    Expert(
        "EP004",
        "杉山　明",
        "スギヤマ　アキラ",
        "ｽｷﾞﾔﾏ ｱｷﾗ",
        bank="0010",
        branch="118",
        account="7720031",
    ),
    Expert(
        "EP005",
        "野口　真理",
        "ノグチ　マリ",
        "ﾉｸﾞﾁ ﾏﾘ",
        bank="0017",
        branch="349",
        account="1002934",
    ),
    Expert("EP006", "大野　孝", "オオノ　タカシ", "ｵｵﾉ ﾀｶｼ", subsidy=True, account="4410092"),
    Expert(
        "EP007", "菅原　直子", "スガワラ　ナオコ", "ｽｶﾞﾜﾗ ﾅｵｺ", paid_by="YR13", account="5520913"
    ),
    Expert(
        "EP008",
        "内田　誠一",
        "ウチダ　セイイチ",
        "ｳﾁﾀﾞ ｾｲｲﾁ",
        member_of="PF13-01",
        account="6630814",
        fee_class="2号",
    ),
    Expert("EP009", "平野　恵美", "ヒラノ　エミ", "ﾋﾗﾉ ｴﾐ", member_of="PF13-03", account="7740715"),
    Expert("EP010", "高木　信也", "タカギ　シンヤ", "ﾀｶｷﾞ ｼﾝﾔ", account="8850616"),
    Expert("EP011", "桑原　秀明", "クワハラ　ヒデアキ", "ｸﾜﾊﾗ ﾋﾃﾞｱｷ", account="9960517"),
    Expert("EP012", "久保　亜希子", "クボ　アキコ", "ｸﾎﾞ ｱｷｺ", account="1070418"),
    Expert(
        "EP013",
        "松井　大樹",
        "マツイ　ダイキ",
        "ﾏﾂｲ ﾀﾞｲｷ",
        account="2180319",
        qualifications="ITコーディネータ",
    ),
    Expert("EP014", "千葉　和也", "チバ　カズヤ", "ﾁﾊﾞ ｶｽﾞﾔ", account="3290210"),
    Expert("EP015", "岩崎　美穂", "イワサキ　ミホ", "ｲﾜｻｷ ﾐﾎ", account="4301121"),
    Expert("EP016", "酒井　達也", "サカイ　タツヤ", "ｻｶｲ ﾀﾂﾔ", account="5412032"),
    Expert("EP017", "横山　智", "ヨコヤマ　サトシ", "ﾖｺﾔﾏ ｻﾄｼ", account="6523943"),
    Expert("EP018", "宮崎　隆之", "ミヤザキ　タカユキ", "ﾐﾔｻﾞｷ ﾀｶﾕｷ", account="7634854"),
    Expert(
        "EP019",
        "仲村　勇",
        "ナカムラ　イサム",
        "ﾅｶﾑﾗ ｲｻﾑ",
        prefecture="沖縄県",
        bank="0187",
        branch="321",
        account="0745765",
    ),
    Expert("EP020", "安藤　みゆき", "アンドウ　ミユキ", "ｱﾝﾄﾞｳ ﾐﾕｷ", account="8856676"),
    Expert("EP021", "関　雅人", "セキ　マサト", "ｾｷ ﾏｻﾄ", account="9967587"),
    Expert(
        "EP022",
        "川畑　浩一",
        "カワバタ　コウイチ",
        "ｶﾜﾊﾞﾀ ｺｳｲﾁ",
        prefecture="鹿児島県",
        bank="0185",
        branch="150",
        account="1078498",
    ),
    Expert("EP023", "今井　健", "イマイ　ケン", "ｲﾏｲ ｹﾝ", account="2189309"),
    Expert("EP024", "武田　さゆり", "タケダ　サユリ", "ﾀｹﾀﾞ ｻﾕﾘ", account="3290210"),
    Expert(
        "EP025", "藤本　亮介", "フジモト　リョウスケ", "フジモト　リョウスケ", account="4301131"
    ),
    Expert("EP026", "西田　恭子", "ニシダ　キョウコ", "ﾆｼﾀﾞ ｷﾖｳｺ", account="5412042"),
    Expert("EP027", "原　俊彦", "ハラ　トシヒコ", "ﾊﾗ ﾄｼﾋｺ", account="6523953"),
    Expert(
        "EP028",
        "島袋　忠",
        "シマブクロ　タダシ",
        "ｼﾏﾌﾞｸﾛ ﾀﾀﾞｼ",
        prefecture="沖縄県",
        bank="0187",
        branch="331",
        account="7634864",
    ),
    Expert(
        "EP029",
        "佐野　正樹",
        "サノ　マサキ",
        "ｻﾉ ﾏｻｷ",
        prefecture="北海道",
        bank="0116",
        branch="150",
        account="8745775",
    ),
    Expert(
        "EP030",
        "株式会社みらい経営研究所",
        "カブシキガイシャミライケイエイケンキュウショ",
        "ｶ)ﾐﾗｲｹｲｴｲｹﾝｷﾕｳｼﾖ",
        payee_type="法人",
        account="9856686",
        fee_class=None,
    ),
    Expert("EP031", "福島　典子", "フクシマ　ノリコ", "ﾌｸｼﾏ ﾉﾘｺ", account="1967597"),
    Expert(
        "EP032",
        "荒木　伸夫",
        "アラキ　ノブオ",
        "ｱﾗｷ ﾉﾌﾞｵ",
        bank="0999",
        branch="001",
        account="2078408",
    ),
    Expert("EP033", "渡部　陽介", "ワタナベ　ヨウスケ", "ﾜﾀﾅﾍﾞ ﾖｳｽｹ", account="12345678"),
    Expert("EP034", "山内　花子", "ヤマウチ　ハナコ", "山内　花子", account="3189319"),
)

# A Tokyo platform with the kinds R-EXC-3 needs (② spared, ⑧ not spared).
PLATFORM = (
    ("PF13-01", "東京商工会議所", 2, True),
    ("PF13-02", "東京都商工会連合会", 1, False),
    ("PF13-03", "東京中央信用金庫", 8, False),
    ("PF13-04", "一般社団法人東京都中小企業診断士協会", 7, False),
    ("PF13-05", "公益財団法人東京都中小企業振興公社", 5, False),
)
PLATFORM_ID, PLATFORM_NAME = "PF13", "東京都地域中小企業支援プラットフォーム"

# ---------------------------------------------------------------------------------------
# claims used by several cases


def rail(
    km: float,
    fare: int,
    express: int | None = None,
    reserved: int | None = None,
    there: str = "東京駅",
    back: str = "高崎駅",
) -> tuple[Claim, Claim]:
    return (
        Claim("鉄道", there, back, km, fare, express, reserved),
        Claim("鉄道", back, there, km, fare, express, reserved),
    )


def car(km: float) -> Claim:
    return Claim("私有車", "自宅", "支援先", distance_km=km)


def air(
    fare: int,
    rt: int | None,
    seat: str = "普通",
    bp: bool = True,
    there: str = "那覇空港",
    back: str = "羽田空港",
) -> Claim:
    return Claim(
        "航空",
        there,
        back,
        fare=fare,
        round_trip_fare=rt,
        seat_class=seat,
        receipt=True,
        boarding_pass=bp,
    )


def hotel(
    amount: int,
    nights: int = 1,
    kind: str = "ホテル・旅館",
    receipt: bool = True,
    reason: str | None = None,
) -> Claim:
    return Claim(
        "宿泊",
        None,
        "大阪市",
        nights=nights,
        lodging_type=kind,
        amount=amount,
        receipt=receipt,
        reason=reason,
        day_offset=-1,
    )


F120 = 10_560  # 120 min = 4 units × 2,640
RAIL_OSAKA = rail(320.0, 5_720, 4_920, None, "東京駅", "新大阪駅")
HANEDA = "羽田空港"

# ---------------------------------------------------------------------------------------
# the cases


def _tax_high() -> list[Case]:
    days = [
        D(2021, 5, 11),
        D(2021, 5, 25),
        D(2021, 6, 8),
        D(2021, 6, 22),
        D(2021, 7, 6),
        D(2021, 7, 20),
        D(2021, 8, 3),
        D(2021, 8, 17),
        D(2021, 8, 31),
        D(2021, 9, 14),
        D(2021, 9, 28),
        D(2021, 10, 12),
    ]
    return [
        Case(
            f"D21-P{101 + i}",
            "R-TAX-1",
            "個人・1サイクル支払額100万円超（20.42%部分）の一部",
            "EP028",
            f"CT{i + 1:02d}",
            d,
            T(9, 30),
            T(16, 30),
            360,
            (paid(fee=31_680, transport=60_000, per_diem=1_100, lodging=9_800),),
            "360分=12単位×2,640=31,680（上限と同額）; 航空 min(32,000,30,000)×2=60,000; "
            "日当1,100(3,100km); 宿泊 min(9,800,9,800)=9,800; 計102,580",
            trip_km=3100.0,
            claims=(
                air(32_000, 30_000, there="那覇空港", back=HANEDA),
                air(32_000, 30_000, there=HANEDA, back="那覇空港"),
                Claim(
                    "宿泊",
                    None,
                    "東京都千代田区",
                    nights=1,
                    lodging_type="ホテル・旅館",
                    amount=9_800,
                    receipt=True,
                    day_offset=-1,
                ),
            ),
        )
        for i, d in enumerate(days)
    ]


def _tax_exact() -> list[Case]:
    days = [
        D(2021, 6, 3),
        D(2021, 6, 17),
        D(2021, 7, 1),
        D(2021, 7, 15),
        D(2021, 7, 29),
        D(2021, 8, 12),
        D(2021, 8, 26),
        D(2021, 9, 9),
        D(2021, 9, 30),
        D(2021, 10, 14),
    ]
    return [
        Case(
            f"D21-P{121 + i}",
            "R-TAX-1",
            "個人・1サイクル支払額ちょうど1,000,000円の一部",
            "EP029",
            f"CX{i + 1:02d}",
            d,
            T(9, 30),
            T(16, 30),
            360,
            (paid(fee=31_680, transport=67_220, per_diem=1_100),),
            "31,680; 航空 往復割引なし→普通運賃 33,610×2=67,220; 日当1,100; 計100,000",
            trip_km=2100.0,
            claims=(
                air(33_610, None, there="新千歳空港", back=HANEDA),
                air(33_610, None, there=HANEDA, back="新千歳空港"),
            ),
        )
        for i, d in enumerate(days)
    ]


def cases() -> list[Case]:
    c = Case
    out: list[Case] = [
        # R-FEE-2 (and R-FEE-1 rate): truncation per report at 29/30/59/60 minutes
        c(
            "D21-P001",
            "R-FEE-2",
            "対面29分 → 0単位",
            "EP001",
            "C001",
            D(2021, 10, 4),
            T(10, 0),
            T(10, 29),
            29,
            (paid(fee=0),),
            "floor(29/30)=0 → 0円（支払対象だが0円）",
        ),
        c(
            "D21-P002",
            "R-FEE-2",
            "対面30分 → 1単位",
            "EP001",
            "C002",
            D(2021, 10, 5),
            T(10, 0),
            T(10, 30),
            30,
            (paid(fee=2_640),),
            "floor(30/30)=1 × 2,640 = 2,640",
        ),
        c(
            "D21-P003",
            "R-FEE-2",
            "対面59分 → 1単位",
            "EP001",
            "C003",
            D(2021, 10, 6),
            T(10, 0),
            T(10, 59),
            59,
            (paid(fee=2_640),),
            "floor(59/30)=1 × 2,640 = 2,640",
        ),
        c(
            "D21-P004",
            "R-FEE-1",
            "対面60分 → 2単位（時間単価5,280円）",
            "EP001",
            "C004",
            D(2021, 10, 7),
            T(10, 0),
            T(11, 0),
            60,
            (paid(fee=5_280),),
            "floor(60/30)=2 × 2,640 = 5,280 = 1時間×5,280",
        ),
        # R-FEE-3 cap hit by the 2nd dispatch of a day
        c(
            "D21-P005",
            "R-FEE-3",
            "同日1件目 240分",
            "EP002",
            "C005",
            D(2021, 10, 12),
            T(9, 0),
            T(13, 0),
            240,
            (paid(fee=21_120),),
            "8単位×2,640=21,120（上限残り10,560）",
        ),
        c(
            "D21-P006",
            "R-FEE-3",
            "同日2件目 180分で日額上限",
            "EP002",
            "C006",
            D(2021, 10, 12),
            T(14, 0),
            T(17, 0),
            180,
            (paid(fee=10_560, rules=("R-FEE-3",)),),
            "請求6単位=15,840 → min(15,840, 31,680−21,120)=10,560",
        ),
        # cap hit by the 3rd dispatch
        c(
            "D21-P007",
            "R-FEE-3",
            "同日1件目 120分",
            "EP003",
            "C007",
            D(2021, 10, 13),
            T(9, 0),
            T(11, 0),
            120,
            (paid(fee=F120),),
            "4単位=10,560",
        ),
        c(
            "D21-P008",
            "R-FEE-3",
            "同日2件目 120分",
            "EP003",
            "C008",
            D(2021, 10, 13),
            T(11, 30),
            T(13, 30),
            120,
            (paid(fee=F120),),
            "4単位=10,560（累計21,120）",
        ),
        c(
            "D21-P009",
            "R-FEE-3",
            "同日3件目 150分で日額上限",
            "EP003",
            "C009",
            D(2021, 10, 13),
            T(14, 0),
            T(16, 30),
            150,
            (paid(fee=10_560, rules=("R-FEE-3",)),),
            "請求5単位=13,200 → min(13,200, 31,680−21,120)=10,560",
        ),
        # cap across two cycles
        c(
            "D21-P010",
            "R-FEE-3",
            "同日1件目 240分（10月承認）",
            "EP004",
            "C010",
            D(2021, 10, 28),
            T(9, 0),
            T(13, 0),
            240,
            (paid(fee=21_120),),
            "8単位=21,120（2021-10で支払）",
            approved=dt.datetime(2021, 10, 29, 17, 0),
        ),
        c(
            "D21-P011",
            "R-FEE-3",
            "同日2件目 180分（11月承認）→ 前サイクル支払分を数えて上限",
            "EP004",
            "C011",
            D(2021, 10, 28),
            T(14, 0),
            T(17, 0),
            180,
            (paid("2021-11", fee=10_560, rules=("R-FEE-3",)),),
            "2021-10では未承認で対象外。2021-11: 請求15,840 → min(15,840, 31,680−21,120[2021-10支払済])=10,560",
            approved=dt.datetime(2021, 11, 2, 10, 0),
        ),
        # R-FEE-4 web meeting
        c(
            "D21-P012",
            "R-FEE-4",
            "WEB会議・事前確認あり",
            "EP005",
            "C012",
            D(2021, 10, 14),
            T(13, 0),
            T(14, 30),
            90,
            (paid(fee=7_920),),
            "3単位×2,640=7,920（チェックインなし・誓約書あり）",
            web=True,
            web_ok=True,
            checkins=False,
            declaration=True,
            trip_km=0.0,
        ),
        c(
            "D21-P013",
            "R-FEE-4",
            "WEB会議・事前確認なし → 保留",
            "EP005",
            "C013",
            D(2021, 10, 15),
            T(13, 0),
            T(14, 30),
            90,
            (held("R-FEE-4"),),
            "保留のため0円",
            web=True,
            web_ok=False,
            checkins=False,
            declaration=True,
            trip_km=0.0,
        ),
        # exclusions (R-TRV-12: the excluded one with travel gets none)
        c(
            "D21-P014",
            "R-EXC-1",
            "人件費補助を受ける専門家（旅費あり → R-TRV-12で旅費も0）",
            "EP006",
            "C014",
            D(2021, 10, 18),
            T(13, 0),
            T(15, 0),
            120,
            (excluded("R-EXC-1"),),
            "対象外: 謝金0、旅費（鉄道 2,310+1,760 ×2 請求）も0（R-TRV-12）",
            trip_km=240.0,
            claims=rail(120.0, 2_310, 1_760, None, "東京駅", "宇都宮駅"),
            also=("R-TRV-12",),
            place="宇都宮",
        ),
        c(
            "D21-P015",
            "R-EXC-2",
            "派遣元機関（YR13）から報酬を受ける専門家",
            "EP007",
            "C015",
            D(2021, 10, 19),
            T(10, 0),
            T(12, 0),
            120,
            (excluded("R-EXC-2"),),
            "対象外 → 0",
        ),
        c(
            "D21-P016",
            "R-EXC-3",
            "所属機関（②商工会議所）からの派遣 → 除外されない",
            "EP008",
            "C016",
            D(2021, 10, 20),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "②は除外の例外 → 4単位=10,560",
            institution="PF13-01",
        ),
        c(
            "D21-P017",
            "R-EXC-3",
            "所属機関（⑧信用金庫）からの派遣 → 対象外",
            "EP009",
            "C017",
            D(2021, 10, 21),
            T(10, 0),
            T(12, 0),
            120,
            (excluded("R-EXC-3"),),
            "⑧は例外でない → 0",
            institution="PF13-03",
        ),
        c(
            "D21-P018",
            "R-EXC-4",
            "専門家からの要請による派遣",
            "EP010",
            "C018",
            D(2021, 10, 22),
            T(10, 0),
            T(12, 0),
            120,
            (excluded("R-EXC-4"),),
            "対象外 → 0",
            expert_initiated=True,
        ),
        # R-PER-1
        c(
            "D21-P019",
            "R-PER-1",
            "支援日2021-03-31（期間前・前年度）",
            "EP011",
            "C019",
            D(2021, 3, 31),
            T(10, 0),
            T(12, 0),
            120,
            (excluded("R-PER-1"),),
            "2021-04-01より前 → 対象外0",
            approved=dt.datetime(2021, 4, 2, 11, 0),
        ),
        c(
            "D21-P020",
            "R-PER-1",
            "支援日2021-04-01（期間初日）",
            "EP011",
            "C020",
            D(2021, 4, 1),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "期間内 → 4単位=10,560",
            approved=dt.datetime(2021, 4, 5, 10, 0),
        ),
        # R-LIM-1 company C-L1 (non-IT), with a cancelled one not counted
        c(
            "D21-P025",
            "R-LIM-1",
            "キャンセル（回数に数えない）",
            "EP012",
            "CL1",
            D(2021, 5, 20),
            T(10, 0),
            T(12, 0),
            120,
            (),
            "キャンセル・報告なし",
            status="キャンセル",
            approved=None,
            checkins=False,
        ),
        c(
            "D21-P021",
            "R-LIM-1",
            "C-L1 1回目",
            "EP012",
            "CL1",
            D(2021, 6, 10),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位1 ≤ 3",
        ),
        c(
            "D21-P022",
            "R-LIM-1",
            "C-L1 2回目",
            "EP012",
            "CL1",
            D(2021, 7, 8),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位2 ≤ 3",
        ),
        c(
            "D21-P023",
            "R-LIM-1",
            "C-L1 3回目",
            "EP012",
            "CL1",
            D(2021, 8, 5),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位3 ≤ 3",
        ),
        c(
            "D21-P024",
            "R-LIM-1",
            "C-L1 4回目（キャンセル除く）→ 保留",
            "EP012",
            "CL1",
            D(2021, 9, 9),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-LIM-1"),),
            "順位4 > 3 → 保留0",
        ),
        c(
            "D21-P026",
            "R-LIM-1",
            "C-L1 5回目・回数上限例外あり → 支払",
            "EP012",
            "CL1",
            D(2021, 10, 7),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位5 > 3 だが例外記録あり → 10,560",
            limit_exception=True,
        ),
        # company C-L2: IT consultations (limit 5 for IT, 3 for the rest)
        c(
            "D21-P027",
            "R-LIM-1",
            "C-L2 1回目 IT活用",
            "EP013",
            "CL2",
            D(2021, 6, 14),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位1",
            issue="IT活用",
        ),
        c(
            "D21-P028",
            "R-LIM-1",
            "C-L2 2回目 IT活用",
            "EP013",
            "CL2",
            D(2021, 7, 12),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位2",
            issue="IT活用",
        ),
        c(
            "D21-P029",
            "R-LIM-1",
            "C-L2 3回目 IT活用",
            "EP013",
            "CL2",
            D(2021, 8, 16),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "順位3",
            issue="IT活用",
        ),
        c(
            "D21-P030",
            "R-LIM-1",
            "C-L2 4回目 売上拡大（IT以外は3回まで）→ 保留",
            "EP013",
            "CL2",
            D(2021, 9, 13),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-LIM-1"),),
            "IT以外・順位4 > 3 → 保留",
            issue="売上拡大・販路開拓",
        ),
        c(
            "D21-P031",
            "R-LIM-1",
            "C-L2 5回目 IT活用 → 支払",
            "EP013",
            "CL2",
            D(2021, 10, 11),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120),),
            "IT・順位5 ≤ 5 → 10,560",
            issue="IT活用",
        ),
        c(
            "D21-P032",
            "R-LIM-1",
            "C-L2 6回目 IT活用 → 保留",
            "EP013",
            "CL2",
            D(2021, 10, 25),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-LIM-1"),),
            "IT・順位6 > 5 → 保留",
            issue="IT活用",
        ),
        # R-CHK-2
        c(
            "D21-P033",
            "R-CHK-2",
            "チェックアウトに署名なし・誓約書なし → 保留",
            "EP014",
            "C033",
            D(2021, 10, 4),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-2"),),
            "保留0",
            signed=False,
        ),
        c(
            "D21-P034",
            "R-CHK-2",
            "チェックイン/アウトなし・誓約書あり → 支払",
            "EP014",
            "C034",
            D(2021, 10, 5),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120),),
            "10,560",
            checkins=False,
            declaration=True,
        ),
        c(
            "D21-P035",
            "R-CHK-2",
            "チェックイン/アウトなし・誓約書なし → 保留",
            "EP014",
            "C035",
            D(2021, 10, 6),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-2"),),
            "保留0",
            checkins=False,
        ),
        # R-CHK-3
        c(
            "D21-P036",
            "R-CHK-3",
            "チェックインが承認開始の16分後 → 保留",
            "EP014",
            "C036",
            D(2021, 10, 7),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-3"),),
            "|13:16−13:00|=16分 > 15 → 保留",
            checkin_shift=16,
        ),
        c(
            "D21-P037",
            "R-CHK-3",
            "チェックインが承認開始の15分後 → 許容",
            "EP014",
            "C037",
            D(2021, 10, 8),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120),),
            "15分 ≤ 15 → 10,560",
            checkin_shift=15,
        ),
        c(
            "D21-P038",
            "R-CHK-3",
            "チェックイン位置が支援場所の約600m北 → 保留",
            "EP014",
            "C038",
            D(2021, 10, 11),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-3"),),
            "緯度差0.0054° × 6,371,008.8m × π/180 ≈ 600.5m > 500 → 保留",
            checkin_dlat=0.0054,
        ),
        c(
            "D21-P039",
            "R-CHK-3",
            "チェックイン位置が約489m北 → 許容",
            "EP014",
            "C039",
            D(2021, 10, 12),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120),),
            "0.0044° ≈ 489.3m ≤ 500 → 10,560",
            checkin_dlat=0.0044,
        ),
        # R-CHK-4
        c(
            "D21-P040",
            "R-CHK-4",
            "機関の同行なし・理由なし → フラグ（支払は止めない）",
            "EP014",
            "C040",
            D(2021, 10, 13),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120, flags=("R-CHK-4",)),),
            "10,560 + フラグ",
            accompanied=False,
        ),
        # R-CHK-5 papers
        c(
            "D21-P041",
            "R-CHK-5",
            "宿泊の領収書なし → 保留",
            "EP015",
            "C041",
            D(2021, 10, 4),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-CHK-5", "R-TRV-10"),),
            "保留0",
            trip_km=240.0,
            claims=(
                *rail(120.0, 2_310, 1_760, None, "東京駅", "宇都宮駅"),
                Claim(
                    "宿泊",
                    None,
                    "宇都宮市",
                    nights=1,
                    lodging_type="ホテル・旅館",
                    amount=8_800,
                    receipt=False,
                    day_offset=-1,
                ),
            ),
            place="宇都宮",
        ),
        c(
            "D21-P042",
            "R-CHK-5",
            "航空の搭乗券半券なし → 保留",
            "EP015",
            "C042",
            D(2021, 10, 5),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-5", "R-TRV-4"),),
            "保留0",
            trip_km=1800.0,
            claims=(
                air(29_000, 26_500, bp=False, there=HANEDA, back="福岡空港"),
                air(29_000, 26_500, there="福岡空港", back=HANEDA),
            ),
            place="福岡",
        ),
        c(
            "D21-P043",
            "R-CHK-5",
            "タクシーの理由なし → 保留",
            "EP015",
            "C043",
            D(2021, 10, 6),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-CHK-5", "R-TRV-6"),),
            "保留0",
            trip_km=16.0,
            claims=(Claim("タクシー", "八王子駅", "支援先", amount=2_980, receipt=True),),
        ),
        c(
            "D21-P044",
            "R-TRV-8",
            "レンタカー・事務局精査額なし → 保留",
            "EP015",
            "C044",
            D(2021, 10, 7),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-TRV-8", "R-CHK-5"),),
            "精査額未入力 → 保留0",
            trip_km=58.0,
            claims=(
                Claim(
                    "レンタカー",
                    "大島町元町",
                    "支援先",
                    amount=9_350,
                    receipt=True,
                    reason="島内に公共交通機関がほとんどないため",
                ),
            ),
            place="大島",
        ),
        c(
            "D21-P059",
            "R-CHK-5",
            "高速船（普通船も運航）の領収書なし → 保留",
            "EP015",
            "C059",
            D(2021, 10, 8),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-CHK-5", "R-TRV-4"),),
            "保留0",
            trip_km=240.0,
            claims=(
                Claim(
                    "船",
                    "竹芝",
                    "大島（元町港）",
                    fare=7_070,
                    seat_class="普通",
                    high_speed_boat=True,
                    receipt=False,
                ),
                Claim(
                    "船",
                    "大島（元町港）",
                    "竹芝",
                    fare=7_070,
                    seat_class="普通",
                    high_speed_boat=True,
                    receipt=False,
                ),
            ),
            place="大島",
        ),
        # R-CHK-6
        c(
            "D21-P045",
            "R-CHK-6",
            "企業の従事証明未確認 → 保留",
            "EP016",
            "C045",
            D(2021, 10, 14),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-CHK-6"),),
            "保留0",
            confirmed=False,
        ),
        # R-CHK-7
        c(
            "D21-P046",
            "R-CHK-7",
            "同じ専門家の時間重複（1件目）→ 両方保留",
            "EP017",
            "C046",
            D(2021, 10, 15),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-CHK-7"),),
            "10:00–12:00 と 11:30–13:30 が重複 → 保留0",
        ),
        c(
            "D21-P047",
            "R-CHK-7",
            "同じ専門家の時間重複（2件目）→ 両方保留",
            "EP017",
            "C047",
            D(2021, 10, 15),
            T(11, 30),
            T(13, 30),
            120,
            (held("R-CHK-7"),),
            "同上 → 保留0",
            place="新宿",
        ),
        # R-TRV-3 rail at 99 / 100 km
        c(
            "D21-P048",
            "R-TRV-3",
            "鉄道 片道99km の特急・指定席 → 減額",
            "EP018",
            "C048",
            D(2021, 10, 18),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=3_380, per_diem=1_100, rules=("R-TRV-3",)),),
            "請求(1,690+1,290+530)×2=7,020 → 99km<100で運賃のみ 1,690×2=3,380; 全行程198km≥100・120分≥30 → 日当1,100; "
            "計15,040",
            trip_km=198.0,
            claims=rail(99.0, 1_690, 1_290, 530, "上野駅", "高崎駅"),
            place="高崎",
        ),
        c(
            "D21-P049",
            "R-TRV-3",
            "鉄道 片道100km の特急・指定席 → 全額",
            "EP018",
            "C049",
            D(2021, 10, 19),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=7_020, per_diem=1_100),),
            "(1,690+1,290+530)×2=7,020; 日当1,100; 計18,680",
            trip_km=200.0,
            claims=rail(100.0, 1_690, 1_290, 530, "上野駅", "高崎駅"),
            place="高崎",
        ),
        # R-TRV-4 air (EP019 flies from Naha)
        c(
            "D21-P050",
            "R-TRV-4",
            "航空: 往復割引と実額の安い方",
            "EP019",
            "C050",
            D(2021, 10, 5),
            T(13, 0),
            T(16, 0),
            180,
            (paid(fee=15_840, transport=46_500, per_diem=1_100, rules=("R-TRV-4",)),),
            "6単位=15,840; 往路 min(28,000, 25,000)=25,000、復路 min(21,500, 25,000)=21,500 → 46,500; "
            "日当1,100; 計63,440",
            trip_km=3100.0,
            claims=(air(28_000, 25_000), air(21_500, 25_000, there=HANEDA, back="那覇空港")),
        ),
        c(
            "D21-P051",
            "R-TRV-4",
            "航空: 上位クラス（修正なし）→ 保留",
            "EP019",
            "C051",
            D(2021, 10, 13),
            T(13, 0),
            T(15, 0),
            120,
            (held("R-TRV-4", "R-CHK-5"),),
            "上位席は普通運賃の入力まで保留0",
            trip_km=3100.0,
            claims=(
                air(45_000, None, seat="上位"),
                air(30_500, 29_800, there=HANEDA, back="那覇空港"),
            ),
        ),
        c(
            "D21-P052",
            "R-TRV-4",
            "航空: 上位クラスに事務局が普通運賃を修正入力 → 支払",
            "EP019",
            "C052",
            D(2021, 10, 21),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120, transport=63_800, per_diem=1_100, rules=("R-TRV-4",)),),
            "修正後 往路 普通席34,000（往復割引なし→普通運賃）、復路 min(30,500, 29,800)=29,800 → 63,800; "
            "日当1,100; 計75,460",
            trip_km=3100.0,
            claims=(
                air(52_000, None, seat="上位"),
                air(30_500, 29_800, there=HANEDA, back="那覇空港"),
            ),
        ),
        # corrections (R-FEE-5 / R-TRV-1 are clerk decisions recorded as corrections)
        c(
            "D21-P053",
            "R-CHK-3",
            "終了時刻の入力誤り（16:00→15:00）を事務局修正 → 照合一致で支払",
            "EP020",
            "C053",
            D(2021, 10, 11),
            T(13, 0),
            T(16, 0),
            120,
            (paid(fee=F120),),
            "修正後 13:00–15:00、チェックアウト15:04 → 差4分; 対面120分 → 10,560",
            extra={"checkout_at": dt.datetime(2021, 10, 11, 15, 4)},
        ),
        c(
            "D21-P054",
            "R-TRV-8",
            "レンタカー: 事務局精査額 8,800 を修正入力 → 支払",
            "EP020",
            "C054",
            D(2021, 10, 12),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=8_800, rules=("R-TRV-8",)),),
            "請求9,350 → 精査額8,800; 計19,360",
            trip_km=64.0,
            claims=(
                Claim(
                    "レンタカー",
                    "大島町元町",
                    "支援先",
                    amount=9_350,
                    receipt=True,
                    reason="島内に公共交通機関がほとんどないため",
                ),
            ),
            place="大島",
        ),
        c(
            "D21-P080",
            "R-FEE-5",
            "対面時間150分の報告を機関確認で120分に修正",
            "EP020",
            "C080",
            D(2021, 10, 13),
            T(10, 0),
            T(12, 30),
            150,
            (paid(fee=F120),),
            "修正後120分 → 4単位=10,560（修正前なら13,200）",
        ),
        c(
            "D21-P081",
            "R-TRV-1",
            "遠回り経路の運賃を最安経路に修正",
            "EP020",
            "C081",
            D(2021, 10, 14),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=2_340, per_diem=1_100),),
            "往路 修正後1,170 + 復路1,170 = 2,340; 全行程120km → 日当1,100; 計14,000",
            trip_km=120.0,
            claims=(
                rail(60.0, 1_340, None, None, "東京駅", "本厚木駅")[0],
                Claim("鉄道", "本厚木駅", "東京駅", 60.0, 1_170),
            ),
            place="厚木",
        ),
        # R-TRV-5/6/7
        c(
            "D21-P055",
            "R-TRV-5",
            "バス（最安の普通運賃）",
            "EP021",
            "C055",
            D(2021, 10, 18),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=1_240),),
            "620×2=1,240; 計11,800",
            trip_km=24.0,
            claims=(
                Claim("バス", "立川駅", "支援先", fare=620),
                Claim("バス", "支援先", "立川駅", fare=620),
            ),
        ),
        c(
            "D21-P056",
            "R-TRV-6",
            "タクシー（領収書・理由あり）",
            "EP021",
            "C056",
            D(2021, 10, 19),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=3_450),),
            "実費3,450; 計14,010",
            trip_km=18.0,
            claims=(
                Claim(
                    "タクシー",
                    "青梅駅",
                    "支援先",
                    amount=3_450,
                    receipt=True,
                    reason="最寄り駅から支援先まで路線バスがないため",
                ),
            ),
        ),
        c(
            "D21-P057",
            "R-TRV-7",
            "私有車 87.9km",
            "EP021",
            "C057",
            D(2021, 10, 20),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=3_219),),
            "floor(87.9)=87 × 37 = 3,219; 87.9km<100 → 日当なし; 計13,779",
            trip_km=87.9,
            claims=(car(87.9),),
        ),
        # R-TRV-4 boat (EP022, Kagoshima)
        c(
            "D21-P058",
            "R-TRV-4",
            "船（普通船）: 往復割引と実額の安い方",
            "EP022",
            "C058",
            D(2021, 10, 14),
            T(13, 0),
            T(15, 0),
            120,
            (paid(fee=F120, transport=5_130, per_diem=1_100, rules=("R-TRV-4",)),),
            "min(2,850, 2,565)×2=5,130; 全行程110km → 日当1,100; 計16,790",
            trip_km=110.0,
            place="垂水",
            claims=(
                Claim(
                    "船",
                    "鹿児島港",
                    "垂水港",
                    fare=2_850,
                    round_trip_fare=2_565,
                    seat_class="普通",
                    high_speed_boat=False,
                ),
                Claim(
                    "船",
                    "垂水港",
                    "鹿児島港",
                    fare=2_850,
                    round_trip_fare=2_565,
                    seat_class="普通",
                    high_speed_boat=False,
                ),
            ),
        ),
        # R-TRV-9 per diem
        c(
            "D21-P060",
            "R-TRV-9",
            "同日2件の1件目（日当はこちらに1回）",
            "EP023",
            "C060",
            D(2021, 10, 19),
            T(9, 30),
            T(11, 30),
            120,
            (paid(fee=F120, transport=1_520, per_diem=1_100),),
            "10,560 + 鉄道1,520 + 日当1,100(最大180km・計180分) = 13,180",
            trip_km=180.0,
            claims=(Claim("鉄道", "東京駅", "高崎駅", 90.0, 1_520),),
            place="高崎",
        ),
        c(
            "D21-P061",
            "R-TRV-9",
            "同日2件の2件目（日当なし）",
            "EP023",
            "C061",
            D(2021, 10, 19),
            T(14, 0),
            T(15, 0),
            60,
            (paid(fee=5_280, transport=1_520),),
            "5,280 + 鉄道1,520 = 6,800（日当は1日1回）",
            trip_km=180.0,
            place="高崎",
            claims=(Claim("鉄道", "高崎駅", "東京駅", 90.0, 1_520),),
        ),
        c(
            "D21-P062",
            "R-TRV-9",
            "全行程ちょうど100km・対面30分 → 日当あり",
            "EP024",
            "C062",
            D(2021, 10, 20),
            T(10, 0),
            T(10, 30),
            30,
            (paid(fee=2_640, transport=3_700, per_diem=1_100),),
            "2,640 + 100×37=3,700 + 日当1,100 = 7,440",
            trip_km=100.0,
            claims=(car(100.0),),
        ),
        c(
            "D21-P063",
            "R-TRV-9",
            "全行程99.9km → 日当なし",
            "EP024",
            "C063",
            D(2021, 10, 21),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=3_663),),
            "10,560 + floor(99.9)=99×37=3,663 = 14,223",
            trip_km=99.9,
            claims=(car(99.9),),
        ),
        c(
            "D21-P064",
            "R-TRV-9",
            "全行程150km・対面29分 → 日当なし",
            "EP024",
            "C064",
            D(2021, 10, 22),
            T(10, 0),
            T(10, 29),
            29,
            (paid(fee=0, transport=5_550),),
            "謝金0 + 150×37=5,550（29分<30 → 日当なし）",
            trip_km=150.0,
            claims=(car(150.0),),
        ),
        c(
            "D21-P065",
            "R-TRV-9",
            "日当: 同日1件目（10月承認）",
            "EP025",
            "C065",
            D(2021, 10, 27),
            T(9, 0),
            T(10, 0),
            60,
            (paid(fee=5_280, transport=8_140, per_diem=1_100),),
            "5,280 + 220×37=8,140 + 日当1,100 = 14,520",
            trip_km=220.0,
            claims=(car(220.0),),
            approved=dt.datetime(2021, 10, 28, 12, 0),
        ),
        c(
            "D21-P066",
            "R-TRV-9",
            "日当: 同日2件目（11月承認）→ 前サイクルで支給済みのため日当なし",
            "EP025",
            "C066",
            D(2021, 10, 27),
            T(13, 0),
            T(14, 0),
            60,
            (paid("2021-11", fee=5_280),),
            "2021-11: 5,280、日当0（2021-10のD21-P065で支給済）",
            trip_km=220.0,
            approved=dt.datetime(2021, 11, 4, 9, 30),
        ),
        c(
            "D21-P067",
            "R-TRV-9",
            "同日2件 20分+15分=35分≥30 → 日当（1件目）",
            "EP026",
            "C067",
            D(2021, 10, 25),
            T(10, 0),
            T(10, 20),
            20,
            (paid(fee=0, transport=1_980, per_diem=1_100),),
            "謝金 floor(20/30)=0; 鉄道990×2=1,980; 日合計35分・120km → 日当1,100; 計3,080",
            trip_km=120.0,
            claims=rail(60.0, 990, None, None, "東京駅", "本厚木駅"),
            place="厚木",
        ),
        c(
            "D21-P068",
            "R-TRV-9",
            "同日2件の2件目 15分",
            "EP026",
            "C068",
            D(2021, 10, 25),
            T(11, 0),
            T(11, 15),
            15,
            (paid(fee=0),),
            "floor(15/30)=0 → 0（支払・0円）",
            trip_km=120.0,
            place="厚木",
        ),
        # R-TRV-10 lodging
        c(
            "D21-P069",
            "R-TRV-10",
            "宿泊12,000円/1泊 → 9,800に減額",
            "EP027",
            "C069",
            D(2021, 10, 5),
            T(13, 0),
            T(16, 0),
            180,
            (
                paid(
                    fee=15_840, transport=21_280, per_diem=1_100, lodging=9_800, rules=("R-TRV-10",)
                ),
            ),
            "15,840; 鉄道(5,720+4,920)×2=21,280; 日当1,100; 宿泊 min(12,000, 9,800)=9,800; 計48,020",
            trip_km=640.0,
            place="大阪",
            claims=(*RAIL_OSAKA, hotel(12_000)),
            also=("R-TRV-2",),
        ),
        c(
            "D21-P070",
            "R-TRV-10",
            "宿泊2泊17,000円 → 全額・複数泊フラグ",
            "EP027",
            "C070",
            D(2021, 10, 12),
            T(13, 0),
            T(16, 0),
            180,
            (
                paid(
                    fee=15_840,
                    transport=21_280,
                    per_diem=1_100,
                    lodging=17_000,
                    flags=("R-TRV-10",),
                ),
            ),
            "15,840; 21,280; 日当1,100（支援日のみ）; 宿泊 min(17,000, 2×9,800)=17,000; 計55,220",
            trip_km=640.0,
            place="大阪",
            claims=(
                *RAIL_OSAKA,
                hotel(17_000, nights=2, reason="早朝開始のため前泊、翌日別件のため後泊"),
            ),
        ),
        c(
            "D21-P071",
            "R-TRV-10",
            "民泊 → 宿泊費0",
            "EP027",
            "C071",
            D(2021, 10, 19),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=8_140, per_diem=1_100, lodging=0, rules=("R-TRV-10",)),),
            "10,560; 鉄道(2,310+1,760)×2=8,140; 日当1,100; 民泊0; 計19,800",
            trip_km=240.0,
            claims=(
                *rail(120.0, 2_310, 1_760, None, "東京駅", "宇都宮駅"),
                hotel(6_500, kind="民泊"),
            ),
            place="宇都宮",
        ),
        c(
            "D21-P072",
            "R-TRV-10",
            "ゲストハウス → 宿泊費0",
            "EP027",
            "C072",
            D(2021, 10, 26),
            T(10, 0),
            T(12, 0),
            120,
            (paid(fee=F120, transport=9_620, per_diem=1_100, lodging=0, rules=("R-TRV-10",)),),
            "10,560; 私有車260×37=9,620; 日当1,100; ゲストハウス0; 計21,280",
            trip_km=260.0,
            claims=(car(260.0), hotel(4_000, kind="ゲストハウス")),
        ),
        # R-VAL-1 (cells planted in the writer's overrides) and R-VAL-2 (bank data)
        c(
            "D21-P073",
            "R-VAL-1",
            "支援日が存在しない日付 2021-09-31 → 保留",
            "EP031",
            "C073",
            D(2021, 9, 30),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-1"),),
            "検証エラーの行が触れる派遣のみ保留",
        ),
        c(
            "D21-P074",
            "R-VAL-1",
            "開始時刻 25:00 → 保留",
            "EP031",
            "C074",
            D(2021, 10, 1),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-1"),),
            "保留0",
        ),
        c(
            "D21-P075",
            "R-VAL-1",
            "運賃に文字 abc → 保留",
            "EP031",
            "C075",
            D(2021, 10, 4),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-1"),),
            "保留0",
            trip_km=30.0,
            claims=(
                Claim("バス", "新宿駅", "支援先", fare=480),
                Claim("バス", "支援先", "新宿駅", fare=480),
            ),
        ),
        c(
            "D21-P076",
            "R-VAL-1",
            "チェックインの重複行（キー重複）→ 保留",
            "EP031",
            "C076",
            D(2021, 10, 5),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-1"),),
            "保留0",
            duplicate_checkin=True,
        ),
        c(
            "D21-P077",
            "R-VAL-2",
            "金融機関コード0999（存在しない）→ 専門家の全派遣保留",
            "EP032",
            "C077",
            D(2021, 10, 6),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-2"),),
            "保留0",
        ),
        c(
            "D21-P078",
            "R-VAL-2",
            "口座番号8桁 → 保留",
            "EP033",
            "C078",
            D(2021, 10, 7),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-2"),),
            "保留0",
        ),
        c(
            "D21-P079",
            "R-VAL-2",
            "口座名義が漢字のみ（全銀カナに変換不可）→ 保留",
            "EP034",
            "C079",
            D(2021, 10, 8),
            T(10, 0),
            T(12, 0),
            120,
            (held("R-VAL-2"),),
            "保留0",
        ),
        # 法人 (R-TAX-1: no withholding)
        *[
            c(
                f"D21-P{131 + i}",
                "R-TAX-1",
                "法人への支払（源泉徴収なし）",
                "EP030",
                f"CC{i + 1:02d}",
                d,
                T(13, 0),
                T(16, 0),
                180,
                (paid(fee=15_840),),
                "6単位=15,840",
            )
            for i, d in enumerate([D(2021, 10, 5), D(2021, 10, 12), D(2021, 10, 19)])
        ],
        *_tax_high(),
        *_tax_exact(),
    ]
    return out


# Per-expert withholding expectations (R-TAX-1..3), cycle 2021-10.
@dataclass(frozen=True)
class Tax:
    """Per-expert withholding expectation (R-TAX-1..3)."""

    expert_id: str
    cycle: str
    payee_type: str
    gross: int
    withholding: int
    net: int
    rules: tuple[str, ...]
    calc: str


TAX = (
    Tax(
        expert_id="EP028",
        cycle="2021-10",
        payee_type="個人",
        gross=1_230_960,
        withholding=149_262,
        net=1_081_698,
        rules=("R-TAX-1", "R-TAX-2", "R-TAX-3"),
        calc="12×102,580=1,230,960; 1,000,000×10.21%=102,100 + 230,960×20.42%=47,162.032 → "
        "floor(149,262.032)=149,262; net 1,230,960−149,262=1,081,698",
    ),
    Tax(
        expert_id="EP029",
        cycle="2021-10",
        payee_type="個人",
        gross=1_000_000,
        withholding=102_100,
        net=897_900,
        rules=("R-TAX-1", "R-TAX-2", "R-TAX-3"),
        calc="10×100,000=1,000,000 (boundary: all at 10.21%) → 102,100; net 897,900",
    ),
    Tax(
        expert_id="EP001",
        cycle="2021-10",
        payee_type="個人",
        gross=10_560,
        withholding=1_078,
        net=9_482,
        rules=("R-TAX-1", "R-TAX-3"),
        calc="0+2,640+2,640+5,280=10,560; ×10.21%=1,078.176 → 1,078; net 9,482",
    ),
    Tax(
        expert_id="EP030",
        cycle="2021-10",
        payee_type="法人",
        gross=47_520,
        withholding=0,
        net=47_520,
        rules=("R-TAX-1",),
        calc="3×15,840=47,520; 法人は源泉徴収なし",
    ),
)

# Clerk corrections (corrections.csv), applied in this order.
CORRECTIONS = (
    (
        "reports",
        "D21-P053",
        "終了時刻",
        "15:00",
        "機関に確認のうえ終了時刻の入力誤りを修正（チェックアウト15:04と一致）",
        "事務局 佐藤",
        dt.datetime(2021, 10, 15, 10, 12),
    ),
    (
        "reports",
        "D21-P080",
        "対面支援時間(分)",
        "120",
        "機関確認の結果、対面支援は120分（残り30分は専門家の資料作成のため対象外）",
        "事務局 鈴木",
        dt.datetime(2021, 10, 18, 14, 3),
    ),
    (
        "travel_claims",
        "D21-P054;1",
        "事務局精査額",
        "8800",
        "レンタカー代を精査（タクシー見積13,200円より安価、燃料代550円は対象外）",
        "事務局 高橋",
        dt.datetime(2021, 10, 20, 11, 40),
    ),
    (
        "travel_claims",
        "D21-P052;1",
        "運賃",
        "34000",
        "上位席（クラスJ）利用のため同便の普通席運賃を入力（航空会社運賃表で確認）",
        "事務局 高橋",
        dt.datetime(2021, 10, 26, 16, 21),
    ),
    (
        "travel_claims",
        "D21-P052;1",
        "座席区分",
        "普通",
        "上位席の差額は対象外のため普通席として精算",
        "事務局 高橋",
        dt.datetime(2021, 10, 26, 16, 22),
    ),
    (
        "travel_claims",
        "D21-P081;1",
        "運賃",
        "1170",
        "最安経路（小田急線 新宿経由）の運賃に修正",
        "事務局 佐藤",
        dt.datetime(2021, 10, 27, 9, 55),
    ),
)

# Validation findings planted as raw cells: (table, key, column, text, rule id, what).
CELLS = (
    ("reports", ("D21-P073",), "support_date", "2021-09-31", "R-VAL-1", "存在しない日付"),
    ("reports", ("D21-P074",), "start_time", "25:00", "R-VAL-1", "存在しない時刻"),
    ("travel_claims", ("D21-P075", "1"), "fare", "abc", "R-VAL-1", "円の列に文字"),
)
UNKNOWN_DISPATCH = "D21-P999"  # a travel line referring to no dispatch (R-VAL-1)

# Rule ids of rules.md that no planted dispatch can trigger, and why.
NOT_TRIGGERABLE: dict[str, str] = {
    "R-TRV-11": "国内旅費のみ: 入力契約に海外の区分がなく、設定できない",
    "R-TRV-13": "虚偽の場所は R-FEE-5 と同様に事務局の修正で扱う（R-CHK-3 で差異を示す）",
    "R-CHK-1": "チェックイン/アウトの記録という定義。判定は R-CHK-2 / R-CHK-3",
    "R-PER-2": "支払期限（振込日）: 派遣ではなく振込日の検査（issue 3）",
    "R-PAY-1": "支払サイクルの仕組み（全ケースで使用）",
    "R-PAY-2": "支払総額・源泉・振込額の構成（R-TAX-1 の専門家別期待値で検査）",
    "R-PAY-3": "支払通知書の出力",
    "R-PAY-4": "源泉税の納付",
    "R-PAY-5": "支払調書",
    "R-PAY-6": "監査サンプル",
    "R-PAY-7": "月次報告",
    "R-TAX-4": "納期限・区分の集計（出力）",
    "R-TAX-5": "支払調書（年次）",
    "R-DAY-1": "振込指定日の営業日判定（派遣の判定ではない）",
    "R-RPT-1": "機関別明細の出力",
    "R-RPT-2": "月次報告の出力",
    "R-RPT-3": "登録専門家の報告",
    "R-RPT-4": "現地確認のサンプリング",
    "R-REG-1": "専門家登録（精算では判定しない）",
    "R-REG-2": "委嘱状の管理",
    "R-REG-3": "次年度更新の意向確認",
    "R-SUR-1": "ヒアリング調査",
    "R-SUR-2": "満足度調査",
    "R-SUR-3": "調査報告書",
    "R-DATA-1": "データの保存",
    "R-DATA-2": "個人情報保護・変更履歴",
    "R-DATA-3": "バックアップ",
}
