"""Writes to the knowledge base: drafts, versions, review, publication, flags, usage."""

from __future__ import annotations

import html as htmlmod
import re

import nh3
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dasan.center.core import SERVICE_LANGS
from dasan.core import clock
from dasan.core.errors import Conflict, Forbidden, Invalid
from dasan.db.engine import rowcount
from dasan.knowledge.models import (
    Article,
    ArticleFlag,
    ArticleReview,
    ArticleStatus,
    ArticleVersion,
    KnowledgeState,
)
from dasan.orgs.models import Department, Role, User

ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "ul", "ol", "li", "a", "h3", "h4"}
LANGS = set(SERVICE_LANGS)


def sanitize(html: str) -> str:
    """Keep a small set of formatting tags; scripts, handlers and javascript: links are removed."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"})


def plain_text(html: str) -> str:
    """The text of an article body, for chat channels."""
    text = re.sub(r"<\s*(br|/p|/li|/h3|/h4)\s*/?>", "\n", html, flags=re.I)
    text = nh3.clean(text, tags=set())
    return htmlmod.unescape(re.sub(r"\n{3,}", "\n\n", text)).strip()


def may_edit(user: User, article: Article) -> bool:
    """Officials edit their own department's articles; supervisors and admins any."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return user.role == Role.OFFICIAL and user.department_id is not None and user.department_id == article.department_id


def may_review(user: User, article: Article) -> bool:
    """The owning department's officials or a supervisor review."""
    return user.role == Role.SUPERVISOR or (
        user.role == Role.OFFICIAL and user.department_id is not None and user.department_id == article.department_id
    )


def _bump_revision(session: Session) -> None:
    # An UPDATE, so concurrent publications never lose a bump; the row exists from migration 0002.
    moved = rowcount(session.execute(update(KnowledgeState).where(KnowledgeState.id == 1)
                            .values(revision=KnowledgeState.revision + 1)))
    if not moved:
        session.add(KnowledgeState(id=1, revision=1))
    session.flush()


def _snapshot(session: Session, art: Article, author: User | None, note: str) -> None:
    art.version += 1
    art.updated_at = clock.now()
    session.add(ArticleVersion(article_id=art.id, version=art.version, title=art.title, body=art.body,
                               questions=list(art.questions), keywords=art.keywords,
                               author_id=author.id if author else None, note=note))
    session.flush()


def _check_fields(title: str, body: str, questions: list[str], lang: str) -> None:
    if not title.strip() or len(title) > 300:
        raise Invalid("title must be 1–300 characters", code="title")
    if not plain_text(body):
        raise Invalid("body must not be empty", code="body")
    if lang not in LANGS:
        raise Invalid(f"lang must be one of {sorted(LANGS)}", code="lang")
    if len(questions) > 50 or any(len(q) > 300 for q in questions):
        raise Invalid("at most 50 example questions of up to 300 characters", code="questions")


def do_create_article(
    *, session: Session, author: User | None, department_id: int | None, title: str, body: str,
    questions: list[str] | None = None, keywords: str = "", category: str = "", lang: str = "ko",
    organisations: list[str] | None = None, translation_of_id: int | None = None, valid_from=None,
    expires_at=None,
) -> Article:
    """A new draft (version 1)."""
    questions = [q.strip() for q in (questions or []) if q.strip()]
    _check_fields(title, body, questions, lang)
    # References are checked before the row is written (a foreign key would refuse it only at flush).
    if department_id is not None and session.get(Department, department_id) is None:
        raise Invalid(f"no department {department_id}", code="unknown_department")
    if translation_of_id is not None and session.get(Article, translation_of_id) is None:
        raise Invalid(f"no article {translation_of_id} to translate", code="unknown_article")
    art = Article(department_id=department_id, title=title.strip(), body=sanitize(body), questions=questions,
                  keywords=keywords.strip(), category=category.strip(), lang=lang, status=ArticleStatus.DRAFT,
                  organisations=list(organisations or []), translation_of_id=translation_of_id,
                  valid_from=valid_from, expires_at=expires_at, author_id=author.id if author else None,
                  version=0)
    session.add(art)
    session.flush()
    _snapshot(session, art, author, "created")
    return art


def do_edit_article(*, session: Session, user: User, art: Article, note: str = "", **fields) -> Article:
    """Save changes to the working copy as a new version; a published article keeps serving its
    published version until the change is reviewed."""
    if not may_edit(user, art):
        raise Forbidden("only the owning department's officials or a supervisor may edit this article")
    if art.status == ArticleStatus.ARCHIVED:
        raise Conflict("archived articles cannot be edited", code="archived")
    for key in ("title", "body", "questions", "keywords", "category", "organisations", "valid_from", "expires_at"):
        if key in fields and fields[key] is not None:
            value = fields[key]
            if key == "body":
                value = sanitize(value)
            elif key == "questions":
                value = [q.strip() for q in value if q.strip()]
            setattr(art, key, value)
    _check_fields(art.title, art.body, art.questions, art.lang)
    if art.status == ArticleStatus.PUBLISHED:
        art.status = ArticleStatus.DRAFT  # the working copy is a draft again; the published version stays live
    _snapshot(session, art, user, note or "edited")
    return art


def do_submit(*, session: Session, user: User, art: Article) -> Article:
    """Ask for review of the current working copy."""
    if not may_edit(user, art):
        raise Forbidden("only the owning department's officials or a supervisor may submit this article")
    if art.status != ArticleStatus.DRAFT:
        raise Conflict(f"only drafts can be submitted (this one is {art.status})", code="not_draft")
    art.status = ArticleStatus.REVIEW
    session.flush()
    return art


def do_review(*, session: Session, reviewer: User, art: Article, approve: bool, note: str = "") -> Article:
    """Approve (publish the working copy) or send it back to draft with a note."""
    if not may_review(reviewer, art):
        raise Forbidden("only the owning department's officials or a supervisor may review this article")
    if art.status != ArticleStatus.REVIEW:
        raise Conflict("this article is not waiting for review", code="not_in_review")
    session.add(ArticleReview(article_id=art.id, version=art.version, reviewer_id=reviewer.id,
                              decision="approved" if approve else "rejected", note=note.strip()))
    if approve:
        do_publish(session=session, art=art)
    else:
        art.status = ArticleStatus.DRAFT
        session.flush()
    return art


def do_publish(*, session: Session, art: Article) -> Article:
    """Make the working copy's version the one agents and the bot see (seeding and approved reviews)."""
    art.status = ArticleStatus.PUBLISHED
    art.published_version = art.version
    art.published_at = clock.now()
    _bump_revision(session)
    return art


def do_archive(*, session: Session, user: User, art: Article) -> Article:
    """Withdraw an article from agents and the bot."""
    if not may_edit(user, art):
        raise Forbidden("only the owning department's officials or a supervisor may archive this article")
    was_live = art.published_version is not None
    art.status = ArticleStatus.ARCHIVED
    art.published_version = None
    if was_live:
        _bump_revision(session)
    session.flush()
    return art


def do_flag(*, session: Session, user: User, art: Article, reason: str) -> ArticleFlag:
    """An agent reports the article as wrong or outdated; the owners see it in their list."""
    reason = reason.strip()
    if not reason or len(reason) > 1000:
        raise Invalid("say what is wrong (1–1000 characters)", code="reason")
    flag = ArticleFlag(article_id=art.id, user_id=user.id, reason=reason)
    session.add(flag)
    session.flush()
    return flag


def do_resolve_flag(*, session: Session, user: User, flag: ArticleFlag, art: Article) -> None:
    if not may_edit(user, art):
        raise Forbidden("only the owning department's officials or a supervisor may resolve this flag")
    flag.resolved_at = clock.now()


def do_count_usage(*, session: Session, article_ids: list[int]) -> None:
    """Count that these articles were used to answer (by an agent or the bot)."""
    if article_ids:
        session.execute(update(Article).where(Article.id.in_(article_ids))
                        .values(usage_count=Article.usage_count + 1))


def get_revision(session: Session) -> int:
    return int(session.scalar(select(KnowledgeState.revision).where(KnowledgeState.id == 1)) or 0)
