"""The procedure dialogue, pure: place, photo, required attributes, confirmation — or a hand-over."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dasan.bot.procedures import MAX_MISSES, Service, State, answer, start

PARKING = Service(code="illegal-parking", names={"ko": "불법 주정차 단속 요청", "en": "Illegal parking"},
                  by_district=False)
BULKY = Service(code="bulky-waste", names={"ko": "대형폐기물 수거 요청", "en": "Bulky waste collection"},
                by_district=True, attributes=(
                    {"variable": True, "code": "ITEM", "datatype": "singlevaluelist", "required": True, "order": 1,
                     "description": "What is to be collected?",
                     "values": [{"key": "fridge", "name": "Refrigerator"}, {"key": "sofa", "name": "Sofa"}]},
                    {"variable": True, "code": "COUNT", "datatype": "number", "required": True, "order": 2,
                     "description": "How many items?"},
                    {"variable": True, "code": "PICKUP", "datatype": "datetime", "required": False, "order": 3,
                     "description": "Preferred pickup time"},
                    {"variable": False, "code": "NOTE", "datatype": "text", "required": True, "order": 0,
                     "description": "A note, not a question"}))
PHOTO = {"key": "abc123", "content_type": "image/jpeg", "name": "car.jpg"}


def districts(text: str) -> str | None:
    return "mapo" if "마포" in text or "Mapo" in text else None


def test_illegal_parking_in_korean_place_photo_confirm():
    r = start(PARKING, lang="ko", description="집 앞에 불법주차 신고하려고요", photos=True)
    assert (r.action, r.key, r.state.step) == ("ask", "bot.proc_start", "place")
    assert r.params["service"] == "불법 주정차 단속 요청"
    r = answer(r.state, PARKING, text="마포구 월드컵로 212 앞", attachments=[], photos=True, district_of=districts)
    assert (r.action, r.key, r.state.district) == ("ask", "bot.proc_photo", "mapo")
    r = answer(r.state, PARKING, text="", attachments=[PHOTO], photos=True, district_of=districts)
    assert (r.key, r.state.photo) == ("bot.proc_confirm", PHOTO)
    assert r.params["place"] == "마포구 월드컵로 212 앞"
    r = answer(r.state, PARKING, text="네", attachments=[], photos=True, district_of=districts)
    assert r.action == "open" and r.state.description == "집 앞에 불법주차 신고하려고요"


def test_in_english_without_photos_on_the_channel_and_attributes_asked_in_order():
    r = start(BULKY, lang="en", description="please collect my old sofa", photos=False)
    r = answer(r.state, BULKY, text="12 Elm street", attachments=[], photos=False, district_of=districts)
    assert r.key == "bot.proc_place_again"  # a district's service: the place must name the district
    r = answer(r.state, BULKY, text="Mapo-gu, 12 Elm street", attachments=[], photos=False, district_of=districts)
    assert (r.key, r.state.step) == ("bot.proc_attribute", "attr:ITEM")  # no photo step on this channel
    assert r.params["options"] == "1. Refrigerator\n2. Sofa"
    r = answer(r.state, BULKY, text="7", attachments=[], photos=False, district_of=districts)
    assert r.key == "bot.proc_attribute_again"
    r = answer(r.state, BULKY, text="sofa", attachments=[], photos=False, district_of=districts)
    assert r.state.values == {"ITEM": "sofa"} and r.state.step == "attr:COUNT"
    r = answer(r.state, BULKY, text="2", attachments=[], photos=False, district_of=districts)
    assert r.state.values == {"ITEM": "sofa", "COUNT": 2} and r.key == "bot.proc_confirm"
    assert r.action == "ask" and answer(r.state, BULKY, text="Yes!", attachments=[], photos=False,
                                        district_of=districts).action == "open"


def test_skip_the_photo_cancel_and_hand_over_after_two_unusable_answers():
    r = start(PARKING, lang="ko", description="불법주차 신고", photos=True)
    r = answer(r.state, PARKING, text="서대문구 연희로 1", attachments=[], photos=True, district_of=districts)
    r = answer(r.state, PARKING, text="사진 없어요", attachments=[], photos=True, district_of=districts)
    assert r.key == "bot.proc_confirm" and r.state.photo is None
    assert answer(r.state, PARKING, text="취소", attachments=[], photos=True, district_of=districts).action == "cancel"
    r = start(PARKING, lang="en", description="report illegal parking", photos=True)
    r = answer(r.state, PARKING, text="x", attachments=[], photos=True, district_of=districts)
    assert r.action == "ask" and r.key == "bot.proc_place_again"
    r = answer(r.state, PARKING, text="?", attachments=[], photos=True, district_of=districts)
    assert r.action == "handoff" and r.state.misses == MAX_MISSES


PARKING_ZH = Service(
    code="illegal-parking", names={"ko": "불법 주정차 단속 요청", "en": "Illegal parking", "zh": "违章停车举报"},
    by_district=False, attributes=(
        {"variable": True, "code": "BLOCKING", "datatype": "multivaluelist", "required": True, "order": 1,
         "description": "What does it block?",
         "values": [{"key": "crosswalk", "name": "Crosswalk"}, {"key": "hydrant", "name": "Fire hydrant"},
                    {"key": "bus-stop", "name": "Bus stop"}]},),
    attribute_texts={"zh": {"BLOCKING": {"description": "挡住了什么？",
                                         "values": {"crosswalk": "人行横道", "hydrant": "消防栓"}}},
                     "ko": {"BLOCKING": {"description": "무엇을 막고 있나요?", "values": {"hydrant": "소화전"}}}})


def test_the_service_and_its_questions_in_the_citizens_language_with_the_definitions_text_for_the_rest():
    r = start(PARKING_ZH, lang="zh", description="我家门口有车违停", photos=False)
    assert r.params["service"] == "违章停车举报"
    r = answer(r.state, PARKING_ZH, text="麻浦区 世界杯路 212", attachments=[], photos=False, district_of=districts)
    assert r.params["question"] == "挡住了什么？"
    assert r.params["options"] == "1. 人行横道\n2. 消防栓\n3. Bus stop"  # no Chinese name: the definition's
    r = answer(r.state, PARKING_ZH, text="消防栓, Bus stop", attachments=[], photos=False, district_of=districts)
    assert r.state.values == {"BLOCKING": ["bus-stop", "hydrant"]} and r.key == "bot.proc_confirm"
    assert r.params["details"] == "挡住了什么: Bus stop, 消防栓"
    # Mongolian has no text at all: the definition's own, and the name in English
    r = start(PARKING_ZH, lang="mn", description="машин буруу зогссон", photos=False)
    assert r.params["service"] == "Illegal parking"
    r = answer(r.state, PARKING_ZH, text="Мапо 1", attachments=[], photos=False, district_of=districts)
    assert r.params["question"] == "What does it block?"
    # a value answered by its name in another language, or by a multi-word name, is still that value
    r = answer(r.state, PARKING_ZH, text="소화전", attachments=[], photos=False, district_of=districts)
    assert r.state.values == {"BLOCKING": ["hydrant"]}
    r = start(PARKING_ZH, lang="en", description="report parking", photos=False)
    r = answer(r.state, PARKING_ZH, text="12 Elm st", attachments=[], photos=False, district_of=districts)
    r = answer(r.state, PARKING_ZH, text="fire hydrant", attachments=[], photos=False, district_of=districts)
    assert r.state.values == {"BLOCKING": ["hydrant"]}


def test_state_survives_json():
    r = start(BULKY, lang="ko", description="소파 수거 신청", photos=True)
    r = answer(r.state, BULKY, text="마포구 성산동 1", attachments=[], photos=True, district_of=districts)
    again = State.from_json(r.state.as_json())
    assert again == r.state


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["네", "yes", "1", "2", "sofa", "skip", "마포구 1",
                                                                  "취소", "no", "사진 없어요"])), max_size=12),
       st.booleans(), st.sampled_from(["ko", "en", "vi"]))
def test_any_answers_end_in_a_known_action_and_only_open_after_every_step(texts, photos, lang):
    r = start(BULKY, lang=lang, description="대형폐기물", photos=photos)
    for text in texts:
        if r.action != "ask":
            break
        r = answer(r.state, BULKY, text=text, attachments=[], photos=photos, district_of=districts)
        assert r.action in ("ask", "open", "cancel", "handoff")
        if r.action == "open":
            s = r.state
            assert s.district == "mapo" and set(s.values) == {"ITEM", "COUNT"} and s.step == "confirm"
