"""Forecast per interval (weekday × time of day) from call history, and staff it with Erlang C.

The calls CSV (PRODUCT.md): `arrival` (ISO local datetime), `service_s` (handle time if served),
`patience_s` (how long an abandoning caller waited). `wfm plan` prints the staffing JSON that
`sim replay --staffing` reads.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dasan.workforce.erlang import staff


@dataclass(frozen=True)
class Call:
    arrival: datetime
    service_s: float | None
    patience_s: float | None


def read_calls(path: Path) -> list[Call]:
    """Calls in arrival order; a bad line is reported with its number."""
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"arrival", "service_s", "patience_s"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path.name}: missing columns {', '.join(sorted(missing))}")
        for n, row in enumerate(reader, 2):
            try:
                arrival = datetime.fromisoformat(row["arrival"])
                service = float(row["service_s"]) if row["service_s"] else None
                patience = float(row["patience_s"]) if row["patience_s"] else None
            except ValueError as e:
                raise ValueError(f"{path.name}:{n}: {e}") from None
            if (service is not None and service < 0) or (patience is not None and patience < 0):
                raise ValueError(f"{path.name}:{n}: negative duration")
            out.append(Call(arrival, service, patience))
    out.sort(key=lambda c: c.arrival)
    return out


def _slot(dt: datetime, interval_min: int) -> int:
    return (dt.hour * 60 + dt.minute) // interval_min


def forecast(calls: list[Call], days: int, interval_min: int,
             similar_within: float = 0.3) -> list[tuple[datetime, float, float]]:
    """(interval start, expected calls, expected handle time) for the `days` after the history.

    Volume = the day's level × its intraday shape. Level: the mean daily volume of the same
    weekday in the history (all days when that weekday never occurs). Shape: the share of the
    day's calls in each interval, pooled over every history day whose weekday level is within
    `similar_within` of this one — working days share a shape, quiet days share theirs — so each
    interval's share rests on many days instead of the two or three of its own weekday.
    Handle time: the mean of served calls at that time of day over all days (pooled: handle time
    varies little by weekday and needs more data than volume).
    """
    if not calls:
        raise ValueError("the history has no calls")
    if 1440 % interval_min:
        raise ValueError("the interval must divide a day")
    slots = 1440 // interval_min
    counts: dict[date, list[int]] = defaultdict(lambda: [0] * slots)
    aht_sum, aht_n = [0.0] * slots, [0] * slots
    for c in calls:
        s = _slot(c.arrival, interval_min)
        counts[c.arrival.date()][s] += 1
        if c.service_s is not None:
            aht_sum[s] += c.service_s
            aht_n[s] += 1
    first, last = min(counts), max(counts)
    history = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    served = sum(aht_n)
    overall_aht = sum(aht_sum) / served if served else 180.0
    all_level = sum(sum(counts[h]) if h in counts else 0 for h in history) / len(history)
    level: dict[int, float] = {}
    for wd in range(7):
        same = [h for h in history if h.weekday() == wd]
        level[wd] = sum(sum(counts[h]) if h in counts else 0 for h in same) / len(same) if same else all_level
    out = []
    for k in range(1, days + 1):
        d = last + timedelta(days=k)
        lvl = level[d.weekday()]
        similar = [h for h in history if lvl > 0 and abs(level[h.weekday()] / lvl - 1) <= similar_within]
        profile = [sum(counts[h][s] if h in counts else 0 for h in similar) for s in range(slots)]
        total = sum(profile)
        for s in range(slots):
            volume = lvl * profile[s] / total if total else 0.0
            aht = aht_sum[s] / aht_n[s] if aht_n[s] >= 5 else overall_aht
            out.append((datetime.combine(d, datetime.min.time()) + timedelta(minutes=s * interval_min), volume, aht))
    return out


def interval_target(target_sl: float, volume: float, margin_z: float, cap: float = 0.95) -> float:
    """The service level to staff an interval for so that its *measured* level reaches the target.

    An interval's measured service level is a proportion over few calls: its sampling error is
    about sqrt(p(1 − p) / N). Staffing to the target plus `margin_z` of those errors meets the
    target in most intervals, not only on average; busy intervals need almost no margin.
    """
    if volume <= 0:
        return target_sl
    return min(max(cap, target_sl), target_sl + margin_z * math.sqrt(target_sl * (1 - target_sl) / max(volume, 1.0)))


def handle_cv2(calls: list[Call]) -> float:
    """Squared coefficient of variation of the recorded handle times (1 when too few)."""
    served = [c.service_s for c in calls if c.service_s is not None]
    if len(served) < 30:
        return 1.0
    mean = sum(served) / len(served)
    var = sum((x - mean) ** 2 for x in served) / len(served)
    return var / mean**2 if mean > 0 else 1.0


def plan(calls: list[Call], *, days: int, interval_min: int, target_sl: float, sl_seconds: float,
         margin_z: float = 1.0, variability: bool = True) -> dict:
    """The staffing plan: per interval the forecast and the agents to reach the target — Erlang C,
    corrected (Allen–Cunneen) for the handle-time variability measured in the history unless
    `variability` is off."""
    cv2 = handle_cv2(calls) if variability else 1.0
    intervals: list[dict[str, Any]] = []
    for start, volume, aht in forecast(calls, days, interval_min):
        agents = 0 if volume <= 0 else staff(
            calls=volume, interval_s=interval_min * 60, aht_s=aht, sl_seconds=sl_seconds, cv2=cv2,
            target_sl=interval_target(target_sl, volume, margin_z)).agents
        intervals.append({"start": start.isoformat(), "forecast": round(volume, 3), "aht_s": round(aht, 1),
                          "agents": agents})
    return {"interval_min": interval_min, "handle_cv2": round(cv2, 3), "intervals": intervals,
            "agent_hours": round(sum(i["agents"] for i in intervals) * interval_min / 60, 2)}


def hindsight_agent_hours(calls: list[Call], *, interval_min: int, target_sl: float, sl_seconds: float,
                          start: datetime, end: datetime) -> float:
    """Erlang C staffing computed from each interval's actual volume and handle time."""
    slots: dict[datetime, list[Call]] = defaultdict(list)
    for c in calls:
        if start <= c.arrival < end:
            s = c.arrival.replace(second=0, microsecond=0)
            s -= timedelta(minutes=s.minute % interval_min)
            slots[s].append(c)
    total = 0
    for group in slots.values():
        served = [c.service_s for c in group if c.service_s is not None]
        aht = sum(served) / len(served) if served else 180.0
        total += staff(calls=len(group), interval_s=interval_min * 60, aht_s=max(aht, 1.0), target_sl=target_sl,
                       sl_seconds=sl_seconds).agents
    return total * interval_min / 60



def actual_volume(calls: list[Call], starts: list[datetime], interval_min: int) -> list[float]:
    """Calls that arrived in each of the intervals beginning at `starts`."""
    index = {s: k for k, s in enumerate(starts)}
    out = [0.0] * len(starts)
    for c in calls:
        s = c.arrival.replace(second=0, microsecond=0)
        s -= timedelta(minutes=(s.hour * 60 + s.minute) % interval_min)
        k = index.get(s)
        if k is not None:
            out[k] += 1
    return out
