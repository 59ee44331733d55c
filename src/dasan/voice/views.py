"""Voice API: menus and numbers (admins), recorded prompts (admins), an agent's softphone
credentials, and call records with their recordings (played only by permitted roles, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.conversations.models import Conversation, ConvStatus
from dasan.conversations.service import access_conversation
from dasan.core.errors import Conflict, Forbidden, Invalid, NotFound
from dasan.core.ids import OptionalId, PathId
from dasan.orgs.models import Department, Role, User
from dasan.routing.models import AgentStatus
from dasan.security.actions import do_audit
from dasan.security.deps import STAFF, SUPERVISION, Allow, Principal, SessionDep, SettingsDep
from dasan.voice import actions, service
from dasan.voice.models import SipAccount, VoiceCall, VoiceMenu, VoiceNumber, VoicePrompt
from dasan.voice.stack import REALM

router = APIRouter(prefix="/api/v1/voice", tags=["voice"])
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
StaffDep = Annotated[Principal, Depends(Allow(*STAFF))]
ListenerDep = Annotated[Principal, Depends(Allow(*STAFF, *SUPERVISION))]
PhoneDep = Annotated[Principal, Depends(Allow(*STAFF, Role.OFFICIAL.value))]


class MenuIn(BaseModel):
    name: str = Field(default="", max_length=200)
    tree: dict[str, Any]


class NumberIn(BaseModel):
    menu_code: str = Field(max_length=40)
    label: str = Field(default="", max_length=200)


def _menu_out(m: VoiceMenu) -> dict:
    return {"code": m.code, "name": m.name, "tree": m.tree, "updated_at": m.updated_at}


@router.get("/menus")
def list_menus(session: SessionDep, me: AdminDep) -> list[dict]:
    """Every voice menu."""
    return [_menu_out(m) for m in session.scalars(select(VoiceMenu).order_by(VoiceMenu.code))]


@router.put("/menus/{code}")
def put_menu(code: str, body: MenuIn, session: SessionDep, me: AdminDep) -> dict:
    """Create or replace a menu; a menu with a mistake is refused whole, with the reason."""
    row = actions.do_save_menu(session=session, code=code, name=body.name, tree=body.tree, user=me.user)
    do_audit(session=session, user_id=me.id, action="voice.menu.save", subject_type="voice_menu", subject_id=row.id)
    return _menu_out(row)


@router.get("/numbers")
def list_numbers(session: SessionDep, me: AdminDep) -> list[dict]:
    """The numbers the center answers and their menus."""
    rows = session.execute(select(VoiceNumber, VoiceMenu.code).join(VoiceMenu, VoiceMenu.id == VoiceNumber.menu_id)
                           .order_by(VoiceNumber.number))
    return [{"number": n.number, "menu_code": code, "label": n.label, "legacy_line_id": n.legacy_line_id}
            for n, code in rows]


@router.put("/numbers/{number}")
def put_number(number: str, body: NumberIn, session: SessionDep, me: AdminDep) -> dict:
    """Answer a number with a menu."""
    row = actions.do_set_number(session=session, number=number, menu_code=body.menu_code, label=body.label)
    do_audit(session=session, user_id=me.id, action="voice.number.set", subject_type="voice_number",
             subject_id=row.id, detail={"number": row.number, "menu": body.menu_code})
    return {"number": row.number, "menu_code": body.menu_code, "label": row.label}


@router.put("/prompts/{lang}/{key}")
async def put_prompt(lang: str, key: str, request: Request, session: SessionDep, settings: SettingsDep,
                     me: AdminDep) -> dict:
    """Upload a recording (the request body: WAV, FLAC, MP3 …) that replaces a generated prompt."""
    audio = await request.body()
    row = actions.do_upload_prompt(session=session, key=key, lang=lang, audio=audio, data_dir=settings.data_dir,
                                   user=me.user)
    do_audit(session=session, user_id=me.id, action="voice.prompt.upload", subject_type="voice_prompt",
             subject_id=row.id, detail={"key": key, "lang": lang})
    return {"key": row.key, "lang": row.lang, "duration_s": round(row.duration_s, 2)}


@router.get("/prompts")
def list_prompts(session: SessionDep, me: AdminDep) -> list[dict]:
    """The prompts admins have recorded."""
    return [{"key": p.key, "lang": p.lang, "duration_s": p.duration_s, "uploaded_at": p.uploaded_at}
            for p in session.scalars(select(VoicePrompt).order_by(VoicePrompt.key, VoicePrompt.lang))]


@router.post("/softphone")
def issue_softphone(request: Request, session: SessionDep, me: PhoneDep) -> dict:
    """New SIP credentials for my softphone, or (an official) my department's phone; the previous
    ones stop working."""
    username, password = actions.do_issue_sip_credentials(session=session, user=me.user)
    do_audit(session=session, user_id=me.id, action="voice.softphone.issue", subject_type="user", subject_id=me.id)
    session.commit()
    voice = getattr(request.app.state, "voice", None)
    if voice is not None:
        voice.sync_kamailio()
    return {"username": username, "password": password, "realm": REALM, "ha1": actions.ha1(username, password)}


def _call_out(c: VoiceCall) -> dict:
    return {"id": c.id, "direction": c.direction, "from": c.from_number, "to": c.to_number, "outcome": c.outcome,
            "reason": c.reason, "menu_path": c.menu_path, "lang": c.lang, "conversation_id": c.conversation_id,
            "agent_id": c.agent_id, "started_at": c.started_at, "queued_at": c.queued_at,
            "connected_at": c.connected_at, "ended_at": c.ended_at, "recording": bool(c.recording_path),
            "recording_s": round(c.recording_s, 2)}


@router.get("/conversations/{conversation_id}/calls")
def calls_of(conversation_id: PathId, session: SessionDep, me: ListenerDep) -> list[dict]:
    """The calls of a voice contact (an agent's: only a contact they handle or are offered)."""
    if me.user.role not in SUPERVISION:
        access_conversation(session=session, user=me.user, conversation_id=conversation_id)
    return [_call_out(c) for c in service.calls_of(session=session, conversation_id=conversation_id)]


@router.get("/calls/{call_id}/recording")
def play_recording(call_id: PathId, session: SessionDep, settings: SettingsDep, me: ListenerDep) -> FileResponse:
    """A call's recording (stereo WAV: citizen left, agent right). Supervisors and admins may
    play any; an agent only the calls they took. Every play is written to the audit log."""
    call = session.get(VoiceCall, call_id)
    if call is None or not call.recording_path:
        raise NotFound(f"call {call_id} has no recording")
    if me.user.role not in SUPERVISION and call.agent_id != me.id:
        raise Forbidden("only the agent who took the call, supervisors and admins may play its recording")
    path = settings.data_dir / call.recording_path
    if not path.exists():
        raise NotFound(f"call {call_id} has no recording")
    do_audit(session=session, user_id=me.id, action="voice.recording.play", subject_type="voice_call",
             subject_id=call.id)
    session.commit()
    return FileResponse(path, media_type="audio/wav", filename=f"call-{call.id}.wav",
                        headers={"Cache-Control": "no-store"})


class ThirdIn(BaseModel):
    user_id: OptionalId = None  # a colleague or an official with a phone
    number: str | None = Field(default=None, max_length=40)  # an outside number (three-party calls only)


def _controller(request: Request) -> Any:
    voice = getattr(request.app.state, "voice", None)
    if voice is None:
        raise Conflict("this server does not run the call controller", code="voice_off")
    return voice


def _my_call(session: SessionDep, conversation_id: int, me: Principal) -> Conversation:
    conv = session.get(Conversation, conversation_id)
    if conv is None or conv.channel != "voice":
        raise NotFound(f"no voice contact {conversation_id}")
    if conv.agent_id != me.id or conv.status != ConvStatus.ACTIVE:
        raise Forbidden("only the agent on the call can do that")
    return conv


def _phone_user(session: SessionDep, user_id: int | None, me: Principal) -> int:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or user.id == me.id or session.get(SipAccount, user.id) is None:
        raise Invalid("choose another active colleague or official who has a phone", code="bad_target")
    return user.id


@router.get("/phones")
def phones(session: SessionDep, me: StaffDep) -> list[dict]:
    """Whom an agent can consult or add to a call: colleagues and officials who have a phone."""
    rows = session.execute(
        select(User, Department.name, AgentStatus.presence).join(SipAccount, SipAccount.user_id == User.id)
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(AgentStatus, AgentStatus.user_id == User.id)
        .where(User.active.is_(True), User.id != me.id).order_by(User.role, User.display_name))
    return [{"user_id": u.id, "name": u.display_name, "role": u.role, "department": dept or "",
             "presence": presence or ""} for u, dept, presence in rows]


def _run(request: Request, session: SessionDep, make: Any) -> None:
    """End this request's transaction, then have the call controller do `make()`: the controller
    writes the call's events in transactions of its own (on SQLite the request must not hold the
    writer's lock meanwhile)."""
    session.rollback()
    voice = _controller(request)
    voice.submit(make(voice))


@router.post("/conversations/{conversation_id}/consult", status_code=202)
def consult(conversation_id: PathId, body: ThirdIn, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """Warm transfer, step 1: the citizen hears hold music while I call a colleague or a
    department's line; then `complete` (they take the caller) or `cancel` (back to the caller)."""
    _my_call(session, conversation_id, me)
    user_id, my_id = _phone_user(session, body.user_id, me), me.id
    _run(request, session, lambda v: v.consult(conversation_id, my_id, user_id))
    return {"conversation_id": conversation_id, "consulting": user_id, "state": "ringing"}


@router.post("/conversations/{conversation_id}/consult/complete")
def complete_consult(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """Hand the caller to the colleague or official I am consulting."""
    _my_call(session, conversation_id, me)
    my_id = me.id
    _run(request, session, lambda v: v.complete_consult(conversation_id, my_id))
    return {"conversation_id": conversation_id, "state": "transferred"}


@router.post("/conversations/{conversation_id}/consult/cancel")
def cancel_consult(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """Back to the caller; the consulted phone is released."""
    _my_call(session, conversation_id, me)
    my_id = me.id
    _run(request, session, lambda v: v.cancel_consult(conversation_id, my_id))
    return {"conversation_id": conversation_id, "state": "connected"}


@router.post("/conversations/{conversation_id}/conference", status_code=202)
def conference(conversation_id: PathId, body: ThirdIn, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """Add an interpreter to the call: a colleague's or an official's phone, or an outside number."""
    _my_call(session, conversation_id, me)
    if (body.user_id is None) == (body.number is None):
        raise Invalid("give exactly one of user_id and number", code="bad_target")
    number, user_id, my_id = "", None, me.id
    if body.number is not None:
        number = actions.dialling_number(session=session, number=body.number)
    else:
        user_id = _phone_user(session, body.user_id, me)
    _run(request, session, lambda v: v.conference(conversation_id, my_id, user_id=user_id, number=number))
    return {"conversation_id": conversation_id, "adding": user_id or number, "state": "ringing"}


@router.post("/conversations/{conversation_id}/conference/end")
def end_conference(conversation_id: PathId, request: Request, session: SessionDep, me: StaffDep) -> dict:
    """The interpreter leaves the call."""
    _my_call(session, conversation_id, me)
    my_id = me.id
    _run(request, session, lambda v: v.end_conference(conversation_id, my_id))
    return {"conversation_id": conversation_id, "state": "connected"}
