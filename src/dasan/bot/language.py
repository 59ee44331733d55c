"""Which of the six service languages (ko, en, zh, ja, vi, mn) a message is written in.

Script first, statistics second: each of Hangul, kana and Cyrillic belongs to exactly one of the
six languages (Mongolian is the only Cyrillic one), so a single such character decides, even in a
two-letter message. What a script leaves open, lingua decides between the languages it leaves:
Han characters without kana between Chinese and Japanese, Latin letters between English and
Vietnamese (a letter only Vietnamese has decides at once; a near tie keeps the conversation's
language when it is one of the two). Measured on whole sentences and on
1–3-word fragments of them against lingua alone (docs/performance.md).
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
    """Two lingua detectors, each over the languages one script leaves open: Chinese or Japanese
    for Han characters without kana, English or Vietnamese for Latin letters."""
    from lingua import Language, LanguageDetectorBuilder  # heavy: its models load on first use

    def build(*langs: Language):
        return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()

    names = {Language.ENGLISH: "en", Language.VIETNAMESE: "vi", Language.CHINESE: "zh", Language.JAPANESE: "ja"}
    return build(Language.CHINESE, Language.JAPANESE), build(Language.ENGLISH, Language.VIETNAMESE), names


# English and Vietnamese closer than this in lingua's confidence ("hi": 0.54 vi / 0.46 en) keep
# the language the conversation is already in, when it is one of the two; otherwise lingua's best
# guess stands. (Taking English whenever it was this close cost 7 of 2,496 one- and two-word Latin
# fragments: docs/performance.md.)
TOO_CLOSE = 0.1


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
    if not c["latin"] and not c["han"]:
        return default
    han, latin, names = _lingua()
    if c["han"] >= c["latin"]:
        # Han characters without kana: Chinese, or Japanese written in kanji alone ("東京都 新宿区").
        found = han.detect_language_of(text)
        return names[found] if found is not None else "zh"
    if c["vi"]:
        return "vi"
    # Latin letters without Vietnamese's own: English, or Vietnamese typed without its diacritics.
    ranked = latin.compute_language_confidence_values(text)
    if not ranked:
        return default if default in ("en", "vi") else "en"
    if default in ("en", "vi") and len(ranked) > 1 and ranked[0].value - ranked[1].value < TOO_CLOSE:
        return default
    return names[ranked[0].language]


def warm_up() -> None:
    """Load the lingua models now (they take a moment) rather than on the first message."""
    _lingua()
