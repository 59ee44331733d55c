"""MMS from citizens by MM7 (the MMSC's DeliverReq): parsed from every MM7 release, photos cleaned,
stored once, joined to the citizen's SMS thread, sent to an agent, refused clearly when wrong."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from dasan.channels.mm7 import Mm7Error, parse_deliver_req
from dasan.conversations.models import Conversation, Message
from dasan.db.engine import session_scope
from dasan.outbox.models import OutboxItem
from dasan.security.actions import do_create_api_token

from ..attachments.test_attachments import photo_with_gps
from ..conftest import login
from .mm7msg import deliver_req, envelope

PHONE = "01055507788"
text_st = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300).filter(str.strip)


@hsettings(max_examples=60, deadline=None)
@given(text=text_st, subject=st.text(alphabet="가나다라마바사 abcXYZ0123", max_size=40),
       number=st.from_regex(r"010[0-9]{8}", fullmatch=True), tid=st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True))
def test_parse_gives_back_what_the_mmsc_sent(text, subject, number, tid):
    body, ctype = deliver_req(tid=tid, sender=f"+82{number[1:]}/TYPE=PLMN", text=text, subject=subject.strip(),
                              files=[("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not really a jpeg")])
    req = parse_deliver_req(body, ctype)
    assert req.transaction_id == tid and req.sender == f"+82{number[1:]}" and req.recipient == "120"
    assert req.text == text.strip() and req.subject == subject.strip()
    assert req.files == [("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not really a jpeg")]


@pytest.mark.parametrize("make, status, words", [
    (lambda: (b"hello", "text/plain"), 2007, "multipart/related"),
    (lambda: deliver_req(tid="t", sender=PHONE, text="x", soap="<not xml"), 2007, "well-formed"),
    (lambda: deliver_req(tid="t", sender=PHONE, text="x", soap=(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>&b;</env:Body>'
        '</env:Envelope>')), 2007, "not well-formed"),
    (lambda: deliver_req(tid="t", sender=PHONE, text="x", soap=envelope(tid="t", sender=PHONE, kind="SubmitReq")),
     2002, "SubmitReq is not supported"),
    (lambda: deliver_req(tid="", sender=PHONE, text="x"), 4004, "TransactionID"),
    (lambda: deliver_req(tid="t", sender="", text="x"), 4004, "Sender"),
    (lambda: deliver_req(tid="t", sender=PHONE, text="x",
                         soap=envelope(tid="t", sender=PHONE, content_href="cid:elsewhere")), 4004, "missing"),
    (lambda: deliver_req(tid="t", sender=PHONE, soap=envelope(tid="t", sender=PHONE, content_href=None)),
     4004, "no text"),
])
def test_requests_dasan_cannot_take_say_why(make, status, words):
    body, ctype = make()
    with pytest.raises(Mm7Error) as e:
        parse_deliver_req(body, ctype)
    assert e.value.status == status and words in str(e.value)


def _token(factory) -> str:
    with session_scope(factory) as s:
        return do_create_api_token(session=s, channel="sms")


def _basic(token: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"mmsc:{token}".encode()).decode()}


def _post(client, token, body, ctype, **headers):
    return client.post("/channels/mms/mm7", content=body, headers={"Content-Type": ctype, **_basic(token), **headers})


def test_a_photo_mms_reaches_an_agent_without_its_location_and_joins_the_sms_thread(client, seeded):
    factory = seeded
    token = _token(factory)
    # The citizen texted first (the SMS thread)...
    r = client.get("/channels/sms/kannel/mo", params={"token": token, "from": PHONE, "to": "120",
                                                      "text": "도로에 구멍이 났어요", "id": "k-1"})
    assert r.status_code == 200
    # ...then sends the photo by MMS, the number written the international way.
    photo = photo_with_gps()
    body, ctype = deliver_req(tid="mmsc-0001", sender=f"+82{PHONE[1:]}/TYPE=PLMN", subject="포트홀 신고",
                              text="시청역 3번 출구 앞입니다", files=[("IMG_0001.jpg", "image/jpeg", photo)])
    r = _post(client, token, body, ctype)
    assert r.status_code == 200 and "<StatusCode>1000</StatusCode>" in r.text and "DeliverRsp" in r.text
    assert "mmsc-0001" in r.text  # the answer names the MMSC's transaction
    # A retry of the same delivery is stored once.
    assert _post(client, token, body, ctype).status_code == 200
    with session_scope(factory) as s:
        msgs = s.scalars(select(Message).where(Message.kind == "inbound").order_by(Message.id)).all()
        assert len(msgs) == 2 and msgs[0].conversation_id == msgs[1].conversation_id  # one thread
        conv = s.get(Conversation, msgs[1].conversation_id)
        assert conv.channel == "sms"
        mms = msgs[1]
        assert mms.body == "포트홀 신고\n시청역 3번 출구 앞입니다"
        [att] = mms.attachments
        assert att["content_type"] == "image/jpeg" and att["thumbnail_url"] and not att.get("rejected")
    # The agent desktop gets the cleaned photo: no EXIF at all, so no GPS.
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    got = client.get(att["url"], headers=h)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(got.content))
    assert not img.getexif() and b"Exif" not in got.content
    assert client.get(att["thumbnail_url"], headers=h).status_code == 200
    # The conversation the agent opens shows the photo with its thumbnail.
    msgs = client.get(f"/api/v1/conversations/{conv.id}", headers=h).json()["messages"]
    assert [m["attachments"][0]["thumbnail_url"] for m in msgs if m.get("attachments")] == [att["thumbnail_url"]]


def test_a_photo_mms_goes_to_an_agent_not_the_bot(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    token = _token(factory)
    body, ctype = deliver_req(tid="mmsc-0002", sender=PHONE, text="이 쓰레기 좀 치워주세요",
                              files=[("a.jpg", "image/jpeg", photo_with_gps())])
    assert _post(client, token, body, ctype).status_code == 200
    with session_scope(factory) as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.status == "queued" and conv.channel == "sms"
        # The citizen is told an agent will answer, by SMS (through the outbox).
        item = s.scalars(select(OutboxItem)).one()
        assert item.recipient == f"+82{PHONE[1:]}" and item.channel == "sms"  # the one identity, E.164


def _texts_to(factory, phone, n, timeout=60.0):
    """The first `n` SMS replies to the phone (the bot answers on its own pool, after the gateway)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with session_scope(factory) as s:
            bodies = [i.body for i in s.scalars(select(OutboxItem).where(OutboxItem.recipient == phone)
                                                .order_by(OutboxItem.id))]
        if len(bodies) >= n or time.monotonic() > deadline:
            return bodies
        time.sleep(0.1)


def test_a_photo_mms_answers_the_bots_question_in_a_procedure_begun_by_sms(bot_client):
    from dasan.cases.models import Case

    client, app = bot_client
    factory = app.state.session_factory
    token = _token(factory)
    e164 = f"+82{PHONE[1:]}"

    def sms(text, kid):
        r = client.get("/channels/sms/kannel/mo", params={"token": token, "from": PHONE, "to": "120", "text": text,
                                                          "id": kid})
        assert r.status_code == 200

    sms("집 앞에 불법주차 신고하려고요", "k-1")
    assert "어디인가요" in _texts_to(factory, e164, 1)[-1]
    sms("마포구 월드컵로 212 앞", "k-2")
    assert "사진" in _texts_to(factory, e164, 2)[-1]  # the SMS thread carries MMS: a photo is asked for
    body, ctype = deliver_req(tid="mmsc-0003", sender=PHONE, text="",
                              files=[("car.jpg", "image/jpeg", photo_with_gps())])
    assert _post(client, token, body, ctype).status_code == 200
    reply = _texts_to(factory, e164, 3)[-1]
    assert "이대로 접수할까요" in reply and "사진: ✓" in reply  # the MMS answered the question
    sms("네", "k-3")
    replies = _texts_to(factory, e164, 5)
    opened = next(r for r in replies if "접수번호" in r and "접수를 마쳤습니다" in r)
    number = opened.split("접수번호 ")[1].split(",")[0]
    with session_scope(factory) as s:
        case = s.scalar(select(Case).where(Case.number == number))
        conv = s.get(Conversation, case.conversation_id)
        assert case.source == "chat" and case.address == "마포구 월드컵로 212 앞"
        assert conv.channel == "sms" and conv.status == "bot"  # no agent was needed
        assert [a["content_type"] for a in case.attachments] == ["image/jpeg"]


def test_wrong_requests_get_a_clear_error_and_store_nothing(client, seeded):
    factory = seeded
    token = _token(factory)
    body, ctype = deliver_req(tid="mmsc-0003", sender=PHONE, text="안녕하세요")
    assert client.post("/channels/mms/mm7", content=body, headers={"Content-Type": ctype}).status_code == 401
    wrong = base64.b64encode(b"mmsc:not-a-token").decode()
    assert client.post("/channels/mms/mm7", content=body,
                       headers={"Content-Type": ctype, "Authorization": f"Basic {wrong}"}).status_code == 401
    r = _post(client, token, b"<garbage", "multipart/related; boundary=x")
    assert r.status_code == 400 and "<StatusCode>2007</StatusCode>" in r.text and "faultstring" in r.text
    big = b"x" * (5 * 1024 * 1024 + 1)
    assert _post(client, token, big, ctype).status_code == 413
    with session_scope(factory) as s:
        assert s.scalars(select(Message)).all() == []
    # Bearer and ?token= work too (an MMSC configured with a URL only).
    assert client.post(f"/channels/mms/mm7?token={token}", content=body,
                       headers={"Content-Type": ctype}).status_code == 200
