"""Trends writes: a day's or a week's topics built from its consultation records, renamed and
merged by analysts; the notices supervisors give the bot for an emerging issue."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.models import ConsultationRecord, ConversationEvent
from dasan.core import clock
from dasan.core.errors import Conflict, Invalid
from dasan.knowledge.models import Article
from dasan.orgs.models import User
from dasan.trends import service, terms, topics
from dasan.trends.models import BotNotice, TrendAlert, TrendTopic
from dasan.trends.terms import extract_many

PERIODS = ("day", "week")
MAX_RECORDS = 50_000  # a week of a large center's consultations


def period_start(period: str, day: date) -> date:
    """The first day of the period `day` is in (weeks start on Monday)."""
    if period not in PERIODS:
        raise Invalid("the period is day or week", code="bad_period")
    return day - timedelta(days=day.weekday()) if period == "week" else day


def do_build_topics(*, session: Session, period: str, day: date, replace: bool = False) -> list[TrendTopic]:
    """Group the period's consultations into topics and store them. A period that has topics keeps
    them (analysts may have renamed and merged them) unless `replace` is asked for."""
    start = period_start(period, day)
    center = center_service.get(session)
    if start > center.today(clock.now()):
        raise Invalid("this period has not begun", code="future_period")
    existing = session.scalar(select(TrendTopic.id).where(TrendTopic.period == period, TrendTopic.start == start))
    if existing is not None:
        if not replace:
            raise Conflict("this period's topics are built already (rebuilding loses names and merges)",
                           code="topics_exist")
        session.execute(delete(TrendTopic).where(TrendTopic.period == period, TrendTopic.start == start,
                                                 TrendTopic.merged_into_id.is_not(None)))
        session.execute(delete(TrendTopic).where(TrendTopic.period == period, TrendTopic.start == start))
    t0, t1 = center.day_bounds(start, start + timedelta(days=6 if period == "week" else 0))
    rows = session.execute(select(ConsultationRecord.conversation_id, ConsultationRecord.summary)
                           .where(ConsultationRecord.closed_at >= t0, ConsultationRecord.closed_at < t1)
                           .order_by(ConsultationRecord.id).limit(MAX_RECORDS)).all()
    said = service.said(session, [c for c, _ in rows])
    words = terms.extract_many([" ".join([*said[c], summary]) for c, summary in rows])
    found = topics.topics(list(zip([c for c, _ in rows], words, strict=True)))
    used = _bot_articles(session, [c for c, _ in rows])
    titles = dict(session.execute(select(Article.id, Article.title).where(
        Article.id.in_({a for counts in used.values() for a in counts}))).all()) if used else {}
    out = []
    for t in found:
        counts: Counter = Counter()
        for c in t.record_ids:
            counts.update(used.get(c, ()))
        articles = [{"id": a, "title": titles.get(a, ""), "count": n} for a, n in counts.most_common(3)]
        row = TrendTopic(period=period, start=start, label=" · ".join(t.terms[:3]), terms=t.terms,
                         size=len(t.record_ids), conversation_ids=t.record_ids, examples=t.examples,
                         articles=articles, built_at=clock.now())
        session.add(row)
        out.append(row)
    session.flush()
    return out


def _bot_articles(session: Session, conv_ids: list[int]) -> dict[int, list[int]]:
    """The articles the bot answered each contact with."""
    out: dict[int, list[int]] = {}
    for start in range(0, len(conv_ids), 5000):
        for conv_id, data in session.execute(select(ConversationEvent.conversation_id, ConversationEvent.data).where(
                ConversationEvent.conversation_id.in_(conv_ids[start:start + 5000]),
                ConversationEvent.kind == "bot_answered")):
            if isinstance(data, dict) and isinstance(data.get("article_id"), int):
                out.setdefault(conv_id, []).append(data["article_id"])
    return out


def do_rename_topic(*, session: Session, topic: TrendTopic, label: str) -> TrendTopic:
    label = " ".join(label.split())
    if not label:
        raise Invalid("a topic's name cannot be empty", code="label_required")
    topic.label = label[:200]
    return topic


def do_merge_topics(*, session: Session, source: TrendTopic, target: TrendTopic) -> TrendTopic:
    """`source`'s contacts become `target`'s: one topic where the clustering saw two."""
    if source.id == target.id:
        raise Invalid("a topic cannot be merged into itself", code="same_topic")
    if (source.period, source.start) != (target.period, target.start):
        raise Invalid("topics are merged within one period", code="other_period")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict("this topic was merged already", code="merged_already")
    target.conversation_ids = [*target.conversation_ids, *source.conversation_ids]
    target.size = len(target.conversation_ids)
    target.examples = [*target.examples, *source.examples][:8]
    counts = Counter({a["id"]: a["count"] for a in target.articles})
    counts.update({a["id"]: a["count"] for a in source.articles})
    titles = {a["id"]: a["title"] for a in [*target.articles, *source.articles]}
    target.articles = [{"id": a, "title": titles[a], "count": n} for a, n in counts.most_common(3)]
    target.terms = list(dict.fromkeys([*target.terms, *source.terms]))[:8]
    source.merged_into_id = target.id
    return target


# -- the bot's notices ----------------------------------------------------------------------------

MAX_NOTICE_HOURS = 72


def notice_draft(alert: TrendAlert, lang: str) -> dict:
    """What a supervisor starts from: the issue in plain words, the article to see, and the terms
    that make a citizen's message match (the alert's words, not its district: a question about
    something else in the same district is not about this)."""
    words = [t for t in alert.terms if t != alert.district][:3] or alert.label.split()[:2]
    where = f"{alert.district} " if alert.district else ""
    if lang == "ko":
        text = f"{where}{' '.join(words)} 관련 문의가 많습니다."
        if alert.article_title:
            text += f" 안내: {alert.article_title}"
    else:
        text = f"Many people are asking about {' '.join(words)}{' in ' + alert.district if alert.district else ''}."
        if alert.article_title:
            text += f" See: {alert.article_title}"
    return {"text": text, "terms": words}


def do_publish_notice(*, session: Session, user: User, text: str, terms: list[str], hours: int,
                      alert: TrendAlert | None = None) -> BotNotice:
    text = text.strip()
    words = list(dict.fromkeys(w for t in terms for w in extract_many([t])[0]))  # as the bot will see them
    if not text:
        raise Invalid("a notice has a text", code="text_required")
    if not words:
        raise Invalid("a notice needs words that a citizen's message names", code="terms_required")
    if not 1 <= hours <= MAX_NOTICE_HOURS:
        raise Invalid(f"a notice lasts 1 to {MAX_NOTICE_HOURS} hours", code="bad_hours")
    now = clock.now()
    row = BotNotice(alert_id=alert.id if alert else None, text=text[:1000], terms=words[:20], created_by_id=user.id,
                    created_at=now, until=now + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return row


def do_end_notice(*, session: Session, notice: BotNotice) -> BotNotice:
    if notice.ended_at is not None or notice.until <= clock.now():
        raise Conflict("this notice has ended", code="notice_ended")
    notice.ended_at = clock.now()
    return notice


def active_notices(session: Session) -> list[BotNotice]:
    now = clock.now()
    return list(session.scalars(select(BotNotice).where(BotNotice.until > now, BotNotice.ended_at.is_(None))
                                .order_by(BotNotice.id).limit(20)))


def notice_for(session: Session, conversation_id: int, text: str) -> BotNotice | None:
    """The active notice a citizen's message is about, if this contact has not heard it yet."""
    notices = active_notices(session)
    if not notices:
        return None  # the common case: one cheap query per bot turn
    words = set(extract_many([text])[0])
    heard = {e.get("notice_id") for e in session.scalars(select(ConversationEvent.data).where(
        ConversationEvent.conversation_id == conversation_id, ConversationEvent.kind == "bot_notice"))
        if isinstance(e, dict)}
    return next((n for n in notices if n.id not in heard and words & set(n.terms)), None)
