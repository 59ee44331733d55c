"""Personal identifiers found and masked (dasan.privacy.pii), over their formats, and look-alikes
left alone."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from dasan.cli import main as cli
from dasan.privacy import pii

W = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
BEFORE = st.sampled_from(["", "문의드립니다 ", "제 번호 ", "이거요: ", "급해요. "])
AFTER = st.sampled_from(["", " 입니다", "로 연락 주세요", "이에요.", "을 확인해 주세요"])


def kinds(text: str) -> list[str]:
    return [s.kind for s in pii.find(text)]


def covered(text: str, value: str, kind: str) -> bool:
    start = text.index(value)
    return any(s.start <= start and start + len(value) <= s.end and s.kind == kind for s in pii.find(text))


@st.composite
def rrns(draw) -> str:
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)))
    sex = draw(st.sampled_from("12" if born.year < 2000 else "34"))
    if draw(st.booleans()):
        sex = str(int(sex) + 4)
    body = born.strftime("%y%m%d") + sex + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=5,
                                                                  max_size=5)))
    digits = body + str((11 - sum(int(d) * w for d, w in zip(body, W, strict=True)) % 11) % 10)
    return digits[:6] + draw(st.sampled_from(["-", " ", "", " - ", "–"])) + digits[6:]


@given(rrns(), BEFORE, AFTER)
def test_resident_numbers_are_found_in_every_writing(rrn, before, after):
    assert covered(before + rrn + after, rrn, "rrn")


@given(st.dates(min_value=date(1940, 1, 1), max_value=date(1999, 12, 31)), st.integers(0, 99999))
def test_thirteen_bare_digits_are_a_resident_number_only_with_the_right_check_digit(born, serial):
    body = born.strftime("%y%m%d") + "1" + f"{serial:05d}"
    right = (11 - sum(int(d) * w for d, w in zip(body, W, strict=True)) % 11) % 10
    assert kinds(f"번호 {body}{right} 입니다") == ["rrn"]
    assert "rrn" not in kinds(f"번호 {body}{(right + 1) % 10} 입니다")


@st.composite
def cards(draw) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "2221", "9410", "6243", "34", "37"]))
    length = 15 if prefix in ("34", "37") else 16
    body = prefix + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=length - len(prefix) - 1,
                                          max_size=length - len(prefix) - 1)))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    digits = body + str((10 - total % 10) % 10)
    sep = draw(st.sampled_from(["-", " ", ""]))
    if length == 15:
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return sep.join(digits[i:i + 4] for i in range(0, 16, 4))


@given(cards(), BEFORE, AFTER)
def test_card_numbers_with_a_valid_luhn_digit_are_found(card, before, after):
    assert pii.luhn_ok("".join(ch for ch in card if ch.isdigit()))
    assert covered(before + card + after, card, "card")


@st.composite
def phones(draw) -> str:
    area = draw(st.sampled_from(["010", "02", "031", "051", "064", "070"]))
    mid = str(draw(st.integers(2000 if area in ("010", "070") else 200, 9999)))
    last = f"{draw(st.integers(0, 9999)):04d}"
    style = draw(st.sampled_from(["-", " ", "", ".", "intl", "paren"]))
    if style == "intl":
        return f"+82 {area[1:]}-{mid}-{last}"
    if style == "paren":
        return f"({area}) {mid}-{last}"
    return style.join([area, mid, last])


@given(phones(), BEFORE, AFTER)
@example("010-1234-5678", "", "로 연락 주세요")
def test_phone_numbers_are_found_in_every_usual_writing(phone, before, after):
    assert covered(before + phone + after, phone, "phone")


@given(st.sampled_from([(3, 3, 6), (4, 3, 6), (6, 2, 6), (4, 2, 7), (3, 4, 4, 2), (3, 6, 2, 3)]),
       st.randoms(use_true_random=False), st.sampled_from(["국민은행 ", "계좌 ", "환불 계좌는 ", "입금: ", ""]))
def test_bank_accounts_are_found_by_their_shape_or_beside_a_bank(shape, rnd, before):
    groups = [str(rnd.randrange(1, 10)) + "".join(str(rnd.randrange(10)) for _ in range(n - 1)) for n in shape]
    account = "-".join(groups)
    if not before and 1950 <= int(groups[0]) <= 2099:
        return  # a bare number that begins with a year is taken for a case number (tested below)
    assert covered(before + account + " 입니다", account, "account")


@given(st.sampled_from(["M12345678", "S98765432", "M123A4567", "R001B2345"]), BEFORE)
def test_korean_passport_numbers_are_found(number, before):
    assert covered(before + number + " 입니다", number, "passport")


@given(st.from_regex(r"[a-z][a-z0-9._]{0,15}[a-z0-9]@[a-z]{2,10}\.(com|net|go\.kr|co\.kr|ac\.kr)", fullmatch=True),
       AFTER)
def test_email_addresses_are_found(address, after):
    assert covered("메일 " + address + after, address, "email")


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}.{m}.{d}", "{y}/{m:02d}/{d:02d}", "{y}년 {m}월 {d}일",
                        "{y}{m:02d}{d:02d}"]))
def test_dates_are_not_identifiers(day, form):
    assert kinds(form.format(y=day.year, m=day.month, d=day.day) + "에 신청했어요") == []


@given(st.integers(0, 10**10))
def test_amounts_written_with_thousands_separators_are_not_identifiers(amount):
    assert kinds(f"관리비가 {amount:,}원 나왔어요") == []


@given(st.integers(2000, 2099), st.integers(1, 12), st.integers(1, 999999),
       st.sampled_from(["접수번호 ", "민원 제", "주문번호 ", "사건번호 ", ""]))
def test_case_and_order_numbers_are_not_accounts(year, month, serial, before):
    assert "account" not in kinds(f"{before}{year}-{month:02d}-{serial:06d} 처리 상황이 궁금해요")


def test_look_alikes_in_sentences_are_left_alone():
    for text in ["고객센터 1588-1234 연결이 안 돼요", "사업자등록번호 123-45-67890", "12가 3456 차량", "우편번호 06236",
                 "버스 7016번", "면적 84.97㎡, 재산세 1,203,450원", "오후 3:30 방문", "송장번호 6071-2345-6789 조회"]:
        assert kinds(text) == [], text


def test_mask_keeps_separators_and_length_and_hides_every_digit():
    text = "연락처 010-1234-5678, 주민번호 900101-1234568, 메일 kim@example.com 입니다"
    masked = pii.mask(text)
    assert len(masked) == len(text)
    assert "***-****-****" in masked and "******-*******" in masked and "***@*******.***" in masked
    assert "1234" not in masked and "kim" not in masked and "연락처" in masked


def test_privacy_eval_prints_the_figures(tmp_path, capsys):
    path = tmp_path / "s.jsonl"
    rows = [{"text": "전화 010-1234-5678 주세요", "pii": [{"start": 3, "end": 16, "kind": "phone"}]},
            {"text": "2024-03-15 접수", "pii": []},
            {"text": "메일 없음 M1234", "pii": [{"start": 6, "end": 11, "kind": "passport"}]}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert cli(["privacy", "eval", "--samples", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 3 and out["recall"] == 0.5 and out["precision"] == 1.0
    assert out["per_kind"] == {"passport": 0.0, "phone": 1.0}


def test_privacy_eval_refuses_a_bad_file_clearly(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "abc", "pii": [{"start": 2, "end": 9, "kind": "phone"}]}\n', encoding="utf-8")
    assert cli(["privacy", "eval", "--samples", str(path), "--json"]) == 2
    assert "bad.jsonl:1: a span lies outside the text" in capsys.readouterr().err


def test_a_long_run_of_numbers_is_tried_in_bounded_windows():
    """No quadratic blow-up (masking runs on every log line): 3,000 numbers side by side are tried
    in windows of at most six groups, and the phone among them is still found."""
    run = " ".join(["12"] * 1500) + " 010-4821-7735 " + " ".join(["34"] * 1500)
    windows = pii._windows(run)
    assert len(windows) <= 6 * 3001
    text = "연락처 " + run
    at = text.index("010-4821-7735")
    assert any(s.start <= at and at + 13 <= s.end for s in pii.find(text))  # masked, whatever its window
