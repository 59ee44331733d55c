"""Attachments for staff (agents see what citizens sent)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from dasan.attachments.service import find
from dasan.core.errors import NotFound
from dasan.security.deps import STAFF, Allow, Principal

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])


@router.get("/{key}")
def get_attachment(key: str, request: Request, me: Annotated[Principal, Depends(Allow(*STAFF))]):
    """A file a citizen sent, cleaned (images without metadata); `KEY.thumb` is its thumbnail."""
    found = find(request.app.state.settings.data_dir, key)
    if found is None:
        raise NotFound("no such attachment")
    path, content_type = found
    return FileResponse(path, media_type=content_type,
                        headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"})
