"""Calls in the routing engine: one call per agent."""

from __future__ import annotations

from sqlalchemy import select, update

from dasan.conversations.actions import do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import Conversation, ConvStatus
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.routing.dispatch import do_dispatch_round
from dasan.routing.models import AgentStatus, Presence
from dasan.routing.presence import do_set_presence


def test_a_call_fills_its_agent_and_chats_do_not_join_it(app, seeded):
    factory = seeded
    with session_scope(factory) as s:
        s.execute(update(AgentStatus).values(presence=Presence.OFFLINE))
        agent = s.scalar(select(User).where(User.username == "agent1"))
        do_set_presence(session=s, user=agent, presence=Presence.AVAILABLE)
        s.execute(update(AgentStatus).where(AgentStatus.user_id == agent.id).values(max_chats=3))
        ids = []
        for i, channel in enumerate(("voice", "voice", "webchat")):
            citizen = do_get_or_create_citizen(session=s, kind="phone", value=f"010-5555-000{i}")
            ids.append(do_start_conversation(session=s, citizen=citizen, channel=channel, queue_code="general").id)
    with session_scope(factory) as s:
        offered = do_dispatch_round(session=s, offer_timeout_s=20)
    assert [c.id for c in offered] == [ids[0]]  # the first call; not the second call, not the chat
    with session_scope(factory) as s:
        statuses = {i: st for i, st in s.execute(select(Conversation.id, Conversation.status))}
    assert statuses[ids[1]] == ConvStatus.QUEUED and statuses[ids[2]] == ConvStatus.QUEUED
