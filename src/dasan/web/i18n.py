"""Which language a page is in, and its strings from the message catalogue (`dasan.i18n`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel import Locale
from fastapi import Request

from dasan.center.core import SERVICE_LANGS
from dasan.i18n import catalogue

UI_LANGS = catalogue.DOMAINS["staff"]


def ui_lang(request: Request, user_locale: str | None = None) -> str:
    """Staff pages: ?lang= wins, then the cookie, then the user's own setting, then Korean."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("dasan_lang"), user_locale):
        if candidate in UI_LANGS:
            return candidate
    return "ko"


def citizen_lang(request: Request, default: str) -> str:
    """Citizen pages: ?lang= (any of the six), then the cookie, then the center's default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("dasan_lang")):
        if candidate in SERVICE_LANGS:
            return candidate
    return default


@lru_cache(maxsize=16)
def language_name(lang: str) -> str:
    """A language's name in itself (for language links: "Tiếng Việt", "中文")."""
    return Locale.parse(lang).get_display_name(lang) or lang


def translator(lang: str) -> Callable[[str], str]:
    """A `t(key)` function for templates: staff strings, and citizen ones (`page.…`) by key."""

    def t(key: str) -> str:
        if key.startswith("page."):
            return catalogue.raw("citizen", key, lang)
        return catalogue.staff(key, lang)

    return t


def strings_for(lang: str) -> dict[str, str]:
    """Every staff string in one language, for the page's JavaScript."""
    return catalogue.staff_strings(lang)
