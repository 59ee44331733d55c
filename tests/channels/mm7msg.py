"""MM7 DeliverReq requests built the way an MMSC sends them (SOAP 1.1 with attachments:
multipart/related, the envelope first, the MMS itself as a multipart part named by href)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import HTTP

NS = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"


def envelope(*, tid: str, sender: str, to: str = "120", subject: str = "", kind: str = "DeliverReq",
             content_href: str | None = "cid:mms-content", sender_el: str = "Number") -> str:
    content = f'<Content href="{content_href}" allowAdaptations="true"/>' if content_href else ""
    subject_el = f"<Subject>{subject}</Subject>" if subject else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
 <env:Header><mm7:TransactionID xmlns:mm7="{NS}" env:mustUnderstand="1">{tid}</mm7:TransactionID></env:Header>
 <env:Body>
  <{kind} xmlns="{NS}">
   <MM7Version>6.8.0</MM7Version>
   <MMSRelayServerID>mmsc.example-carrier.kr</MMSRelayServerID>
   <Sender><{sender_el}>{sender}</{sender_el}></Sender>
   <Recipients><To><ShortCode>{to}</ShortCode></To></Recipients>
   <TimeStamp>2026-11-22T10:00:00+09:00</TimeStamp>
   <Priority>Normal</Priority>
   {subject_el}
   {content}
  </{kind}>
 </env:Body>
</env:Envelope>"""


def deliver_req(*, tid: str, sender: str, text: str = "", subject: str = "",
                files: list[tuple[str, str, bytes]] = (), soap: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of one DeliverReq carrying a SMIL layout, a UTF-8 text part and files."""
    mms = EmailMessage()
    mms.make_related()
    smil = EmailMessage()
    smil.set_content(b"<smil><body><par><img src=\"photo.jpg\"/><text src=\"text.txt\"/></par></body></smil>",
                     maintype="application", subtype="smil", cid="<smil>")
    mms.attach(smil)
    if text:
        t = EmailMessage()
        t.set_content(text, subtype="plain", charset="utf-8", cte="base64")
        t["Content-ID"] = "<text.txt>"
        mms.attach(t)
    for name, ctype, data in files:
        f = EmailMessage()
        main, sub = ctype.split("/")
        f.set_content(data, maintype=main, subtype=sub, filename=name, cid=f"<{name}>")
        mms.attach(f)
    mms["Content-ID"] = "<mms-content>"
    outer = EmailMessage()
    outer.make_related()
    env = EmailMessage()
    env.set_content((soap or envelope(tid=tid, sender=sender, subject=subject)).encode(), maintype="text",
                    subtype="xml", cid="<soap-start>")
    outer.attach(env)
    outer.attach(mms)
    outer.set_param("type", "text/xml")
    outer.set_param("start", "<soap-start>")
    raw = outer.as_bytes(policy=HTTP)
    head, _, body = raw.partition(b"\r\n\r\n")
    return body, outer["Content-Type"]
