"""Bounded integer types for ids and counters that come from outside.

Every id in a path, a query or a body is one of these: a number the database cannot hold (ids are
INTEGER columns: 32 bits on PostgreSQL) is refused as invalid input before any statement runs,
instead of surfacing as an overflow from the driver.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's are wider, so this is the portable bound

Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # in a body
OptionalId = Annotated[int | None, Field(default=None, ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Seq = Annotated[int, Query(ge=0, le=MAX_ID)]  # a position in a conversation (0: from the start)
