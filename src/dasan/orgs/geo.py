"""Which district a point is nearest to, by its office's coordinates (pure). Nearest office is
an approximation of district boundaries, good enough to route a service request that came with
only coordinates; an address naming the district always wins. The offices' coordinates are the
organisations' own (`Organisation.lat/long`)."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres (haversine)."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))


def nearest_district(lat: float, lon: float, offices: dict[str, tuple[float, float]], *,
                     max_km: float = 8.0) -> str | None:
    """The district whose office is nearest, or None for a point outside the city (farther than
    `max_km` from every office, or no office known)."""
    if not offices:
        return None
    code, office = min(offices.items(), key=lambda kv: km_between((lat, lon), kv[1]))
    return code if km_between((lat, lon), office) <= max_km else None
