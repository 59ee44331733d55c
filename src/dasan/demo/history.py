"""A simulated working history for the demo (issue 16): the days before now as the center would
have lived them, so a newcomer's wallboard, interval report and case report show real numbers.

Nothing is written to the tables directly. A discrete-event simulation moves the app's clock
(`core.clock.travel_to`) from one event to the next and calls the same actions the live system
calls: a citizen's contact starts (`do_start_conversation`, with the citizen's question as an
inbound message on text channels), agents' shifts start and end (`do_set_presence`), the live
dispatcher's round offers contacts (`do_dispatch_round`, the routing engine itself), agents accept,
reply, end and wrap up (`do_accept`, `do_end_contact`, `do_close_with_record`), callers give up
(an abandoned record), the bot settles some chats, a share of contacts become cases for the
department (`do_open_case`), whose officials take and resolve them by or after their deadline
(`do_take`, `do_resolve`), the deadline job escalates what is near or past its deadline
(`do_escalate_deadlines`), and citizens answer the happy-call survey (`do_answer_survey`).

Everything is read from the database (articles, queues, agents, officials, case types, districts),
so any demo profile works. Arrivals follow a 24-hour public contact center's day (low at night,
peaks mid-morning and mid-afternoon); agents are put on the floor hour by hour to an Erlang C
staffing of the expected load (`workforce.erlang.staff`, 75 % in 20 s), capped at the agents there are, so
service level dips where the floor is short, as it does in a real center."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dasan.cases.actions import do_answer_survey, do_escalate_deadlines, do_open_case, do_resolve, do_take
from dasan.cases.models import Case, CaseStatus, CaseType
from dasan.center import service as center_service
from dasan.conversations.actions import (
    do_append_message,
    do_close_with_record,
    do_get_or_create_citizen,
    do_start_conversation,
)
from dasan.conversations.models import Conversation, ConvStatus, MsgKind, Resolution
from dasan.core import clock
from dasan.core.errors import Conflict
from dasan.db.engine import session_scope
from dasan.knowledge.models import Article, ArticleStatus
from dasan.orgs.models import Department, Organisation, Role, User
from dasan.outbox.models import OutboxItem, OutboxStatus
from dasan.routing.core import queue_for
from dasan.routing.dispatch import do_accept, do_dispatch_round, do_end_contact
from dasan.routing.models import AgentSkill, AgentStatus, Presence, Queue, Skill
from dasan.routing.presence import do_free_agent, do_set_presence
from dasan.workforce.erlang import staff

# Share of the day's contacts in each local hour (a 24-hour municipal line: quiet at night,
# a mid-morning peak, a lunch dip, a mid-afternoon peak).
HOURLY = (0.6, 0.4, 0.3, 0.25, 0.25, 0.35, 0.8, 1.8, 4.2, 7.8, 8.6, 7.9,
          6.0, 7.4, 7.9, 7.6, 7.0, 6.2, 4.2, 3.2, 2.6, 2.1, 1.6, 1.1)
CHANNELS = (("voice", 0.62), ("webchat", 0.2), ("sms", 0.1), ("sns-kakao", 0.08))
FOREIGN = 0.05  # share of contacts in the center's other languages (the 120+9 lines)
VIDEO = 0.004  # sign-language video calls
# Median handling seconds per channel (log-normal, sigma 0.5); patience before giving up.
HANDLE_S = {"voice": 160.0, "webchat": 330.0, "sms": 240.0, "sns-kakao": 260.0, "video": 480.0}
PATIENCE_S = {"voice": 150.0, "webchat": 420.0, "sms": 3600.0, "sns-kakao": 3600.0, "video": 300.0}
RING_S = {"voice": 4.0, "video": 6.0}  # an agent takes a chat offer in about 8 s
BOT_SETTLES = 0.35  # web chats the bot answers on its own
CASE_SHARE = 0.09  # "the tenth goes to the responsible official"
REPORTED = 0.02  # cases a day reported in the city's app (Open311), per contact a day
SURVEY_ANSWERED = 0.45
SCORES = ((5, 0.48), (4, 0.27), (3, 0.12), (2, 0.07), (1, 0.06))


@dataclass
class History:
    """What the simulation did (printed by `dasan demo`, asserted by the tests)."""

    contacts: int = 0
    answered: int = 0
    abandoned: int = 0
    bot_settled: int = 0
    cases_opened: int = 0
    cases_resolved: int = 0
    surveys_answered: int = 0
    by_channel: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"contacts": self.contacts, "answered": self.answered, "abandoned": self.abandoned,
                "bot_settled": self.bot_settled, "cases_opened": self.cases_opened,
                "cases_resolved": self.cases_resolved, "surveys_answered": self.surveys_answered,
                "by_channel": dict(self.by_channel)}


@dataclass(frozen=True)
class _Topic:
    lang: str
    category: str
    title: str
    questions: tuple[str, ...]
    answer: str  # the article's first sentence, which the agent's reply quotes


def _first_sentence(body: str) -> str:
    """Up to the first full stop (Korean, Chinese, Japanese or Latin), at most 300 characters."""
    m = re.search(r"^.+?(?:[.!?](?=\s)|[。！？]|$)", body.strip(), re.S)
    return (m.group(0) if m else body)[:300].strip()


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Sim:
    def __init__(self, factory: sessionmaker[Session], rng: random.Random, until: datetime) -> None:
        self.factory, self.rng, self.until = factory, rng, until
        self.heap: list[tuple[datetime, int, str, tuple]] = []
        self.seq = itertools.count()
        self.out = History()
        self.contact: dict[int, tuple[str, _Topic]] = {}  # conversation id → channel, topic
        with session_scope(factory) as s:
            self.center = center_service.get(s)
            self.default_lang = self.center.default_lang
            topics = [_Topic(a.lang, a.category or "기타", a.title, tuple(a.questions or ()) or (a.title,),
                             _first_sentence(a.body) or a.title)
                      for a in s.scalars(select(Article).where(Article.status == ArticleStatus.PUBLISHED))]
            self.topics: dict[str, list[_Topic]] = {}
            for t in topics:
                self.topics.setdefault(t.lang, []).append(t)
            self.queues = {q.code for q in s.scalars(select(Queue))}
            skills: dict[int, set[str]] = {}
            for uid, code in s.execute(select(AgentSkill.user_id, Skill.code).join(Skill)):
                skills.setdefault(uid, set()).add(code)
            agents = [(uid, skills.get(uid, set())) for uid in s.scalars(
                select(User.id).join(AgentStatus, AgentStatus.user_id == User.id)
                .where(User.role == Role.AGENT, User.active.is_(True)).order_by(User.id))]
            # The home-language floor; agents with another language or sign language serve those
            # lines first (the dedicated abuse team, a skill of its own, stays on the floor).
            other = {code for code, kind in s.execute(select(Skill.code, Skill.kind)) if kind == "language"}
            other.discard(self.default_lang)
            self.home = [uid for uid, sk in agents if self.default_lang in sk and not sk & other]
            self.linguists = [uid for uid, sk in agents if sk & other]
            self.case_types = list(s.scalars(select(CaseType).order_by(CaseType.id)))
            self.districts = [o.code for o in s.scalars(
                select(Organisation).where(Organisation.kind == "district").order_by(Organisation.id))]
            self.dept_codes = {code: did for did, code in s.execute(select(Department.id, Department.code))}
            self.officials: dict[int, int] = {}
            for u in s.scalars(select(User).where(User.role == Role.OFFICIAL, User.active.is_(True))
                               .order_by(User.id)):
                if u.department_id is not None:
                    self.officials.setdefault(u.department_id, u.id)
        langs = [lang for lang in self.center.languages if lang != self.default_lang]
        self.langs = ([(self.default_lang, 1 - FOREIGN)] + [(lang, FOREIGN / len(langs)) for lang in langs]
                      if langs else [(self.default_lang, 1.0)])  # a center with one language

    # --- the event queue -----------------------------------------------------------------
    def at(self, when: datetime, kind: str, *args) -> None:
        if when <= self.until:
            heapq.heappush(self.heap, (when, next(self.seq), kind, args))

    def run(self) -> History:
        while self.heap:
            when, _, kind, args = heapq.heappop(self.heap)
            clock.travel_to(when)
            getattr(self, f"_{kind}")(when, *args)
        clock.travel_to(self.until)
        self._close_the_day()
        return self.out

    # --- contacts ------------------------------------------------------------------------
    def plan_arrivals(self, start: datetime, end: datetime, per_day: float) -> None:
        t = start
        while t < end:
            local_hour = self.center.local(t).hour
            rate = per_day * HOURLY[local_hour] / sum(HOURLY) / 3600.0
            t += timedelta(seconds=self.rng.expovariate(rate))
            if t < end:
                self.at(t, "arrive")

    def plan_shifts(self, start: datetime, end: datetime, per_day: float) -> None:
        """Hour by hour: the home-language floor staffed to Erlang C (75 % in 20 s), capped at
        the agents there are; the language and sign-language agents in office hours."""
        hour = start
        on: set[int] = set()
        while hour < end:
            local = self.center.local(hour)
            calls = per_day * (1 - FOREIGN) * HOURLY[local.hour] / sum(HOURLY)
            need = staff(calls=calls, interval_s=3600, aht_s=170, target_sl=0.75, sl_seconds=20).agents
            order = self.home if 7 <= local.hour < 22 else self.home[::-1]  # the night shift is others
            wanted = set(order[:min(len(order), max(1, need))])
            if self.center.office_open.hour <= local.hour < self.center.office_close.hour:
                wanted |= set(self.linguists)
            else:
                wanted |= set(self.linguists[:1])  # one interpreter-agent keeps the 120+9 line at night
            for uid in sorted(on - wanted):
                self.at(hour, "presence", uid, Presence.OFFLINE)
            for uid in sorted(wanted - on):
                self.at(hour + timedelta(seconds=1), "presence", uid, Presence.AVAILABLE)
            on = wanted
            hour += timedelta(hours=1)

    def _presence(self, when: datetime, uid: int, presence: Presence) -> None:
        with session_scope(self.factory) as s:
            do_set_presence(session=s, user=s.get_one(User, uid), presence=presence, reason="shift")
        if presence == Presence.AVAILABLE:
            self._dispatch(when)

    def _arrive(self, when: datetime) -> None:
        rng = self.rng
        lang = str(_pick(rng, self.langs))
        video = rng.random() < VIDEO and "ksl-video" in self.queues
        topics = self.topics.get(lang) or []
        channel = "video" if video else str(_pick(rng, CHANNELS))
        if not topics:  # no article in that language: the citizen phones the language line
            channel, topics = "voice", self.topics.get(self.default_lang) or []
        if not topics:
            return
        topic = rng.choice(topics)
        queue = "ksl-video" if video else queue_for(lang, self.default_lang)
        if queue not in self.queues:
            queue = "general"
        bot = channel == "webchat" and rng.random() < BOT_SETTLES
        with session_scope(self.factory) as s:
            phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"
            if channel == "webchat":
                kind, value = "webchat", f"sim-{rng.getrandbits(48):x}"
            elif channel.startswith("sns-"):
                kind, value = f"{channel}:id", f"sim{rng.getrandbits(40):x}"
            else:
                kind, value = "phone", phone
            citizen = do_get_or_create_citizen(session=s, kind=kind, value=value, lang=lang)
            conv = do_start_conversation(session=s, citizen=citizen, channel=channel, lang=lang, queue_code=queue,
                                         bot=bot)
            if channel not in ("voice", "video"):
                do_append_message(session=s, conv=conv, kind=MsgKind.INBOUND, body=rng.choice(topic.questions))
            if bot:
                do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body=topic.answer)
            cid = conv.id
        self.contact[cid] = (channel, topic)
        self.out.contacts += 1
        self.out.by_channel[channel] += 1
        if bot:
            self.at(when + timedelta(seconds=rng.uniform(40, 150)), "bot_settles", cid)
            return
        self.at(when + timedelta(seconds=rng.expovariate(1 / PATIENCE_S[channel])), "give_up", cid)
        self._dispatch(when)

    def _bot_settles(self, when: datetime, cid: int) -> None:
        _, topic = self.contact[cid]
        with session_scope(self.factory) as s:
            do_close_with_record(session=s, conv=s.get_one(Conversation, cid), agent=None, category=topic.category,
                                 summary=topic.title[:500], resolution=Resolution.SOLVED)
        self.out.bot_settled += 1

    def _dispatch(self, when: datetime) -> None:
        with session_scope(self.factory) as s:
            offered = [(c.id, c.offered_to_id, c.channel)
                       for c in do_dispatch_round(session=s, offer_timeout_s=120, bot_enabled=False)]
        for cid, uid, channel in offered:
            self.at(when + timedelta(seconds=RING_S.get(channel, 8.0) * self.rng.uniform(0.5, 1.5)), "accept", cid, uid)

    def _accept(self, when: datetime, cid: int, uid: int) -> None:
        channel, topic = self.contact[cid]
        with session_scope(self.factory) as s:
            user = s.get_one(User, uid)
            try:
                conv = do_accept(session=s, user=user, conversation_id=cid)
            except Conflict:
                return  # the caller hung up while it rang
            if channel not in ("voice", "video"):
                do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, author=user,
                                  body=topic.answer)
        handle = HANDLE_S[channel] * math.exp(self.rng.gauss(0, 0.5))
        self.at(when + timedelta(seconds=handle), "end", cid, uid)

    def _end(self, when: datetime, cid: int, uid: int) -> None:
        with session_scope(self.factory) as s:
            do_end_contact(session=s, user=s.get_one(User, uid), conv=s.get_one(Conversation, cid))
        self.at(when + timedelta(seconds=self.rng.uniform(15, 60)), "wrap_up", cid, uid)

    def _wrap_up(self, when: datetime, cid: int, uid: int) -> None:
        rng = self.rng
        _, topic = self.contact[cid]
        case_type = self._case_type(topic) if rng.random() < CASE_SHARE else None
        resolution = Resolution.TRANSFERRED if case_type else _pick(rng, ((Resolution.SOLVED, 0.96),
                                                                          (Resolution.CALLBACK, 0.04)))
        case_id = None
        with session_scope(self.factory) as s:
            agent = s.get_one(User, uid)
            conv = s.get_one(Conversation, cid)
            do_close_with_record(session=s, conv=conv, agent=agent, category=topic.category,
                                 summary=topic.title[:500], resolution=resolution)  # type: ignore[arg-type]
            if case_type is not None:
                ctype = s.get_one(CaseType, case_type)
                district = self._district(ctype)
                case = do_open_case(session=s, ctype=ctype, title=f"{ctype.name}: {topic.title}"[:300], actor=agent,
                                    conversation=conv, district_code=district)
                case_id = case.id
                self._plan_case(case, when)
            do_free_agent(session=s, user_id=uid)
        self.out.answered += 1
        self.out.cases_opened += case_id is not None
        self._dispatch(when)

    def _give_up(self, when: datetime, cid: int) -> None:
        channel, topic = self.contact[cid]
        with session_scope(self.factory) as s:
            conv = s.get_one(Conversation, cid)
            if conv.status not in (ConvStatus.QUEUED, ConvStatus.OFFERED):
                return
            do_close_with_record(session=s, conv=conv, agent=None, category=topic.category,
                                 summary="", resolution=Resolution.ABANDONED)
        self.out.abandoned += 1

    # --- cases ---------------------------------------------------------------------------
    def plan_reports(self, start: datetime, end: datetime, per_day: float) -> None:
        """Cases reported through the city's app (Open311) in office hours of working days:
        the weeks before the simulated contacts, so deadlines have had time to be met or missed."""
        day = self.center.today(start)
        while self.center.day_start(day) < end:
            if self.center.is_working_day(day):
                opens = self.center.at_local(day, self.center.office_open)
                span = (self.center.at_local(day, self.center.office_close) - opens).total_seconds()
                for _ in range(int(self.rng.gauss(per_day, per_day ** 0.5))):
                    self.at(opens + timedelta(seconds=self.rng.uniform(0, span)), "report")
            day += timedelta(days=1)

    def _report(self, when: datetime) -> None:
        usable = [t for t in self.case_types if self._answerable(t)]
        if not usable:
            return
        ctype = self.rng.choice(usable)
        district = self._district(ctype)
        with session_scope(self.factory) as s:
            case = do_open_case(session=s, ctype=s.get_one(CaseType, ctype.id), title=ctype.name,
                                district_code=district, source="open311",
                                description=f"{ctype.name_en or ctype.name} (reported in the city's app)")
            self._plan_case(case, when)
        self.out.cases_opened += 1

    def _case_type(self, topic: _Topic) -> int | None:
        fitting = [t for t in self.case_types if t.category == topic.category]
        usable = [t for t in (fitting or self.case_types) if self._answerable(t)]
        return self.rng.choice(usable).id if usable else None

    def _answerable(self, ctype: CaseType) -> bool:
        """A type whose department has an official here, or a district's matter."""
        return ctype.department_id in self.officials or bool(ctype.district_suffix and self.districts)

    def _district(self, ctype: CaseType) -> str:
        """The citizen's district for a district's matter: most from the districts whose
        departments work in Dasan (have officials), the rest from anywhere in the city."""
        if not ctype.district_suffix or not self.districts:
            return ""
        served = [d for d in self.districts if self.dept_codes.get(f"{d}-{ctype.district_suffix}") in self.officials]
        return self.rng.choice(served if served and self.rng.random() < 0.8 else self.districts)

    def _plan_case(self, case: Case, opened: datetime) -> None:
        """The department's official takes the case within hours and answers it, most by the
        deadline (a log-normal share of the time allowed, median half of it); a department with
        no official in Dasan yet leaves it open."""
        official = self.officials.get(case.department_id)
        if official is None:
            return
        allowed = (case.due_at - opened).total_seconds()
        self.at(opened + timedelta(seconds=allowed * 0.08 * self.rng.random()), "case_take", case.id, official)
        resolve = allowed * 0.5 * math.exp(self.rng.gauss(0, 0.6))
        self.at(opened + timedelta(seconds=max(resolve, allowed * 0.1)), "case_resolve", case.id, official)

    def plan_escalations(self, start: datetime, end: datetime) -> None:
        """The server's deadline job (every minute live; every quarter hour here): cases near or
        past their deadline escalate once, at the time they would have."""
        t = start
        while t < end:
            self.at(t, "escalate")
            t += timedelta(minutes=15)

    def _escalate(self, when: datetime) -> None:
        with session_scope(self.factory) as s:
            do_escalate_deadlines(session=s, now=when)

    def _case_take(self, when: datetime, case_id: int, official: int) -> None:
        with session_scope(self.factory) as s:
            case = s.get_one(Case, case_id)
            if case.status == CaseStatus.OPEN:
                do_take(session=s, case=case, official=s.get_one(User, official))

    def _case_resolve(self, when: datetime, case_id: int, official: int) -> None:
        with session_scope(self.factory) as s:
            case = s.get_one(Case, case_id)
            do_resolve(session=s, case=case, official=s.get_one(User, official),
                       answer="요청하신 건을 처리했습니다. 이용해 주셔서 감사합니다.")
            surveyed = case.survey_sent_at is not None
        self.out.cases_resolved += 1
        if surveyed and self.rng.random() < SURVEY_ANSWERED:
            self.at(when + timedelta(minutes=self.rng.expovariate(1 / 90)), "survey", case_id)

    def _survey(self, when: datetime, case_id: int) -> None:
        with session_scope(self.factory) as s:
            do_answer_survey(session=s, case=s.get_one(Case, case_id), score=int(_pick(self.rng, SCORES)))  # type: ignore[call-overload]
        self.out.surveys_answered += 1

    # --- the end of the simulated time -------------------------------------------------------
    def _close_the_day(self) -> None:
        """Now is reached: nobody simulated is left on the floor or in a queue (the live
        dispatcher must not offer a real citizen to a simulated agent), and the simulated
        replies count as sent by the gateway."""
        with session_scope(self.factory) as s:
            for conv in s.scalars(select(Conversation).where(Conversation.status != ConvStatus.CLOSED)
                                  .where(Conversation.id.in_(list(self.contact)))):
                channel, topic = self.contact[conv.id]
                agent = s.get(User, conv.agent_id) if conv.agent_id else None
                if conv.status == ConvStatus.ACTIVE and agent is not None:
                    do_end_contact(session=s, user=agent, conv=conv)
                answered = agent is not None
                do_close_with_record(session=s, conv=conv, agent=agent, category=topic.category,
                                     summary=topic.title if answered else "",
                                     resolution=Resolution.SOLVED if answered else Resolution.ABANDONED)
                if answered:
                    self.out.answered += 1
                else:
                    self.out.abandoned += 1
            for st in s.scalars(select(AgentStatus).where(AgentStatus.presence != Presence.OFFLINE)):
                do_set_presence(session=s, user=s.get_one(User, st.user_id), presence=Presence.OFFLINE,
                                reason="shift")
            do_escalate_deadlines(session=s, now=self.until)  # what the server's job would do now
            s.execute(update(OutboxItem).where(OutboxItem.status == OutboxStatus.QUEUED)
                      .where(OutboxItem.conversation_id.in_(list(self.contact)))
                      .values(status=OutboxStatus.SENT, attempts=1, sent_at=OutboxItem.created_at)
                      .execution_options(synchronize_session=False))


def simulate_history(factory: sessionmaker[Session], *, days: int = 1, per_day: int = 1600,
                     case_days: int = 21, seed: int = 120, until: datetime | None = None) -> History:
    """Simulate the center's last `days` full days and today until now (or `until`), with about
    `per_day` contacts a day, and the `case_days` before them as cases reported in the city's app.
    `factory` makes sessions with the outbox hook installed (`outbox.actions.install`), as the
    app's do. The clock is put back as it was afterwards."""
    if days < 0 or per_day < 1 or case_days < 0:
        raise ValueError("days and case_days must be ≥ 0 and per_day ≥ 1")
    saved = clock.offset()
    try:
        end = until or clock.now()
        sim = _Sim(factory, random.Random(seed), end)
        start = sim.center.day_start(sim.center.today(end) - timedelta(days=days))
        sim.plan_reports(start - timedelta(days=case_days), start, per_day * REPORTED)
        sim.plan_escalations(start - timedelta(days=case_days), end)
        sim.plan_shifts(start, end, per_day)
        # Arrivals stop a quarter of an hour before now, so what is simulated has ended by now.
        sim.plan_arrivals(start, end - timedelta(minutes=15), per_day)
        return sim.run()
    finally:
        clock.set_offset(saved)
