"""Every event type the server pushes; the audience is chosen by actions.py and never sent."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Audience(BaseModel):
    """Who may receive an event. Empty means nobody: recipients are always explicit."""

    user_ids: list[int] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    # The citizen side of one conversation (the web-chat visitor who owns it).
    citizen_conversation_id: int | None = None


class MessageFields(BaseModel):
    """What every view of a message carries (events, the widget, the agent's API)."""

    id: int
    seq: int
    kind: str
    body: str
    author_name: str = ""
    client_msg_id: str | None = None
    abuse: str | None = None  # a citizen's message found abusive: sexual | threat | insult | profanity | abusive
    purged: bool = False  # its text and files removed (retention, or the citizen's erasure)


class MessageData(MessageFields):
    conversation_id: int
    created_at: str


class ConversationData(BaseModel):
    id: int
    status: str
    queue_code: str
    channel: str
    citizen_id: int
    citizen_name: str = ""
    agent_id: int | None = None
    offered_to_id: int | None = None
    offer_expires_at: str | None = None
    preview: str = ""
    queued_at: str | None = None


class MessageCreated(BaseModel):
    type: Literal["message.created"] = "message.created"
    data: MessageData


class ConversationUpdated(BaseModel):
    type: Literal["conversation.updated"] = "conversation.updated"
    data: ConversationData


class CitizenStatus(BaseModel):
    """What the citizen is told about their own contact (no agent identities beyond a name)."""

    type: Literal["citizen.status"] = "citizen.status"
    data: dict[str, Any]


class PresenceChanged(BaseModel):
    type: Literal["agent.presence"] = "agent.presence"
    data: dict[str, Any]


class CaseUpdated(BaseModel):
    """A case changed: its department's officials and the center's supervisors are told."""

    type: Literal["case.updated"] = "case.updated"
    data: dict[str, Any]


class ProtectIncident(BaseModel):
    """A contact ended for abuse: the agent concerned and the supervisors are told at once."""

    type: Literal["protect.incident"] = "protect.incident"
    data: dict[str, Any]


class QualityUpdated(BaseModel):
    """A happy-call answered badly opened a catch-call, or one was done: the supervisors are told."""

    type: Literal["quality.updated"] = "quality.updated"
    data: dict[str, Any]


class TrendAlerted(BaseModel):
    """An emerging issue: a topic or category rising above its expected level (supervisors, analysts)."""

    type: Literal["trend.alert"] = "trend.alert"
    data: dict[str, Any]


Event = (MessageCreated | ConversationUpdated | CitizenStatus | PresenceChanged | CaseUpdated | ProtectIncident
         | QualityUpdated | TrendAlerted)


class Envelope(BaseModel):
    """What travels on the bus: the event and its audience."""

    audience: Audience
    event: dict[str, Any]
