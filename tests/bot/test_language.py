"""Language identification: scripts decide short inputs; every answer is a service language."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.bot.language import LANGS, detect


@pytest.mark.parametrize(
    ("text", "lang"),
    [("네", "ko"), ("상담원 연결", "ko"), ("ありがとう", "ja"), ("東京に行きたいです", "ja"), ("谢谢", "zh"),
     ("Сайн байна уу", "mn"), ("cảm ơn", "vi"), ("Tôi muốn hỏi về thuế", "vi"),
     ("How do I dispose of a sofa?", "en"), ("이헌재기자 uni@donga.com", "ko"),
     ("I would like to ask about my water bill please", "en"), ("xin chao", "vi"), ("ok", "en")],
)
def test_known_inputs(text, lang):
    assert detect(text) == lang


def test_a_near_tie_between_english_and_vietnamese_keeps_the_conversations_language():
    # "hi" is nearly as likely Vietnamese as English to lingua: the conversation's language decides
    assert detect("hi", default="en") == "en" and detect("hi", default="vi") == "vi"
    # a clear case is not overruled by it
    assert detect("How do I pay my water bill", default="vi") == "en"
    assert detect("toi muon dang ky", default="en") == "vi"  # Vietnamese typed without its diacritics


def test_nothing_to_go_on_gives_the_default():
    assert detect("12345 !!!") == "ko"
    assert detect("", default="en") == "en"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_always_a_service_language(text):
    assert detect(text) in LANGS
