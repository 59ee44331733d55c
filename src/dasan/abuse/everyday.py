"""What citizens write to a city's contact center every day, as examples the abusive-language
model must not flag. The training corpora are news comments, where '쓰레기' (rubbish) and '개'
(dog) are mostly insults; at a city's one number they are the daily questions about rubbish
collection and barking dogs. These examples join every training as `ok`: generated from topics
and the ways people ask, complain and insist (written for Dasan), plus the bot's bundled Korean
small talk (`knowledge/out_of_scope/ko.txt`, songys/Chatbot_data, MIT).
"""

from __future__ import annotations

from pathlib import Path

TOPICS = (
    "쓰레기 수거",
    "대형폐기물 배출",
    "음식물 쓰레기",
    "재활용 분리배출",
    "쓰레기 무단투기",
    "불법주차",
    "주차 단속",
    "거주자 우선주차",
    "여권 재발급",
    "전입신고",
    "주민등록등본 발급",
    "재산세 납부",
    "자동차세",
    "지방세 체납",
    "기초연금",
    "아동수당",
    "긴급복지 지원",
    "버스 노선",
    "지하철 막차",
    "따릉이",
    "택시 불친절",
    "층간소음",
    "공사장 소음",
    "개 짖는 소리",
    "길고양이 사체",
    "멧돼지 출몰",
    "도로 파손",
    "가로등 고장",
    "신호등 고장",
    "싱크홀",
    "하수구 냄새",
    "수도 요금",
    "단수",
    "정전",
    "보도블록 파손",
    "불법 현수막",
    "노점상",
    "공원 화장실",
    "어린이집 입소",
    "예방접종",
    "코로나 검사",
    "폭염 쉼터",
    "한파 대피소",
    "제설",
    "방역 소독",
    "쓰레기봉투 구입",
    "폐가전 무상수거",
    "개 물림 사고",
    "유기견 신고",
    "과태료 이의신청",
)
FORMS = (
    "{t} 언제 해요?",
    "{t} 어떻게 신청하나요",
    "{t} 문의드립니다",
    "{t} 때문에 너무 불편해요",
    "{t} 좀 빨리 처리해 주세요",
    "{t} 신고하려고요",
    "{t} 왜 아직도 안 돼요?",
    "{t} 담당자 연결해 주세요",
    "{t} 관련해서 며칠째 연락이 없네요 진짜 짜증나요",
    "{t} 벌써 세 번째 전화하는 거예요",
    "{t} 도대체 언제 해결되는 거예요?",
    "{t} 민원 넣었는데 답이 없어요",
)


def examples() -> list[str]:
    """The everyday messages (Korean)."""
    out = [form.format(t=topic) for topic in TOPICS for form in FORMS]
    small_talk = Path(__file__).parents[1] / "knowledge" / "out_of_scope" / "ko.txt"
    out += [line.strip() for line in small_talk.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out
