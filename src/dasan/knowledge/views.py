"""Knowledge API: search for agents; writing, review and flags for departments."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from dasan.core.errors import Forbidden, NotFound
from dasan.core.ids import PathId
from dasan.knowledge import actions, service
from dasan.knowledge.actions import plain_text
from dasan.knowledge.models import Article, ArticleFlag
from dasan.knowledge.schemas import ArticleCreate, ArticleRead, ArticleUpdate, Flag, Review
from dasan.knowledge.search import morphemes
from dasan.orgs.models import Role
from dasan.security.deps import Allow, Principal, SessionDep

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
Reader = Annotated[Principal, Depends(Allow("agent", "supervisor", "official", "admin"))]
Writer = Annotated[Principal, Depends(Allow("official", "supervisor", "admin"))]
Staff = Annotated[Principal, Depends(Allow("agent", "supervisor"))]


def _read(a: Article) -> ArticleRead:
    return ArticleRead.model_validate(a, from_attributes=True)


def _get(session, article_id: int) -> Article:
    art = session.get(Article, article_id)
    if art is None:
        raise NotFound(f"article {article_id} not found")
    return art


def _scope(me: Principal) -> int | None:
    """Officials see their department's articles; supervisors and admins all."""
    return me.user.department_id if me.role == Role.OFFICIAL else None


@router.get("/search")
def search(
    request: Request, session: SessionDep, me: Reader, q: Annotated[str, Query(min_length=1, max_length=200)],
    district: Annotated[str | None, Query(max_length=40)] = None, lang: Annotated[str | None, Query()] = None,
) -> dict:
    """Published articles that answer a question, best first, for the citizen's district."""
    # End this request's transaction first: the search opens its own, and on SQLite an open
    # transaction holds the write lock (a cold index build takes seconds).
    session.commit()
    found, result = request.app.state.knowledge.search(q, k=5, lang=lang, district=district)
    terms = sorted({w for w in q.split() if len(w) >= 2} | {m.rstrip("다") for m in morphemes(q) if len(m) >= 2})
    return {
        "query": q, "terms": terms, "method": request.app.state.knowledge.profile,
        "margin": round(result.margin, 3),
        "results": [{"id": f.article.id, "title": f.article.title, "body": f.article.body,
                     "department": f.article.department, "lang": f.article.lang, "score": round(f.score, 3)}
                    for f in found],
    }


@router.get("/articles", response_model=list[ArticleRead])
def list_articles(session: SessionDep, me: Writer):
    """The articles an official keeps (all, for supervisors and admins)."""
    return [_read(a) for a in service.list_for_department(session=session, department_id=_scope(me))]


@router.get("/worklist")
def worklist(session: SessionDep, me: Writer) -> dict:
    """What needs the department's attention: reviews, flags, articles about to expire."""
    dept = _scope(me)
    arts = service.list_for_department(session=session, department_id=dept)
    return {
        "in_review": [_read(a).model_dump(mode="json") for a in arts if a.status == "review"],
        "flags": [{"id": f.id, "article_id": a.id, "title": a.title, "reason": f.reason,
                   "created_at": f.created_at.isoformat()} for f, a in service.list_flags(session=session,
                                                                                          department_id=dept)],
        "expiring": [_read(a).model_dump(mode="json")
                     for a in service.list_expiring(session=session, department_id=dept)],
    }


@router.post("/articles", status_code=201, response_model=ArticleRead)
def create_article(body: ArticleCreate, session: SessionDep, me: Writer):
    """Draft a new article (officials: for their own department)."""
    dept = body.department_id
    if me.role == Role.OFFICIAL:
        if dept is not None and dept != me.user.department_id:
            raise Forbidden("officials write articles for their own department")
        dept = me.user.department_id
    fields = body.model_dump(exclude={"department_id"})
    return _read(actions.do_create_article(session=session, author=me.user, department_id=dept, **fields))


def _visible(session, article_id: int, me: Principal) -> Article:
    """An article this user may open: those who may edit it (its department's officials,
    supervisors, admins) any of its states; everyone else only one that has been published."""
    art = _get(session, article_id)
    if art.published_version is None and not actions.may_edit(me.user, art):
        raise NotFound(f"article {article_id} not found")
    return art


@router.get("/articles/{article_id}", response_model=ArticleRead)
def get_article(article_id: PathId, session: SessionDep, me: Reader):
    return _read(_visible(session, article_id, me))


@router.put("/articles/{article_id}", response_model=ArticleRead)
def edit_article(article_id: PathId, body: ArticleUpdate, session: SessionDep, me: Writer):
    """Save a new version of the working copy."""
    art = _get(session, article_id)
    fields = body.model_dump(exclude={"note"}, exclude_unset=True)
    return _read(actions.do_edit_article(session=session, user=me.user, art=art, note=body.note, **fields))


@router.post("/articles/{article_id}/submit", response_model=ArticleRead)
def submit(article_id: PathId, session: SessionDep, me: Writer):
    """Ask for review."""
    return _read(actions.do_submit(session=session, user=me.user, art=_get(session, article_id)))


@router.post("/articles/{article_id}/review", response_model=ArticleRead)
def review(article_id: PathId, body: Review, session: SessionDep, me: Writer):
    """Approve (publish) or return to draft."""
    return _read(actions.do_review(session=session, reviewer=me.user, art=_get(session, article_id),
                                   approve=body.approve, note=body.note))


@router.post("/articles/{article_id}/archive", response_model=ArticleRead)
def archive(article_id: PathId, session: SessionDep, me: Writer):
    return _read(actions.do_archive(session=session, user=me.user, art=_get(session, article_id)))


@router.get("/articles/{article_id}/versions")
def versions(article_id: PathId, session: SessionDep, me: Writer) -> list[dict]:
    """Every saved version with its author and the diff from the one before (the department's
    officials, supervisors and admins: the drafts are theirs)."""
    if not actions.may_edit(me.user, _get(session, article_id)):
        raise NotFound(f"article {article_id} not found")
    out, prev = [], None
    for v in service.list_versions(session=session, article_id=article_id):
        text = f"{v.title}\n\n{plain_text(v.body)}\n\n" + "\n".join(v.questions)
        diff = "" if prev is None else "\n".join(difflib.unified_diff(
            prev.splitlines(), text.splitlines(), f"v{v.version - 1}", f"v{v.version}", lineterm=""))
        out.append({"version": v.version, "author_id": v.author_id, "note": v.note,
                    "created_at": v.created_at.isoformat(), "diff": diff})
        prev = text
    return out


@router.post("/articles/{article_id}/flag", status_code=201)
def flag(article_id: PathId, body: Flag, session: SessionDep, me: Staff) -> dict:
    """Report an article as wrong or outdated."""
    f = actions.do_flag(session=session, user=me.user, art=_visible(session, article_id, me), reason=body.reason)
    return {"id": f.id, "article_id": article_id}


@router.post("/articles/{article_id}/used")
def used(article_id: PathId, session: SessionDep, me: Staff) -> dict:
    """An agent answered with this article (counts usage for the owning department)."""
    _visible(session, article_id, me)
    actions.do_count_usage(session=session, article_ids=[article_id])
    return {"id": article_id}


@router.post("/flags/{flag_id}/resolve")
def resolve_flag(flag_id: PathId, session: SessionDep, me: Writer) -> dict:
    f = session.get(ArticleFlag, flag_id)
    if f is None:
        raise NotFound(f"flag {flag_id} not found")
    actions.do_resolve_flag(session=session, user=me.user, flag=f, art=_get(session, f.article_id))
    return {"id": f.id, "resolved": True}
