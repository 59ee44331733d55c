"""Agents' state: a new agent's state and skills, presence changes (logged), freeing an agent
after a contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.conversations.actions import (
    SUPERVISING_ROLES,
)
from dasan.core import clock
from dasan.core.commit import ROUTING, on_commit
from dasan.core.errors import Conflict, Invalid
from dasan.events.actions import send_event_on_commit
from dasan.events.schemas import Audience, PresenceChanged
from dasan.orgs.models import User
from dasan.routing.models import AgentSkill, AgentStatus, Presence, PresenceLog, Skill
from dasan.routing.service import ROUTABLE_ROLES


def get_status(session: Session, user_id: int, *, lock: bool = False) -> AgentStatus:
    """The agent's status row, created on first use."""
    q = select(AgentStatus).where(AgentStatus.user_id == user_id)
    if lock:
        q = q.with_for_update()
    row = session.scalar(q)
    if row is None:
        row = AgentStatus(user_id=user_id, presence=Presence.OFFLINE)
        session.add(row)
        session.flush()
    return row


def do_set_presence(*, session: Session, user: User, presence: Presence, reason: str = "",
                    until: datetime | None = None) -> AgentStatus:
    """Change an agent's state; becoming available starts the idle clock. A break `until` a time
    (an agent's recovery after an abusive contact) cannot be left early by the agent: routing
    honours it, and the dispatcher ends it at that time (`do_end_timed_breaks`)."""
    status = get_status(session, user.id, lock=True)
    now = clock.now()
    held = status.break_until  # aware: UTCDateTime
    held_on = held is not None and held > now
    if presence == Presence.AVAILABLE and held is not None and held_on and reason != "break ended":
        raise Conflict(f"on a recovery break for {max(1, round((held - now).total_seconds() / 60))} more minutes",
                       code="recovery_break")
    if presence == Presence.BREAK:  # another break (a missed call's) never shortens a recovery break
        status.break_until = until if until is not None else (status.break_until if held_on else None)
    elif presence != Presence.OFFLINE or not held_on:  # logging out keeps it: back within it, still on it
        status.break_until = None
    if status.presence != presence:
        if presence == Presence.AVAILABLE:
            status.idle_since = now
        status.presence = presence
        status.since = now
        session.add(PresenceLog(user_id=user.id, presence=presence, at=now, reason=reason[:40]))
        session.flush()
        if presence == Presence.AVAILABLE:
            on_commit(session, ROUTING)
    send_event_on_commit(
        session,
        Audience(user_ids=[user.id], roles=SUPERVISING_ROLES),
        PresenceChanged(data={"user_id": user.id, "presence": status.presence, "reason": reason,
                              "since": status.since.isoformat()}),
    )
    return status


def do_end_timed_breaks(*, session: Session) -> int:
    """Agents whose timed break is over become available again. Returns how many."""
    due = session.scalars(select(AgentStatus).where(AgentStatus.presence == Presence.BREAK,
                                                    AgentStatus.break_until.is_not(None),
                                                    AgentStatus.break_until <= clock.now())).all()
    for status in due:
        user = session.get(User, status.user_id)
        if user is not None:
            do_set_presence(session=session, user=user, presence=Presence.AVAILABLE, reason="break ended")
    return len(due)


def do_free_agent(*, session: Session, user_id: int) -> None:
    """The agent finished a contact: the longest-idle clock restarts now."""
    status = get_status(session, user_id)
    status.idle_since = clock.now()
    on_commit(session, ROUTING)  # the agent can take another contact


def do_make_agent(*, session: Session, user: User, skills: dict[str, int] | None = None,
                  max_chats: int = 3) -> None:
    """Give a user who takes contacts (agents, supervisors) a live state, and skills with a
    proficiency of 1–5."""
    if user.role in ROUTABLE_ROLES and session.get(AgentStatus, user.id) is None:
        session.add(AgentStatus(user_id=user.id, max_chats=max_chats))
    for code, level in (skills or {}).items():
        skill = session.scalar(select(Skill).where(Skill.code == code))
        if skill is None:
            raise Invalid(f"unknown skill '{code}'", code="skill")
        if not 1 <= level <= 5:
            raise Invalid("proficiency must be 1–5", code="proficiency")
        session.add(AgentSkill(user_id=user.id, skill_id=skill.id, proficiency=level))
    session.flush()
