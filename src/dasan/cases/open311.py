"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under `/open311/v2/`, JSON and
XML: discovery, services, service definitions, POST requests (api_key), tokens, GET requests with
every filter of the spec, GET one request, and FixMyStreet's `servicerequestupdates` extension.

Services are the published case types; a request is a case like any other (it appears in the
department's queue); its id is the case number; `status` is `open` until the case is resolved.
Errors are the spec's list of `{code, description}` with the HTTP status 400, 403 or 404.
API keys: `dasan open311 key create --name NAME` (stored as tokens of channel `open311:NAME`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405  (building, not parsing)

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.actions import do_open_case
from dasan.cases.core import SEOUL
from dasan.cases.models import Case, CaseComment, CaseEvent, CaseStatus, CaseType
from dasan.core import clock
from dasan.core.deps import Public, SessionDep
from dasan.core.errors import DasanError
from dasan.orgs.models import Department, Organisation
from dasan.security.service import get_api_token

router = APIRouter(prefix="/open311/v2", tags=["open311"], dependencies=[Depends(Public())])
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SINGULAR = {"services": "service", "attributes": "attribute", "values": "value", "endpoints": "endpoint",
            "formats": "format", "service_requests": "request", "errors": "error",
            "service_requests_updates": "request_update"}
MAX_RESULTS = 1000
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the zone, in Seoul time (the spec's w3c format)."""
    return dt.astimezone(SEOUL).isoformat(timespec="seconds") if dt else None


def parse_date(value: str, name: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 date-time (e.g. 2026-11-22T09:00:00+09:00)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=SEOUL)


def _xml(node: Element, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(SubElement(node, k), v)
    elif isinstance(value, list):
        child = SINGULAR.get(node.tag, "item")
        for v in value:
            _xml(SubElement(node, child), v)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """The payload as JSON, or as XML under `root` (lists become repeated singular elements)."""
    if fmt == "xml":
        el = Element(root)
        _xml(el, payload)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(el, encoding="utf-8", xml_declaration=False)
        return Response(body, status_code=status, media_type=FORMATS["xml"])
    import json

    return Response(json.dumps(payload, ensure_ascii=False), status_code=status, media_type=FORMATS["json"])


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"unknown format '{fmt}': use .json or .xml")
    return fmt


def _errors(fmt: str, e: Open311Error | DasanError) -> Response:
    status = e.status if isinstance(e, Open311Error) else (404 if e.status == 404 else 400)
    description = e.description if isinstance(e, Open311Error) else e.message
    return render(fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}],
                  status=status)


def _service(t: CaseType) -> dict:
    return {"service_code": t.code, "service_name": t.name_en or t.name, "description": t.description or t.name,
            "metadata": bool(t.attributes), "type": "realtime", "keywords": t.keywords, "group": t.group}


def _services(session: Session) -> list[CaseType]:
    return list(session.scalars(select(CaseType).where(CaseType.published.is_(True)).order_by(CaseType.code)))


def _requests_json(session: Session, cases: list[Case]) -> list[dict]:
    """The spec's request records; status_notes is each case's latest public comment (one query)."""
    types, depts = _lookups(session)
    notes: dict[int, str] = {}
    for case_id, body in session.execute(select(CaseComment.case_id, CaseComment.body).where(
            CaseComment.case_id.in_([c.id for c in cases]), CaseComment.public.is_(True)).order_by(CaseComment.id)):
        notes[case_id] = body  # ordered by id: the last one stays
    return [_request_json(c, types, depts, notes.get(c.id, "")) for c in cases]


def _request_json(case: Case, types: dict[int, CaseType], depts: dict[int, Department], notes: str) -> dict:
    ctype = types[case.case_type_id]
    media = case.media_url or next((a["url"] for a in case.attachments if a.get("url")), "")
    return {"service_request_id": case.number, "status": "closed" if case.status == CaseStatus.RESOLVED else "open",
            "status_notes": notes, "service_name": ctype.name_en or ctype.name, "service_code": ctype.code,
            "description": case.description, "agency_responsible": depts[case.department_id].name_en
            or depts[case.department_id].name, "service_notice": f"Answered within {ctype.working_days} working days",
            "requested_datetime": iso(case.opened_at), "updated_datetime": iso(case.updated_at),
            "expected_datetime": iso(case.due_at), "address": case.address, "address_id": "", "zipcode": "",
            "lat": case.lat, "long": case.long, "media_url": media}


def _lookups(session: Session) -> tuple[dict[int, CaseType], dict[int, Department]]:
    return ({t.id: t for t in session.scalars(select(CaseType))},
            {d.id: d for d in session.scalars(select(Department))})


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    """Where this endpoint is and what it speaks."""
    try:
        _format(fmt)
    except Open311Error as e:
        return _errors("json", e)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return render(fmt, "discovery", {
        "changeset": "2026-11-22T00:00:00+09:00", "contact": "120 Dasan Call Center, Seoul", "key_service": base,
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-22T00:00:00+09:00", "type": "production",
                       "formats": ["text/xml", "application/json"]}]})


@router.get("/services.{fmt}")
def services(fmt: str, session: SessionDep) -> Response:
    """Every published service (case type)."""
    try:
        _format(fmt)
    except Open311Error as e:
        return _errors("json", e)
    return render(fmt, "services", [_service(t) for t in _services(session)])


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, session: SessionDep) -> Response:
    """A service's attributes (its extra questions), each with its datatype and values."""
    try:
        _format(fmt)
        t = session.scalar(select(CaseType).where(CaseType.code == code, CaseType.published.is_(True)))
        if t is None:
            raise Open311Error(404, f"no service '{code}'")
    except Open311Error as e:
        return _errors(fmt, e)
    return render(fmt, "service_definition", {"service_code": t.code, "attributes": sorted(
        t.attributes or [], key=lambda a: a.get("order", 0))})


def check_attributes(defs: list[dict], given: dict[str, list[str]]) -> dict[str, Any]:
    """The submitted attribute values, checked against the service definition (pure)."""
    out: dict[str, Any] = {}
    by_code = {d["code"]: d for d in defs if d.get("variable", True)}
    unknown = sorted(set(given) - set(by_code))
    if unknown:
        raise Open311Error(400, f"unknown attribute {', '.join(unknown)}")
    for code, d in by_code.items():
        values = [v for v in given.get(code, []) if v != ""]
        if not values:
            if d.get("required"):
                raise Open311Error(400, f"attribute[{code}] is required: {d.get('description', '')}".rstrip(": "))
            continue
        kind = d.get("datatype", "string")
        keys = {str(v["key"]) for v in d.get("values", [])}
        if kind == "multivaluelist":
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{code}]: {', '.join(bad)} not among {', '.join(sorted(keys))}")
            out[code] = values
            continue
        if len(values) > 1:
            raise Open311Error(400, f"attribute[{code}] takes one value")
        value = values[0]
        if kind == "singlevaluelist" and value not in keys:
            raise Open311Error(400, f"attribute[{code}]: '{value}' not among {', '.join(sorted(keys))}")
        if kind == "number":
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, f"attribute[{code}] must be a number") from None
        if kind == "datetime":
            parse_date(value, f"attribute[{code}]")
        out[code] = value
    return out


ATTR = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _district(session: Session, address: str) -> str:
    """The district (구) an address names, by the district's Korean or English name."""
    for org in session.scalars(select(Organisation).where(Organisation.kind == "district")):
        names = [org.name, org.name.removesuffix("구"), org.name_en.removesuffix("-gu")]
        if any(n and n in address for n in names if len(n) >= 2):
            return org.code
    return ""


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request) -> Response:
    """A new service request (form-encoded, with an api_key); answered with its id."""
    import anyio

    from dasan.db.engine import session_scope

    try:
        _format(fmt)
        form = await request.form()
        fields: dict[str, str] = {}
        attrs: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if not isinstance(value, str):
                raise Open311Error(400, f"{key}: files are not accepted; send media_url")
            m = ATTR.match(key)
            if m:
                attrs.setdefault(m.group(1), []).append(value.strip())
            else:
                fields[key] = value.strip()
    except Open311Error as e:
        return _errors(fmt, e)

    def store():
        with session_scope(request.app.state.session_factory) as s:
            return _create(s, fields, attrs)

    try:
        number = await anyio.to_thread.run_sync(store)
    except (Open311Error, DasanError) as e:
        return _errors(fmt, e)
    return render(fmt, "service_requests", [{"service_request_id": number,
                                             "service_notice": "The department answers within its deadline",
                                             "account_id": None}], status=201)


def _create(session: Session, fields: dict[str, str], attrs: dict[str, list[str]]) -> str:
    key = fields.get("api_key", "")
    if not key:
        raise Open311Error(400, "api_key is required")
    token = get_api_token(session=session, token=key)
    if token is None or not token.channel.startswith("open311:"):
        raise Open311Error(403, "invalid api_key")
    code = fields.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code is required")
    ctype = session.scalar(select(CaseType).where(CaseType.code == code, CaseType.published.is_(True)))
    if ctype is None:
        raise Open311Error(404, f"no service '{code}'")
    lat = long = None
    if fields.get("lat") or fields.get("long"):
        try:
            lat, long = float(fields.get("lat", "")), float(fields.get("long", ""))
        except ValueError:
            raise Open311Error(400, "lat and long must both be decimal degrees") from None
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            raise Open311Error(400, "lat must be within ±90 and long within ±180")
    address = fields.get("address_string", "") or fields.get("address_id", "")
    if lat is None and not address:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    values = check_attributes(ctype.attributes or [], attrs)
    district = _district(session, address) if ctype.district_suffix else ""
    if ctype.district_suffix and not district and lat is not None:
        from dasan.orgs.geo import nearest_district

        district = nearest_district(lat, long) or ""
    if ctype.district_suffix and not district:
        raise Open311Error(400, "this service is handled by the district: give a location in Seoul, or an "
                                "address_string naming the district (e.g. 마포구 / Mapo-gu)")
    description = fields.get("description", "")
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    name = " ".join(x for x in (fields.get("first_name", ""), fields.get("last_name", "")) if x)
    title = (description.splitlines()[0][:80] if description else "") or ctype.name
    case = do_open_case(session=session, ctype=ctype, title=title, description=description,
                        district_code=district, address=address, lat=lat, long=long, attributes=values,
                        media_url=fields.get("media_url", "")[:1000], contact_phone=fields.get("phone", ""),
                        contact_email=fields.get("email", ""), source="open311")
    session.add(CaseEvent(case_id=case.id, kind="open311_request", data={
        "api_key": token.channel.removeprefix("open311:"), "name": name, "device_id": fields.get("device_id", ""),
        "account_id": fields.get("account_id", "")}, created_at=clock.now()))
    return case.number


def _one(session: Session, fmt: str, where, missing: str) -> Case:
    _format(fmt)
    case = session.scalar(select(Case).where(where))
    if case is None:
        raise Open311Error(404, missing)
    return case


@router.get("/tokens/{token}.{fmt}")
def token_lookup(token: str, fmt: str, session: SessionDep) -> Response:
    """The request id behind a token (requests are created at once, so every token has one)."""
    try:
        case = _one(session, fmt, Case.open311_token == token, f"no request for token '{token}'")
    except Open311Error as e:
        return _errors(fmt, e)
    return render(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, session: SessionDep) -> Response:
    """Requests by id (comma-separated; other filters then ignored, as the spec says), or by
    service_code, status (open, closed), start_date and end_date (90 days by default)."""
    try:
        _format(fmt)
        q = request.query_params
        stmt = select(Case)
        ids = _split(q.get("service_request_id"))
        if ids:
            stmt = stmt.where(Case.number.in_(ids))
        else:
            codes = _split(q.get("service_code"))
            if codes:
                type_ids = session.scalars(select(CaseType.id).where(CaseType.code.in_(codes))).all()
                stmt = stmt.where(Case.case_type_id.in_(type_ids))
            statuses = _split(q.get("status"))
            bad = [s for s in statuses if s not in ("open", "closed")]
            if bad:
                raise Open311Error(400, f"status must be open or closed, not {', '.join(bad)}")
            if statuses == ["open"]:
                stmt = stmt.where(Case.status != CaseStatus.RESOLVED)
            elif statuses == ["closed"]:
                stmt = stmt.where(Case.status == CaseStatus.RESOLVED)
            end = parse_date(q["end_date"], "end_date") if q.get("end_date") else None
            start = parse_date(q["start_date"], "start_date") if q.get("start_date") else None
            if start is None and end is None:
                start = clock.now() - timedelta(days=90)
            if start and end and start > end:
                raise Open311Error(400, "start_date is after end_date")
            if start:
                stmt = stmt.where(Case.opened_at >= start)
            if end:
                stmt = stmt.where(Case.opened_at <= end)
        cases = list(session.scalars(stmt.order_by(Case.opened_at.desc(), Case.id.desc()).limit(MAX_RESULTS)))
    except Open311Error as e:
        return _errors(fmt, e)
    return render(fmt, "service_requests", _requests_json(session, cases))


@router.get("/requests/{request_id}.{fmt}")
def get_request(request_id: str, fmt: str, session: SessionDep) -> Response:
    """One request, as a list of one (the spec's shape)."""
    try:
        case = _one(session, fmt, Case.number == request_id, f"no service request '{request_id}'")
    except Open311Error as e:
        return _errors(fmt, e)
    return render(fmt, "service_requests", _requests_json(session, [case]))


@router.get("/servicerequestupdates.{fmt}")
def request_updates(fmt: str, request: Request, session: SessionDep) -> Response:
    """FixMyStreet's extension: public updates (comments and status changes) between start_date
    and end_date (the last day by default)."""
    try:
        _format(fmt)
        q = request.query_params
        end = parse_date(q["end_date"], "end_date") if q.get("end_date") else clock.now()
        start = parse_date(q["start_date"], "start_date") if q.get("start_date") else end - timedelta(days=1)
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
    except Open311Error as e:
        return _errors(fmt, e)
    rows = session.execute(select(CaseComment, Case).join(Case, Case.id == CaseComment.case_id).where(
        CaseComment.public.is_(True), CaseComment.created_at >= start, CaseComment.created_at <= end)
        .order_by(CaseComment.created_at, CaseComment.id).limit(MAX_RESULTS)).all()
    updates = []
    for comment, case in rows:
        updates.append({"update_id": str(comment.id), "service_request_id": case.number,
                        "status": "CLOSED" if comment.status_after == CaseStatus.RESOLVED else "OPEN",
                        "updated_datetime": iso(comment.created_at),
                        "description": comment.body, "media_url": ""})
    return render(fmt, "service_requests_updates", updates)
