"""Errors with a stable code and a clear message; rendered as JSON by the app."""

from __future__ import annotations

from typing import TypeVar


class DasanError(Exception):
    """Base error: `status` is the HTTP status, `code` a stable machine-readable name."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(DasanError):
    status = 404
    code = "not_found"


class Forbidden(DasanError):
    status = 403
    code = "forbidden"


class Unauthorized(DasanError):
    status = 401
    code = "unauthorized"


class Conflict(DasanError):
    status = 409
    code = "conflict"


class Invalid(DasanError):
    status = 422
    code = "invalid"


T = TypeVar("T")


def found(row: T | None, what: str, code: str = "not_found") -> T:
    """`row`, or a NotFound that names `what` (e.g. "form 12")."""
    if row is None:
        raise NotFound(f"no {what}", code=code)
    return row
