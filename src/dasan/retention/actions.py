"""Retention and citizens' rights (M18): the scheduled purge of each kind of data past its
retention, a citizen's erasure on request, each logged (what was removed, by count) and audited.
Files (recordings, attachments) are removed only after the transaction that forgets them commits
(`delete_files`), so a failed transaction never leaves rows pointing at nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import String, cast, exists, select
from sqlalchemy.orm import Session

from dasan.cases.models import OPEN_CASE, Case
from dasan.conversations.models import (
    OPEN_STATUSES,
    Citizen,
    CitizenIdentity,
    ConsultationRecord,
    Conversation,
    ConversationEvent,
    ConvStatus,
    Message,
)
from dasan.core.errors import Conflict, Invalid, NotFound
from dasan.orgs.models import User
from dasan.retention.core import DEFAULTS, KINDS, check, cutoff
from dasan.retention.models import PurgeRun, RetentionPolicy
from dasan.security.actions import do_audit
from dasan.voice.models import VoiceCall

log = logging.getLogger(__name__)
BATCH = 500  # rows of a kind per purge round; the job runs again until nothing is left


@dataclass
class Removed:
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    files: list[str] = field(default_factory=list)  # relative to the data directory, deleted after commit


def policies(session: Session) -> dict[str, int | None]:
    """Days each kind is kept (None: until erased); a kind no admin has set keeps its default."""
    rows = {p.kind: p.days for p in session.scalars(select(RetentionPolicy))}
    return {k: rows[k] if k in rows else DEFAULTS[k] for k in KINDS}


def do_set_retention(*, session: Session, admin: User, kind: str, days: int | None) -> None:
    """An admin sets how long a kind of data is kept; audited."""
    try:
        check(kind, days)
    except ValueError as e:
        raise Invalid(str(e), code="bad_retention") from e
    row = session.get(RetentionPolicy, kind) or RetentionPolicy(kind=kind)
    before = row.days
    row.days = days
    session.add(row)
    do_audit(session=session, user_id=admin.id, action="retention.set", subject_type="retention", subject_id=None,
             detail={"kind": kind, "days": days, "before": before})


# --- what removing each kind means -------------------------------------------------------------

def _forget_message(m: Message, now: datetime, removed: Removed, *, text: bool, files: bool) -> None:
    if text and m.purged_at is None:
        m.body = ""
        m.purged_at = now
        removed.counts["transcripts"] += 1
    if files and m.attachments:
        removed.files.extend(attachment_files(m.attachments))
        m.attachments = []
        removed.counts["attachments"] += 1


def attachment_files(attachments: list) -> list[str]:
    out = []
    for a in attachments:
        for key in ("url", "thumbnail_url"):
            url = str(a.get(key) or "")
            if url.startswith("/api/v1/attachments/"):
                name = url.rsplit("/", 1)[1]
                out.append(f"attachments/{name}")
                if key == "url":
                    out.append(f"attachments/{name}.type")
    return out


def _forget_words(session: Session, conversation_ids: list[int]) -> None:
    """The words an abuse flag quoted are the citizen's text too."""
    for event in session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id.in_(conversation_ids), ConversationEvent.kind == "abuse_flagged")):
        if event.data.get("words"):
            event.data = {k: v for k, v in event.data.items() if k != "words"}


def _forget_recording(call: VoiceCall, removed: Removed) -> None:
    if call.recording_path:
        removed.files.append(call.recording_path)
        call.recording_path = ""
        removed.counts["recordings"] += 1


def _forget_identity(session: Session, citizen: Citizen, now: datetime, removed: Removed) -> None:
    for identity in session.scalars(select(CitizenIdentity).where(CitizenIdentity.citizen_id == citizen.id)):
        session.delete(identity)
    citizen.display_name = citizen.phone = citizen.email = ""
    citizen.restricted_until = None
    citizen.restricted_queue = ""
    citizen.erased_at = now
    removed.counts["identities"] += 1


# --- the scheduled purge -----------------------------------------------------------------------

def do_purge(*, session: Session, now: datetime) -> Removed:
    """One round of the retention job: at most `BATCH` items of each kind past its retention.
    Contacts still open and citizens with an open contact or case are never touched. Logged and
    audited when anything went."""
    removed = Removed()
    keep = policies(session)
    if (c := cutoff(now, keep["recordings"])) is not None:
        for call in session.scalars(select(VoiceCall).where(VoiceCall.ended_at < c, VoiceCall.recording_path != "")
                                    .limit(BATCH)):
            _forget_recording(call, removed)
    closed_before = lambda c: (select(Conversation.id).where(Conversation.status == ConvStatus.CLOSED,  # noqa: E731
                                                             Conversation.closed_at < c))
    if (c := cutoff(now, keep["transcripts"])) is not None:
        msgs = list(session.scalars(select(Message).where(Message.conversation_id.in_(closed_before(c)),
                                                          Message.purged_at.is_(None)).limit(BATCH)))
        for m in msgs:
            _forget_message(m, now, removed, text=True, files=False)
        _forget_words(session, sorted({m.conversation_id for m in msgs}))
    if (c := cutoff(now, keep["attachments"])) is not None:
        for m in session.scalars(select(Message).where(Message.conversation_id.in_(closed_before(c)),
                                                       cast(Message.attachments, String) != "[]").limit(BATCH)):
            _forget_message(m, now, removed, text=False, files=True)
    if (c := cutoff(now, keep["identities"])) is not None:
        recent = exists().where(Conversation.citizen_id == Citizen.id,
                                (Conversation.created_at >= c) | Conversation.status.in_(OPEN_STATUSES))
        open_case = exists().where(Case.citizen_id == Citizen.id, Case.status.in_(OPEN_CASE))
        for citizen in session.scalars(select(Citizen).where(Citizen.erased_at.is_(None), Citizen.created_at < c,
                                                             ~recent, ~open_case).limit(BATCH)):
            _forget_identity(session, citizen, now, removed)
    if any(removed.counts.values()):
        _log(session, removed, reason="retention", user_id=None, citizen_id=None)
    return removed


# --- a citizen's rights ------------------------------------------------------------------------

def do_erase_citizen(*, session: Session, user: User, citizen_id: int, reason: str, now: datetime) -> Removed:
    """Erase a citizen's personal data on their request: the text and files of every message of
    theirs, call recordings, the record summaries and their cases' personal fields, the words of
    abuse flags, their identities. What the center must keep to account for its work — that a
    contact happened, when, on which channel, handled by whom, its category and outcome — stays.
    Refused while they have a contact open. Audited with the counts."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound(f"no citizen {citizen_id}")
    if citizen.erased_at is not None:
        raise Conflict("this citizen's data was erased already", code="already_erased")
    if session.scalar(select(Conversation.id).where(Conversation.citizen_id == citizen_id,
                                                    Conversation.status.in_(OPEN_STATUSES)).limit(1)) is not None:
        raise Conflict("the citizen has a contact open: erase once it has closed", code="contact_open")
    removed = Removed()
    conv_ids = list(session.scalars(select(Conversation.id).where(Conversation.citizen_id == citizen_id)))
    for m in session.scalars(select(Message).where(Message.conversation_id.in_(conv_ids))):
        _forget_message(m, now, removed, text=True, files=True)
    _forget_words(session, conv_ids)
    for call in session.scalars(select(VoiceCall).where(VoiceCall.conversation_id.in_(conv_ids))):
        _forget_recording(call, removed)
        call.from_number = ""
    for record in session.scalars(select(ConsultationRecord).where(ConsultationRecord.citizen_id == citizen_id)):
        record.summary = ""
    for case in session.scalars(select(Case).where(Case.citizen_id == citizen_id)):
        removed.files.extend(attachment_files(case.attachments or []))
        case.description = case.address = case.contact_phone = case.contact_email = case.survey_comment = ""
        case.media_url = ""
        case.attachments = []
        case.lat = case.long = None
    _forget_identity(session, citizen, now, removed)
    _log(session, removed, reason="erasure", user_id=user.id, citizen_id=citizen_id)
    do_audit(session=session, user_id=user.id, action="privacy.erase", subject_type="citizen", subject_id=citizen_id,
             detail={"reason": reason, "removed": removed.counts})
    return removed


def _log(session: Session, removed: Removed, *, reason: str, user_id: int | None, citizen_id: int | None) -> None:
    session.add(PurgeRun(reason=reason, user_id=user_id, citizen_id=citizen_id, removed=dict(removed.counts),
                         files=len(set(removed.files))))
    if reason == "retention":
        do_audit(session=session, user_id=None, action="retention.purge", subject_type="retention", subject_id=None,
                 detail={"removed": removed.counts})
    log.info("%s removed %s and %d files", reason, removed.counts, len(set(removed.files)))


def delete_files(session: Session, data_dir: Path, removed: Removed) -> int:
    """After the commit: remove the files no stored message or case still refers to (a photo sent
    twice is one file). Returns how many went."""
    gone = 0
    for rel in sorted(set(removed.files)):
        if rel.startswith("attachments/"):
            key = rel.split("/", 1)[1].removesuffix(".type").removesuffix(".thumb")
            pattern = f"%{key}%"
            if any(session.scalar(select(model.id).where(cast(model.attachments, String).like(pattern)).limit(1))
                   is not None for model in (Message, Case)):
                continue
        path = (data_dir / rel).resolve()
        if data_dir.resolve() not in path.parents:
            continue  # never outside the data directory
        try:
            path.unlink()
            gone += 1
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not remove %s", rel)
    return gone


def purge_all(factory, data_dir: Path, now: datetime) -> dict:
    """Rounds of the purge, each its own transaction with its files removed after its commit,
    until nothing past retention is left. Returns the totals."""
    total = {k: 0 for k in KINDS}
    files = 0
    while True:
        with factory() as s:
            removed = do_purge(session=s, now=now)
            s.commit()
            files += delete_files(s, data_dir, removed)
        for k, n in removed.counts.items():
            total[k] += n
        if not any(removed.counts.values()):
            return {"removed": total, "files": files}
