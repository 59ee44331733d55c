"""Generated samples for `dasan privacy eval`: Korean sentences a citizen might write, with personal
identifiers planted in varied formats, and sentences with look-alike numbers that are not
identifiers (dates, times, amounts, case and order numbers, postcodes, car plates, addresses).

Two families written separately, so the detector is developed on one and checked on the other:
`--family dev` (the templates the detector was developed with) and `--family check` (other
sentences, other separators and spacing, identifiers at the start or end, several in one
sentence, other look-alikes) — report both. Identifiers are random but valid where the kind
has a rule (RRN check digit and date, Luhn for cards, phone ranges in use).

Usage: privacy_samples.py [--family dev|check] [--n 2000] [--seed 1] > samples.jsonl
Rows: {"text", "pii": [{"start", "end", "kind"}]}
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, timedelta

W = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn(r: random.Random, family: str) -> str:
    born = date(1940, 1, 1) + timedelta(days=r.randrange(0, 365 * 80))
    sex = r.choice("12") if born.year < 2000 else r.choice("34")
    if r.random() < 0.1:
        sex = str(int(sex) + 4)  # a foreign resident's number
    body = born.strftime("%y%m%d") + sex + "".join(str(r.randrange(10)) for _ in range(5))
    check = (11 - sum(int(d) * w for d, w in zip(body, W, strict=True)) % 11) % 10
    digits = body + str(check)
    seps = ["-", "-", " ", ""] if family == "dev" else ["-", " - ", "", "–"]
    sep = r.choice(seps)
    return digits[:6] + sep + digits[6:]


def luhn_complete(prefix: str, length: int, r: random.Random) -> str:
    body = prefix + "".join(str(r.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def card(r: random.Random, family: str) -> str:
    kind = r.choice(["visa", "master", "amex", "local"])
    if kind == "amex":
        d = luhn_complete(r.choice(["34", "37"]), 15, r)
        sep = r.choice(["-", " ", ""])
        return sep.join([d[:4], d[4:10], d[10:]])
    prefix = {"visa": "4", "master": r.choice(["51", "53", "55", "2221"]),
              "local": r.choice(["9410", "9430", "6243"])}[kind]
    d = luhn_complete(prefix, 16, r)
    sep = r.choice(["-", " ", ""] if family == "dev" else ["-", " ", "", "."])
    return sep.join([d[i:i + 4] for i in range(0, 16, 4)])


def phone(r: random.Random, family: str) -> str:
    kind = r.choice(["mobile", "mobile", "seoul", "region", "voip"])
    if kind == "mobile":
        parts = ["010", f"{r.randrange(2000, 9999)}", f"{r.randrange(0, 9999):04d}"]
    elif kind == "seoul":
        parts = ["02", f"{r.randrange(200, 9999)}", f"{r.randrange(0, 9999):04d}"]
    elif kind == "region":
        area = r.choice(["031", "032", "051", "053", "062", "064"])
        parts = [area, f"{r.randrange(200, 999)}", f"{r.randrange(0, 9999):04d}"]
    else:
        parts = ["070", f"{r.randrange(2000, 9999)}", f"{r.randrange(0, 9999):04d}"]
    style = r.choice(["-", " ", "", "."] if family == "dev" else ["-", "intl", "paren", ")"])
    if style == "intl":
        return "+82 " + parts[0][1:] + "-" + parts[1] + "-" + parts[2]
    if style == "paren":
        return f"({parts[0]}) {parts[1]}-{parts[2]}"
    if style == ")":
        return f"{parts[0]}){parts[1]}-{parts[2]}"
    return style.join(parts)


def account(r: random.Random, family: str) -> str:
    shapes = [(3, 3, 6), (4, 3, 6), (6, 2, 6), (4, 2, 7), (3, 4, 4, 2), (3, 6, 2, 3), (3, 2, 6)]
    shape = r.choice(shapes)
    groups = ["".join(str(r.randrange(10)) for _ in range(n)) for n in shape]
    if groups[0][0] == "0":
        groups[0] = "1" + groups[0][1:]
    return "-".join(groups) if family == "dev" or r.random() < 0.7 else " ".join(groups)


def passport(r: random.Random, family: str) -> str:
    letter = r.choice("MSRGD")
    if r.random() < 0.5:
        return letter + "".join(str(r.randrange(10)) for _ in range(8))
    return letter + "".join(str(r.randrange(10)) for _ in range(3)) + r.choice("ABCDEFGH") + \
        "".join(str(r.randrange(10)) for _ in range(4))


def email(r: random.Random, family: str) -> str:
    users = ["kim", "lee.minsu", "park_jy", "hong123", "citizen.seoul", "j.choi", "yuna-kang", "s2024"]
    domains = ["naver.com", "gmail.com", "daum.net", "hanmail.net", "kakao.com", "seoul.go.kr", "korea.ac.kr",
               "example.co.kr"]
    return r.choice(users) + (str(r.randrange(100)) if r.random() < 0.4 else "") + "@" + r.choice(domains)


MAKERS = {"rrn": rrn, "card": card, "phone": phone, "account": account, "passport": passport, "email": email}

DEV = {
    "rrn": ["주민등록번호는 {x}입니다.", "제 주민번호 {x} 로 조회해 주세요", "본인 확인용 {x} 입니다"],
    "card": ["카드번호 {x}로 결제했는데 환불해 주세요", "{x} 카드가 분실됐어요", "결제 카드는 {x} 입니다"],
    "phone": ["연락처는 {x}입니다", "{x}로 문자 주세요", "휴대폰 {x} 번으로 전화 부탁드립니다"],
    "account": ["환불 계좌 {x} 국민은행입니다", "신한은행 {x}로 입금해 주세요", "계좌번호는 {x}이에요"],
    "passport": ["여권번호 {x} 입니다", "외국인 등록 때 쓴 여권 {x}", "passport {x} 로 예약했어요"],
    "email": ["메일 주소는 {x}입니다", "{x} 로 답변 보내주세요", "이메일 {x}"],
}
CHECK = {
    "rrn": ["{x} 이 번호로 신청이 안 돼요", "아이 주민번호가 {x}인데 등록이 되나요?", "생년월일 대신 {x}을 적었어요"],
    "card": ["{x} 이 카드로 자동이체 해지하고 싶습니다", "어제 {x}로 과태료를 냈어요", "체크카드({x}) 결제 취소"],
    "phone": ["급해요 {x}", "어머니 번호 {x}, 제 번호는 모르셔도 됩니다", "회신 바랍니다 ☎ {x}"],
    "account": ["돈은 {x} 여기로 보내 주시면 돼요", "농협 {x} 예금주 김민수", "{x} (하나) 으로 지원금 받을 수 있나요"],
    "passport": ["Passport no. {x}", "{x} 여권이 만료됐어요", "여권 번호가 {x}인데 영문 이름이 틀려요"],
    "email": ["답장은 <{x}>로", "{x}에게 전달해 주세요", "이메일:{x}"],
}
LOOKALIKE_DEV = [
    "2024-03-15에 신청했어요", "접수번호 2024-12-000123 처리 상황이 궁금해요", "관리비 1,234,000원이 나왔어요",
    "오후 3:30에 방문할게요", "우편번호 06236 맞나요", "12가 3456 차량이 불법주차 중입니다",
    "테헤란로 123-45 앞입니다", "민원 제2024-1234호 답변이 없어요", "과태료 56000원 납부했습니다",
    "2023.11.02부터 계속 고장이에요", "주문번호 20240315-00123 배송이 안 와요",
]
LOOKALIKE_CHECK = [
    "24.03.15 오전에 고장 신고했어요", "사건번호 2023가합12345 관련 문의", "작년에 3,500,000원 지원받았어요",
    "20240101 이후로 요금이 올랐어요", "송장번호 6071-2345-6789 배송 조회", "신청번호 A-2024-000456 입니다",
    "면적이 84.97㎡인데 재산세가 1,203,450원이에요", "버스 7016번이 30분째 안 와요", "2024년 3월 15일 10시 30분 예약",
    "사업자등록번호 123-45-67890 확인 부탁", "전용 59.99 세대 관리비 231,500원", "제 차는 123하 4567입니다",
    "고객센터 1588-1234 연결이 안 돼요", "민원 접수 2025-000789 건",
]
PREFIX = ["", "안녕하세요. ", "문의드립니다. ", "저기요 ", "급한데요, "]


def sample(r: random.Random, family: str) -> dict:
    templates = DEV if family == "dev" else CHECK
    looks = LOOKALIKE_DEV if family == "dev" else LOOKALIKE_CHECK
    if r.random() < 0.3:
        return {"text": r.choice(PREFIX) + r.choice(looks), "pii": []}
    kinds = [r.choice(list(MAKERS))] + ([r.choice(list(MAKERS))] if family == "check" and r.random() < 0.3 else [])
    text, pii = r.choice(PREFIX), []
    for i, kind in enumerate(kinds):
        tpl = r.choice(templates[kind])
        value = MAKERS[kind](r, family)
        if i:
            text += " 그리고 "
        head, tail = tpl.split("{x}")
        start = len(text) + len(head)
        text += head + value + tail
        pii.append({"start": start, "end": start + len(value), "kind": kind})
    if r.random() < 0.3:
        text += " " + r.choice(looks)
    return {"text": text, "pii": pii}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=["dev", "check"], default="dev")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    r = random.Random(f"{args.family}:{args.seed}")
    for _ in range(args.n):
        sys.stdout.write(json.dumps(sample(r, args.family), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
