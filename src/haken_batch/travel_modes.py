"""The travel modes (区分) of a claim line, as rules/codes lists them, and the cell that
carries each mode's money (input contract: 運賃 for rail, air, boat and bus; 金額, the
amount actually paid, for taxi and lodging). A rental car is paid the secretariat's
reviewed amount (R-TRV-8) and a private car its measured distance (R-TRV-7)."""

RAIL, AIR, BOAT, BUS, TAXI, CAR, RENTAL, LODGING = (
    "鉄道",
    "航空",
    "船",
    "バス",
    "タクシー",
    "私有車",
    "レンタカー",
    "宿泊",
)
FARE_MODES = (RAIL, AIR, BOAT, BUS)
AMOUNT_MODES = (TAXI, LODGING)
