"""Events go out only after commit, only to permitted recipients."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dasan.conversations.actions import do_append_message, do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import MsgKind
from dasan.db.engine import make_sessionmaker
from dasan.events import actions as event_actions
from dasan.events.bus import Connection, LocalBus
from dasan.events.schemas import Audience

from .conftest import run_async


class Recorder(LocalBus):
    def __init__(self):
        super().__init__()
        self.sent = []

    def publish(self, audience, event):
        self.sent.append((audience, event))


def _factory(app):
    factory = make_sessionmaker(app.state.engine)
    bus = Recorder()
    event_actions.install(factory, bus)
    return factory, bus


def test_events_wait_for_commit_and_vanish_on_rollback(app):
    factory, bus = _factory(app)
    s = factory()
    citizen = do_get_or_create_citizen(session=s, kind="phone", value="0101")
    conv = do_start_conversation(session=s, citizen=citizen, channel="sms")
    do_append_message(session=s, conv=conv, kind=MsgKind.INBOUND, body="hi")
    assert bus.sent == []  # nothing before commit
    s.rollback()
    s.close()
    assert bus.sent == []  # and nothing after a rollback
    s = factory()
    citizen = do_get_or_create_citizen(session=s, kind="phone", value="0101")
    conv = do_start_conversation(session=s, citizen=citizen, channel="sms")
    do_append_message(session=s, conv=conv, kind=MsgKind.INBOUND, body="hi")
    s.commit()
    s.close()
    assert [e.type for _, e in bus.sent] == ["conversation.updated", "citizen.status", "message.created"]


def test_notes_are_addressed_to_the_agent_only(app):
    factory, bus = _factory(app)
    with factory() as s:
        citizen = do_get_or_create_citizen(session=s, kind="phone", value="0102")
        conv = do_start_conversation(session=s, citizen=citizen, channel="sms")
        conv.agent_id = None
        do_append_message(session=s, conv=conv, kind=MsgKind.NOTE, body="internal")
        do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body="public")
        s.commit()
    note, public = [a for a, e in bus.sent if e.type == "message.created"]
    assert note.citizen_conversation_id is None and note.roles == []
    assert public.citizen_conversation_id == conv.id


@given(
    user=st.one_of(st.none(), st.integers(1, 5)),
    role=st.one_of(st.none(), st.sampled_from(["agent", "supervisor", "analyst"])),
    convs=st.sets(st.integers(1, 5), max_size=3),
    a_users=st.lists(st.integers(1, 5), max_size=3),
    a_roles=st.lists(st.sampled_from(["agent", "supervisor", "analyst"]), max_size=2),
    a_conv=st.one_of(st.none(), st.integers(1, 5)),
)
def test_a_connection_receives_exactly_what_its_audience_names(user, role, convs, a_users, a_roles, a_conv):
    conn = Connection(user_id=user, role=role, citizen_conversation_ids=set(convs))
    audience = Audience(user_ids=a_users, roles=a_roles, citizen_conversation_id=a_conv)
    expected = (user is not None and user in a_users) or (role is not None and role in a_roles) or (
        a_conv is not None and a_conv in convs)
    assert conn.permitted(audience) is expected


def test_hub_delivers_only_to_permitted_connections():
    from dasan.events.schemas import CitizenStatus

    async def run():
        bus = LocalBus()
        await bus.start()
        citizen = Connection(citizen_conversation_ids={7})
        other = Connection(citizen_conversation_ids={8})
        supervisor = Connection(user_id=1, role="supervisor")
        for c in (citizen, other, supervisor):
            bus.hub.add(c)
        bus.publish(Audience(citizen_conversation_id=7), CitizenStatus(data={"status": "active"}))
        return citizen.queue.qsize(), other.queue.qsize(), supervisor.queue.qsize()

    assert run_async(run()) == (1, 0, 0)


def test_a_client_that_stops_reading_is_cut_off_not_the_server():
    from dasan.events.schemas import CitizenStatus

    async def run():
        bus = LocalBus()
        await bus.start()
        slow = Connection(citizen_conversation_ids={1})
        bus.hub.add(slow)
        for _ in range(1001):
            bus.publish(Audience(citizen_conversation_id=1), CitizenStatus(data={"status": "queued"}))
        return slow.overflowed, slow in bus.hub.connections, slow.queue.qsize()

    assert run_async(run()) == (True, False, 1000)
