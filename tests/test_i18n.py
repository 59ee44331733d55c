"""The message catalogue: citizen text complete in the six service languages, staff text in
Korean and English, placeholders the same in every language; the staff UI is Korean by default
and English on request (remembered in a cookie)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dasan.center.core import SERVICE_LANGS
from dasan.demo.profiles import CITY_311, SEOUL_120
from dasan.i18n import catalogue

from .conftest import login

SRC = Path(__file__).resolve().parent.parent / "src" / "dasan"


@pytest.mark.parametrize("domain", sorted(catalogue.DOMAINS))
def test_every_key_has_every_language_of_its_domain(domain):
    keys = catalogue.keys(domain)
    assert keys, f"the {domain} catalogue is empty"
    missing = {lang: sorted(keys - set(catalogue.messages(domain, lang))) for lang in catalogue.DOMAINS[domain]}
    assert {lang: m for lang, m in missing.items() if m} == {}
    assert catalogue.DOMAINS["citizen"] == SERVICE_LANGS


def test_placeholders_are_the_same_in_every_language():
    for domain, langs in catalogue.DOMAINS.items():
        for key in catalogue.keys(domain):
            want = catalogue.placeholders(catalogue.raw(domain, key, langs[0]))
            for lang in langs:
                assert catalogue.placeholders(catalogue.messages(domain, lang)[key]) == want, (domain, key, lang)


def _keys_used_in_code(readers: set[str]) -> set[str]:
    """Catalogue keys written as string literals in calls of `readers` (e.g. "system.ended")."""
    pattern = re.compile(r"^[a-z]+\.[a-z_]*[a-z]$")  # not a prefix of an f-string
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in readers:
                for arg in ast.walk(node):  # the key, or either side of a conditional key
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and pattern.match(arg.value):
                        used.add(arg.value)
    return used


def _page_keys_in_templates() -> set[str]:
    return {k for path in (SRC / "web" / "templates").glob("*.html")
            for k in re.findall(r"t\('(page\.[a-z_]+)'\)", path.read_text(encoding="utf-8"))}


def test_every_key_the_code_names_is_in_the_catalogue():
    citizen = _keys_used_in_code({"text", "citizen_text", "_tell_citizen", "raw"}) | _page_keys_in_templates()
    assert citizen and citizen - catalogue.keys("citizen") == set()
    staff = _keys_used_in_code({"staff_text"})
    assert staff and staff - catalogue.keys("staff") == set()


def test_citizen_text_names_the_center_it_is_given():
    for center in (SEOUL_120, CITY_311):
        for lang in center.languages:
            text = catalogue.text("bot.smalltalk", lang, center)
            assert center.name(lang) in text
            other = CITY_311 if center is SEOUL_120 else SEOUL_120
            assert other.name(lang) not in text


def test_korean_by_default_english_on_request(client, seeded):
    login(client, "agent1")
    assert "상담원 화면" in client.get("/agent").text
    r = client.get("/agent?lang=en")
    assert "Agent desktop" in r.text and '<html lang="en"' in r.text
    assert "Agent desktop" in client.get("/agent").text  # the choice is remembered
    assert "상담원 화면" in client.get("/agent?lang=ko").text


def test_citizen_pages_speak_the_six_languages(client, seeded):
    r = client.get("/cases/lookup?lang=vi")
    assert '<html lang="vi"' in r.text and "Tra cứu hồ sơ" in r.text and "Trung tâm 120 Dasan Seoul" in r.text
    widget = client.get("/static/widget.js").text
    for lang in SEOUL_120.languages:
        assert catalogue.text("widget.title", lang, SEOUL_120) in widget
