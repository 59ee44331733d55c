"""Structured logs: one JSON object a line, each carrying the request id of the request it was
written for (set by `middleware.py`, carried into worker threads by contextvars)."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from dasan.privacy.pii import mask

request_id: ContextVar[str] = ContextVar("request_id", default="")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# Query parameters that carry a credential (Kannel's callback token, an Open311 api_key …) or a
# citizen's personal data (what they wrote, their number: Kannel's MO callback is a GET).
# Also percent-encoded, as inside a callback URL given as a parameter (Kannel's dlr-url).
SECRET_PARAM = re.compile(r"(?i)((?:[?&]|%3F|%26)(?:token|api_key|apikey|key|password|pass|secret|sig|signature"
                          r"|text|from|to|sender|msisdn|phone|udh)"
                          r"(?:=|%3D))(?:(?!%26)[^&\s\"'])*")


def redact(text: str) -> str:
    """`text` with the value of every credential or personal query parameter replaced by `***`."""
    return SECRET_PARAM.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    """Takes credentials and personal identifiers out of every record before any handler writes
    it (access-log lines carry whole request URIs, and some channels can only send their token in
    the query string; a caller's number or a citizen's text may be in a message), and out of the
    exception text (the formatter reads that from `exc_text` once it is set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = mask(redact(message))
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(redact(logging.Formatter().formatException(record.exc_info)))
        if clean != message:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", "request_id", "exc"} — one line a record."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            out["request_id"] = rid
        if record.exc_info:
            out["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(fmt: str = "json", level: str = "INFO") -> dict:
    """A logging dictConfig for the server (uvicorn's loggers included): JSON lines, or plain text
    with the request id for a person reading a terminal."""
    text = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": text}
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}, "redact": {"()": RedactFilter}},
        "formatters": {"main": formatter},
        "handlers": {"main": {"class": "logging.StreamHandler", "formatter": "main",
                              "filters": ["redact", "request_id"], "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {**{name: {"handlers": ["main"], "level": level, "propagate": False}
                       for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
                    # httpx logs every outgoing request URI at INFO: gateways' URIs carry what a
                    # citizen wrote (Kannel's sendsms `text`), which has no place in a log.
                    **{name: {"level": "WARNING"} for name in ("httpx", "httpcore")}},
    }
