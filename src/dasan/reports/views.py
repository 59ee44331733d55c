"""Interval report API (JSON and CSV) and the report page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from dasan.cases.reports import case_report
from dasan.cases.reports import report_csv as cases_csv
from dasan.center.deps import CenterDep
from dasan.core import clock
from dasan.core.errors import Invalid, NotFound
from dasan.core.moments import Day
from dasan.db.engine import session_scope
from dasan.reports.service import interval_report, report_csv
from dasan.security.deps import Allow, Principal, SessionDep

REPORT_ROLES = ("supervisor", "admin", "analyst")

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/intervals")
def get_intervals(
    request: Request,
    session: SessionDep,
    center: CenterDep,
    me: Annotated[Principal, Depends(Allow(*REPORT_ROLES))],
    day: Day | None = None,
    interval_min: Annotated[int, Query(ge=1, le=1440)] = 30,  # 15, 30 or 60 (the report says so)
    queue: str | None = None,
    format: Literal["json", "csv"] = "json",
):
    """Offered, answered, abandoned, service level, answer rate, ASA, handle time and occupancy per
    interval of one of the center's days (default today), with totals; `format=csv` downloads the same rows."""
    day = day or center.today(clock.now())
    session.commit()  # read a day's rows in a read-only transaction of their own, not holding up writers
    try:
        with session_scope(request.app.state.read_factory) as s:
            report = interval_report(session=s, day=day, interval_min=interval_min, queue=queue or None)
    except ValueError as e:
        raise Invalid(str(e), code="bad_interval") from e
    except LookupError as e:
        raise NotFound(str(e)) from e
    if format == "csv":
        name = f"dasan-intervals-{day.isoformat()}{'-' + queue if queue else ''}.csv"
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report


@router.get("/cases")
def get_case_report(
    request: Request,
    session: SessionDep,
    center: CenterDep,
    me: Annotated[Principal, Depends(Allow(*REPORT_ROLES))],
    start: Day | None = None,
    end: Day | None = None,
    by: Literal["day", "district"] = "day",
    format: Literal["json", "csv"] = "json",
):
    """First-contact resolution (target 90 %), transfers by department and type, deadline
    compliance and satisfaction, per day or per district over [start, end] (default: the last
    seven days of the center); `format=csv` downloads the rows."""
    today = center.today(clock.now())
    end = end or today
    start = start or end - timedelta(days=6)
    session.commit()
    try:
        with session_scope(request.app.state.read_factory) as s:
            report = case_report(session=s, start=start, end=end, by=by, now=clock.now())
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    if format == "csv":
        name = f"dasan-cases-{by}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(cases_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report
