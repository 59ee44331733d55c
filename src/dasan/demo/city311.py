"""Demo data of a second center: Lakeport 311, an English-first city in the US Central time zone
with US (and Illinois) holidays, serving Chinese, Vietnamese and Korean speakers too. It exists to
show that nothing of Seoul is hard-wired. Lakeport is fictional; its numbers are illustrative."""

from __future__ import annotations

WARDS = [("ward-1", "Ward 1", "Ward 1"), ("ward-2", "Ward 2", "Ward 2"), ("ward-3", "Ward 3", "Ward 3")]

# (code, name, name_en, legacy lines)
CITY_DEPARTMENTS = [
    ("sanitation", "Department of Streets and Sanitation", "Department of Streets and Sanitation",
     ["312-555-0101", "312-555-0102"]),
    ("transportation", "Department of Transportation", "Department of Transportation", ["312-555-0140"]),
    ("water", "Department of Water Management", "Department of Water Management", ["312-555-0160"]),
    ("buildings", "Department of Buildings", "Department of Buildings", ["312-555-0180"]),
    ("family", "Department of Family and Support Services", "Department of Family and Support Services",
     ["312-555-0190"]),
]

QUEUES = [
    ("general", "General", "General", None),
    ("lang-zh", "Chinese line", "Chinese line", "zh"),
    ("lang-vi", "Vietnamese line", "Vietnamese line", "vi"),
    ("lang-ko", "Korean line", "Korean line", "ko"),
    ("text-backlog", "Texts and social", "Texts and social", None),
    ("protect", "Repeat offenders team", "Repeat offenders team", "protect"),
]
QUEUE_RULES = {
    "general": {"aging_per_s": 0.01, "bot_after_s": 60.0, "callback_after_s": 120.0},
    **{f"lang-{c}": {"priority": 1.0, "aging_per_s": 0.01, "overflow_after_s": 120.0, "callback_after_s": 180.0}
       for c in ("zh", "vi", "ko")},
    "text-backlog": {"priority": -1.0, "aging_per_s": 0.005},
}
SKILLS = [
    ("en", "language", "English"), ("zh", "language", "中文"), ("vi", "language", "Tiếng Việt"),
    ("ko", "language", "한국어"), ("sanitation", "topic", "Streets and sanitation"),
    ("transportation", "topic", "Transportation"), ("water", "topic", "Water"),
    ("protect", "topic", "Repeat offenders"),
]

# (username, display name, role, department code or None, {skill: proficiency})
USERS = [
    ("admin", "Alex Morgan (admin)", "admin", None, {}),
    ("supervisor1", "Dana Whitfield", "supervisor", None, {"en": 5}),
    ("agent1", "Jordan Reyes", "agent", None, {"en": 5, "sanitation": 4}),
    ("agent2", "Priya Natarajan", "agent", None, {"en": 5, "transportation": 4, "protect": 4}),
    ("agent-zh1", "Mei Lin", "agent", None, {"en": 4, "zh": 5}),
    ("agent-vi1", "Tran Thi Mai", "agent", None, {"en": 4, "vi": 5}),
    ("agent-ko1", "Kim Ji-ho", "agent", None, {"en": 4, "ko": 5}),
    ("official-sanitation", "Sam Okafor", "official", "sanitation", {}),
    ("official-transportation", "Lee Park", "official", "transportation", {}),
    ("analyst1", "Robin Haas", "analyst", None, {}),
    ("shopper1", "Jordan Reyes (mystery shopper)", "shopper", None, {}),
]
LOGINS = ["agent1", "agent-zh1", "supervisor1", "official-sanitation", "analyst1", "shopper1", "admin"]

# (department, category, title, body, questions) — written in English, the city's own language.
ARTICLES = [
    ("sanitation", "Sanitation", "Bulky item pickup (furniture, mattresses, appliances)",
     "Schedule a bulky item pickup by calling 311 or online. Put the items at the curb by 7 a.m. on your "
     "collection day. Up to five items per pickup are free; refrigerators need their doors removed.",
     ["How do I throw away a sofa?", "Can the city pick up my old mattress?", "Bulky item pickup"]),
    ("sanitation", "Sanitation", "Missed garbage or recycling collection",
     "If your cart was at the curb by 7 a.m. and was not emptied, report a missed collection within two days. "
     "Crews return within one working day.",
     ["My garbage was not picked up", "The recycling truck skipped my street"]),
    ("transportation", "Streets", "Reporting a pothole",
     "Report a pothole with its address or nearest intersection. Crews assess reports within two working days "
     "and fill most potholes within a week.",
     ["There is a pothole on my street", "How do I report road damage?"]),
    ("transportation", "Streets", "Streetlight out",
     "Report a streetlight that is out or flickering with the pole number on its plate. Repairs take up to "
     "three working days.",
     ["The streetlight on my block is out", "A street lamp keeps flickering"]),
    ("water", "Water", "Water bill questions and payment plans",
     "Water bills come every two months. Residents who cannot pay in full can ask for a payment plan of up "
     "to twelve months; seniors may qualify for a discount.",
     ["Can I pay my water bill in installments?", "Why is my water bill so high?"]),
    ("family", "Social services", "Warming centers during extreme cold",
     "When the temperature falls below 32°F, the city opens warming centers at its community centers. "
     "Call 311 for the nearest one or a ride for a senior.",
     ["Where can I get warm tonight?", "Are warming centers open?"]),
]

# (original title, lang, title, body, questions)
TRANSLATIONS = [
    ("Bulky item pickup (furniture, mattresses, appliances)", "zh", "大件物品收运（家具、床垫、电器）",
     "请拨打311或在网上预约大件物品收运。收运日早上7点前把物品放在路边。每次最多五件免费；冰箱须拆下门。",
     ["沙发怎么扔？", "市政府能收走旧床垫吗？"]),
    ("Bulky item pickup (furniture, mattresses, appliances)", "vi",
     "Thu gom đồ cồng kềnh (đồ nội thất, nệm, đồ gia dụng)",
     "Hãy đặt lịch thu gom đồ cồng kềnh qua số 311 hoặc trực tuyến. Đặt đồ ở lề đường trước 7 giờ sáng ngày thu "
     "gom. Tối đa năm món mỗi lần được miễn phí; tủ lạnh phải tháo cửa.",
     ["Làm thế nào để vứt ghế sofa?", "Thành phố có thu gom nệm cũ không?"]),
]

# (code, name, name_en, department code, "", working days, priority, category, Open311 group)
CASE_TYPES = [
    ("bulky-item", "Bulky item pickup", "Bulky item pickup", "sanitation", "", 3, "normal", "Sanitation",
     "Sanitation"),
    ("missed-collection", "Missed collection", "Missed collection", "sanitation", "", 1, "high", "Sanitation",
     "Sanitation"),
    ("pothole", "Pothole in street", "Pothole in street", "transportation", "", 2, "high", "Streets", "Streets"),
    ("streetlight", "Streetlight out", "Streetlight out", "transportation", "", 3, "normal", "Streets", "Streets"),
    ("water-bill", "Water bill dispute", "Water bill dispute", "water", "", 5, "normal", "Water", "Water"),
]
CASE_KEYWORDS = {
    "bulky-item": "bulky item furniture appliance mattress sofa pickup",
    "missed-collection": "missed collection garbage recycling trash cart",
    "pothole": "pothole road street pavement",
    "streetlight": "streetlight street light lamp pole",
    "water-bill": "water bill meter charge",
}
CASE_ATTRIBUTES: dict[str, list[dict]] = {}
CASE_TRANSLATIONS: dict[str, dict[str, dict]] = {}  # the services in other languages (none here)
CASE_PHRASES = {
    "bulky-item": {"en": ["I want to schedule a bulky item pickup", "please pick up my old couch",
                          "request a mattress collection"]},
    "missed-collection": {"en": ["my trash was not picked up", "you missed my recycling today"]},
    "pothole": {"en": ["report a pothole", "there is a big hole in the road on my street"]},
    "streetlight": {"en": ["report a streetlight out", "the street lamp on my block is broken"]},
    "water-bill": {"en": ["I want to dispute my water bill", "my water charge is wrong"]},
}
