"""Outbound SMS through Kannel's smsbox (the SMS channel's sender for the outbox)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from sqlalchemy.orm import Session, sessionmaker

from dasan.center import service as center_service
from dasan.config import Settings
from dasan.core import phone
from dasan.db.engine import session_scope
from dasan.outbox.core import sms_coding
from dasan.outbox.models import OutboxItem
from dasan.outbox.senders import Result


class KannelSender:
    """Kannel's smsbox `sendsms` interface: UCS-2 for Korean, long texts split and concatenated by
    Kannel (the sendsms user's `max-messages`), every stage reported back to our dlr-url."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session],
                 client: httpx.Client | None = None) -> None:
        self.url = settings.kannel_sendsms_url
        self.settings = settings
        self.factory = factory
        self.client = client or httpx.Client(timeout=10.0)

    def dlr_url(self, item: OutboxItem) -> str:
        token = quote(self.settings.kannel_token, safe="")
        # %d: report type, %A: the SMSC's answer — filled in by Kannel.
        return f"{self.settings.public_url}/channels/sms/kannel/dlr?token={token}&id={item.id}&type=%d&reply=%A"

    def send(self, item: OutboxItem) -> Result:
        if not self.url:
            return Result(False, "no SMS gateway configured (DASAN_KANNEL_SENDSMS_URL)")
        with session_scope(self.factory) as s:
            center = center_service.get(s)
        params = {"username": self.settings.kannel_username, "password": self.settings.kannel_password,
                  "from": center.sms_sender,  # the profile's, or the settings' (center.service)
                  "to": phone.for_dialling(item.recipient, center.country), "text": item.body, "charset": "UTF-8",
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
