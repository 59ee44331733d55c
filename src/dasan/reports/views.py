"""Interval report API (JSON and CSV) and the report page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dasan.cases.reports import case_report
from dasan.cases.reports import report_csv as cases_csv
from dasan.center.deps import CenterDep
from dasan.core import clock
from dasan.core.errors import Invalid, NotFound
from dasan.core.moments import Day
from dasan.db.engine import session_scope
from dasan.protect.reports import protect_report
from dasan.protect.reports import report_csv as protect_csv
from dasan.reports.service import interval_report, report_csv
from dasan.security.actions import do_audit
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
        _audit_export(session, me, name)
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return report


def _audit_export(session: Session, me: Principal, name: str) -> None:
    """Every export that leaves the center is in the audit log (who, which file)."""
    do_audit(session=session, user_id=me.id, action="report.export", subject_type="report", subject_id=None,
             detail={"file": name})
    session.commit()


def _period_report(request: Request, session, me, center, start, end, build, to_csv, name: str, format: str):
    """A report over the center's days [start, end] (default: the last seven), read in a read-only
    transaction of its own; `format=csv` downloads its rows as `name`-start-end.csv."""
    end = end or center.today(clock.now())
    start = start or end - timedelta(days=6)
    session.commit()  # not holding up writers while the days' rows are read
    try:
        with session_scope(request.app.state.read_factory) as s:
            report = build(s, start, end)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    if format == "csv":
        _audit_export(session, me, f"{name}-{start.isoformat()}-{end.isoformat()}.csv")
        return Response(to_csv(report), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}-{start.isoformat()}-{end.isoformat()}.csv"'})
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
    return _period_report(request, session, me, center, start, end,
                          lambda s, a, b: case_report(session=s, start=a, end=b, by=by, now=clock.now()),
                          cases_csv, f"dasan-cases-{by}", format)


@router.get("/protect")
def get_protect_report(
    request: Request,
    session: SessionDep,
    center: CenterDep,
    me: Annotated[Principal, Depends(Allow(*REPORT_ROLES))],
    start: Day | None = None,
    end: Day | None = None,
    format: Literal["json", "csv"] = "json",
):
    """Protecting agents (M17): contacts with abusive messages, warnings, contacts ended for abuse
    (and by the emergency button), recovery breaks and repeat offenders per day and channel over
    [start, end] (default: the center's last seven days); `format=csv` downloads the rows."""
    return _period_report(request, session, me, center, start, end,
                          lambda s, a, b: protect_report(session=s, start=a, end=b),
                          protect_csv, "dasan-protect", format)
