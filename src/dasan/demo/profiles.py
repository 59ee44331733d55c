"""The demo centers: Seoul's 120 (Korean first, the default) and a 311-style city in another
country, time zone and holiday calendar (English first), which shows nothing is hard-wired."""

from __future__ import annotations

from datetime import time

from dasan.center.core import Center

SEOUL_120 = Center(
    code="seoul120", number="120", timezone="Asia/Seoul", country="KR",
    languages=("ko", "en", "zh", "ja", "vi", "mn"),
    names={"ko": "120 다산콜센터", "en": "Seoul 120 Dasan Call Center", "zh": "首尔120茶山呼叫中心",
           "ja": "ソウル120タサンコールセンター", "vi": "Trung tâm 120 Dasan Seoul", "mn": "Сөүлийн 120 Дасан төв"},
    short_names={"ko": "120 다산콜센터", "en": "Seoul 120", "zh": "首尔120", "ja": "ソウル120", "vi": "Seoul 120",
                 "mn": "Сөүл 120"},
    office_open=time(9, 0), office_close=time(18, 0), sms_sender="120", email_from="120@dasan.seoul.example",
)

CITY_311 = Center(
    code="lakeport311", number="311", timezone="America/Chicago", country="US", holiday_subdiv="IL",
    languages=("en", "zh", "vi", "ko"),
    names={"en": "Lakeport 311", "zh": "莱克波特 311 市民热线", "vi": "Đường dây 311 Lakeport", "ko": "레이크포트 311"},
    short_names={"en": "Lakeport 311", "zh": "莱克波特311", "vi": "Lakeport 311", "ko": "레이크포트 311"},
    office_open=time(8, 30), office_close=time(16, 30), sms_sender="311", email_from="311@lakeport.example",
)

PROFILES = {"seoul120": SEOUL_120, "city311": CITY_311}
DEFAULT_PROFILE = "seoul120"
