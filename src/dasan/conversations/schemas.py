"""API schemas of conversations and the consultation record."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dasan.conversations.models import Resolution
from dasan.core.ids import OptionalId
from dasan.events.schemas import MessageFields


class MessageCreate(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_msg_id: str | None = Field(default=None, max_length=80)
    note: bool = False  # an internal note, never shown to the citizen


class MessageRead(MessageFields):
    created_at: datetime
    # For replies a gateway delivers (SMS): queued / sending / sent / delivered / failed, and why.
    delivery_status: str | None = None
    delivery_error: str = ""
    attachments: list[dict] = []


class WrapUp(BaseModel):
    category: str = Field(min_length=1, max_length=80)
    summary: str = Field(min_length=1, max_length=4000)
    resolution: Resolution


class RecordRead(BaseModel):
    id: int
    conversation_id: int
    channel: str
    category: str
    summary: str
    resolution: str
    agent_name: str = ""
    wait_s: float
    handle_s: float
    closed_at: datetime


class ConversationRead(BaseModel):
    id: int
    status: str
    channel: str
    queue_code: str
    lang: str
    citizen_id: int
    citizen_name: str
    agent_id: int | None
    offered_to_id: int | None
    created_at: datetime
    department_name: str = ""
    dialled_number: str = ""
    callback_number: str | None = None  # the citizen asked to be called back on this number
    callback_at: datetime | None = None  # … at this reserved time
    reply_by: datetime | None = None  # the platform accepts replies until then (SNS)


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]


class HistoryRead(BaseModel):
    citizen_id: int
    citizen_name: str
    phone: str
    records: list[RecordRead]


class Transfer(BaseModel):
    to_agent_id: OptionalId = None
    to_queue: str | None = None
    note: str = Field(default="", max_length=1000)
