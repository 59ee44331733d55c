"""Email (M6): an SMTP server Dasan runs for inbound mail, replies through the outbox by SMTP.

Threading: a reply from a citizen names earlier messages in In-Reply-To / References; if one of
them is a message of an open conversation (an email the citizen sent, or one of our replies —
our Message-IDs name the outbox row), the email joins that conversation; otherwise it goes
through the intake like any text contact (the citizen's open email conversation, or a new one).
The SMTP transaction is acknowledged (250) only after commit, so a sending server retries on
any failure, and the Message-ID makes a retry a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.attachments.service import store
from dasan.center import service as center_service
from dasan.channels.admission import Admission
from dasan.channels.intake import Attachment, IntakeMessage, Sender, do_intake
from dasan.channels.mime import payload_bytes
from dasan.config import Settings
from dasan.conversations.actions import do_append_message
from dasan.conversations.models import Conversation, ConvStatus, Message, MsgKind
from dasan.db.engine import session_scope
from dasan.i18n import catalogue
from dasan.outbox.models import OutboxItem
from dasan.outbox.senders import Result

log = logging.getLogger(__name__)
OURS = re.compile(r"<dasan-o(\d+)@")
MAX_ATTACHMENTS = 20


@dataclass
class ParsedEmail:
    message_id: str
    from_addr: str
    from_name: str
    subject: str
    refs: list[str]
    text: str
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, declared type, bytes)
    attachments: list[dict] = field(default_factory=list)  # records once stored (attachments.service)


def _html_to_text(html: str) -> str:

    return re.sub(r"\n{3,}", "\n\n", nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>", "\n", html), tags=set())).strip()


def parse_email(raw: bytes) -> ParsedEmail:
    """The parts Dasan keeps of one email (pure)."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    name, addr = parseaddr(str(msg.get("From", "")))
    refs = re.findall(r"<[^>]+>", f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}")
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = body.get_content()
        if body.get_content_type() == "text/html":
            text = _html_to_text(text)
    files = [(part.get_filename() or "", part.get_content_type(), payload_bytes(part))
             for part in msg.iter_attachments()][:MAX_ATTACHMENTS]
    msgid = str(msg.get("Message-ID", "")).strip()
    return ParsedEmail(message_id=msgid, from_addr=addr.lower(), from_name=name, subject=str(msg.get("Subject", "")),
                       refs=refs, text=text.strip(), files=files)


def _thread_of(session: Session, refs: list[str]) -> Conversation | None:
    for ref in reversed(refs):  # the most recent reference first
        m = OURS.match(ref)
        if m:
            item = session.get(OutboxItem, int(m.group(1)))
            conv = session.get(Conversation, item.conversation_id) if item else None
        else:
            found = session.scalar(select(Message).where(Message.channel == "email",
                                                         Message.external_id == f"email:{ref}"))
            conv = session.get(Conversation, found.conversation_id) if found else None
        if conv is not None and conv.status != ConvStatus.CLOSED:
            return conv
    return None


def do_store_email(*, session: Session, mail: ParsedEmail, max_chars: int = 4000) -> int:
    """Store one inbound email exactly once; returns its conversation's id."""
    if not mail.message_id or not mail.from_addr:
        raise ValueError("an email needs a Message-ID and a From address")
    text = f"{mail.subject}\n\n{mail.text}".strip()[:max_chars] if mail.subject else mail.text[:max_chars]
    text = text or catalogue.staff_text("record.empty_email", center_service.get(session))
    conv = _thread_of(session, mail.refs)
    if conv is not None:
        msg, _ = do_append_message(session=session, conv=conv, kind=MsgKind.INBOUND, body=text,
                                   external_id=f"email:{mail.message_id}", sent_at=datetime.now(UTC),
                                   attachments=mail.attachments)
        return msg.conversation_id
    accepted = do_intake(session=session, max_chars=max_chars, msg=IntakeMessage(
        channel="email", external_id=f"email:{mail.message_id}", sender=Sender(email=mail.from_addr,
                                                                                 name=mail.from_name or None),
        text=text, sent_at=datetime.now(UTC),
        attachments=[Attachment(**a) for a in mail.attachments]))
    return accepted.conversation_id


class InboundHandler:
    """aiosmtpd handler: 250 after commit, 451 (try again) on any failure, 550 for junk."""

    def __init__(self, factory: sessionmaker[Session], data_dir=None, admission: Admission | None = None) -> None:
        self.factory = factory
        self.data_dir = data_dir
        self.admission = admission

    def _store(self, raw: bytes) -> str:
        try:
            mail = parse_email(raw)
        except Exception:
            return "550 message could not be parsed"
        if not mail.message_id or not mail.from_addr:
            return "550 a Message-ID and a From address are required"
        if self.data_dir is not None:
            # Files first (kept by content, so a retried delivery stores nothing new), then the message.
            mail.attachments = [store(self.data_dir, data, name=name, declared_type=ctype)
                                for name, ctype, data in mail.files]
        try:
            with session_scope(self.factory) as s:
                do_store_email(session=s, mail=mail)  # a queued contact wakes the dispatcher on commit
        except Exception:
            log.exception("storing an email failed")
            return "451 temporary failure, try again later"
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.admission is not None and not self.admission.try_enter("smtp"):
            return "451 4.3.2 too many messages at once, try again later"
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self._store, envelope.content)
        finally:
            if self.admission is not None:
                self.admission.leave()


def build_reply(*, item, conv_first_line: str, in_reply_to: str | None, references: list[str], sender: str,
                domain: str) -> EmailMessage:
    """The reply email for one outbox row: threaded on the citizen's last email."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = item.recipient
    subject = conv_first_line
    msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    msg["Message-ID"] = f"<dasan-o{item.id}@{domain}>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join([*references, in_reply_to][-10:])
    msg.set_content(item.body)
    return msg


def recipients(header: str) -> list[str]:
    return [a for _, a in getaddresses([header]) if a]


class EmailSender:
    """Replies by SMTP, threaded on the citizen's last email (In-Reply-To / References); the
    Message-ID names the outbox row, so a receiving server can drop a resend."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory

    def send(self, item: OutboxItem) -> Result:
        if not self.settings.smtp_host:
            return Result(False, "no SMTP server configured (DASAN_SMTP_HOST)")
        with session_scope(self.factory) as s:
            inbound = s.scalars(select(Message).where(Message.conversation_id == item.conversation_id,
                                                      Message.kind == "inbound", Message.channel == "email")
                                .order_by(Message.seq)).all()
            ids = [m.external_id.removeprefix("email:") for m in inbound if m.external_id]
            first_line = inbound[0].body.split("\n", 1)[0][:150] if inbound else ""
            conv = s.get(Conversation, item.conversation_id)
            center = center_service.get(s)
            first_line = first_line or catalogue.text("email.subject", conv.lang if conv else "", center)
            sender = center.email_from or self.settings.email_from  # the profile, else the settings
        domain = sender.rpartition("@")[2] or "dasan.local"
        msg = build_reply(item=item, conv_first_line=first_line, in_reply_to=ids[-1] if ids else None,
                          references=ids[:-1], sender=sender, domain=domain)
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            return Result(False, f"SMTP refused the recipient: {e}", permanent=True)
        except (OSError, smtplib.SMTPException) as e:
            return Result(False, f"SMTP unreachable or refused: {type(e).__name__}")
        return Result(True)
