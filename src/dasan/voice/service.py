"""Reads for voice: which menu a dialled number leads to, the prompts admins recorded, the SIP
accounts Kamailio must know."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.conversations import service as conv_service
from dasan.conversations.models import Conversation
from dasan.orgs.models import Department, LegacyLine, User
from dasan.routing.models import Queue
from dasan.routing.service import wait_estimate
from dasan.voice import menu as menus
from dasan.voice.models import SipAccount, VoiceCall, VoiceMenu, VoiceNumber, VoicePrompt


@dataclass(frozen=True)
class Route:
    """What a dialled number leads to."""

    number: str
    menu: menus.Menu
    menu_code: str
    department_id: int | None
    department_name: dict[str, str]  # {"ko": …, "en": …}
    legacy_number: str  # the legacy line as the department published it ('' for the center's own)


def route_for(*, session: Session, dialled: str) -> Route | None:
    """The menu of a dialled number (and its department, for a legacy line); None if the center
    does not answer that number."""
    row = session.execute(
        select(VoiceNumber, VoiceMenu).join(VoiceMenu, VoiceMenu.id == VoiceNumber.menu_id)
        .where(VoiceNumber.number == dial_digits(dialled))
    ).first()
    if row is None:
        return None
    number, menu_row = row
    line = session.get(LegacyLine, number.legacy_line_id) if number.legacy_line_id else None
    dept = session.get(Department, line.department_id) if line else None
    names = {"ko": dept.name, "en": dept.name_en or dept.name} if dept else {}
    return Route(number=number.number, menu=menus.parse(menu_row.tree), menu_code=menu_row.code,
                 department_id=dept.id if dept else None, department_name=names,
                 legacy_number=line.number if line else "")


def dial_digits(number: str) -> str:
    """A number as a call's request URI carries it: digits (and + * #) only."""
    return "".join(c for c in number if c.isdigit() or c in "+*#")


def queue_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Queue.code)))


def prompt_overrides(session: Session) -> dict[tuple[str, str], str]:
    """(key, lang) → path of an admin's recording."""
    return {(p.key, p.lang): p.path for p in session.scalars(select(VoicePrompt))}


def sip_accounts(session: Session) -> dict[str, str]:
    """username → HA1 of active users, for Kamailio."""
    rows = session.execute(select(SipAccount.username, SipAccount.ha1).join(User, User.id == SipAccount.user_id)
                           .where(User.active.is_(True)))
    return {username: ha1 for username, ha1 in rows}


def sip_username(user_id: int) -> str:
    """The SIP user an agent's softphone registers as."""
    return f"agent-{user_id}"


def user_of_sip(username: str) -> int | None:
    """The user id behind a SIP username, or None."""
    if not username.startswith("agent-"):
        return None
    rest = username[len("agent-"):]
    return int(rest) if rest.isdigit() else None


def get_call(*, session: Session, sip_call_id: str) -> VoiceCall | None:
    return session.scalar(select(VoiceCall).where(VoiceCall.sip_call_id == sip_call_id))


def calls_of(*, session: Session, conversation_id: int) -> list[VoiceCall]:
    return list(session.scalars(select(VoiceCall).where(VoiceCall.conversation_id == conversation_id)
                                .order_by(VoiceCall.id)))


def queue_status(*, session: Session, conversation_id: int) -> tuple[str, int | None, int, float | None]:
    """(status, offered_to, position, expected wait) of a waiting call's contact."""
    conv = session.get_one(Conversation, conversation_id)
    position = conv_service.queue_position(session=session, conv=conv)
    wait = wait_estimate(session=session, conv=conv, position=position) if position else None
    return conv.status, conv.offered_to_id, position, wait
