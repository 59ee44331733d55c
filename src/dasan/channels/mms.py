"""MMS from citizens' phones (M3): the carrier's MMSC delivers each MMS to Dasan by MM7
(`POST /channels/mms/mm7`, a SOAP DeliverReq; channels/mm7.py parses it).

Kannel carries SMS only (Debian's `kannel` has no MMS box; Mbuni, the open-source MMS gateway
whose mmsbox sits on an MMSC's MM7 link, is not packaged), so Dasan takes the MM7 link itself, as
any MMS service (VASP) does. The MMSC's VASP account is configured with this URL and, as its
password, an `sms` channel token (`dasan tokens create --channel sms`); HTTP Basic, a Bearer
header or `?token=` are accepted.

An MMS joins the citizen's SMS thread (same phone number, channel `sms`), so replies go back by
SMS through Kannel. Files go through attachments/ (type by content, images re-encoded without
EXIF/GPS, thumbnails, size limits); a message with files goes to an agent, not the bot. The
DeliverRsp is sent only after commit; the MMSC's TransactionID makes a retry a no-op.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dasan.attachments.service import store as store_file
from dasan.channels.intake import Attachment, IntakeMessage, Sender
from dasan.channels.mm7 import FORMAT_CORRUPT, Mm7Error, deliver_rsp, fault, parse_deliver_req
from dasan.channels.sms import after_commit, do_take_text
from dasan.core import phone
from dasan.core.errors import DasanError
from dasan.db.engine import session_scope
from dasan.security.deps import TokenAuth
from dasan.security.models import ApiToken

log = logging.getLogger(__name__)
router = APIRouter(prefix="/channels/mms", tags=["channels"])
MmscToken = Annotated[ApiToken, Depends(TokenAuth(query=True, channel="sms", basic=True))]
MAX_MMS = 5 * 1024 * 1024  # carriers cap an MMS at 300 KB – 1 MB; with MIME overhead, well within this


def _xml(body: bytes, status: int) -> Response:
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def phone_or_address(sender: str) -> Sender:
    """A Number is a phone (the citizen is found by it however it is written); anything else
    an address."""
    if "@" not in sender and len(phone.digits(sender)) >= 3:
        return Sender(phone=sender.strip())
    return Sender(email=sender.strip().lower())


@router.post("/mm7")
async def mm7_deliver(request: Request, token: MmscToken) -> Response:
    """One MMS from a citizen (an MM7 DeliverReq); answers a DeliverRsp, or a SOAP fault with the
    MM7 status code and the reason (4xx: the MMSC should not retry it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_MMS:
        return _xml(fault("", FORMAT_CORRUPT, f"the MMS is larger than {MAX_MMS} bytes"), 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_MMS:
            return _xml(fault("", FORMAT_CORRUPT, f"the MMS is larger than {MAX_MMS} bytes"), 413)
    try:
        req = parse_deliver_req(body, request.headers.get("content-type", ""))
    except Mm7Error as e:
        return _xml(fault("", e.status, str(e)), 400)
    app = request.app
    settings = app.state.settings

    def store():
        # Files first (kept by content: a retried delivery stores nothing new), then the message.
        files = [Attachment(**store_file(settings.data_dir, data, name=name, declared_type=ctype))
                 for name, ctype, data in req.files]
        text = "\n".join(x for x in (req.subject, req.text) if x)[:settings.max_message_chars]
        msg = IntakeMessage(channel="sms", external_id=f"mm7:{req.relay_id}:{req.transaction_id}"[:200],
                            sender=phone_or_address(req.sender), text=text, sent_at=datetime.now(UTC),
                            attachments=files, dialled_number=req.recipient[:40] or None)
        with session_scope(app.state.session_factory) as s:
            return (*do_take_text(session=s, msg=msg, settings=settings), text,
                    [f.model_dump() for f in files])

    try:
        accepted, ask_bot, text, records = await anyio.to_thread.run_sync(store)
    except ValueError as e:  # a sender or text the intake refuses
        return _xml(fault(req.transaction_id, 4004, str(e)), 400)
    except DasanError as e:  # e.g. a sender that is no phone number
        return _xml(fault(req.transaction_id, 4004, e.message), 400)
    except Exception:
        log.exception("storing an MMS failed")
        return _xml(fault(req.transaction_id, 3000, "temporary failure, send it again", server=True), 500)
    after_commit(app, accepted, ask_bot, text, records)
    return _xml(deliver_rsp(req), 200)
