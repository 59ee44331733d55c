"""Open311's two formats and its dates, pure: JSON, XML (lists become repeated singular
elements), ISO 8601 date-times in the center's zone, and the spec's error list."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405  (building, not parsing)

from fastapi.responses import Response

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SINGULAR = {"services": "service", "attributes": "attribute", "values": "value", "endpoints": "endpoint",
            "formats": "format", "service_requests": "request", "errors": "error",
            "service_requests_updates": "request_update"}


class Open311Error(Exception):
    """A refusal in the spec's terms: HTTP status and description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"unknown format '{fmt}': use .json or .xml")
    return fmt


def iso(dt: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the zone, in the center's time (the spec's w3c format)."""
    return dt.astimezone(tz).isoformat(timespec="seconds") if dt else None


def parse_date(value: str, name: str, tz: tzinfo) -> datetime:
    """A client's date-time; one without a zone is the center's wall-clock time."""
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 date-time (e.g. 2026-11-22T09:00:00Z)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def _xml(node: Element, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(SubElement(node, k), v)
    elif isinstance(value, list):
        child = SINGULAR.get(node.tag, "item")
        for v in value:
            _xml(SubElement(node, child), v)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    """The payload as JSON, or as XML under `root`."""
    if fmt == "xml":
        el = Element(root)
        _xml(el, payload)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(el, encoding="utf-8", xml_declaration=False)
        return Response(body, status_code=status, media_type=FORMATS["xml"])
    return Response(json.dumps(payload, ensure_ascii=False), status_code=status, media_type=FORMATS["json"])


def render_error(fmt: str, status: int, description: str) -> Response:
    """The spec's error list, in the format asked for (JSON when the format itself was wrong)."""
    return render(fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}],
                  status=status)
