"""Password rules by length and strength (issue 18, ASVS 2.1): no character-class rules."""

from __future__ import annotations

from dasan.core.passwords import MAX_LENGTH, MIN_LENGTH, password_problem


def test_length_bounds():
    assert password_problem("a-b-c-d-e")[0] == "password_short"
    assert password_problem("x" * (MAX_LENGTH + 1))[0] == "password_long"
    assert len("tangerine bicycle mountain") >= MIN_LENGTH


def test_common_and_personal_passwords_are_too_easy_to_guess():
    assert password_problem("password1234")[0] == "password_weak"
    assert password_problem("qwertyuiop12")[0] == "password_weak"
    assert password_problem("kimminsu2026", hints=("kimminsu",))[0] == "password_weak"


def test_a_passphrase_of_lowercase_words_is_enough_without_digits_or_symbols():
    assert password_problem("tangerine bicycle mountain") is None
    assert password_problem("산책로 고양이 우산 스물하나") is None
    # a long password is scored by its start, and still accepted when that start is strong
    assert password_problem("tangerine bicycle mountain " + "y" * 90) is None
