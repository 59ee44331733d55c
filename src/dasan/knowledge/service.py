"""Reads of the knowledge base, and the per-process search service over published articles."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.knowledge.actions import get_revision, plain_text
from dasan.knowledge.calibrate import Calibration, Decision, calibrate_index
from dasan.knowledge.evaluation import decision_for
from dasan.knowledge.models import Article, ArticleFlag, ArticleStatus, ArticleVersion
from dasan.knowledge.search import Doc, Result, SearchIndex
from dasan.observability import metrics
from dasan.orgs.models import Department

log = logging.getLogger(__name__)


@dataclass
class Published:
    """What agents and the bot see of a published article."""

    id: int
    title: str
    body: str  # plain text
    lang: str
    department: str
    organisations: list[str]
    translation_of_id: int | None
    valid_from: datetime | None
    expires_at: datetime | None

    def applies(self, *, lang: str | None, district: str | None, now: datetime) -> bool:
        if lang and self.lang != lang:
            return False
        if district and self.organisations and district not in self.organisations:
            return False
        if self.valid_from and self.valid_from > now:
            return False
        return not (self.expires_at and self.expires_at <= now)


@dataclass
class Found:
    article: Published
    score: float


def published_articles(session: Session) -> list[Published]:
    """Every published article at its published version, in one query."""
    rows = session.execute(
        select(Article, ArticleVersion, Department.name)
        .join(ArticleVersion, and_(ArticleVersion.article_id == Article.id,
                                   ArticleVersion.version == Article.published_version))
        .outerjoin(Department, Department.id == Article.department_id)
        .where(Article.published_version.is_not(None), Article.status != ArticleStatus.ARCHIVED)
        .order_by(Article.id)
    ).all()
    return [Published(id=a.id, title=v.title, body=plain_text(v.body), lang=a.lang, department=d or "",
                      organisations=list(a.organisations or []), translation_of_id=a.translation_of_id,
                      valid_from=a.valid_from, expires_at=a.expires_at)
            for a, v, d in rows]


def _questions(session: Session) -> dict[int, tuple[list[str], str]]:
    rows = session.execute(
        select(ArticleVersion.article_id, ArticleVersion.questions, ArticleVersion.keywords)
        .join(Article, and_(Article.id == ArticleVersion.article_id,
                            Article.published_version == ArticleVersion.version))
    ).all()
    return {aid: (list(q or []), kw or "") for aid, q, kw in rows}


def _as_docs(articles: list[Published], extra: dict[int, tuple[list[str], str]]) -> list[Doc]:
    return [Doc(id=str(a.id), title=a.title, questions=extra.get(a.id, ([], ""))[0], body=a.body,
                keywords=extra.get(a.id, ([], ""))[1], lang=a.lang) for a in articles]


def published_docs(session: Session) -> list[Doc]:
    """The published articles as the search index reads them."""
    return _as_docs(published_articles(session), _questions(session))


class KnowledgeSearch:
    """The search index of this process; it follows the published revision in the database."""

    def __init__(self, factory: sessionmaker[Session], profile: str = "accurate") -> None:
        self.factory = factory
        self.profile = profile
        self.index = SearchIndex(profile)
        self.revision = -1
        self.articles: list[Published] = []
        # The answer thresholds, per language, measured on the articles of `calibrated_revision`.
        self.calibrations: dict[str, Calibration] = {}
        self.calibrated_revision = -1
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._calibrating: threading.Thread | None = None

    def refresh(self) -> None:
        """Rebuild when the published revision moved (another process may have published).

        The database is read in a short transaction of its own and the index is built after it
        ends: building embeds text (up to seconds on a cold start), and on SQLite an open
        transaction holds the write lock every other request waits for.
        """
        with session_scope(self.factory) as s:
            revision = get_revision(s)
            if revision == self.revision:
                return
            articles = published_articles(s)
            extra = _questions(s)
        with self._build_lock:  # one build at a time; a second caller finds it done
            if revision == self.revision:
                return
            self.index.build(_as_docs(articles, extra))
            with self._lock:
                self.articles = articles
                self.revision = revision
            self._recalibrate()

    def _recalibrate(self) -> None:
        """Measure the thresholds on the new articles: the first time before any search is
        answered, afterwards in the background (seconds: a few hundred searches) with the previous
        thresholds serving until the new ones are ready."""
        index, revision = self.index, self.revision

        def run(background: bool) -> None:
            if background:
                try:  # Linux: this thread's own niceness; live searches go first
                    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
                except (AttributeError, OSError):
                    pass
            try:
                calibrations = calibrate_index(index.snapshot())
            except Exception:  # no thresholds: the bot offers choices or hands over, never answers alone
                log.exception("calibrating the bot's answer thresholds failed")
                calibrations = {}
            with self._lock:
                if revision >= self.calibrated_revision:
                    self.calibrations, self.calibrated_revision = calibrations, revision

        if self.calibrated_revision < 0:
            run(background=False)
            return
        worker = threading.Thread(target=run, args=(True,), name=f"kb-calibrate-{revision}", daemon=True)
        self._calibrating = worker
        worker.start()

    def wait_calibrated(self, timeout: float | None = None) -> bool:
        """Block until the thresholds follow the indexed revision (warm-up, tests)."""
        worker = self._calibrating
        if worker is not None:
            worker.join(timeout)
        return self.calibrated_revision == self.revision

    def search(self, query: str, *, k: int = 5, lang: str | None = None,
               district: str | None = None) -> tuple[list[Found], Result]:
        """Published articles for a query, filtered to a language and a district.

        Call it outside any open transaction (it opens its own to check the revision)."""
        self.refresh()
        with self._lock:
            articles = list(self.articles)
        now = clock.now()
        mask = np.array([a.applies(lang=lang, district=district, now=now) for a in articles], dtype=bool)
        if not mask.any():
            return [], Result(hits=[], margin=0.0, top_cos=0.0)
        with metrics.timed(metrics.SEARCH_SECONDS):
            result = self.index.search(query, k=k, allowed=mask)
        by_id = {str(a.id): a for a in articles}
        return [Found(article=by_id[h.id], score=h.score) for h in result.hits if h.id in by_id], result

    def decision(self, lang: str) -> Decision:
        with self._lock:
            return decision_for(self.calibrations, lang)


def list_for_department(*, session: Session, department_id: int | None) -> list[Article]:
    q = select(Article).order_by(Article.updated_at.desc())
    if department_id is not None:
        q = q.where(Article.department_id == department_id)
    return list(session.scalars(q))


def list_flags(*, session: Session, department_id: int | None) -> list[tuple[ArticleFlag, Article]]:
    q = (select(ArticleFlag, Article).join(Article, Article.id == ArticleFlag.article_id)
         .where(ArticleFlag.resolved_at.is_(None)).order_by(ArticleFlag.id.desc()))
    if department_id is not None:
        q = q.where(Article.department_id == department_id)
    return [(f, a) for f, a in session.execute(q)]


def list_expiring(*, session: Session, department_id: int | None, days: int = 30) -> list[Article]:

    q = select(Article).where(Article.expires_at.is_not(None), Article.expires_at <= clock.now() + timedelta(days=days),
                              Article.status != ArticleStatus.ARCHIVED).order_by(Article.expires_at)
    if department_id is not None:
        q = q.where(Article.department_id == department_id)
    return list(session.scalars(q))


def list_versions(*, session: Session, article_id: int) -> list[ArticleVersion]:
    return list(session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                                .order_by(ArticleVersion.version)))


def translations_of(*, session: Session, article_id: int) -> list[Article]:
    root = session.get(Article, article_id)
    base = root.translation_of_id if root and root.translation_of_id else article_id
    return list(session.scalars(select(Article).where(or_(Article.id == base, Article.translation_of_id == base))))
