"""A bot turn keyed to the citizen's message answers it once, however many times it is given
(the crash sweeper racing a backlog, two processes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dasan.bot.actions import bot_turn
from dasan.channels.intake import IntakeMessage, Sender, do_intake
from dasan.conversations.models import Message
from dasan.db.engine import session_scope


@pytest.fixture
def bot_app(settings):
    """The bot's app, started, without its lost-turn sweeper: the turns here are the test's own
    (on a slow machine the sweeper could answer the message before the four racing turns)."""
    from fastapi.testclient import TestClient

    from dasan.app import create_app
    from dasan.demo.seed import seed

    app = create_app(settings.model_copy(update={"bot_enabled": True, "lost_turn_interval_s": 3600.0}))
    with session_scope(app.state.session_factory) as s:
        seed(session=s)
    with TestClient(app):
        yield app


def _sms(app, ext: str, text: str):
    with session_scope(app.state.session_factory) as s:
        accepted = do_intake(session=s, bot=True, msg=IntakeMessage(
            channel="sms", external_id=ext, sender=Sender(phone="010-5550-7777"), text=text,
            sent_at=datetime.now(UTC)))
    return accepted


def _outbound(app, conv_id):
    with session_scope(app.state.session_factory) as s:
        return s.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == conv_id, Message.kind == "outbound"))


def test_the_same_message_given_to_the_bot_four_times_at_once_is_answered_once(bot_app):
    first = _sms(bot_app, "k1", "냉장고를 버리고 싶은데 어떻게 하나요?")

    def turn(seq, text):
        return bot_turn(factory=bot_app.state.session_factory, knowledge=bot_app.state.knowledge,
                        conversation_id=first.conversation_id, text=text, reply_to_seq=seq)

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda _: turn(first.seq, "냉장고를 버리고 싶은데 어떻게 하나요?"), range(4)))
    assert sum(1 for d in done if d is not None) == 1
    assert _outbound(bot_app, first.conversation_id) == 1
    # The citizen's next message is a new turn: answered too, once.
    second = _sms(bot_app, "k2", "소파는 어떻게 버리나요?")
    assert second.conversation_id == first.conversation_id
    assert turn(second.seq, "소파는 어떻게 버리나요?") is not None
    assert turn(second.seq, "소파는 어떻게 버리나요?") is None
    assert _outbound(bot_app, first.conversation_id) == 2
