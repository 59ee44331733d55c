"""Gateways the outbox hands messages to. Each `send` returns (ok, error, permanent)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from dasan.config import Settings
from dasan.outbox.core import sms_coding
from dasan.outbox.models import OutboxItem


@dataclass
class Result:
    ok: bool
    error: str = ""
    permanent: bool = False


class KannelSender:
    """Kannel's smsbox `sendsms` interface: UCS-2 for Korean, long texts split and concatenated by
    Kannel (the sendsms user's `max-messages`), every stage reported back to our dlr-url."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.url = settings.kannel_sendsms_url
        self.settings = settings
        self.client = client or httpx.Client(timeout=10.0)

    def dlr_url(self, item: OutboxItem) -> str:
        token = quote(self.settings.kannel_token, safe="")
        # %d: report type, %A: the SMSC's answer — filled in by Kannel.
        return f"{self.settings.public_url}/channels/sms/kannel/dlr?token={token}&id={item.id}&type=%d&reply=%A"

    def send(self, item: OutboxItem) -> Result:
        if not self.url:
            return Result(False, "no SMS gateway configured (DASAN_KANNEL_SENDSMS_URL)")
        params = {"username": self.settings.kannel_username, "password": self.settings.kannel_password,
                  "from": self.settings.sms_sender, "to": item.recipient, "text": item.body, "charset": "UTF-8",
                  "coding": str(sms_coding(item.body)), "dlr-mask": "31", "dlr-url": self.dlr_url(item)}
        try:
            r = self.client.get(self.url, params=params)
        except httpx.HTTPError as e:
            return Result(False, f"Kannel unreachable: {type(e).__name__}")
        text = r.text.strip()[:200]
        if r.status_code in (200, 202):
            return Result(True)
        # 4xx: the request itself is wrong (credentials, number, text): trying again will not help.
        return Result(False, f"Kannel answered {r.status_code}: {text}", permanent=400 <= r.status_code < 500)


class WebhookReplySender:
    """Replies on a webhook platform: POSTed as JSON to the platform's callback URL, signed like
    the webhook itself (channels/signing.py), idempotent for the connector on `message_id`."""

    def __init__(self, factory, client: httpx.Client | None = None) -> None:
        self.factory = factory
        self.client = client or httpx.Client(timeout=10.0)

    def send(self, item: OutboxItem) -> Result:
        import json
        import time

        from sqlalchemy import select

        from dasan.channels.models import WebhookSource
        from dasan.channels.signing import sign
        from dasan.db.engine import session_scope

        platform = item.channel.removeprefix("sns-")
        with session_scope(self.factory) as s:
            source = s.scalar(select(WebhookSource).where(WebhookSource.platform == platform))
            url, secret = (source.callback_url, source.secret) if source else ("", "")
        if not url:
            return Result(False, f"no callback URL configured for platform '{platform}'", permanent=True)
        body = json.dumps({"message_id": f"dasan-{item.id}", "recipient": item.recipient, "text": item.body},
                          ensure_ascii=False).encode()
        ts = int(time.time())
        try:
            r = self.client.post(url, content=body, headers={
                "Content-Type": "application/json", "X-Dasan-Timestamp": str(ts),
                "X-Dasan-Signature": sign(secret, ts, body)})
        except httpx.HTTPError as e:
            return Result(False, f"{platform} unreachable: {type(e).__name__}")
        if 200 <= r.status_code < 300:
            return Result(True)
        return Result(False, f"{platform} answered {r.status_code}: {r.text.strip()[:200]}",
                      permanent=400 <= r.status_code < 500 and r.status_code != 429)


class EmailSender:
    """Replies by SMTP, threaded on the citizen's last email (In-Reply-To / References); the
    Message-ID names the outbox row, so a receiving server can drop a resend."""

    def __init__(self, settings: Settings, factory) -> None:
        self.settings = settings
        self.factory = factory

    def send(self, item: OutboxItem) -> Result:
        import smtplib

        from sqlalchemy import select

        from dasan.channels.email import build_reply
        from dasan.conversations.models import Message
        from dasan.db.engine import session_scope

        if not self.settings.smtp_host:
            return Result(False, "no SMTP server configured (DASAN_SMTP_HOST)")
        with session_scope(self.factory) as s:
            inbound = s.scalars(select(Message).where(Message.conversation_id == item.conversation_id,
                                                      Message.kind == "inbound", Message.channel == "email")
                                .order_by(Message.seq)).all()
            ids = [m.external_id.removeprefix("email:") for m in inbound if m.external_id]
            first_line = inbound[0].body.split("\n", 1)[0][:150] if inbound else ""
        domain = self.settings.email_from.rpartition("@")[2] or "dasan.local"
        msg = build_reply(item=item, conv_first_line=first_line, in_reply_to=ids[-1] if ids else None,
                          references=ids[:-1], sender=self.settings.email_from, domain=domain)
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            return Result(False, f"SMTP refused the recipient: {e}", permanent=True)
        except (OSError, smtplib.SMTPException) as e:
            return Result(False, f"SMTP unreachable or refused: {type(e).__name__}")
        return Result(True)


def senders_for(settings: Settings, factory=None) -> dict:
    senders: dict = {"sms": KannelSender(settings)}
    if factory is not None:
        senders["sns"] = WebhookReplySender(factory)
        senders["email"] = EmailSender(settings, factory)
    return senders
