"""API schemas of knowledge articles."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dasan.core.ids import OptionalId
from dasan.core.moments import Moment


class ArticleCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20000)
    questions: list[str] = Field(default_factory=list, max_length=50)
    keywords: str = Field(default="", max_length=500)
    category: str = Field(default="", max_length=80)
    lang: str = "ko"
    organisations: list[str] = Field(default_factory=list)
    translation_of_id: OptionalId = None
    department_id: OptionalId = None  # officials: their own department
    valid_from: Moment | None = None
    expires_at: Moment | None = None


class ArticleUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=20000)
    questions: list[str] | None = Field(default=None, max_length=50)
    keywords: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=80)
    organisations: list[str] | None = None
    valid_from: Moment | None = None
    expires_at: Moment | None = None
    note: str = Field(default="", max_length=500)


class ArticleRead(BaseModel):
    id: int
    title: str
    body: str
    questions: list[str]
    keywords: str
    category: str
    lang: str
    status: str
    department_id: int | None
    organisations: list[str]
    translation_of_id: int | None
    version: int
    published_version: int | None
    usage_count: int
    valid_from: datetime | None
    expires_at: datetime | None
    updated_at: datetime


class Review(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=500)


class Flag(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
