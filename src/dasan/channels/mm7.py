"""MM7 (3GPP TS 23.140), the interface an MMSC uses to hand a subscriber's MMS to a service
(a VASP) — here, to Dasan. Pure: parse a DeliverReq, build the answers. No I/O.

A DeliverReq is an HTTP POST of a SOAP 1.1 envelope with attachments (multipart/related): the
envelope names the sender, the recipients, the subject and `<Content href="cid:…">`, the part
holding the MMS itself (usually multipart/related or multipart/mixed: a SMIL layout, text parts,
images). Element names are matched without their namespace, so every MM7 release (REL-5-MM7-1-0
… REL-6-MM7-1-4) parses the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from xml.etree.ElementTree import Element  # noqa: S405  (types only; parsing is by defusedxml)
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from dasan.channels.mime import leaves, payload_bytes

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MM7_NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
MAX_PARTS = 20

# MM7 status codes (TS 23.140 table): the ones Dasan answers with.
SUCCESS = 1000
CLIENT_ERROR, UNSUPPORTED, FORMAT_CORRUPT, VALIDATION_ERROR = 2000, 2002, 2007, 4004


class Mm7Error(ValueError):
    """A request Dasan cannot take, with the MM7 status code to answer with."""

    def __init__(self, message: str, status: int = VALIDATION_ERROR) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class DeliverReq:
    transaction_id: str
    relay_id: str
    sender: str  # a phone number (digits) or an address
    recipient: str
    subject: str
    text: str
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, declared type, bytes)
    version: str = ""
    namespace: str = MM7_NS


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    return next((c for c in el.iter() if _local(c.tag) == name), None)


def _text(el: Element | None, name: str) -> str:
    found = _find(el, name)
    return (found.text or "").strip() if found is not None else ""


def _address(el: Element | None) -> str:
    """The first address of a Sender / To element: Number, ShortCode or RFC2822Address."""
    if el is None:
        return ""
    for child in el.iter():
        value = (child.text or "").strip()
        if _local(child.tag) in ("Number", "ShortCode", "RFC2822Address") and value:
            if _local(child.tag) == "Number":
                value = value.removesuffix("/TYPE=PLMN")
            return value
    return ""


def _cid(value: str) -> str:
    return value.strip().removeprefix("cid:").strip("<>")


def parse_deliver_req(body: bytes, content_type: str) -> DeliverReq:
    """The parts Dasan keeps of one DeliverReq. Raises Mm7Error for anything else."""
    if not content_type.lower().startswith(("multipart/related", "text/xml")):
        raise Mm7Error("an MM7 request is multipart/related (SOAP with attachments) or text/xml", FORMAT_CORRUPT)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    try:
        mime = BytesParser(policy=policy.default).parsebytes(head + body)
    except Exception as e:  # the parser is lenient; this is for bytes it cannot read at all
        raise Mm7Error(f"the MIME body cannot be read: {e}", FORMAT_CORRUPT) from None
    if mime.is_multipart():
        parts = list(mime.iter_parts())
        if not parts:
            raise Mm7Error("the multipart body has no parts", FORMAT_CORRUPT)
        start = _cid(str(mime.get_param("start", "") or ""))
        soap_part = next((p for p in parts if start and _cid(str(p.get("Content-ID", ""))) == start), parts[0])
        xml = payload_bytes(soap_part)
    else:
        soap_part, parts, xml = None, [], body
    try:
        root = ElementTree.fromstring(xml)
    except Exception as e:  # ParseError, or defusedxml refusing entities / DTDs
        raise Mm7Error(f"the SOAP envelope is not well-formed XML: {e}", FORMAT_CORRUPT) from None
    if _local(root.tag) != "Envelope":
        raise Mm7Error("the first part is not a SOAP envelope", FORMAT_CORRUPT)
    bodies = [c for c in root if _local(c.tag) == "Body"]
    request = next(iter(bodies[0]), None) if bodies else None
    if request is None:
        raise Mm7Error("the SOAP envelope has no body", FORMAT_CORRUPT)
    kind = _local(request.tag)
    namespace = request.tag[1:].split("}", 1)[0] if request.tag.startswith("{") else MM7_NS
    if kind != "DeliverReq":
        raise Mm7Error(f"{kind} is not supported here: this endpoint takes DeliverReq (MMS from citizens)",
                       UNSUPPORTED)
    tid = _text(root, "TransactionID")
    if not tid:
        raise Mm7Error("the SOAP header has no TransactionID")
    sender = _address(_find(request, "Sender"))
    if not sender:
        raise Mm7Error("DeliverReq has no Sender address")
    recipient = _address(_find(request, "Recipients"))
    subject = _text(request, "Subject")
    texts: list[str] = []
    files: list[tuple[str, str, bytes]] = []
    content = _find(request, "Content")
    if content is not None and content.get("href"):
        href = _cid(content.get("href", ""))
        holder = next((p for p in parts if p is not soap_part and _cid(str(p.get("Content-ID", ""))) == href), None)
        if holder is None:
            raise Mm7Error(f"the content part <{href}> named by the envelope is missing")
        for leaf in leaves(holder):
            ctype = leaf.get_content_type()
            if ctype == "application/smil":
                continue  # the slide layout: nothing the agent needs
            if ctype.startswith("text/plain"):
                try:
                    # The policy.default parser makes every part an EmailMessage.
                    texts.append(str(leaf.get_content()).strip())  # type: ignore[attr-defined]
                except (LookupError, UnicodeDecodeError):
                    texts.append(payload_bytes(leaf).decode("utf-8", "replace").strip())
                continue
            if len(files) >= MAX_PARTS:
                raise Mm7Error(f"more than {MAX_PARTS} files in one MMS")
            name = leaf.get_filename() or _cid(str(leaf.get("Content-Location", "") or leaf.get("Content-ID", "")))
            files.append((name, ctype, payload_bytes(leaf)))
    text = "\n".join(t for t in texts if t)
    if not text and not subject and not files:
        raise Mm7Error("the MMS has no text, subject or files")
    return DeliverReq(transaction_id=tid, relay_id=_text(request, "MMSRelayServerID"), sender=sender,
                      recipient=recipient, subject=subject, text=text, files=files,
                      version=_text(request, "MM7Version"), namespace=namespace)


def _envelope(transaction_id: str, body: str) -> bytes:

    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<env:Envelope xmlns:env="{SOAP_ENV}"><env:Header>'
            f'<mm7:TransactionID xmlns:mm7="{MM7_NS}" env:mustUnderstand="1">{escape(transaction_id)}'
            f'</mm7:TransactionID></env:Header><env:Body>{body}</env:Body></env:Envelope>').encode()


def deliver_rsp(req: DeliverReq) -> bytes:
    """The MMSC's answer for a DeliverReq Dasan has committed."""

    return _envelope(req.transaction_id,
                     f'<DeliverRsp xmlns="{escape(req.namespace)}"><MM7Version>{escape(req.version or "6.8.0")}'
                     f'</MM7Version><Status><StatusCode>{SUCCESS}</StatusCode><StatusText>Success</StatusText>'
                     f'</Status></DeliverRsp>')


def fault(transaction_id: str, status: int, message: str, *, server: bool = False) -> bytes:
    """A SOAP fault carrying the MM7 status code and the reason in words."""

    return _envelope(transaction_id or "unknown",
                     f'<env:Fault><faultcode>env:{"Server" if server else "Client"}</faultcode>'
                     f'<faultstring>{escape(message)}</faultstring><detail>'
                     f'<VASPErrorRsp xmlns="{MM7_NS}"><MM7Version>6.8.0</MM7Version><Status>'
                     f'<StatusCode>{status}</StatusCode><StatusText>{escape(message)}</StatusText>'
                     f'</Status></VASPErrorRsp></detail></env:Fault>')
