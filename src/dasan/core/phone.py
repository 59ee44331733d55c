"""One rule for phone numbers, pure: how a number written any usual way identifies a citizen.

Every channel, case, callback and lookup goes through `normalize`: "+82 10-1234-5678",
"821012345678" and "010-1234-5678" are the same citizen, "+821012345678" (E.164, with the
center's country as the default for numbers written nationally). Parsing and validity come from
`phonenumbers` (Google's libphonenumber metadata), not from hand-kept patterns.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

_ALLOWED = re.compile(r"^\+?[\d\s().\-/]+$")


class InvalidPhone(ValueError):
    """Not a phone number."""


def digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def normalize(raw: str, country: str) -> str:
    """The number in E.164 (e.g. '+821012345678'); `country` (ISO alpha-2) for national writing.

    A number written with its country code but without '+' ('821012345678') is recognised when
    it is not a valid national number itself. Numbers that no numbering plan knows (short codes,
    test numbers) keep their digits (and a leading '+'), so they still identify one citizen."""
    text = (raw or "").strip()
    if not text or not _ALLOWED.match(text) or not digits(text):
        raise InvalidPhone(f"'{raw}' is not a phone number")
    if len(digits(text)) > 17:
        raise InvalidPhone(f"'{raw}' has too many digits for a phone number")
    try:
        parsed = phonenumbers.parse(text, country)
    except NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    only = digits(text)
    international = None
    if not text.startswith("+") and not only.startswith("0"):
        try:
            international = phonenumbers.parse("+" + only, None)
        except NumberParseException:
            international = None
        if international is not None and phonenumbers.is_valid_number(international):
            return phonenumbers.format_number(international, PhoneNumberFormat.E164)
    # A subscriber number of a range the library's metadata does not know yet (new allocations)
    # but of the right shape: written with '+' or the trunk '0', or as country code and number.
    # Short numbers (service codes such as 02-120) keep their digits.
    explicit = text.startswith("+") or only.startswith("0")
    for candidate in ((parsed,) if explicit else (international,)):
        if (candidate is not None and not candidate.italian_leading_zero and len(str(candidate.national_number)) >= 7
                and phonenumbers.is_possible_number(candidate)):
            return phonenumbers.format_number(candidate, PhoneNumberFormat.E164)
    return ("+" if text.startswith("+") else "") + only


def try_normalize(raw: str | None, country: str) -> str | None:
    """`normalize`, or None for anything that is not a phone number."""
    try:
        return normalize(raw or "", country)
    except InvalidPhone:
        return None


def _valid(number: str, country: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, country)
    except NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def _domestic(parsed: phonenumbers.PhoneNumber, country: str) -> bool:
    return phonenumbers.region_code_for_number(parsed) == country.upper()


def for_dialling(number: str, country: str) -> str:
    """How to hand a stored number to the center's own gateway: national digits for a number of
    the center's country (what its SMSC and trunks expect), E.164 for any other."""
    parsed = _valid(number, country)
    if parsed is None:
        return number
    if _domestic(parsed, country):
        return digits(phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def for_display(number: str, country: str) -> str:
    """The number as staff of the center's country write it ('010-1234-5678'), international
    form for foreign numbers."""
    parsed = _valid(number, country)
    if parsed is None:
        return number
    fmt = PhoneNumberFormat.NATIONAL if _domestic(parsed, country) else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, fmt)


def example(country: str) -> str:
    """A sample mobile number as people of `country` write it (for form placeholders)."""
    sample = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(sample, PhoneNumberFormat.NATIONAL) if sample else ""
