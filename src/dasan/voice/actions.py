"""Writes for voice calls: the call record from arrival to hang-up, and the call's life as a
conversation of channel `voice` in the same routing engine as every other channel. Called by the
call controller (in a worker thread, one transaction each)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations import service as conv_service
from dasan.conversations.actions import (
    do_close_with_record,
    do_get_or_create_citizen,
    do_record_event,
    do_start_conversation,
    notify_conversation,
)
from dasan.conversations.models import Conversation, ConvStatus, Resolution
from dasan.core import clock
from dasan.core import phone as phone_rules
from dasan.core.errors import Conflict, Invalid
from dasan.i18n import catalogue
from dasan.orgs.models import LegacyLine, User
from dasan.routing.core import GENERAL_QUEUE, queue_for
from dasan.routing.dispatch import do_accept, do_decline, do_end_contact
from dasan.routing.models import Presence
from dasan.routing.offers import do_request_callback
from dasan.routing.presence import do_free_agent, do_set_presence
from dasan.routing.service import ROUTABLE_ROLES, wait_estimate
from dasan.voice import menu as menus
from dasan.voice.models import CallOutcome, SipAccount, VoiceCall, VoiceMenu, VoiceNumber, VoicePrompt
from dasan.voice.prompts import PromptError, to_prompt_audio
from dasan.voice.service import dial_digits, queue_codes, sip_username
from dasan.voice.stack import REALM

CHANNEL = "voice"
PHONE_ROLES = (*ROUTABLE_ROLES, "official")  # who may have a phone registered with Kamailio


def do_begin_call(*, session: Session, sip_call_id: str, from_number: str, to_number: str,
                  direction: str = "in") -> VoiceCall:
    """The record of a call, written as it arrives (a retransmitted INVITE finds the first)."""
    existing = session.scalar(select(VoiceCall).where(VoiceCall.sip_call_id == sip_call_id))
    if existing is not None:
        return existing
    call = VoiceCall(sip_call_id=sip_call_id[:200], direction=direction, from_number=from_number[:64],
                     to_number=to_number[:64], started_at=clock.now())
    try:
        with session.begin_nested():
            session.add(call)
            session.flush()
    except IntegrityError:
        return session.scalar(select(VoiceCall).where(VoiceCall.sip_call_id == sip_call_id))  # type: ignore[return-value]
    return call


def do_refuse_call(*, session: Session, sip_call_id: str, from_number: str, to_number: str, reason: str) -> VoiceCall:
    """A call the center did not take (unknown number, no media …), recorded with the reason."""
    call = do_begin_call(session=session, sip_call_id=sip_call_id, from_number=from_number, to_number=to_number)
    call.outcome = CallOutcome.REFUSED
    call.reason = reason[:200]
    call.ended_at = clock.now()
    return call


@dataclass(frozen=True)
class Queued:
    conversation_id: int
    position: int
    wait_s: float | None
    can_call_back: bool
    offender: bool = False  # a repeat offender's call (M17): the dedicated team's queue, the warning first


def _locked(session: Session, call_id: int) -> VoiceCall:
    """The call's row, locked until the step commits: a hang-up and the menu's last step may be
    written by two writer threads at once (PostgreSQL), and each must see the other's outcome."""
    return session.get_one(VoiceCall, call_id, with_for_update=True, populate_existing=True)


def do_enqueue_call(*, session: Session, call_id: int, queue_code: str, lang: str, menu_path: str,
                    legacy_number: str = "") -> Queued | None:
    """The caller chose (or fell through to) a queue: the call becomes a contact waiting in the
    same line as chats and texts, recognised by phone number across channels. None when the call
    ended meanwhile (the caller hung up while the menu decided): never a contact nobody holds."""
    call = _locked(session, call_id)
    if call.ended_at is not None:
        return None
    center = center_service.get(session)
    e164 = phone_rules.try_normalize(call.from_number, center.country)
    if e164 is not None:
        citizen = do_get_or_create_citizen(session=session, kind="phone", value=e164, lang=lang)
    else:  # withheld or not a number: a citizen for this call only
        citizen = do_get_or_create_citizen(session=session, kind="sip", value=call.sip_call_id, lang=lang)
    conv = do_start_conversation(session=session, citizen=citizen, channel=CHANNEL, lang=lang,
                                 queue_code=queue_code, dialled_number=legacy_number or call.to_number)
    do_record_event(session=session, conv=conv, kind="menu",
                    data={"path": menu_path, "dialled": call.to_number, "call": call.sip_call_id})
    if e164 is not None:
        conv.offers_made = "callback"  # the voice queue offers a callback from the start ("press 1")
    call.conversation_id = conv.id
    call.queued_at = clock.now()
    call.outcome = CallOutcome.QUEUED
    call.menu_path = menu_path[:200]
    call.lang = lang
    session.flush()
    position = conv_service.queue_position(session=session, conv=conv)
    wait = wait_estimate(session=session, conv=conv, position=position)
    call.announced_wait_s = wait
    return Queued(conversation_id=conv.id, position=position, wait_s=wait, can_call_back=e164 is not None,
                  offender=citizen.restricted_until is not None and citizen.restricted_until > clock.now())


def do_call_back_later(*, session: Session, call_id: int, number: str | None = None) -> bool:
    """"1" in the queue: call back when it is the caller's turn (keeps the place), at the
    caller-ID number or the one keyed in. False when that is not a phone number."""
    call = session.get_one(VoiceCall, call_id)
    if call.conversation_id is None:
        return False
    conv = session.get_one(Conversation, call.conversation_id)
    if "callback" not in (conv.offers_made or ""):
        conv.offers_made = ",".join(sorted({o for o in (conv.offers_made or "").split(",") if o} | {"callback"}))
    try:
        do_request_callback(session=session, conv=conv, phone=number or call.from_number)
    except (Conflict, Invalid):
        return False
    call.outcome = CallOutcome.CALLBACK
    return True


def do_connected(*, session: Session, call_id: int, agent_id: int) -> bool:
    """The agent's phone answered: the offered contact is theirs. False when the offer went
    elsewhere meanwhile (expired, taken back): the agent's leg is then hung up."""
    call = session.get_one(VoiceCall, call_id)
    agent = session.get(User, agent_id)
    if agent is None or call.conversation_id is None:
        return False
    try:
        do_accept(session=session, user=agent, conversation_id=call.conversation_id)
    except Conflict:
        return False
    call.connected_at = clock.now()
    call.agent_id = agent_id
    call.outcome = CallOutcome.CONNECTED
    return True


def do_agent_missed(*, session: Session, conversation_id: int, agent_id: int, reason: str) -> None:
    """The agent's phone refused or did not answer: the contact goes back to its place in line.
    A phone that is not registered or does not answer sets its agent not-ready (as a missed
    offer does), or every call would ring the same empty desk again."""
    agent = session.get(User, agent_id)
    if agent is None:
        return
    try:
        do_decline(session=session, user=agent, conversation_id=conversation_id, reason=reason)
    except Conflict:
        pass  # already expired or moved
    if reason != "declined":
        do_set_presence(session=session, user=agent, presence=Presence.BREAK, reason=reason)


def do_end_call(*, session: Session, call_id: int, by: str, prompts: list[str], menu_path: str,
                outcome: CallOutcome | None = None, reason: str = "") -> VoiceCall:
    """The call ended (`by` caller | agent | center). A caller who hung up while waiting
    abandoned, unless they asked to be called back; a connected call goes to wrap-up."""
    call = _locked(session, call_id)
    now = clock.now()
    call.ended_at = now
    call.prompts_played = prompts[-200:]
    if menu_path and not call.menu_path:
        call.menu_path = menu_path[:200]
    if reason:
        call.reason = reason[:200]
    conv = session.get(Conversation, call.conversation_id) if call.conversation_id else None
    if conv is not None:
        do_record_event(session=session, conv=conv, kind="hangup",
                        data={"by": by, "call": call.sip_call_id, "prompts": call.prompts_played[-20:]})
        if conv.status in (ConvStatus.QUEUED, ConvStatus.OFFERED):
            if conv.callback_number is not None:
                call.outcome = CallOutcome.CALLBACK
            else:
                center = center_service.get(session)
                do_close_with_record(
                    session=session, conv=conv, agent=None,
                    category=catalogue.staff_text("record.category_none", center),
                    summary=catalogue.staff_text("record.left_waiting", center),
                    resolution=Resolution.ABANDONED,
                )
                call.outcome = CallOutcome.ABANDONED
        elif conv.status == ConvStatus.ACTIVE and conv.agent_id is not None:
            agent = session.get_one(User, conv.agent_id)
            do_end_contact(session=session, user=agent, conv=conv)
            call.outcome = CallOutcome.COMPLETED
        elif call.outcome == CallOutcome.CONNECTED:
            call.outcome = CallOutcome.COMPLETED
    elif call.outcome == CallOutcome.RINGING and outcome is None:
        call.outcome = CallOutcome.ABANDONED
        call.reason = call.reason or "hung up in the menu"
    if outcome is not None:  # the controller knows better (information given, a callback nobody took …)
        call.outcome = outcome
    return call


def do_hold(*, session: Session, call_id: int, held: bool) -> None:
    """The agent put the call on hold (the caller hears music) or resumed it."""
    call = session.get_one(VoiceCall, call_id)
    if held:
        call.hold_count += 1
    if call.conversation_id is not None:
        conv = session.get_one(Conversation, call.conversation_id)
        do_record_event(session=session, conv=conv, kind="hold" if held else "resume",
                        actor_id=call.agent_id)


def do_attach_recording(*, session: Session, call_id: int, path: str, seconds: float) -> None:
    call = session.get_one(VoiceCall, call_id)
    call.recording_path = path
    call.recording_s = seconds


def ha1(username: str, password: str) -> str:
    """The SIP digest hash (RFC 2617 HA1) Kamailio checks against."""
    return hashlib.md5(f"{username}:{REALM}:{password}".encode()).hexdigest()  # noqa: S324 — the SIP digest


def do_issue_sip_credentials(*, session: Session, user: User) -> tuple[str, str]:
    """New SIP credentials for an agent's softphone or an official's desk phone (the department's
    line agents consult and hand callers to), replacing any before: (username, password). Only
    the digest hash is stored."""
    if user.role not in PHONE_ROLES or not user.active:
        raise Invalid("only active agents and officials get a phone", code="not_an_agent")
    username = sip_username(user.id)
    password = secrets.token_urlsafe(18)
    account = session.get(SipAccount, user.id)
    if account is None:
        # Two of the agent's tabs (or a page reloaded while its request is under way) may ask at
        # once: the second insert meets the first's row and updates it instead.
        try:
            with session.begin_nested():
                session.add(SipAccount(user_id=user.id, username=username, ha1=ha1(username, password)))
                session.flush()
            return username, password
        except IntegrityError:
            account = session.get_one(SipAccount, user.id, populate_existing=True)
    account.ha1 = ha1(username, password)
    account.issued_at = clock.now()
    session.flush()
    return username, password


def prompt_keys() -> set[str]:
    """The prompts a menu may name: the catalogue's voice messages, and the language menu."""
    return {k for k in catalogue.keys("citizen") if k.startswith("voice.")} | {"voice.menu.languages"}


def check_menu(*, session: Session, tree: object) -> menus.Menu:
    """Validate a menu against this center's queues, languages and prompts."""
    center = center_service.get(session)
    return menus.parse(tree, queues=queue_codes(session), langs=set(center.languages), prompts=prompt_keys())


def do_save_menu(*, session: Session, code: str, name: str, tree: object, user: User | None = None) -> VoiceMenu:
    """Create or replace a menu (checked first: a bad menu changes nothing)."""
    parsed = check_menu(session=session, tree=tree)
    code = code.strip()
    if not code or len(code) > 40:
        raise Invalid("a menu needs a code of 1 to 40 characters", code="bad_menu")
    row = session.scalar(select(VoiceMenu).where(VoiceMenu.code == code))
    if row is None:
        row = VoiceMenu(code=code)
        session.add(row)
    row.name = name.strip()[:200]
    row.tree = menus.to_data(parsed)
    row.updated_at = clock.now()
    row.updated_by_id = user.id if user else None
    session.flush()
    return row


def do_set_number(*, session: Session, number: str, menu_code: str, label: str = "",
                  legacy_line_id: int | None = None) -> VoiceNumber:
    """Answer `number` with the menu `menu_code` (a new number, or a number moved to another menu)."""
    number = dial_digits(number.strip())
    if not number or len(number) > 40:
        raise Invalid("a dialled number needs digits (with + * #), up to 40", code="bad_number")
    menu_row = session.scalar(select(VoiceMenu).where(VoiceMenu.code == menu_code))
    if menu_row is None:
        raise Invalid(f"unknown menu '{menu_code}'", code="bad_menu")
    row = session.scalar(select(VoiceNumber).where(VoiceNumber.number == number))
    if row is None:
        row = VoiceNumber(number=number, menu_id=menu_row.id, label=label, legacy_line_id=legacy_line_id)
        session.add(row)
    else:
        row.menu_id = menu_row.id
        row.label = label or row.label
        row.legacy_line_id = legacy_line_id if legacy_line_id is not None else row.legacy_line_id
    session.flush()
    return row


def do_install_default_menus(*, session: Session) -> int:
    """The center's starting menus: its one number, and each legacy department line (kept as
    they are if they exist). Returns how many numbers were set up."""
    center = center_service.get(session)
    queues = queue_codes(session)
    operator = GENERAL_QUEUE if GENERAL_QUEUE in queues else sorted(queues)[0]
    by_lang = {lang: q for lang in center.languages
               if (q := queue_for(lang, center.default_lang)) in queues}
    made = 0
    plans: list[tuple[str, str, int | None, str]] = [("main", center.number, None, center.name(center.default_lang))]
    plans += [(f"line-{dial_digits(line.number)}", line.number, line.id, line.label or line.number)
              for line in session.scalars(select(LegacyLine).order_by(LegacyLine.number))]
    for code, number, line_id, label in plans:
        if session.scalar(select(VoiceNumber).where(VoiceNumber.number == dial_digits(number))) is not None:
            continue
        if session.scalar(select(VoiceMenu).where(VoiceMenu.code == code)) is None:
            tree = menus.default_tree(languages=center.languages, operator_queue=operator,
                                      queue_of_lang=by_lang, department=line_id is not None)
            do_save_menu(session=session, code=code, name=label, tree=tree)
        do_set_number(session=session, number=number, menu_code=code, label=label, legacy_line_id=line_id)
        made += 1
    return made


MAX_PROMPT_BYTES = 5 * 1024 * 1024


def do_upload_prompt(*, session: Session, key: str, lang: str, audio: bytes, data_dir: Path,
                     user: User | None) -> VoicePrompt:
    """An admin's recording replaces the generated prompt `key` in `lang`: any audio sox reads,
    converted to 8 kHz mono; a file that is not audio changes nothing."""
    center = center_service.get(session)
    if key not in prompt_keys() or key == "voice.menu.languages":
        raise Invalid(f"unknown prompt '{key}'", code="bad_prompt")
    if lang not in center.languages:
        raise Invalid(f"the center does not serve language '{lang}'", code="bad_prompt")
    if not audio:
        raise Invalid("the recording is empty", code="bad_prompt")
    if len(audio) > MAX_PROMPT_BYTES:
        raise Invalid("a recording is at most 5 MB", code="bad_prompt")
    rel = Path("voice") / "uploads" / lang / f"{key}-{secrets.token_hex(4)}.wav"
    try:
        seconds = to_prompt_audio(audio, data_dir / rel)
    except PromptError as exc:
        raise Invalid(str(exc), code="bad_prompt") from None
    row = session.scalar(select(VoicePrompt).where(VoicePrompt.key == key, VoicePrompt.lang == lang))
    if row is None:
        row = VoicePrompt(key=key, lang=lang)
        session.add(row)
    row.path = str(rel)
    row.duration_s = seconds
    row.uploaded_at = clock.now()
    row.uploaded_by_id = user.id if user else None
    session.flush()
    return row


def do_begin_callback(*, session: Session, conversation_id: int, sip_call_id: str) -> str | None:
    """The record of a callback being dialled for a contact whose caller asked for one; returns
    the number to dial (the gateway's form), None when the contact has no number any more."""
    conv = session.get_one(Conversation, conversation_id)
    if not conv.callback_number:
        return None
    center = center_service.get(session)
    e164 = phone_rules.try_normalize(conv.callback_number, center.country)
    if e164 is None:
        return None
    call = do_begin_call(session=session, sip_call_id=sip_call_id, from_number=center.number,
                         to_number=e164, direction="out")
    call.conversation_id = conv.id
    call.lang = conv.lang
    call.queued_at = conv.queued_at
    return phone_rules.for_dialling(e164, center.country)


def do_begin_agent_call(*, session: Session, sip_call_id: str, agent_id: int, number: str) -> tuple[int, int, str]:
    """An agent dials a citizen from the softphone: an outbound contact of channel `voice`, theirs
    from the start, recognised by phone like any other. Returns (call record id, conversation id,
    the number as the gateway dials it)."""
    agent = session.get(User, agent_id)
    if agent is None or agent.role not in ROUTABLE_ROLES or not agent.active:
        raise Invalid("only active agents call out", code="not_an_agent")
    center = center_service.get(session)
    e164 = phone_rules.try_normalize(number, center.country)
    if e164 is None:
        raise Invalid(f"'{number}' is not a phone number", code="bad_phone")
    citizen = do_get_or_create_citizen(session=session, kind="phone", value=e164)
    conv = do_start_conversation(session=session, citizen=citizen, channel=CHANNEL, queue_code=GENERAL_QUEUE)
    now = clock.now()
    conv.status = ConvStatus.ACTIVE
    conv.agent_id = agent.id
    conv.answered_at = now
    conv.wait_s = 0.0
    do_record_event(session=session, conv=conv, kind="dialled", actor_id=agent.id, data={"number": e164})
    call = do_begin_call(session=session, sip_call_id=sip_call_id, from_number=center.number, to_number=e164,
                         direction="out")
    call.conversation_id = conv.id
    call.agent_id = agent.id
    return call.id, conv.id, phone_rules.for_dialling(e164, center.country)


def do_outbound_answered(*, session: Session, call_id: int, agent_id: int | None) -> None:
    """The citizen picked up an outbound call."""
    call = session.get_one(VoiceCall, call_id)
    call.connected_at = clock.now()
    call.agent_id = agent_id or call.agent_id
    call.outcome = CallOutcome.CONNECTED
    if call.conversation_id is not None:
        conv = session.get_one(Conversation, call.conversation_id)
        do_record_event(session=session, conv=conv, kind="citizen_answered", data={"call": call.sip_call_id})


def do_end_stale_calls(*, session: Session, before: datetime) -> int:
    """At the controller's start: calls it held before a restart are gone (their phones were
    hung up or dropped by the relay) — end their records, so their contacts are not offered to
    agents as calls nobody holds. One controller per center."""
    stale = list(session.scalars(select(VoiceCall).where(VoiceCall.ended_at.is_(None),
                                                         VoiceCall.started_at < before)))
    for call in stale:
        do_end_call(session=session, call_id=call.id, by="center", prompts=list(call.prompts_played or []),
                    menu_path=call.menu_path, reason="the call controller restarted")
    return len(stale)


def do_third_party_event(*, session: Session, call_id: int, kind: str, data: dict) -> None:
    """A step of a consultation or three-party call, in the contact's events (`consult`,
    `consult_answered`, `consult_ended`, `conference`, `conference_answered`, `conference_ended`)."""
    call = session.get_one(VoiceCall, call_id)
    if call.conversation_id is None:
        return
    conv = session.get_one(Conversation, call.conversation_id)
    do_record_event(session=session, conv=conv, kind=kind, actor_id=call.agent_id, data=data)
    notify_conversation(session, conv)


def do_warm_transfer(*, session: Session, call_id: int, from_agent_id: int | None, to_user_id: int | None) -> None:
    """The agent handed the caller to the party they consulted. A colleague (agent or supervisor)
    takes the contact over as theirs; an official takes the call, the contact goes to the agent's
    wrap-up (the official's department noted on it). The first agent is free for the next contact."""
    call = session.get_one(VoiceCall, call_id)
    conv = session.get(Conversation, call.conversation_id) if call.conversation_id else None
    target = session.get(User, to_user_id) if to_user_id else None
    if conv is None or target is None:
        return
    data = {"warm": True, "to_user_id": target.id, "from_agent_id": from_agent_id}
    if target.role in ROUTABLE_ROLES:
        conv.agent_id = target.id
        call.agent_id = target.id
        data["to_agent_id"] = target.id
        do_record_event(session=session, conv=conv, kind="transferred", actor_id=from_agent_id, data=data)
        if from_agent_id is not None:
            do_free_agent(session=session, user_id=from_agent_id)
        notify_conversation(session, conv, extra_users=(from_agent_id,))
        return
    if target.department_id is not None:
        conv.department_id = target.department_id
        data["department_id"] = target.department_id
    do_record_event(session=session, conv=conv, kind="transferred", actor_id=from_agent_id, data=data)
    agent = session.get(User, from_agent_id) if from_agent_id else None
    if agent is not None and conv.status == ConvStatus.ACTIVE and conv.agent_id == agent.id:
        do_end_contact(session=session, user=agent, conv=conv)


def dialling_number(*, session: Session, number: str) -> str:
    """An outside number as the carrier dials it (national form at home), or Invalid."""
    center = center_service.get(session)
    e164 = phone_rules.try_normalize(number, center.country)
    if e164 is None:
        raise Invalid(f"'{number}' is not a phone number", code="bad_phone")
    return phone_rules.for_dialling(e164, center.country)
