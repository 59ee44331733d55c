"""The center as a request dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dasan.center import service
from dasan.center.core import Center
from dasan.security.deps import SessionDep


def get_center(session: SessionDep) -> Center:
    center = service.get(session)
    # End the read's transaction before the endpoint runs, as the access checks do
    # (core.deps._end_auth_transaction: a transaction left open across thread hops can deadlock).
    session.commit()
    return center


CenterDep = Annotated[Center, Depends(get_center)]
