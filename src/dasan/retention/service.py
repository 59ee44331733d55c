"""A citizen's data as one file, for their access request (Personal Information Protection Act
§35): everything the center holds about them in `data.json`, times in the center's zone, with
their call recordings and files, and a manifest of SHA-256s (the evidence bundle's format)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.models import Case, CaseComment
from dasan.center import service as center_service
from dasan.conversations.models import Citizen, CitizenIdentity, ConsultationRecord, Conversation, Message
from dasan.core import clock
from dasan.core.errors import NotFound
from dasan.protect.evidence import bundle
from dasan.protect.models import AbuseIncident, OffenderRestriction
from dasan.retention.actions import attachment_files
from dasan.voice.models import VoiceCall


def citizen_export(session: Session, data_dir: Path, citizen_id: int, *, exported_by: str) -> bytes:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound(f"no citizen {citizen_id}")
    center = center_service.get(session)

    def at(dt):
        return center.local(dt).isoformat(timespec="seconds") if dt is not None else None

    convs = list(session.scalars(select(Conversation).where(Conversation.citizen_id == citizen_id)
                                 .order_by(Conversation.id)))
    conv_ids = [c.id for c in convs]
    messages: dict[int, list[dict]] = {}
    files: list[str] = []
    for m in session.scalars(select(Message).where(Message.conversation_id.in_(conv_ids)).order_by(Message.seq)):
        if m.kind == "note":
            continue  # staff's internal notes are the center's working papers, not the citizen's data
        messages.setdefault(m.conversation_id, []).append(
            {"at": at(m.created_at), "from": "citizen" if m.kind == "inbound" else "center", "text": m.body,
             "files": [a.get("name", "") for a in m.attachments or []], "removed": at(m.purged_at)})
        files += [f for f in attachment_files(m.attachments or []) if not f.endswith((".type", ".thumb"))]
    records = {r.conversation_id: r for r in session.scalars(
        select(ConsultationRecord).where(ConsultationRecord.citizen_id == citizen_id))}
    calls = list(session.scalars(select(VoiceCall).where(VoiceCall.conversation_id.in_(conv_ids))
                                 .order_by(VoiceCall.id)))
    cases = list(session.scalars(select(Case).where(Case.citizen_id == citizen_id).order_by(Case.id)))
    comments: dict[int, list[dict]] = {}
    for c in session.scalars(select(CaseComment).where(CaseComment.case_id.in_([c.id for c in cases]),
                                                        CaseComment.public.is_(True)).order_by(CaseComment.id)):
        comments.setdefault(c.case_id, []).append({"at": at(c.created_at), "text": c.body})
    data = {
        "citizen": {"id": citizen.id, "name": citizen.display_name, "phone": citizen.phone, "email": citizen.email,
                    "language": citizen.lang, "first_contact": at(citizen.created_at),
                    "sms_opted_out": at(citizen.sms_opt_out_at), "erased": at(citizen.erased_at)},
        "identities": [{"kind": i.kind, "value": i.value} for i in session.scalars(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == citizen_id))],
        "contacts": [{"id": c.id, "channel": c.channel, "language": c.lang, "started": at(c.created_at),
                      "ended": at(c.ended_at), "status": c.status, "messages": messages.get(c.id, []),
                      "record": ({"category": records[c.id].category, "summary": records[c.id].summary,
                                  "resolution": records[c.id].resolution} if c.id in records else None)}
                     for c in convs],
        "calls": [{"id": k.id, "contact": k.conversation_id, "from": k.from_number, "started": at(k.started_at),
                   "ended": at(k.ended_at), "recording": f"recording-{k.id}.wav" if k.recording_path else None}
                  for k in calls],
        "cases": [{"number": c.number, "title": c.title, "description": c.description, "address": c.address,
                   "status": c.status, "opened": at(c.opened_at), "due": at(c.due_at), "resolved": at(c.resolved_at),
                   "contact_phone": c.contact_phone, "contact_email": c.contact_email,
                   "survey_score": c.survey_score, "survey_comment": c.survey_comment,
                   "updates": comments.get(c.id, [])} for c in cases],
        "contacts_ended_for_abuse": [{"contact": i.conversation_id, "kind": i.kind, "at": at(i.ended_at)}
                                     for i in session.scalars(select(AbuseIncident)
                                                              .where(AbuseIncident.citizen_id == citizen_id))],
        "restrictions": [{"since": at(r.since), "until": at(r.until), "lifted": at(r.lifted_at)}
                         for r in session.scalars(select(OffenderRestriction)
                                                  .where(OffenderRestriction.citizen_id == citizen_id))],
    }
    parts: list[tuple[str, bytes]] = [("data.json", json.dumps(data, ensure_ascii=False, indent=2).encode())]
    for k in calls:
        path = data_dir / k.recording_path if k.recording_path else None
        if path is not None and path.is_file():
            parts.append((f"recording-{k.id}.wav", path.read_bytes()))
    for rel in dict.fromkeys(files):
        path = data_dir / rel
        if path.is_file():
            parts.append((f"files/{Path(rel).name}", path.read_bytes()))
    about = {"citizen_id": citizen.id, "center": center.name("ko"), "time_zone": center.timezone,
             "exported_at": at(clock.now()), "exported_by": exported_by}
    return bundle(parts, about)
