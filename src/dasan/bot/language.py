"""Which of the six service languages (ko, en, zh, ja, vi, mn) a message is written in.

Script first, statistics second: each of Hangul, kana and Cyrillic belongs to exactly one of the
six languages (Mongolian is the only Cyrillic one), so a single such character decides, even in a
two-letter message; Han characters without kana are Chinese. Only Latin-script text needs a model:
Vietnamese letters with their own diacritics decide for Vietnamese, otherwise lingua (restricted to
the six languages) chooses. This keeps very short inputs ("네", "hi", "Сайн") correct, where
n-gram statistics alone have too little to go on.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from dasan.center.core import SERVICE_LANGS

LANGS = SERVICE_LANGS

# Letters that occur in Vietnamese and in none of the other five languages' Latin text.
_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")
_VI_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot below


def _script_counts(text: str) -> dict[str, int]:
    counts = {"hangul": 0, "kana": 0, "han": 0, "cyrillic": 0, "latin": 0, "vi": 0}
    for ch in text:
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            counts["hangul"] += 1
        elif 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
            counts["kana"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
            counts["han"] += 1
        elif 0x0400 <= o <= 0x04FF:
            counts["cyrillic"] += 1
        elif ch.isalpha() and o < 0x250 or 0x1E00 <= o <= 0x1EFF:
            counts["latin"] += 1
            if ch in _VI_LETTERS or 0x1EA0 <= o <= 0x1EF9:
                counts["vi"] += 1
            elif any(m in _VI_TONES for m in unicodedata.normalize("NFD", ch)[1:]) and ch.lower() not in "éèàùìòáíóú":
                counts["vi"] += 1
    return counts


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder  # heavy: its models load on first use

    langs = {"ko": Language.KOREAN, "en": Language.ENGLISH, "zh": Language.CHINESE, "ja": Language.JAPANESE,
             "vi": Language.VIETNAMESE, "mn": Language.MONGOLIAN}
    detector = LanguageDetectorBuilder.from_languages(*langs.values()).with_preloaded_language_models().build()
    return detector, {v: k for k, v in langs.items()}


def detect(text: str, default: str = "ko") -> str:
    """The language of a message, one of LANGS; `default` when nothing in it tells."""
    c = _script_counts(text)
    if c["hangul"]:
        # Korean text may contain hanja and Latin words; any Hangul means Korean.
        return "ko"
    if c["kana"]:
        return "ja"
    if c["cyrillic"]:
        return "mn"
    if c["han"] and c["han"] >= c["latin"]:
        return "zh"
    if not c["latin"]:
        return "zh" if c["han"] else default
    if c["vi"]:
        return "vi"
    if len(text.split()) <= 3:
        # Too short for n-gram statistics ("hi", "thanks"); Vietnamese is nearly always typed with
        # its diacritics, so short Latin text without them is taken as English.
        return "en"
    detector, names = _lingua()
    found = detector.detect_language_of(text)
    guess = names.get(found) if found is not None else None
    # Latin text without Vietnamese letters: lingua decides between the Latin-script languages.
    if guess in ("en", "vi"):
        return guess
    return "en"


def warm_up() -> None:
    """Load the lingua models now (they take a moment) rather than on the first message."""
    _lingua()
