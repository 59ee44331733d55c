"""Demo data written for Dasan: Seoul city hall, its 25 districts, staff and everyday civic knowledge.

Phone numbers and article details are illustrative demo content, not official information.
"""

from __future__ import annotations

DISTRICTS = [
    ("jongno", "종로구", "Jongno-gu"), ("jung", "중구", "Jung-gu"), ("yongsan", "용산구", "Yongsan-gu"),
    ("seongdong", "성동구", "Seongdong-gu"), ("gwangjin", "광진구", "Gwangjin-gu"),
    ("dongdaemun", "동대문구", "Dongdaemun-gu"), ("jungnang", "중랑구", "Jungnang-gu"),
    ("seongbuk", "성북구", "Seongbuk-gu"), ("gangbuk", "강북구", "Gangbuk-gu"), ("dobong", "도봉구", "Dobong-gu"),
    ("nowon", "노원구", "Nowon-gu"), ("eunpyeong", "은평구", "Eunpyeong-gu"),
    ("seodaemun", "서대문구", "Seodaemun-gu"), ("mapo", "마포구", "Mapo-gu"), ("yangcheon", "양천구", "Yangcheon-gu"),
    ("gangseo", "강서구", "Gangseo-gu"), ("guro", "구로구", "Guro-gu"), ("geumcheon", "금천구", "Geumcheon-gu"),
    ("yeongdeungpo", "영등포구", "Yeongdeungpo-gu"), ("dongjak", "동작구", "Dongjak-gu"),
    ("gwanak", "관악구", "Gwanak-gu"), ("seocho", "서초구", "Seocho-gu"), ("gangnam", "강남구", "Gangnam-gu"),
    ("songpa", "송파구", "Songpa-gu"), ("gangdong", "강동구", "Gangdong-gu"),
]

# District office coordinates (WGS84), by district code: Open311 requests with coordinates only go
# to the district whose office is nearest.
DISTRICT_OFFICES: dict[str, tuple[float, float]] = {
    "jongno": (37.5735, 126.9790), "jung": (37.5638, 126.9976), "yongsan": (37.5326, 126.9905),
    "seongdong": (37.5633, 127.0371), "gwangjin": (37.5385, 127.0823), "dongdaemun": (37.5744, 127.0396),
    "jungnang": (37.6063, 127.0925), "seongbuk": (37.5894, 127.0167), "gangbuk": (37.6396, 127.0257),
    "dobong": (37.6688, 127.0471), "nowon": (37.6542, 127.0568), "eunpyeong": (37.6027, 126.9291),
    "seodaemun": (37.5791, 126.9368), "mapo": (37.5663, 126.9019), "yangcheon": (37.5170, 126.8664),
    "gangseo": (37.5509, 126.8495), "guro": (37.4955, 126.8875), "geumcheon": (37.4569, 126.8955),
    "yeongdeungpo": (37.5264, 126.8962), "dongjak": (37.5124, 126.9393), "gwanak": (37.4784, 126.9516),
    "seocho": (37.4837, 127.0324), "gangnam": (37.5172, 127.0473), "songpa": (37.5145, 127.1059),
    "gangdong": (37.5301, 127.1238),
}


# (code, name, name_en, legacy lines)
CITY_DEPARTMENTS = [
    ("recycling", "자원순환과", "Resource Recycling Division", ["02-2133-3600", "02-2133-3601"]),
    ("bus", "버스정책과", "Bus Policy Division", ["02-2133-2300", "02-2133-2301"]),
    ("subway", "도시철도과", "Urban Railway Division", ["02-2133-2400"]),
    ("parking", "주차계획과", "Parking Planning Division", ["02-2133-2450", "02-2133-2451"]),
    ("water", "상수도사업본부 요금관리과", "Waterworks Billing Division", ["02-3146-1100", "02-3146-1101"]),
    ("passport", "여권발급과", "Passport Office", ["02-2133-2800"]),
    ("residents", "자치행정과", "Civil Administration Division", ["02-2133-6300"]),
    ("tax", "세무과", "Local Tax Division", ["02-2133-3000", "02-2133-3001"]),
    ("welfare", "복지정책과", "Welfare Policy Division", ["02-2133-7300"]),
    ("elderly", "어르신복지과", "Senior Welfare Division", ["02-2133-7400"]),
    ("housing", "주택정책과", "Housing Policy Division", ["02-2133-7000"]),
    ("health", "보건의료정책과", "Public Health Division", ["02-2133-7500"]),
    ("culture", "문화정책과", "Culture Policy Division", ["02-2133-2500"]),
    ("safety", "안전총괄과", "Safety Division", ["02-2133-8000"]),
    ("global", "글로벌도시정책과", "Global City Division", ["02-2133-5200"]),
    ("youth", "청년정책담당관", "Youth Policy Office", ["02-2133-6580"]),
    ("roads", "도로관리과", "Road Management Division", ["02-2133-8200"]),
]

# Routing rules per queue (routing.engine.QueueSpec): the 120+9 language lines and sign language
# come first; a language contact nobody who speaks it can take within two minutes widens to every
# agent (the centre's three-way interpreting); text backlog yields to live contacts but ages.
QUEUE_RULES = {
    "general": {"aging_per_s": 0.01, "bot_after_s": 60.0, "callback_after_s": 120.0},
    **{f"lang-{c}": {"priority": 1.0, "aging_per_s": 0.01, "overflow_after_s": 120.0, "callback_after_s": 180.0}
       for c in ("en", "zh", "ja", "vi", "mn")},
    "ksl-video": {"priority": 2.0},
    "text-backlog": {"priority": -1.0, "aging_per_s": 0.005},
}

QUEUES = [
    ("general", "일반 상담", "General", None),
    ("lang-en", "영어 상담 (120+9)", "English (120+9)", "en"),
    ("lang-zh", "중국어 상담 (120+9)", "Chinese (120+9)", "zh"),
    ("lang-ja", "일본어 상담 (120+9)", "Japanese (120+9)", "ja"),
    ("lang-vi", "베트남어 상담 (120+9)", "Vietnamese (120+9)", "vi"),
    ("lang-mn", "몽골어 상담 (120+9)", "Mongolian (120+9)", "mn"),
    ("ksl-video", "수어 영상 상담", "Sign-language video", "ksl"),
    ("text-backlog", "문자·SNS 처리", "Text backlog", None),
    ("protect", "악성민원 전담팀", "Repeat offenders (dedicated team)", "protect"),
]

SKILLS = [
    ("ko", "language", "한국어"), ("en", "language", "English"), ("zh", "language", "中文"),
    ("ja", "language", "日本語"), ("vi", "language", "Tiếng Việt"), ("mn", "language", "Монгол"),
    ("ksl", "language", "한국수어"), ("transport", "topic", "교통"), ("environment", "topic", "환경·청소"),
    ("tax", "topic", "세금·요금"), ("welfare", "topic", "복지"), ("civil", "topic", "민원·증명"),
    ("protect", "topic", "악성민원 전담"),
]

DEMO_PASSWORD = "dasan-demo-120"

# (username, display name, role, department code or None, {skill: proficiency})
USERS = [
    ("admin", "관리자 한지민", "admin", None, {}),
    ("supervisor1", "김서연 팀장", "supervisor", None, {"ko": 5}),
    ("supervisor2", "이도윤 팀장", "supervisor", None, {"ko": 5, "en": 3}),
    ("supervisor3", "박하은 팀장", "supervisor", None, {"ko": 5}),
    ("agent1", "최민준", "agent", None, {"ko": 5, "transport": 4, "environment": 4}),
    ("agent2", "정서윤", "agent", None, {"ko": 5, "tax": 4}),
    ("agent3", "강지호", "agent", None, {"ko": 5, "welfare": 4}),
    ("agent4", "조하린", "agent", None, {"ko": 5, "civil": 5}),
    ("agent5", "윤예준", "agent", None, {"ko": 5, "transport": 5}),
    ("agent6", "장수아", "agent", None, {"ko": 5, "environment": 3}),
    ("agent7", "임도현", "agent", None, {"ko": 5}),
    ("agent8", "한지우", "agent", None, {"ko": 5, "tax": 3}),
    ("agent9", "오시우", "agent", None, {"ko": 5, "welfare": 3}),
    ("agent10", "서채원", "agent", None, {"ko": 5, "civil": 3}),
    ("agent11", "신주원", "agent", None, {"ko": 4}),
    ("agent12", "권유나", "agent", None, {"ko": 5}),
    ("agent13", "황민서", "agent", None, {"ko": 5, "protect": 5}),
    ("agent14", "안지안", "agent", None, {"ko": 5, "protect": 4}),
    ("agent15", "송건우", "agent", None, {"ko": 5}),
    ("agent16", "류다은", "agent", None, {"ko": 5, "environment": 4}),
    ("agent17", "전시윤", "agent", None, {"ko": 5, "transport": 3}),
    ("agent-en1", "Emily Park", "agent", None, {"en": 5, "ko": 4}),
    ("agent-en2", "Daniel Lee", "agent", None, {"en": 5, "ko": 5}),
    ("agent-zh", "왕리 (王丽)", "agent", None, {"zh": 5, "ko": 4}),
    ("agent-ja", "사토 유키 (佐藤由紀)", "agent", None, {"ja": 5, "ko": 4}),
    ("agent-vi", "응우옌 티 란 (Nguyễn Thị Lan)", "agent", None, {"vi": 5, "ko": 4}),
    ("agent-mn", "바트 에르덴 (Bat-Erdene)", "agent", None, {"mn": 5, "ko": 4}),
    ("agent-ksl1", "문수빈 (수어)", "agent", None, {"ksl": 5, "ko": 5}),
    ("agent-ksl2", "배준서 (수어)", "agent", None, {"ksl": 4, "ko": 5}),
    ("official-recycling", "자원순환과 주무관 김태희", "official", "recycling", {}),
    ("official-bus", "버스정책과 주무관 이준호", "official", "bus", {}),
    ("official-parking", "주차계획과 주무관 박소영", "official", "parking", {}),
    ("official-water", "요금관리과 주무관 최영수", "official", "water", {}),
    ("official-passport", "여권발급과 주무관 정미경", "official", "passport", {}),
    ("official-tax", "세무과 주무관 강현우", "official", "tax", {}),
    ("official-welfare", "복지정책과 주무관 윤지혜", "official", "welfare", {}),
    ("official-mapo", "마포구 청소행정과 주무관 조성민", "official", "mapo-cleaning", {}),
    ("official-gangnam", "강남구 청소행정과 주무관 한예슬", "official", "gangnam-cleaning", {}),
    ("analyst1", "분석관 노지원", "analyst", None, {}),
    ("analyst2", "분석관 허민재", "analyst", None, {}),
    ("shopper1", "미스터리 쇼퍼 한지우", "shopper", None, {}),
]

# (department code, category, title, body, example questions)
ARTICLES = [
    ("recycling", "청소·폐기물", "대형폐기물(가구·가전) 버리는 방법",
     "대형폐기물은 주소지 구청 홈페이지나 대형폐기물 배출 앱에서 품목을 골라 신고하고 수수료를 납부한 뒤, 받은 신고번호를 "
     "적어 정해진 날 지정 장소에 내놓습니다. 동 주민센터에서 스티커를 사서 붙여도 됩니다. 냉장고·세탁기 등 대형 가전은 "
     "폐가전 무상방문수거 서비스를 이용하면 무료로 수거합니다.",
     ["대형폐기물 버리는 방법 알려주세요", "소파 버리려면 어떻게 해요", "가구 버리는 법", "폐기물 스티커 어디서 사요"]),
    ("recycling", "청소·폐기물", "폐가전 무상 방문수거",
     "냉장고, 세탁기, 에어컨, TV 등 대형 가전 1개 이상은 폐가전 무상방문수거 콜센터나 홈페이지로 예약하면 무료로 수거합니다. "
     "소형 가전은 5개 이상일 때 방문 수거하며, 적으면 주민센터의 소형가전 수거함을 이용합니다.",
     ["냉장고 무료로 버릴 수 있나요", "폐가전 수거 신청", "세탁기 버리기"]),
    ("recycling", "청소·폐기물", "종량제 봉투와 음식물 쓰레기 배출",
     "일반 쓰레기는 주소지 구의 종량제 봉투에 담아 정해진 요일과 시간에 내놓습니다. 음식물 쓰레기는 물기를 빼고 전용 용기나 "
     "RFID 수거함에 배출합니다. 배출 요일은 구마다 다르니 구청 청소행정과 안내를 확인하세요.",
     ["쓰레기 버리는 요일", "음식물 쓰레기 어떻게 버려요", "종량제 봉투 어디서 팔아요"]),
    ("recycling", "청소·폐기물", "재활용품 분리배출 기준",
     "투명 페트병은 라벨을 떼고 찌그러뜨려 따로 배출하고, 비닐·플라스틱·캔·유리병·종이는 내용물을 비우고 헹궈 종류별로 "
     "배출합니다. 오염된 비닐이나 코팅된 종이는 일반 쓰레기입니다.",
     ["분리수거 방법", "페트병 라벨 떼야 하나요", "재활용 어떻게 해요"]),
    ("recycling", "청소·폐기물", "무단투기 신고와 포상금",
     "쓰레기 무단투기는 구청 청소행정과나 120으로 신고할 수 있습니다. 사진이나 영상 등 증거가 있으면 과태료 부과 후 "
     "구 조례에 따라 신고 포상금이 지급될 수 있습니다.",
     ["쓰레기 무단투기 신고", "불법 투기 신고하고 싶어요"]),
    ("recycling", "청소·폐기물", "이사할 때 생활폐기물 처리",
     "이사로 많은 양의 생활폐기물이 나오면 대형폐기물은 신고 후 배출하고, 나머지는 종량제 봉투를 이용합니다. "
     "양이 많으면 구청에 문의해 대행업체 수거를 안내받을 수 있습니다.",
     ["이사 쓰레기 처리", "이사할 때 버릴 게 많아요"]),
    ("bus", "교통", "시내버스 노선과 도착 정보 확인",
     "서울 버스 노선과 실시간 도착 정보는 서울교통정보 누리집, 지도 앱, 정류소 안내 단말기에서 확인할 수 있습니다. "
     "정류소 번호(5자리)를 알면 더 빨리 찾을 수 있습니다.",
     ["버스 언제 와요", "버스 도착 시간 확인", "버스 노선 알려주세요"]),
    ("bus", "교통", "버스 불편 신고(무정차·난폭운전·불친절)",
     "버스 무정차 통과, 난폭 운전, 불친절은 버스 번호, 차량 번호, 시간, 정류소를 알려 주시면 120에서 접수해 버스정책과와 "
     "운수회사에 전달하고 처리 결과를 알려 드립니다.",
     ["버스가 그냥 지나갔어요", "버스 기사 불친절 신고", "난폭운전 신고"]),
    ("bus", "교통", "버스·지하철 분실물 찾기",
     "대중교통에서 잃어버린 물건은 경찰청 유실물 통합포털(lost112)에서 검색하거나, 버스는 해당 운수회사, 지하철은 "
     "역 또는 유실물센터에 문의합니다. 탑승 시간과 차량 번호를 알면 찾기 쉽습니다.",
     ["버스에 가방 놓고 내렸어요", "지하철 분실물 센터", "잃어버린 물건 찾기"]),
    ("bus", "교통", "심야버스(올빼미버스) 이용",
     "심야버스는 자정부터 새벽까지 주요 노선을 운행하며 번호 앞에 N이 붙습니다. 요금은 일반 버스보다 조금 비쌉니다.",
     ["심야버스 있어요", "새벽에 버스 타는 법", "올빼미 버스"]),
    ("bus", "교통", "기후동행카드",
     "기후동행카드는 한 달 정해진 금액으로 서울 지하철, 버스, 따릉이를 무제한 이용하는 정기권입니다. 모바일 앱 또는 "
     "역 판매기에서 구입하고 충전합니다.",
     ["기후동행카드 어디서 사요", "무제한 교통카드", "정기권 있어요"]),
    ("subway", "교통", "지하철 첫차·막차 시간",
     "서울 지하철 첫차는 보통 오전 5시 30분 전후, 막차는 자정 전후입니다. 역과 노선마다 다르니 역 시간표나 "
     "교통 앱에서 확인하세요.",
     ["지하철 막차 몇 시예요", "첫차 시간", "지하철 운행 시간"]),
    ("subway", "교통", "지하철 환승과 요금",
     "교통카드로 지하철과 버스를 갈아타면 거리 비례로 환승 할인을 받습니다. 하차할 때 반드시 단말기에 카드를 찍어야 "
     "환승이 인정됩니다.",
     ["지하철 환승 할인", "버스 지하철 갈아타기 요금"]),
    ("subway", "교통", "지하철 엘리베이터와 교통약자 이용",
     "역 엘리베이터 위치와 운행 상태는 교통 앱과 역사 안내도에서 확인합니다. 휠체어 이용자는 역무원 도움을 요청할 "
     "수 있고, 장애인 콜택시도 이용할 수 있습니다.",
     ["지하철 엘리베이터 어디 있어요", "휠체어 지하철 이용"]),
    ("parking", "주차", "불법 주정차 신고",
     "불법 주정차는 안전신문고 앱으로 사진을 찍어 신고하거나 120에 알려 주시면 해당 구청 주차단속 부서에 전달합니다. "
     "소화전, 교차로 모퉁이, 버스정류소, 횡단보도, 어린이보호구역은 주민신고제 대상입니다.",
     ["불법 주차 신고하고 싶어요", "차가 막고 있어요", "소화전 앞 주차 신고"]),
    ("parking", "주차", "거주자 우선주차 신청",
     "거주자 우선주차는 주소지 구청 또는 시설관리공단에 신청합니다. 자리 배정은 대기 순서와 거리 등 구 기준에 따릅니다.",
     ["거주자 주차 신청", "집 앞 주차 구획 신청"]),
    ("parking", "주차", "견인된 차량 찾기",
     "견인된 차량은 견인 장소에 붙은 안내문이나 구청 주차단속 부서, 120에 차량 번호를 알려 주면 보관소를 안내합니다. "
     "견인료와 보관료, 과태료를 내고 찾습니다.",
     ["차가 견인됐어요", "견인 차량 보관소"]),
    ("parking", "주차", "주정차 위반 과태료 납부와 의견 제출",
     "주정차 위반 과태료는 고지서의 가상계좌, 위택스, ARS로 냅니다. 사전통지 기간에 내면 감경되며, 억울한 경우 기간 "
     "안에 의견진술을 할 수 있습니다.",
     ["주차 과태료 내는 법", "주차 딱지 이의신청"]),
    ("parking", "주차", "공영주차장 위치와 요금",
     "서울시 공영주차장 위치, 요금, 실시간 빈자리는 서울주차정보 누리집과 앱에서 확인할 수 있습니다.",
     ["공영주차장 어디 있어요", "주차장 요금"]),
    ("water", "상하수도", "수도요금 조회와 납부",
     "수도요금은 서울시 상수도사업본부 누리집, 이택스, 자동이체, 가상계좌로 조회하고 낼 수 있습니다. 고객번호가 "
     "있으면 빠르게 조회됩니다.",
     ["수도요금 조회", "수도세 내는 방법", "물세 얼마 나왔는지"]),
    ("water", "상하수도", "수도요금이 갑자기 많이 나왔을 때(누수)",
     "평소보다 요금이 많이 나오면 모든 수도꼭지를 잠그고 계량기 별침이 도는지 확인하세요. 돌면 누수 가능성이 있어 "
     "수리 후 누수 감면을 신청할 수 있습니다.",
     ["수도요금 너무 많이 나왔어요", "누수 감면 신청", "수도 누수 확인"]),
    ("water", "상하수도", "단수·흐린 물 신고",
     "갑자기 물이 안 나오거나 흐린 물이 나오면 120 또는 관할 수도사업소에 신고하세요. 공사 단수 일정은 누리집에서 "
     "확인할 수 있습니다.",
     ["물이 안 나와요", "수돗물이 누래요", "단수 언제 끝나요"]),
    ("water", "상하수도", "이사할 때 수도요금 정산",
     "이사 나가는 날 계량기 지침을 확인해 상수도사업본부나 120에 이사 정산을 신청하면 사용한 만큼 정산합니다.",
     ["이사 수도요금 정산", "이사 갈 때 수도"]),
    ("water", "상하수도", "계량기 동파 예방과 신고",
     "겨울에는 계량기함 안을 헌 옷 등으로 채워 보온하세요. 계량기가 얼어 터지면 관할 수도사업소에 신고해 교체받습니다.",
     ["계량기 얼었어요", "동파 신고"]),
    ("passport", "여권", "여권 발급 신청",
     "여권은 시청 여권발급과나 구청 여권 창구에 본인이 신분증과 여권용 사진을 가지고 방문해 신청합니다. 보통 "
     "발급까지 일주일 안팎 걸립니다.",
     ["여권 만들려면", "여권 발급 어디서 해요", "여권 신청 준비물"]),
    ("passport", "여권", "여권 재발급과 분실 신고",
     "여권을 잃어버리면 가까운 여권 창구나 정부24에서 분실 신고를 하고 재발급을 신청합니다. 해외에서 분실하면 "
     "재외공관에 신고합니다.",
     ["여권 잃어버렸어요", "여권 재발급"]),
    ("passport", "여권", "미성년자 여권 발급",
     "18세 미만은 법정대리인 동의가 필요하며, 부모가 함께 방문하거나 동의서와 가족관계 서류를 준비합니다.",
     ["아이 여권 만들기", "미성년자 여권"]),
    ("passport", "여권", "여권 발급 수수료",
     "여권 수수료는 종류와 유효기간, 면수에 따라 다릅니다. 창구에서 안내받거나 외교부 여권안내 누리집에서 확인하세요.",
     ["여권 수수료 얼마예요", "여권 비용"]),
    ("residents", "주민등록·증명", "전입신고",
     "이사한 날부터 14일 안에 새 주소지 주민센터를 방문하거나 정부24에서 온라인으로 전입신고를 합니다. "
     "늦으면 과태료가 부과될 수 있습니다.",
     ["전입신고 어떻게 해요", "이사하고 주소 옮기기", "전입신고 기한"]),
    ("residents", "주민등록·증명", "주민등록등본·초본 발급",
     "주민등록등본과 초본은 정부24에서 온라인 무료 발급하거나, 주민센터와 무인민원발급기에서 발급받습니다.",
     ["등본 떼는 법", "주민등록초본 발급", "등본 인터넷 발급"]),
    ("residents", "주민등록·증명", "주민등록증 재발급",
     "주민등록증을 잃어버리면 주민센터에서 분실 신고와 재발급을 신청합니다. 사진 1장이 필요하고 모바일 신분증도 "
     "이용할 수 있습니다.",
     ["주민등록증 잃어버렸어요", "신분증 재발급"]),
    ("residents", "주민등록·증명", "인감증명서 발급",
     "인감증명서는 본인이 신분증을 가지고 주민센터를 방문해 발급받습니다. 대리 발급은 위임장이 필요합니다.",
     ["인감증명서 발급", "인감 떼기"]),
    ("residents", "주민등록·증명", "무인민원발급기 위치",
     "무인민원발급기는 주민센터, 구청, 지하철역, 병원 등에 있으며, 정부24에서 가까운 위치와 운영 시간을 확인할 수 있습니다.",
     ["무인민원발급기 어디 있어요", "서류 기계로 떼기"]),
    ("tax", "세금", "자동차세 납부",
     "자동차세는 6월과 12월에 부과되며 1월에 한 해치를 미리 내면 공제를 받습니다. 이택스, 위택스, 가상계좌, ARS로 냅니다.",
     ["자동차세 언제 내요", "자동차세 연납", "자동차세 납부 방법"]),
    ("tax", "세금", "재산세 납부",
     "재산세는 7월(주택 절반·건축물)과 9월(주택 나머지·토지)에 부과됩니다. 이택스나 은행, 가상계좌로 냅니다.",
     ["재산세 언제 나와요", "재산세 내는 법"]),
    ("tax", "세금", "지방세 납부 확인서 발급",
     "지방세 납세증명서와 납부확인서는 이택스, 위택스, 정부24에서 온라인 발급하거나 구청 세무과에서 받습니다.",
     ["지방세 납세증명서", "세금 낸 확인서"]),
    ("tax", "세금", "지방세 체납과 분납 상담",
     "지방세를 한꺼번에 내기 어려우면 구청 세무과에 분할 납부를 상담할 수 있습니다. 체납하면 가산금이 붙습니다.",
     ["세금 나눠서 내고 싶어요", "체납 세금 상담"]),
    ("welfare", "복지", "기초생활보장 신청",
     "생계·의료·주거·교육급여는 주소지 주민센터에서 신청합니다. 소득과 재산을 조사해 선정하며 결과는 보통 30일 안에 "
     "알려 드립니다.",
     ["기초생활수급자 신청", "생계급여 받으려면", "수급자 신청 방법"]),
    ("welfare", "복지", "긴급복지 지원",
     "갑작스러운 위기(실직, 질병, 화재 등)로 생계가 어려우면 주민센터나 120, 보건복지상담센터(129)에 긴급지원을 요청하세요.",
     ["긴급 생계비 지원", "갑자기 생활이 어려워요"]),
    ("welfare", "복지", "서울형 기초보장",
     "국가 기초생활보장에서 탈락했지만 생활이 어려운 서울 시민은 서울형 기초보장을 주민센터에 신청할 수 있습니다.",
     ["서울형 기초보장", "수급자 탈락했어요"]),
    ("welfare", "복지", "장애인 등록과 지원",
     "장애인 등록은 주민센터에 신청하고 진단서 등으로 심사를 받습니다. 등록 후 활동지원, 교통 할인 등 지원을 받습니다.",
     ["장애인 등록 방법", "장애인 혜택"]),
    ("elderly", "어르신", "기초연금 신청",
     "만 65세 이상 소득 하위 어르신은 주민센터나 국민연금공단 지사, 복지로에서 기초연금을 신청합니다.",
     ["기초연금 신청", "노인 연금 받으려면"]),
    ("elderly", "어르신", "어르신 교통카드",
     "만 65세 이상 서울 시민은 주민센터에서 어르신 교통카드를 신청해 지하철을 무료로 이용합니다.",
     ["어르신 교통카드 발급", "노인 지하철 무료"]),
    ("elderly", "어르신", "홀몸 어르신 안부 확인(돌봄 서비스)",
     "혼자 사시는 어르신은 노인맞춤돌봄서비스와 120 안부 전화를 신청할 수 있습니다. 가족이 대신 신청해도 됩니다.",
     ["혼자 사는 어머니 안부 확인", "독거노인 돌봄 신청"]),
    ("housing", "주택", "청년 월세 지원",
     "서울 청년 월세 지원은 공고 기간에 서울주거포털에서 신청합니다. 나이, 소득, 임차 조건은 공고문을 확인하세요.",
     ["청년 월세 지원", "월세 지원 신청"]),
    ("housing", "주택", "전세 사기 피해 상담",
     "전세 사기가 의심되면 서울시 전세사기 피해 지원센터에 상담하세요. 법률·금융 상담과 긴급 주거 지원을 안내합니다.",
     ["전세 사기 상담", "보증금 못 받았어요"]),
    ("housing", "주택", "공공임대주택 신청",
     "공공임대주택은 SH공사와 LH 공고에 따라 신청합니다. 청약 자격과 일정은 각 누리집 공고를 확인하세요.",
     ["임대주택 신청", "공공임대 들어가려면"]),
    ("health", "보건", "야간·휴일 문 여는 병원과 약국",
     "야간과 휴일에 문을 연 병원과 약국은 응급의료포털(E-gen), 119, 120에서 안내받을 수 있습니다.",
     ["일요일에 문 연 약국", "밤에 여는 병원", "휴일 약국 찾기"]),
    ("health", "보건", "예방접종 안내",
     "국가 예방접종은 보건소와 지정 의료기관에서 받습니다. 대상과 일정은 예방접종도우미 누리집에서 확인합니다.",
     ["독감 예방접종 어디서", "아기 예방접종"]),
    ("health", "보건", "보건소 진료와 건강검진",
     "구 보건소에서 기본 진료, 건강검진, 금연 클리닉, 치매 검진 등을 받을 수 있습니다. 운영 시간은 보건소마다 다릅니다.",
     ["보건소 진료 시간", "금연 클리닉"]),
    ("culture", "문화", "서울시 공공시설 예약",
     "체육시설, 강좌, 공간 대관은 서울시 공공서비스예약 누리집에서 예약합니다. 취소 규정은 시설마다 다릅니다.",
     ["체육관 예약", "공공시설 대관"]),
    ("culture", "문화", "서울 도서관 이용",
     "서울도서관과 구립도서관은 회원증 하나로 이용할 수 있는 곳이 많습니다. 운영 시간과 휴관일은 도서관 누리집에서 확인합니다.",
     ["도서관 회원증 만들기", "서울도서관 운영 시간"]),
    ("safety", "안전", "도로 파손·포트홀 신고",
     "도로가 파이거나 보도블록이 깨졌으면 안전신문고 앱이나 120에 위치와 사진을 알려 주세요. 관할 도로사업소가 보수합니다.",
     ["도로에 구멍 났어요", "포트홀 신고", "보도블록 깨졌어요"]),
    ("safety", "안전", "가로등·신호등 고장 신고",
     "가로등이나 보안등이 꺼졌거나 신호등이 고장 나면 위치(전신주 번호)를 120에 알려 주세요. 신호등은 경찰과 함께 처리합니다.",
     ["가로등 꺼졌어요", "신호등 고장"]),
    ("safety", "안전", "폭염·한파 쉼터",
     "여름 무더위 쉼터와 겨울 한파 쉼터는 주민센터, 경로당 등에 운영됩니다. 가까운 쉼터는 120이나 안전디딤돌 앱에서 찾습니다.",
     ["무더위 쉼터 어디예요", "한파 쉼터"]),
    ("safety", "안전", "소음 민원(공사장·층간소음)",
     "공사장 소음은 구청 환경과에, 층간소음은 층간소음 이웃사이센터에 상담할 수 있습니다. 야간 공사는 구청에 신고하세요.",
     ["공사 소음 신고", "층간소음 상담"]),
    ("global", "외국인", "외국인 주민 생활 상담",
     "서울글로벌센터는 외국인 주민에게 생활, 법률, 노무 상담을 여러 언어로 제공합니다. 120에서 9번을 누르면 외국어 상담입니다.",
     ["외국인 상담", "외국어 상담 어떻게 해요", "foreigner help"]),
    ("global", "외국인", "외국인 등록과 체류",
     "외국인 등록과 체류 연장은 출입국·외국인청에서 합니다. 하이코리아에서 방문 예약을 하세요.",
     ["외국인 등록증", "비자 연장"]),
    ("youth", "청년", "청년 수당",
     "서울 청년수당은 미취업 청년에게 활동 지원금을 주는 사업으로, 공고 기간에 청년몽땅정보통에서 신청합니다.",
     ["청년수당 신청", "취업 준비 지원금"]),
    ("youth", "청년", "청년 마음건강 지원",
     "마음이 힘든 서울 청년은 청년 마음건강 지원사업으로 전문 상담을 받을 수 있습니다. 청년몽땅정보통에서 신청합니다.",
     ["청년 심리상담", "마음건강 상담"]),
    ("residents", "주민등록·증명", "120 다산콜센터 이용 안내",
     "120은 서울시와 25개 자치구의 생활 민원을 하루 24시간 안내합니다. 전화, 문자(#120), 채팅, 수어 영상 상담을 "
     "이용할 수 있고, 외국어 상담은 120에서 9번입니다.",
     ["120 운영 시간", "다산콜센터 이용 방법", "수어 상담"]),
]

# Translations of some articles (source title, language, title, body, example questions).
TRANSLATIONS = [
    ("대형폐기물(가구·가전) 버리는 방법", "en", "How to dispose of bulky waste (furniture, appliances)",
     "Report the items on your district office website or the bulky-waste app, pay the fee, write the report "
     "number on the items and put them out at the designated place on the agreed day. You can also buy a sticker "
     "at the community service center. Large appliances such as fridges and washing machines are collected for "
     "free by the appliance pick-up service.",
     ["How do I throw away a sofa?", "How to dispose of bulky waste", "Where do I get a bulky waste sticker?"]),
    ("대형폐기물(가구·가전) 버리는 방법", "vi", "Cách vứt rác cồng kềnh (đồ nội thất, đồ điện tử)",
     "Đăng ký đồ cần vứt trên trang web của quận hoặc ứng dụng rác cồng kềnh, nộp phí, ghi số đăng ký lên đồ và "
     "đặt ở nơi quy định vào ngày đã hẹn. Bạn cũng có thể mua nhãn dán tại trung tâm hành chính phường. Tủ lạnh, "
     "máy giặt được thu gom miễn phí qua dịch vụ thu gom đồ điện tử.",
     ["Làm thế nào để vứt ghế sofa?", "Cách vứt rác cồng kềnh", "Mua nhãn dán rác cồng kềnh ở đâu?"]),
    ("전입신고", "en", "Registering a move (moving-in report)",
     "Within 14 days of moving, report your new address at the community service center of your new address or "
     "online on Government24. A late report may be fined.",
     ["How do I register my new address?", "I moved, what do I need to report?"]),
    ("외국인 주민 생활 상담", "vi", "Tư vấn đời sống cho cư dân nước ngoài",
     "Trung tâm Toàn cầu Seoul tư vấn về đời sống, pháp lý và lao động cho người nước ngoài bằng nhiều ngôn ngữ. "
     "Gọi 120 rồi bấm số 9 để được tư vấn bằng tiếng nước ngoài.",
     ["Tôi cần tư vấn bằng tiếng Việt", "Người nước ngoài được tư vấn ở đâu?"]),
]


# Case types: (code, name, name_en, department code or "", district department suffix or "",
# working days, priority, consultation category, Open311 group)
CASE_TYPES = [
    ("bulky-waste", "대형폐기물 수거 요청", "Bulky waste collection", "", "cleaning", 3, "normal", "청소·폐기물",
     "Sanitation"),
    ("illegal-dumping", "무단투기 신고", "Illegal dumping", "", "cleaning", 3, "normal", "청소·폐기물", "Sanitation"),
    ("missed-collection", "쓰레기 미수거", "Missed waste collection", "", "cleaning", 1, "high", "청소·폐기물",
     "Sanitation"),
    ("noise", "소음 신고", "Noise complaint", "", "environment", 3, "normal", "안전", "Environment"),
    ("illegal-parking", "불법 주정차 단속 요청", "Illegal parking", "parking", "", 1, "high", "주차", "Traffic"),
    ("abandoned-vehicle", "방치 차량 신고", "Abandoned vehicle", "parking", "", 5, "normal", "주차", "Traffic"),
    ("bus-complaint", "시내버스 불편 신고", "Bus service complaint", "bus", "", 5, "normal", "교통", "Traffic"),
    ("road-damage", "도로 파손·포트홀", "Road damage or pothole", "roads", "", 3, "high", "교통", "Streets"),
    ("streetlight", "가로등·보안등 고장", "Streetlight out", "safety", "", 3, "normal", "안전", "Streets"),
    ("water-bill", "수도요금 이의 신청", "Water bill dispute", "water", "", 3, "normal", "상하수도", "Water"),
    ("passport-issue", "여권 발급 문의 처리", "Passport issuance follow-up", "passport", "", 3, "normal", "여권",
     "Civil affairs"),
    ("welfare-support", "복지 지원 상담 요청", "Welfare support request", "welfare", "", 5, "normal", "복지", "Welfare"),
]

# Words a request about each type is written with (English, for Open311 clients and imports).
CASE_KEYWORDS = {
    "bulky-waste": "bulky item furniture appliance mattress sofa refrigerator disposal pickup",
    "illegal-dumping": "illegal dumping dumped litter debris trash dirty",
    "missed-collection": "missed collection garbage recycling pickup trash",
    "noise": "noise loud music party construction horn barking",
    "illegal-parking": "illegal parking parked blocked driveway double hydrant",
    "abandoned-vehicle": "abandoned vehicle car derelict",
    "bus-complaint": "bus route driver stop",
    "road-damage": "road street pothole pavement sidewalk cave-in",
    "streetlight": "streetlight street light lamp",
    "water-bill": "water bill meter charge",
    "passport-issue": "passport",
    "welfare-support": "welfare benefit assistance homeless support",
}


# What citizens write when they want each procedure (the bot's procedure recognizer learns from
# these; an information question such as "how do I throw away a sofa" is answered from the
# knowledge base instead).
CASE_PHRASES = {
    "bulky-waste": {
        "ko": ["대형폐기물 수거 신청할게요", "소파 버리게 수거 요청하려고요", "냉장고 가져가 달라고 신청하고 싶어요",
               "매트리스 수거 신청해 주세요", "폐가구 수거 접수해 주세요"],
        "en": ["I want to book a bulky waste pickup", "please collect my old sofa", "schedule a pickup for a fridge",
               "request collection of a mattress"],
        "zh": ["我要申请大件垃圾回收", "请来收走我的旧沙发"],
        "ja": ["粗大ごみの収集を申し込みたいです", "古いソファを回収してください"],
        "vi": ["Tôi muốn đăng ký thu gom rác cồng kềnh", "xin thu gom ghế sofa cũ của tôi"],
        "mn": ["Том хог ачуулах хүсэлт гаргая", "хуучин буйданг минь ачиж өгөөч"],
    },
    "illegal-dumping": {
        "ko": ["쓰레기 무단투기 신고합니다", "골목에 누가 쓰레기를 버리고 갔어요 신고할게요", "무단투기 현장 신고하려고요"],
        "en": ["I want to report illegal dumping", "someone dumped trash in the alley", "report fly-tipping"],
    },
    "missed-collection": {
        "ko": ["쓰레기를 안 가져갔어요", "오늘 수거 날인데 쓰레기 수거가 안 됐어요", "재활용 쓰레기 미수거 신고할게요"],
        "en": ["my garbage was not picked up", "missed trash collection today", "the recycling was not collected"],
    },
    "noise": {
        "ko": ["소음 신고하려고요", "공사장 소음 때문에 신고할게요", "밤늦게 시끄러워서 민원 넣고 싶어요"],
        "en": ["I want to report noise", "construction noise complaint", "loud party next door, please report it"],
    },
    "illegal-parking": {
        "ko": ["불법주차 신고하려고요", "집 앞에 불법주차된 차 신고할게요", "불법 주정차 단속해 주세요",
               "차가 대문을 막고 주차돼 있어요 신고합니다", "소화전 앞 주차 신고하고 싶어요"],
        "en": ["I want to report illegal parking", "a car is parked illegally in front of my house",
               "someone is blocking my driveway, please report it", "report a car parked on the crosswalk"],
        "vi": ["Tôi muốn báo cáo đỗ xe trái phép", "có xe đỗ trái phép trước nhà tôi"],
        "zh": ["我要举报违章停车", "我家门口有车违停"],
        "ja": ["違法駐車を通報したいです", "家の前に違法駐車があります"],
        "mn": ["Хууль бус зогсоолыг мэдэгдэх гэсэн юм", "гэрийн урд машин буруу зогссон байна"],
    },
    "abandoned-vehicle": {
        "ko": ["방치 차량 신고합니다", "몇 달째 세워둔 차가 있어요 신고할게요", "버려진 차 신고하려고요"],
        "en": ["report an abandoned vehicle", "a car has been left on our street for months"],
    },
    "bus-complaint": {
        "ko": ["버스 기사 불친절 신고하려고요", "버스가 정류장을 그냥 지나갔어요 민원 넣을게요", "시내버스 불편 신고합니다"],
        "en": ["complaint about a bus driver", "the bus skipped my stop, I want to complain"],
    },
    "road-damage": {
        "ko": ["도로에 포트홀 신고하려고요", "도로가 파여 있어요 신고할게요", "보도블록 파손 신고합니다"],
        "en": ["report a pothole", "the road is broken in front of my building", "report a damaged sidewalk"],
    },
    "streetlight": {
        "ko": ["가로등 고장 신고하려고요", "가로등이 안 켜져요 신고할게요", "보안등이 깜빡거려요 고쳐 주세요"],
        "en": ["report a broken streetlight", "the street light is out on my street", "a lamp post is flickering"],
    },
    "water-bill": {
        "ko": ["수도요금 이의신청하려고요", "수도요금이 너무 많이 나와서 이의 제기할게요"],
        "en": ["I want to dispute my water bill", "my water bill is wrong, I want to appeal"],
    },
    "passport-issue": {
        "ko": ["여권 발급 처리 문의 접수해 주세요", "여권이 아직 안 나와서 확인 요청합니다"],
        "en": ["follow up on my passport application", "my passport has not been issued yet, please check"],
    },
    "welfare-support": {
        "ko": ["복지 지원 상담 신청할게요", "생활이 어려워서 지원 요청하려고요", "긴급 복지 지원 신청하고 싶어요"],
        "en": ["I need welfare support", "apply for emergency assistance", "I want to ask for help with living costs"],
    },
}

# Open311 service definition attributes (GeoReport v2: datatype string | number | datetime | text |
# singlevaluelist | multivaluelist), per case type.
CASE_ATTRIBUTES = {
    "bulky-waste": [
        {"variable": True, "code": "ITEM", "datatype": "singlevaluelist", "required": True, "datatype_description": "",
         "order": 1, "description": "What is to be collected?",
         "values": [{"key": "fridge", "name": "Refrigerator"}, {"key": "sofa", "name": "Sofa"},
                    {"key": "mattress", "name": "Mattress"}, {"key": "other", "name": "Other"}]},
        {"variable": True, "code": "COUNT", "datatype": "number", "required": False, "datatype_description": "",
         "order": 2, "description": "How many items?"},
        {"variable": True, "code": "PICKUP", "datatype": "datetime", "required": False, "datatype_description": "",
         "order": 3, "description": "Preferred pickup time"},
    ],
    "illegal-parking": [
        {"variable": True, "code": "PLATE", "datatype": "string", "required": False, "datatype_description": "",
         "order": 1, "description": "Licence plate, if visible"},
        {"variable": True, "code": "BLOCKING", "datatype": "multivaluelist", "required": False,
         "datatype_description": "", "order": 2, "description": "What does it block?",
         "values": [{"key": "crosswalk", "name": "Crosswalk"}, {"key": "driveway", "name": "Driveway"},
                    {"key": "hydrant", "name": "Fire hydrant"}, {"key": "bus-stop", "name": "Bus stop"}]},
    ],
    "streetlight": [
        {"variable": False, "code": "NOTE", "datatype": "text", "required": False, "datatype_description": "",
         "order": 1, "description": "Streetlights are repaired within three working days."},
        {"variable": True, "code": "POLE", "datatype": "string", "required": False,
         "datatype_description": "The number on the pole's plate", "order": 2, "description": "Pole number"},
    ],
}

# The services in the citizen's other languages (the bot's procedure dialogue asks in them):
# names, and the attributes' questions and values (Korean included: the definitions above are
# Open311's English).
_NAMES = {
    "bulky-waste": ("大件垃圾回收申请", "粗大ごみ収集の申込み", "Yêu cầu thu gom rác cồng kềnh", "Том хог хаягдал ачуулах хүсэлт"),
    "illegal-dumping": ("乱扔垃圾举报", "不法投棄の通報", "Báo cáo đổ rác trái phép", "Хог хууль бусаар хаясныг мэдэгдэх"),
    "missed-collection": ("垃圾未收运", "ごみの収集漏れ", "Rác chưa được thu gom", "Хог ачигдаагүй"),
    "noise": ("噪音投诉", "騒音の苦情", "Khiếu nại tiếng ồn", "Дуу чимээний гомдол"),
    "illegal-parking": ("违章停车举报", "違法駐車の取締り依頼", "Báo cáo đỗ xe trái phép", "Хууль бус зогсоолын мэдээлэл"),
    "abandoned-vehicle": ("弃置车辆举报", "放置車両の通報", "Báo cáo xe bị bỏ rơi", "Орхигдсон тээврийн хэрэгсэл"),
    "bus-complaint": ("公交服务投诉", "市内バスの苦情", "Khiếu nại xe buýt", "Автобусны үйлчилгээний гомдол"),
    "road-damage": ("道路破损・坑洼", "道路の破損・穴", "Hư hỏng đường, ổ gà", "Замын эвдрэл, нүх"),
    "streetlight": ("路灯故障", "街灯の故障", "Đèn đường bị hỏng", "Гудамжны гэрэл эвдэрсэн"),
    "water-bill": ("水费异议申请", "水道料金への異議", "Khiếu nại hóa đơn tiền nước", "Усны төлбөрийн маргаан"),
    "passport-issue": ("护照签发查询处理", "旅券発給の照会", "Theo dõi cấp hộ chiếu", "Гадаад паспорт олголтын лавлагаа"),
    "welfare-support": ("福利支援咨询申请", "福祉支援の相談申込み", "Yêu cầu hỗ trợ phúc lợi", "Нийгмийн халамжийн дэмжлэг хүсэх"),
}
_ATTRIBUTES: dict[str, dict[str, dict[str, dict]]] = {
    "bulky-waste": {
        "ko": {"ITEM": {"description": "무엇을 수거할까요?",
                        "values": {"fridge": "냉장고", "sofa": "소파", "mattress": "매트리스", "other": "기타"}},
               "COUNT": {"description": "몇 개인가요?"}, "PICKUP": {"description": "원하시는 수거 일시"}},
        "zh": {"ITEM": {"description": "要回收什么？",
                        "values": {"fridge": "冰箱", "sofa": "沙发", "mattress": "床垫", "other": "其他"}},
               "COUNT": {"description": "有几件？"}, "PICKUP": {"description": "希望的回收时间"}},
        "ja": {"ITEM": {"description": "何を収集しますか？",
                        "values": {"fridge": "冷蔵庫", "sofa": "ソファ", "mattress": "マットレス", "other": "その他"}},
               "COUNT": {"description": "いくつありますか？"}, "PICKUP": {"description": "希望の収集日時"}},
        "vi": {"ITEM": {"description": "Cần thu gom món gì?",
                        "values": {"fridge": "Tủ lạnh", "sofa": "Ghế sofa", "mattress": "Nệm", "other": "Khác"}},
               "COUNT": {"description": "Có bao nhiêu món?"}, "PICKUP": {"description": "Thời gian thu gom mong muốn"}},
        "mn": {"ITEM": {"description": "Юуг ачуулах вэ?",
                        "values": {"fridge": "Хөргөгч", "sofa": "Буйдан", "mattress": "Матрас", "other": "Бусад"}},
               "COUNT": {"description": "Хэдэн ширхэг вэ?"}, "PICKUP": {"description": "Ачуулах хүссэн цаг"}},
    },
    "illegal-parking": {
        "ko": {"PLATE": {"description": "차량 번호(보이면)"},
               "BLOCKING": {"description": "무엇을 막고 있나요?",
                            "values": {"crosswalk": "횡단보도", "driveway": "출입구", "hydrant": "소화전",
                                       "bus-stop": "버스 정류장"}}},
        "zh": {"PLATE": {"description": "车牌号（如能看到）"},
               "BLOCKING": {"description": "挡住了什么？",
                            "values": {"crosswalk": "人行横道", "driveway": "出入口", "hydrant": "消防栓",
                                       "bus-stop": "公交车站"}}},
        "ja": {"PLATE": {"description": "ナンバー（見えれば）"},
               "BLOCKING": {"description": "何をふさいでいますか？",
                            "values": {"crosswalk": "横断歩道", "driveway": "出入口", "hydrant": "消火栓",
                                       "bus-stop": "バス停"}}},
        "vi": {"PLATE": {"description": "Biển số xe (nếu thấy)"},
               "BLOCKING": {"description": "Xe chắn lối nào?",
                            "values": {"crosswalk": "Vạch qua đường", "driveway": "Lối ra vào",
                                       "hydrant": "Trụ cứu hỏa", "bus-stop": "Trạm xe buýt"}}},
        "mn": {"PLATE": {"description": "Улсын дугаар (харагдвал)"},
               "BLOCKING": {"description": "Юуг хааж байна вэ?",
                            "values": {"crosswalk": "Явган хүний гарц", "driveway": "Орц гарц",
                                       "hydrant": "Галын цорго", "bus-stop": "Автобусны буудал"}}},
    },
    "streetlight": {
        "ko": {"POLE": {"description": "전주 번호"}}, "zh": {"POLE": {"description": "灯杆编号"}},
        "ja": {"POLE": {"description": "電柱番号"}}, "vi": {"POLE": {"description": "Số cột đèn"}},
        "mn": {"POLE": {"description": "Шонгийн дугаар"}},
    },
}
CASE_TRANSLATIONS: dict[str, dict[str, dict]] = {
    code: {lang: {"name": name, "attributes": _ATTRIBUTES.get(code, {}).get(lang, {})}
           for lang, name in zip(("zh", "ja", "vi", "mn"), names, strict=True)}
    | ({"ko": {"attributes": _ATTRIBUTES[code]["ko"]}} if code in _ATTRIBUTES else {})
    for code, names in _NAMES.items()
}
