"""Email against real SMTP servers on 127.0.0.1: Dasan's own (aiosmtpd) for inbound mail, and a
second one standing in for the city's mail relay, which receives the replies."""

from __future__ import annotations

import smtplib
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from dasan.app import create_app
from dasan.conversations.actions import do_append_message
from dasan.conversations.models import Conversation, Message, MsgKind
from dasan.db.engine import session_scope
from dasan.demo.seed import seed

from ..conftest import free_port

CITIZEN = "kim.citizen@example.kr"


class Relay:
    def __init__(self):
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.rcpt_tos, BytesParser(policy=policy.default).parsebytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def mail_stack(settings):
    relay = Relay()
    relay_port, listen = free_port(), free_port()
    outside = Controller(relay, hostname="127.0.0.1", port=relay_port)
    outside.start()
    app = create_app(settings.model_copy(update={"smtp_listen_port": listen, "smtp_host": "127.0.0.1",
                                                 "smtp_port": relay_port, "bot_enabled": False}))
    with session_scope(app.state.session_factory) as s:
        seed(session=s)
    with TestClient(app) as client:
        app.state.test_client = client
        yield app, listen, relay
    outside.stop()


def _mail(listen, msgid, subject, text, reply_to=None, refs=()):
    m = EmailMessage()
    m["From"] = f"김시민 <{CITIZEN}>"
    m["To"] = "120@dasan.seoul.example"
    m["Subject"] = subject
    m["Message-ID"] = msgid
    if reply_to:
        m["In-Reply-To"] = reply_to
        m["References"] = " ".join(refs)
    m.set_content(text)
    with smtplib.SMTP("127.0.0.1", listen) as smtp:
        smtp.send_message(m)


def test_a_thread_of_three_emails_is_one_conversation_and_the_reply_stays_in_the_thread(mail_stack):
    app, listen, relay = mail_stack
    factory = app.state.session_factory
    _mail(listen, "<a1@example.kr>", "주차 과태료 문의", "과태료를 냈는데 또 고지서가 왔습니다.")
    _mail(listen, "<a2@example.kr>", "Re: 주차 과태료 문의", "고지서 사진을 첨부합니다.", "<a1@example.kr>",
          ["<a1@example.kr>"])
    _mail(listen, "<a3@example.kr>", "Re: 주차 과태료 문의", "확인 부탁드립니다.", "<a2@example.kr>",
          ["<a1@example.kr>", "<a2@example.kr>"])
    _mail(listen, "<a2@example.kr>", "Re: 주차 과태료 문의", "고지서 사진을 첨부합니다.", "<a1@example.kr>",
          ["<a1@example.kr>"])  # the citizen's server delivers one twice
    with session_scope(factory) as s:
        convs = s.scalars(select(Conversation).where(Conversation.channel == "email")).all()
        assert len(convs) == 1
        conv_id = convs[0].id
        bodies = s.scalars(select(Message.body).where(Message.conversation_id == conv_id).order_by(Message.seq)).all()
        assert len(bodies) == 3 and bodies[0].startswith("주차 과태료 문의\n\n과태료를")
        do_append_message(session=s, conv=s.get(Conversation, conv_id), kind=MsgKind.OUTBOUND,
                          body="확인해 보니 이중 고지였습니다. 두 번째 고지서는 취소되었습니다.")
    deadline = time.time() + 10
    while not relay.got and time.time() < deadline:
        app.state.outbox.run_once()
        time.sleep(0.1)
    (rcpts, reply), = relay.got
    assert rcpts == [CITIZEN]
    assert reply["Subject"] == "Re: 주차 과태료 문의"
    assert reply["In-Reply-To"] == "<a3@example.kr>"
    assert "<a1@example.kr>" in reply["References"] and "<a2@example.kr>" in reply["References"]
    assert "이중 고지" in reply.get_body(preferencelist=("plain",)).get_content()
    # The citizen answers our reply: it joins the same conversation through our Message-ID.
    _mail(listen, "<a4@example.kr>", "Re: 주차 과태료 문의", "감사합니다.", reply["Message-ID"],
          ["<a1@example.kr>", reply["Message-ID"]])
    with session_scope(factory) as s:
        assert len(s.scalars(select(Conversation).where(Conversation.channel == "email")).all()) == 1
        last = s.scalar(select(Message.body).where(Message.external_id == "email:<a4@example.kr>"))
        assert last.endswith("감사합니다.")


def test_junk_is_refused_at_the_smtp_level(mail_stack):
    app, listen, _ = mail_stack
    with smtplib.SMTP("127.0.0.1", listen) as smtp, pytest.raises(smtplib.SMTPDataError) as refused:
        junk = b"Subject: no Message-ID, no From\r\n\r\nhello\r\n"
        smtp.sendmail("x@example.kr", ["120@dasan.seoul.example"], junk)
    assert refused.value.smtp_code == 550
    with session_scope(app.state.session_factory) as s:
        assert s.scalars(select(Message)).all() == []


def test_photo_attachments_arrive_cleaned_and_only_staff_can_open_them(mail_stack):
    from ..attachments.test_attachments import photo_with_gps
    from ..conftest import login

    app, listen, _ = mail_stack
    m = EmailMessage()
    m["From"] = f"김시민 <{CITIZEN}>"
    m["To"] = "120@dasan.seoul.example"
    m["Subject"] = "불법 투기 사진"
    m["Message-ID"] = "<p1@example.kr>"
    m.set_content("사진 보냅니다.")
    m.add_attachment(photo_with_gps(), maintype="image", subtype="jpeg", filename="IMG_0042.jpg")
    m.add_attachment(b"MZ\x90\x00\x03", maintype="application", subtype="octet-stream", filename="setup.exe")
    with smtplib.SMTP("127.0.0.1", listen) as smtp:
        smtp.send_message(m)
    with session_scope(app.state.session_factory) as s:
        msg = s.scalar(select(Message).where(Message.external_id == "email:<p1@example.kr>"))
        photo, exe = msg.attachments
        conv_id = msg.conversation_id
    assert photo["name"] == "IMG_0042.jpg" and photo["content_type"] == "image/jpeg" and not photo.get("rejected")
    assert exe["url"] == "" and "not an image" in exe["rejected"]
    client = app.state.test_client  # the one the fixture started (one event loop per app)
    assert client.get(photo["url"]).status_code == 401  # not for the public
    login(client, "supervisor1")
    r = client.get(photo["url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    import io

    from PIL import Image

    assert not Image.open(io.BytesIO(r.content)).getexif()  # no GPS position left
    assert client.get(photo["thumbnail_url"]).status_code == 200
    shown = client.get(f"/api/v1/conversations/{conv_id}").json()["messages"][0]["attachments"]
    assert [a["name"] for a in shown] == ["IMG_0042.jpg", "setup.exe"]
