"""The center as data: its profile row wins over the settings' defaults, is read back at once by
this process, and a profile that cannot work is refused with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from dasan.center import service
from dasan.center.actions import do_set_center
from dasan.center.core import Center
from dasan.db.engine import session_scope
from dasan.demo.profiles import CITY_311, SEOUL_120


def test_settings_are_the_default_and_the_stored_profile_wins(factory, settings):
    with session_scope(factory) as s:
        default = service.get(s)
    assert (default.number, default.timezone, default.default_lang) == (settings.center_number,
                                                                        settings.center_timezone, "ko")
    with session_scope(factory) as s:
        do_set_center(session=s, center=CITY_311)
    with session_scope(factory) as s:
        got = service.get(s)
    assert got == CITY_311 and got.name("zh") == "莱克波特 311 市民热线" and got.name("ja") == "Lakeport 311"


@pytest.mark.parametrize("change, message", [
    ({"languages": ("ko", "fr")}, "service languages"),
    ({"languages": ()}, "service languages"),
    ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
    ({"country": "XX"}, "public-holiday calendar"),
    ({"office_open": time(18), "office_close": time(9)}, "open before they close"),
])
def test_a_center_that_cannot_work_is_refused(change, message):
    with pytest.raises(Exception, match=message):
        replace(SEOUL_120, **change)


def test_names_fall_back_to_the_default_language():
    center = Center(code="x", number="1", timezone="UTC", country="GB", languages=("en", "ko"),
                    names={"en": "Town Hall Line"})
    assert center.name("ko") == "Town Hall Line" and center.short_name("ko") == "Town Hall Line"


def test_an_app_with_an_unworkable_center_refuses_to_start(settings):
    from dasan.app import create_app

    with pytest.raises(ValueError, match="Mars/Olympus"):
        create_app(settings.model_copy(update={"center_timezone": "Mars/Olympus"}))
