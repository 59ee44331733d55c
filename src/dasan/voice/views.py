"""Voice API: menus and numbers (admins), recorded prompts (admins), an agent's softphone
credentials, and call records with their recordings (played only by permitted roles, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.core.errors import Forbidden, NotFound
from dasan.orgs.models import Role
from dasan.security.actions import do_audit
from dasan.security.deps import STAFF, SUPERVISION, Allow, Principal, SessionDep, SettingsDep
from dasan.voice import actions, service
from dasan.voice.models import VoiceCall, VoiceMenu, VoiceNumber, VoicePrompt
from dasan.voice.stack import REALM

router = APIRouter(prefix="/api/v1/voice", tags=["voice"])
AdminDep = Annotated[Principal, Depends(Allow(Role.ADMIN.value))]
StaffDep = Annotated[Principal, Depends(Allow(*STAFF))]
ListenerDep = Annotated[Principal, Depends(Allow(*STAFF, *SUPERVISION))]


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
def issue_softphone(request: Request, session: SessionDep, me: StaffDep) -> dict:
    """New SIP credentials for my softphone (the previous ones stop working)."""
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
def calls_of(conversation_id: int, session: SessionDep, me: ListenerDep) -> list[dict]:
    """The calls of a voice contact."""
    return [_call_out(c) for c in service.calls_of(session=session, conversation_id=conversation_id)]


@router.get("/calls/{call_id}/recording")
def play_recording(call_id: int, session: SessionDep, settings: SettingsDep, me: ListenerDep) -> FileResponse:
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
