"""Where Seoul's 25 district (구) offices are, and which district a point is nearest to (pure).
Nearest office is an approximation of district boundaries, good enough to route a service
request that came with only coordinates; an address naming the district always wins."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

# District office coordinates (WGS84), by district code.
DISTRICT_OFFICES: dict[str, tuple[float, float]] = {
    "jongno": (37.5735, 126.9790), "jung": (37.5638, 126.9976), "yongsan": (37.5326, 126.9905),
    "seongdong": (37.5633, 127.0371), "gwangjin": (37.5385, 127.0823), "dongdaemun": (37.5744, 127.0396),
    "jungnang": (37.6063, 127.0925), "seongbuk": (37.5894, 127.0167), "gangbuk": (37.6396, 127.0257),
    "dobong": (37.6688, 127.0471), "nowon": (37.6542, 127.0568), "eunpyeong": (37.6027, 126.9291),
    "seodaemun": (37.5791, 126.9368), "mapo": (37.5663, 126.9019), "yangcheon": (37.5170, 126.8664),
    "gangseo": (37.5509, 126.8495), "guro": (37.4955, 126.8875), "geumcheon": (37.4569, 126.8955),
    "yeongdeungpo": (37.5264, 126.8962), "dongjak": (37.5124, 126.9393), "gwanak": (37.4784, 126.9516),
    "seocho": (37.4837, 127.0324), "gangnam": (37.5172, 127.0473), "songpa": (37.5145, 127.1059),
    "gangdong": (37.5301, 127.1238),
}


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres (haversine)."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))


def nearest_district(lat: float, lon: float, *, max_km: float = 8.0) -> str | None:
    """The district whose office is nearest, or None for a point outside Seoul (farther than
    `max_km` from every office)."""
    code, office = min(DISTRICT_OFFICES.items(), key=lambda kv: km_between((lat, lon), kv[1]))
    return code if km_between((lat, lon), office) <= max_km else None
