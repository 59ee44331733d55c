"""The message catalogue: gettext `.po` files under `i18n/locale/<lang>/LC_MESSAGES/`, read
with Babel when first needed (no compile step; translators edit the .po files with any
gettext tool).

Messages are keyed (`widget.title`, `case.opened`, …) rather than keyed by their Korean text,
so a change of wording in one language never orphans the others. Placeholders are
`str.format` names; `{center}`, `{center_short}` and `{number}` are always available and come
from the center's profile, so no city is written into the text.

Domains:
- `citizen`: everything a citizen reads or hears (widget, system messages, bot, SMS, email,
  case notices, citizen pages, voice prompts), complete in all six service languages.
- `staff`: the staff pages, in Korean and English.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Formatter

from babel.messages.pofile import read_po

from dasan.center.core import SERVICE_LANGS, Center

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS: dict[str, tuple[str, ...]] = {"citizen": SERVICE_LANGS, "staff": ("ko", "en")}


class MissingMessage(KeyError):
    """A key the catalogue does not have (a programming error, caught by the completeness test)."""


@cache
def messages(domain: str, lang: str) -> dict[str, str]:
    """Every message of one domain in one language: {key: text}."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=domain)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


@cache
def keys(domain: str) -> frozenset[str]:
    """Every key any language of the domain has."""
    return frozenset(k for lang in DOMAINS[domain] for k in messages(domain, lang))


def raw(domain: str, key: str, lang: str) -> str:
    """The unformatted text: the language asked for, else the domain's first language."""
    text = messages(domain, lang).get(key) or messages(domain, DOMAINS[domain][0]).get(key)
    if text is None:
        raise MissingMessage(f"no message '{key}' in the {domain} catalogue")
    return text


def placeholders(text: str) -> set[str]:
    """The `{names}` a message uses."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def center_params(center: Center, lang: str) -> dict[str, str]:
    return {"center": center.name(lang), "center_short": center.short_name(lang), "number": center.number}


def text(key: str, lang: str, center: Center, **params: object) -> str:
    """A citizen's message in their language, with the center's identity and `params` filled in."""
    if lang not in SERVICE_LANGS:
        lang = center.default_lang
    return raw("citizen", key, lang).format_map({**center_params(center, lang), **params})


def citizen_strings(prefix: str, lang: str, center: Center, **params: object) -> dict[str, str]:
    """Every citizen message under `prefix` (e.g. 'widget.'), center filled in, other
    placeholders left for the page's script: {short key: text}."""
    if lang not in SERVICE_LANGS:
        lang = center.default_lang
    fixed = {**center_params(center, lang), **{k: str(v) for k, v in params.items()}}
    out = {}
    for key in sorted(keys("citizen")):
        if key.startswith(prefix):
            template = raw("citizen", key, lang)
            out[key[len(prefix):]] = template.format_map(_Keep(fixed))
    return out


class _Keep(dict):
    """format_map that leaves unknown placeholders as they are (for the browser to fill)."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def staff(key: str, lang: str) -> str:
    """A staff page's string in Korean or English."""
    return raw("staff", key, lang if lang in DOMAINS["staff"] else "ko")


def staff_text(key: str, center: Center, **params: object) -> str:
    """Text the system writes for staff (notes, automatic records), in the staff language of the
    center: its default language when the staff catalogue has it, English otherwise."""
    lang = center.default_lang if center.default_lang in DOMAINS["staff"] else "en"
    return staff(key, lang).format_map(params)


@cache
def staff_strings(lang: str) -> dict[str, str]:
    """Every staff string in one language (for the page's scripts)."""
    return {k: staff(k, lang) for k in sorted(keys("staff"))}
