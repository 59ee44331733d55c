"""Knowledge search for agents and officials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from dasan.core.deps import Allow, Principal, SessionDep
from dasan.knowledge import service
from dasan.orgs.models import Department

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
Reader = Annotated[Principal, Depends(Allow("agent", "supervisor", "official", "admin"))]


@router.get("/search")
def search(session: SessionDep, me: Reader, q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict:
    """Articles that answer a question, best first."""
    hits = service.search(session=session, q=q)
    depts = {d.id: d.name for d in session.query(Department).filter(
        Department.id.in_({a.department_id for a, _ in hits if a.department_id}))}
    return {
        "query": q,
        "terms": service.highlight_terms(q),
        "method": "simple",
        "results": [
            {"id": a.id, "title": a.title, "body": a.body, "department": depts.get(a.department_id or 0, ""),
             "score": round(s, 3)}
            for a, s in hits
        ],
    }
