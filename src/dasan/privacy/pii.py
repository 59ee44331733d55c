"""Personal identifiers in free text, pure: find them and mask them.

Kinds: `rrn` (Korean resident registration number, 13 digits YYMMDD-GNNNNNC: a real date, a
valid century/sex digit, and the check digit when the number is written without a separator),
`phone` (any number `phonenumbers` holds valid for the center's country, or written
internationally with '+'; service lines such as 1588-xxxx are not a person's), `card` (13–19
digits in the groupings cards are printed with, Luhn check), `account` (a bank account: 10–14
digits in three or four groups, or any run of 10–14 digits next to a word about banks), `passport`
(Korea's M12345678 and M123A4567 forms, and two letters + 7 digits beside the word "passport"),
`email`.

What is not an identifier matters as much: dates (2024-03-15, 2024.3.15), amounts (1,234,000원),
case and order numbers (접수번호 2024-12-000123) are left alone. A number beginning with a year,
or introduced by a word that names it as a case, order, tracking or customer number, is not
taken for an account; a word about money transfers makes a bare run of digits one.

`find(text)` returns non-overlapping spans in order; `mask(text)` replaces every letter and digit
inside them with '*', keeping separators and length (offsets stay valid for highlighting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

KINDS = ("rrn", "phone", "card", "account", "passport", "email")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str


_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
                    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z][0-9]{8}|[A-Za-z][0-9]{3}[A-Za-z][0-9]{4})(?![A-Za-z0-9])")
_PASSPORT_OTHER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{7}(?![A-Za-z0-9])")
# A run of digit groups joined by single separators (hyphen, dot, space, slash) and parentheses
# around an area code; letters or digits right beside it make it part of something else. Korean
# particles may follow directly ("010-1234-5678로").
_RUN = re.compile(r"(?<![A-Za-z0-9+\-.])\+?\(?\d+\)?(?:(?: ?[-‐‑–—./] ?| {1,2}|\) ?)\(?\d+\)?)*(?![A-Za-z0-9]|[-.]\d)")
_GROUP_SEP = re.compile(r"[^\d]+")
# where a run may hold two numbers: a space between groups (not around a hyphen), or a slash
_SPACES = re.compile(r"(?<![-‐‑–—.]) {1,2}(?![-‐‑–—./ ])| ?/ ?")

_WINDOW = 14  # characters before a number read for the words that name it
_NEAR = 8  # … of which these, right before it, for a word that says it is some other number
_AFTER = 8  # characters after it read for a bank's name
_MAX_GROUPS = 6
_ACCOUNT_WORDS = re.compile(
    r"계좌|은행|통장|입금|송금|이체|환불|예금주|뱅크|농협|국민|신한|우리|하나|기업|우체국|새마을|신협|수협|카카오|토스|"
    r"account|bank|iban|tài khoản|ngân hàng|账户|账号|银行|口座|銀行|данс|банк", re.IGNORECASE)
_NOT_ACCOUNT_WORDS = re.compile(
    r"접수|민원|사건|신청|주문|송장|운송장|등기|고객|회원|사업자|법인|차량|증명|문서|공고|관리|번호판|"
    r"case|order|ticket|tracking|invoice|reference|ref\b|customer|member|serial", re.IGNORECASE)
_PASSPORT_WORDS = re.compile(r"여권|passport|护照|護照|旅券|hộ chiếu|паспорт|гадаад", re.IGNORECASE)
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PERSONAL_PHONE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE,
                   PhoneNumberType.VOIP, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER}


def luhn_ok(digits: str) -> bool:
    """The Luhn check every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def rrn_check_ok(digits: str) -> bool:
    """The resident registration number's check digit (numbers issued before October 2020)."""
    s = sum(int(d) * w for d, w in zip(digits[:12], _RRN_WEIGHTS, strict=True))
    return (11 - s % 11) % 10 == int(digits[12])


def _rrn_date_ok(digits: str) -> bool:
    century = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000, "8": 2000,
               "9": 1800, "0": 1800}[digits[6]]
    try:
        date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return False
    return digits[6] in "12345678"


def _groups(run: str) -> list[str]:
    return [g for g in _GROUP_SEP.split(run) if g]


def _is_rrn(run: str, digits: str, groups: list[str], before: str) -> bool:
    if len(digits) != 13 or not _rrn_date_ok(digits):
        return False
    if groups == [digits]:  # written without a separator: the check digit must hold
        return rrn_check_ok(digits)
    if [len(g) for g in groups] != [6, 7]:
        return False
    # With its separator the shape is the number's own; numbers issued since October 2020 have
    # no check digit, so a wrong one is still a resident's number when the text names it.
    return rrn_check_ok(digits) or bool(re.search(r"주민|등록번호|resident|registration", before, re.IGNORECASE))


_CARD_SHAPES = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 4, 2), (4, 4, 4, 3), (4, 4, 4, 4, 1),
                (4, 4, 4, 4, 2), (4, 4, 4, 4, 3)}


def _is_card(digits: str, groups: list[str]) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits) or digits[0] == "0":
        return False
    shape = tuple(len(g) for g in groups)
    return shape in _CARD_SHAPES or (len(groups) == 1 and len(digits) in (15, 16))


def _is_phone(run: str, digits: str, country: str) -> bool:
    if not 8 <= len(digits) <= 15 or run.count(".") > 2:
        return False
    if not run.startswith("+") and not digits.startswith("0"):
        return False  # nationally a subscriber number starts with the trunk prefix 0
    try:
        number = phonenumbers.parse(run, country)
    except NumberParseException:
        return False
    if phonenumbers.is_valid_number(number):
        return phonenumbers.number_type(number) in _PERSONAL_PHONE
    # A range the library's metadata does not know yet (new mobile allocations): the number's
    # shape must still be possible for the country, with its area code written apart.
    return (phonenumbers.is_possible_number(number) and len(str(number.national_number)) >= 9
            and len(_groups(run)) >= 2 and phonenumbers.number_type(number) == PhoneNumberType.UNKNOWN)


def _looks_like_date(groups: list[str]) -> bool:
    if len(groups) < 3:
        return False
    y, m, d = groups[0], groups[1], groups[2]
    if len(y) == 4 and 1 <= len(m) <= 2 and 1 <= len(d) <= 2:
        return 1 <= int(m) <= 12 and 1 <= int(d) <= 31
    return False


def _starts_with_year(groups: list[str]) -> bool:
    return len(groups) > 1 and len(groups[0]) == 4 and 1950 <= int(groups[0]) <= 2099


def _named(before: str, after: str) -> bool | None:
    """Whether the words beside a number name it a bank account (True), another kind of number
    (False), or neither (None). The nearest word before it decides ("환불해 주세요 주문번호 2024…"
    is an order); a word that calls it a case or order number counts only right before it, and
    a bank named right after it ("… (하나)") makes it an account."""
    last_yes = max((m.end() for m in _ACCOUNT_WORDS.finditer(before)), default=-1)
    last_no = max((m.end() for m in _NOT_ACCOUNT_WORDS.finditer(before)), default=-1)
    if last_no >= 0 and len(before) - last_no > _NEAR:
        last_no = -1
    if last_yes > last_no:
        return True
    if last_no >= 0:
        return False
    if _ACCOUNT_WORDS.search(after):
        return True
    return None


def _is_account(digits: str, groups: list[str], before: str, after: str) -> bool:
    if not 10 <= len(digits) <= 14:
        return False
    named = _named(before, after)
    if named is not None:
        return named
    if len(groups) < 3 or len(groups) > 4 or _looks_like_date(groups) or _starts_with_year(groups):
        return False
    if min(len(g) for g in groups) < 2 or len(digits) == 10:
        return False  # 123-45-67890 is a business registration number's shape, not an account's
    return True


def _classify(run: str, before: str, after: str, country: str) -> str | None:
    digits = "".join(ch for ch in run if ch.isdigit())
    groups = _groups(run)
    if _is_rrn(run, digits, groups, before):
        return "rrn"
    if _is_card(digits, groups):
        return "card"
    if _is_phone(run, digits, country):
        return "phone"
    if _is_account(digits, groups, before, after):
        return "account"
    return None


def _windows(run: str) -> list[tuple[int, int]]:
    """Sub-runs to try when a whole run is not one identifier: split where spaces or slashes join
    groups (two numbers written side by side, "010-…/02-…"), longest first."""
    cuts = [m.span() for m in _SPACES.finditer(run)]
    if not cuts:
        return []
    pieces: list[tuple[int, int]] = []
    start = 0
    for a, b in cuts:
        pieces.append((start, a))
        start = b
    pieces.append((start, len(run)))
    out = []
    # no identifier is written in more than five groups: wider windows are never tried (a run of
    # a thousand numbers costs thousands of tries, not half a million)
    for width in range(min(len(pieces) - 1, _MAX_GROUPS), 0, -1):
        for i in range(0, len(pieces) - width + 1):
            out.append((pieces[i][0], pieces[i + width - 1][1]))
    return out


def _numbers(text: str, country: str, taken: list[Span]) -> list[Span]:
    found: list[Span] = []
    for m in _RUN.finditer(text):
        run, offset = m.group(), m.start()
        stripped = run.rstrip(") ")
        if sum(ch.isdigit() for ch in stripped) < 8:
            continue
        before = text[max(0, offset - _WINDOW):offset]
        end = offset + len(stripped)
        kind = _classify(stripped, before, text[end:end + _AFTER], country)
        if kind:
            found.append(Span(offset, end, kind))
            continue
        taken_here: list[tuple[int, int]] = []
        for a, b in _windows(stripped):
            if any(a < y and x < b for x, y in taken_here):
                continue
            piece = stripped[a:b]
            if sum(ch.isdigit() for ch in piece) < 8:
                continue
            kind = _classify(piece.strip("() "), text[max(0, offset + a - _WINDOW):offset + a],
                             text[offset + b:offset + b + _AFTER], country)
            if kind:
                found.append(Span(offset + a, offset + b, kind))
                taken_here.append((a, b))
    return [s for s in found if not any(s.start < t.end and t.start < s.end for t in taken)]


def find(text: str, *, country: str = "KR") -> list[Span]:
    """Every personal identifier in `text`, in order, none overlapping."""
    if not text:
        return []
    spans = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for m in _PASSPORT.finditer(text):
        if m.group()[0].isupper() or _PASSPORT_WORDS.search(text[max(0, m.start() - _WINDOW):m.start()]):
            spans.append(Span(m.start(), m.end(), "passport"))
    for m in _PASSPORT_OTHER.finditer(text):
        if _PASSPORT_WORDS.search(text[max(0, m.start() - _WINDOW):m.start()]):
            spans.append(Span(m.start(), m.end(), "passport"))
    spans = [s for i, s in enumerate(spans) if not any(t.start <= s.start and s.end <= t.end and t != s
                                                         for t in spans[:i])]
    spans += _numbers(text, country, spans)
    spans.sort(key=lambda s: s.start)
    return spans


def mask(text: str, spans: list[Span] | None = None, *, country: str = "KR") -> str:
    """`text` with every letter and digit of each identifier replaced by '*'."""
    spans = find(text, country=country) if spans is None else spans
    if not spans:
        return text
    out, last = [], 0
    for s in spans:
        out.append(text[last:s.start])
        out.append("".join("*" if ch.isalnum() else ch for ch in text[s.start:s.end]))
        last = s.end
    out.append(text[last:])
    return "".join(out)
