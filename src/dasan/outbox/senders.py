"""The one interface every channel's outbound gateway implements for the outbox.

The outbox never knows a channel: each channel package owns its sender (SMS through Kannel in
`channels/sms_sender.py`, email in `channels/email.py`, SNS webhooks in `channels/webhook.py`),
and the app hands the worker a {channel: sender} map (`app.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dasan.outbox.models import OutboxItem


@dataclass
class Result:
    """What a gateway said: delivered to it (ok), or why not and whether trying again can help."""

    ok: bool
    error: str = ""
    permanent: bool = False


class Sender(Protocol):
    """Hands one outbound message to a gateway, outside any transaction."""

    def send(self, item: OutboxItem) -> Result: ...
