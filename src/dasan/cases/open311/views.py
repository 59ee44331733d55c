"""The Open311 routes. One error handler for the router (`Open311Route`): an `Open311Error` or
a `DasanError` raised anywhere in a route becomes the spec's error list, in the route's format."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from dasan.cases.models import Case
from dasan.cases.open311 import actions, service
from dasan.cases.open311.formats import Open311Error, check_format, parse_date, render, render_error
from dasan.cases.open311.validation import split_form
from dasan.center import service as center_service
from dasan.center.deps import CenterDep
from dasan.core import clock
from dasan.core.errors import DasanError
from dasan.db.engine import session_scope
from dasan.security.deps import Public, SessionDep

CHANGESET = "2026-11-21T15:00:00+00:00"  # when this implementation last changed what it speaks


class Open311Route(APIRoute):
    """Routes whose errors are rendered the way GeoReport v2 says."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            fmt = request.path_params.get("fmt") or request.url.path.rsplit(".", 1)[-1]
            try:
                return await handler(request)
            except Open311Error as e:
                return render_error(fmt, e.status, e.description)
            except DasanError as e:
                return render_error(fmt, 404 if e.status == 404 else 400, e.message)

        return handle


router = APIRouter(prefix="/open311/v2", tags=["open311"], dependencies=[Depends(Public())],
                   route_class=Open311Route)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request, center: CenterDep) -> Response:
    """Where this endpoint is, who runs it and what it speaks."""
    check_format(fmt)
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return render(fmt, "discovery", {
        "changeset": CHANGESET, "contact": f"{center.name('en')} ({center.number})", "key_service": base,
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}]})


@router.get("/services.{fmt}")
def services(fmt: str, session: SessionDep) -> Response:
    """Every published service (case type)."""
    check_format(fmt)
    return render(fmt, "services", [service.service_json(t) for t in service.list_services(session)])


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, session: SessionDep) -> Response:
    """A service's attributes (its extra questions), each with its datatype and values."""
    check_format(fmt)
    t = service.get_service(session, code)
    return render(fmt, "service_definition", {"service_code": t.code, "attributes": sorted(
        t.attributes or [], key=lambda a: a.get("order", 0))})


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request) -> Response:
    """A new service request (form-encoded, with an api_key); answered with its id."""
    check_format(fmt)
    form = await request.form()
    fields, attrs = split_form(list(form.multi_items()))

    def store() -> str:
        with session_scope(request.app.state.session_factory) as s:
            return actions.do_create_request(s, fields, attrs)

    number = await anyio.to_thread.run_sync(store)
    return render(fmt, "service_requests", [{"service_request_id": number,
                                             "service_notice": "The department answers within its deadline",
                                             "account_id": None}], status=201)


@router.get("/tokens/{token}.{fmt}")
def token_lookup(token: str, fmt: str, session: SessionDep) -> Response:
    """The request id behind a token (requests are created at once, so every token has one)."""
    check_format(fmt)
    case = service.get_case(session, Case.open311_token == token, f"no request for token '{token}'")
    return render(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, session: SessionDep) -> Response:
    """Requests by id (comma-separated; other filters then ignored, as the spec says), or by
    service_code, status (open, closed), start_date and end_date (90 days by default)."""
    check_format(fmt)
    tz = center_service.get(session).tz
    q = request.query_params
    cases = service.list_requests(
        session, ids=_split(q.get("service_request_id")), codes=_split(q.get("service_code")),
        statuses=_split(q.get("status")),
        start=parse_date(q["start_date"], "start_date", tz) if q.get("start_date") else None,
        end=parse_date(q["end_date"], "end_date", tz) if q.get("end_date") else None)
    return render(fmt, "service_requests", service.requests_json(session, cases, tz))


@router.get("/requests/{request_id}.{fmt}")
def get_request(request_id: str, fmt: str, session: SessionDep) -> Response:
    """One request, as a list of one (the spec's shape)."""
    check_format(fmt)
    case = service.get_case(session, Case.number == request_id, f"no service request '{request_id}'")
    return render(fmt, "service_requests", service.requests_json(session, [case], center_service.get(session).tz))


@router.get("/servicerequestupdates.{fmt}")
def request_updates(fmt: str, request: Request, session: SessionDep) -> Response:
    """FixMyStreet's extension: public updates (comments and status changes) between start_date
    and end_date (the last day by default)."""
    check_format(fmt)
    tz = center_service.get(session).tz
    q = request.query_params
    end = parse_date(q["end_date"], "end_date", tz) if q.get("end_date") else clock.now()
    start = parse_date(q["start_date"], "start_date", tz) if q.get("start_date") else end - timedelta(days=1)
    return render(fmt, "service_requests_updates", service.list_updates(session, start=start, end=end, tz=tz))
