"""MIME helpers shared by the channels that read MIME (email, MMS by MM7)."""

from __future__ import annotations

from email.message import Message


def payload_bytes(part: Message) -> bytes:
    """A leaf part's body, transfer-decoded (empty for a part without one)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def leaves(part: Message) -> list[Message]:
    """The non-multipart parts under `part`, depth first."""
    if part.is_multipart():
        return [leaf for sub in part.get_payload() if isinstance(sub, Message) for leaf in leaves(sub)]
    return [part]
