"""Attachments for staff (agents see what citizens sent)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from dasan.attachments.service import find
from dasan.conversations.service import agent_sees_attachment
from dasan.core.errors import NotFound
from dasan.security.deps import STAFF, Allow, Principal, SessionDep

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])


@router.get("/{key}")
def get_attachment(key: str, request: Request, session: SessionDep,
                   me: Annotated[Principal, Depends(Allow(*STAFF))]):
    """A file a citizen sent, cleaned (images without metadata); `KEY.thumb` is its thumbnail."""
    found = find(request.app.state.settings.data_dir, key)
    if found is None or not agent_sees_attachment(session=session, user=me.user, key=key):
        raise NotFound("no such attachment")  # an agent's: only the files of contacts they serve
    path, content_type = found
    return FileResponse(path, media_type=content_type,
                        headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"})
