"""Open data API: a day's records (JSON or CSV, anyone may read them) and their data dictionary;
the emerging issues raised and the bot notices published for them; a day's or a week's topics,
built, renamed and merged by analysts; hot spots per district."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from dasan.center import service as center_service
from dasan.core.errors import Invalid, found
from dasan.core.ids import PathId
from dasan.core.moments import Day, check_period
from dasan.orgs.models import Role
from dasan.security.actions import do_audit
from dasan.security.deps import Allow, Principal, Public, SessionDep
from dasan.trends import actions, opendata, service
from dasan.trends.live import alert_data
from dasan.trends.models import BotNotice, TrendAlert, TrendTopic

router = APIRouter(prefix="/api/v1/opendata", tags=["opendata"], dependencies=[Depends(Public())])
alerts_router = APIRouter(prefix="/api/v1/trends", tags=["trends"])
Watching = Annotated[Principal, Depends(Allow(Role.SUPERVISOR.value, Role.ADMIN.value, Role.ANALYST.value))]


@router.get("/dictionary")
def data_dictionary() -> dict:
    """Every published field with its type and meaning, the quasi-identifiers and k."""
    return opendata.dictionary()


@router.get("/records/{day}.{fmt}")
def records(day: str, fmt: str, session: SessionDep) -> Response:
    """The consultations and cases created on the center's `day` (YYYY-MM-DD, a day that is
    over), as `json` or `csv`; no personal data, no group of quasi-identifiers under k."""
    if fmt not in ("json", "csv"):
        raise Invalid("format must be json or csv", code="bad_format")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Invalid("day must be YYYY-MM-DD", code="bad_date") from None
    data = service.open_data(session, when)
    if fmt == "csv":
        return Response(opendata.to_csv(data["rows"]), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="dasan-{when.isoformat()}.csv"',
                                 "X-Suppressed-Records": str(data["suppressed"])})
    return JSONResponse(data)


@alerts_router.get("/alerts")
def list_alerts(session: SessionDep, me: Watching,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    """The emerging issues the detector raised, newest first, with the article suggested."""
    rows = session.scalars(select(TrendAlert).order_by(TrendAlert.detected_at.desc(), TrendAlert.id.desc())
                           .limit(limit))
    return [alert_data(r) for r in rows]


# -- topics ---------------------------------------------------------------------------------------


class BuildIn(BaseModel):
    period: str = Field(pattern="^(day|week)$")
    day: Day
    replace: bool = False


def _topic_out(t: TrendTopic) -> dict:
    return {"id": t.id, "period": t.period, "start": t.start.isoformat(), "label": t.label, "terms": t.terms,
            "size": t.size, "examples": t.examples, "articles": t.articles, "merged_into_id": t.merged_into_id,
            "built_at": t.built_at}


def _topic(session, topic_id: int) -> TrendTopic:
    return found(session.get(TrendTopic, topic_id), f"topic {topic_id}", "unknown_topic")


@alerts_router.post("/topics", status_code=201)
def build_topics(body: BuildIn, session: SessionDep, me: Watching) -> list[dict]:
    """Group a day's or a week's consultations into topics (`replace` rebuilds a period that has them)."""
    rows = actions.do_build_topics(session=session, period=body.period, day=body.day, replace=body.replace)
    do_audit(session=session, user_id=me.id, action="trends.topics.build", subject_type="topics", subject_id=None,
             detail={"period": body.period, "start": actions.period_start(body.period, body.day).isoformat(),
                     "topics": len(rows)})
    return [_topic_out(t) for t in rows]


@alerts_router.get("/topics")
def list_topics(session: SessionDep, me: Watching, period: Annotated[str, Query(pattern="^(day|week)$")],
                day: Annotated[Day, Query()]) -> list[dict]:
    """A period's topics, largest first (merged ones point to where they went)."""
    start = actions.period_start(period, day)
    rows = session.scalars(select(TrendTopic).where(TrendTopic.period == period, TrendTopic.start == start)
                           .order_by(TrendTopic.size.desc(), TrendTopic.id).limit(1000))
    return [_topic_out(t) for t in rows]


class RenameIn(BaseModel):
    label: str = Field(min_length=1, max_length=200)


@alerts_router.patch("/topics/{topic_id}")
def rename_topic(topic_id: PathId, body: RenameIn, session: SessionDep, me: Watching) -> dict:
    row = actions.do_rename_topic(session=session, topic=_topic(session, topic_id), label=body.label)
    do_audit(session=session, user_id=me.id, action="trends.topic.rename", subject_type="topic", subject_id=row.id,
             detail={"label": row.label})
    return _topic_out(row)


class MergeIn(BaseModel):
    into: int = Field(ge=1, le=2**31 - 1)


@alerts_router.post("/topics/{topic_id}/merge")
def merge_topic(topic_id: PathId, body: MergeIn, session: SessionDep, me: Watching) -> dict:
    """Merge this topic into `into` (same period); returns the topic that now holds both."""
    row = actions.do_merge_topics(session=session, source=_topic(session, topic_id), target=_topic(session, body.into))
    do_audit(session=session, user_id=me.id, action="trends.topic.merge", subject_type="topic", subject_id=topic_id,
             detail={"into": row.id})
    return _topic_out(row)


@alerts_router.get("/hotspots")
def hotspots(session: SessionDep, me: Watching, start: Annotated[Day, Query()], end: Annotated[Day, Query()],
             topic_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict:
    """Cases and the contacts behind them per district for the center's days `start`…`end`
    (optionally only a topic's contacts), with the city's district map when one is shipped."""
    try:
        check_period(start, end)
    except ValueError as e:
        raise Invalid(str(e), code="bad_period") from e
    ids = _topic(session, topic_id).conversation_ids if topic_id else None
    counts = service.hot_spots(session, start, end, ids)
    city_map = service.city_map(session)
    names = [d["name"] for d in city_map["districts"]] if city_map else sorted(counts)
    rows = [{"district": n, **counts.get(n, {"cases": 0, "contacts": 0})} for n in names]
    rows += [{"district": n, **c} for n, c in counts.items() if n not in names]  # not on the map
    return {"start": start.isoformat(), "end": end.isoformat(), "topic_id": topic_id, "districts": rows,
            "map": city_map}


# -- the bot's notices ----------------------------------------------------------------------------

Publishing = Annotated[Principal, Depends(Allow(Role.SUPERVISOR.value, Role.ADMIN.value))]


def _notice_out(n: BotNotice) -> dict:
    return {"id": n.id, "alert_id": n.alert_id, "text": n.text, "terms": n.terms, "created_at": n.created_at,
            "until": n.until, "ended_at": n.ended_at}


def _alert(session, alert_id: int) -> TrendAlert:
    return found(session.get(TrendAlert, alert_id), f"alert {alert_id}", "unknown_alert")


@alerts_router.get("/alerts/{alert_id}/notice-draft")
def notice_draft(alert_id: PathId, session: SessionDep, me: Watching) -> dict:
    """A bot notice drafted from an alert, in the center's language, to edit before publishing."""
    return actions.notice_draft(_alert(session, alert_id), center_service.get(session).default_lang)


class NoticeIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)
    terms: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=20)
    hours: int = Field(ge=1, le=actions.MAX_NOTICE_HOURS)
    alert_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


@alerts_router.post("/notices", status_code=201)
def publish_notice(body: NoticeIn, session: SessionDep, me: Publishing) -> dict:
    """The bot says this, once per contact, to citizens whose message names one of the terms."""
    row = actions.do_publish_notice(session=session, user=me.user, text=body.text, terms=body.terms,
                                    hours=body.hours, alert=_alert(session, body.alert_id) if body.alert_id else None)
    do_audit(session=session, user_id=me.id, action="trends.notice.publish", subject_type="bot_notice",
             subject_id=row.id, detail={"terms": row.terms, "until": row.until.isoformat()})
    return _notice_out(row)


@alerts_router.get("/notices")
def list_notices(session: SessionDep, me: Watching) -> list[dict]:
    """The notices the bot is giving now."""
    return [_notice_out(n) for n in actions.active_notices(session)]


@alerts_router.post("/notices/{notice_id}/end")
def end_notice(notice_id: PathId, session: SessionDep, me: Publishing) -> dict:
    row = found(session.get(BotNotice, notice_id), f"notice {notice_id}", "unknown_notice")
    actions.do_end_notice(session=session, notice=row)
    do_audit(session=session, user_id=me.id, action="trends.notice.end", subject_type="bot_notice", subject_id=row.id)
    return _notice_out(row)
