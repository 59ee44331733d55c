"""Open311's one write: a client's service request, checked, becomes a case of its service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.cases.actions import do_open_case
from dasan.cases.models import CaseEvent
from dasan.cases.open311.formats import Open311Error
from dasan.cases.open311.service import district_named, get_service
from dasan.cases.open311.validation import check_attributes, check_description, check_location
from dasan.core import clock
from dasan.orgs.geo import nearest_district
from dasan.orgs.models import Organisation
from dasan.security.service import get_api_token


def do_create_request(session: Session, fields: dict[str, str], attrs: dict[str, list[str]]) -> str:
    """A client's service request, checked, opened as a case of its service; returns its id."""
    key = fields.get("api_key", "")
    if not key:
        raise Open311Error(400, "api_key is required")
    token = get_api_token(session=session, token=key)
    if token is None or not token.channel.startswith("open311:"):
        raise Open311Error(403, "invalid api_key")
    code = fields.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code is required")
    ctype = get_service(session, code)
    lat, long, address = check_location(fields)
    values = check_attributes(ctype.attributes or [], attrs)
    district = district_named(session, address) if ctype.district_suffix else ""
    if ctype.district_suffix and not district and lat is not None and long is not None:
        offices = {o.code: (o.lat, o.long) for o in session.scalars(select(Organisation).where(
            Organisation.kind == "district")) if o.lat is not None and o.long is not None}
        district = nearest_district(lat, long, offices) or ""
    if ctype.district_suffix and not district:
        raise Open311Error(400, "this service is handled by the district: give a location inside the city, or an "
                                "address_string naming the district")
    description = check_description(fields)
    name = " ".join(x for x in (fields.get("first_name", ""), fields.get("last_name", "")) if x)
    title = (description.splitlines()[0][:80] if description else "") or ctype.name
    case = do_open_case(session=session, ctype=ctype, title=title, description=description,
                        district_code=district, address=address, lat=lat, long=long, attributes=values,
                        media_url=fields.get("media_url", "")[:1000], contact_phone=fields.get("phone", ""),
                        contact_email=fields.get("email", ""), source="open311")
    session.add(CaseEvent(case_id=case.id, kind="open311_request", data={
        "api_key": token.channel.removeprefix("open311:"), "name": name, "device_id": fields.get("device_id", ""),
        "account_id": fields.get("account_id", "")}, created_at=clock.now()))
    assert case.number is not None  # numbered when opened
    return case.number
