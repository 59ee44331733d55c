"""Checking a new request against its service, pure: location, description and attributes."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from dasan.cases.open311.formats import Open311Error, parse_date

ATTR = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def check_location(fields: dict[str, str]) -> tuple[float | None, float | None, str]:
    """(lat, long, address): a point, an address, or both; one is required."""
    lat = long = None
    if fields.get("lat") or fields.get("long"):
        try:
            lat, long = float(fields.get("lat", "")), float(fields.get("long", ""))
        except ValueError:
            raise Open311Error(400, "lat and long must both be decimal degrees") from None
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            raise Open311Error(400, "lat must be within ±90 and long within ±180")
    address = fields.get("address_string", "") or fields.get("address_id", "")
    if lat is None and not address:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    return lat, long, address


def check_description(fields: dict[str, str]) -> str:
    description = fields.get("description", "")
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    return description


def check_attributes(defs: list[dict], given: dict[str, list[str]]) -> dict[str, Any]:
    """The submitted attribute values, checked against the service definition."""
    out: dict[str, Any] = {}
    by_code = {d["code"]: d for d in defs if d.get("variable", True)}
    unknown = sorted(set(given) - set(by_code))
    if unknown:
        raise Open311Error(400, f"unknown attribute {', '.join(unknown)}")
    for code, d in by_code.items():
        values = [v for v in given.get(code, []) if v != ""]
        if not values:
            if d.get("required"):
                raise Open311Error(400, f"attribute[{code}] is required: {d.get('description', '')}".rstrip(": "))
            continue
        kind = d.get("datatype", "string")
        keys = {str(v["key"]) for v in d.get("values", [])}
        if kind == "multivaluelist":
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{code}]: {', '.join(bad)} not among {', '.join(sorted(keys))}")
            out[code] = values
            continue
        if len(values) > 1:
            raise Open311Error(400, f"attribute[{code}] takes one value")
        value = values[0]
        if kind == "singlevaluelist" and value not in keys:
            raise Open311Error(400, f"attribute[{code}]: '{value}' not among {', '.join(sorted(keys))}")
        if kind == "number":
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, f"attribute[{code}] must be a number") from None
        if kind == "datetime":
            parse_date(value, f"attribute[{code}]", UTC)  # only its form is checked here
        out[code] = value
    return out


def split_form(items: list[tuple[str, Any]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A request's form: plain fields, and `attribute[CODE]` / `attribute[CODE][]` values."""
    fields: dict[str, str] = {}
    attrs: dict[str, list[str]] = {}
    for key, value in items:
        if not isinstance(value, str):
            raise Open311Error(400, f"{key}: files are not accepted; send media_url")
        m = ATTR.match(key)
        if m:
            attrs.setdefault(m.group(1), []).append(value.strip())
        else:
            fields[key] = value.strip()
    return fields, attrs
