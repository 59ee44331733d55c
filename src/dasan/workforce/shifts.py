"""Shifts that cover a staffing plan, at the fewest paid agent-hours.

The classic shift-scheduling integer program: one variable per (shift length, start interval)
counts the agents who work that shift; each interval's coverage must reach the plan's agents;
minimise paid hours. Solved with HiGHS through scipy.optimize.milp (exact for a week of
30-minute intervals in well under a second). Shifts of 6 hours or more include an unpaid
hour-long break in their middle (the Korean Labour Standards Act asks for one hour per eight
hours worked, 30 minutes per four); breaks are placed at the middle of the shift — a planner
moves them on the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass(frozen=True)
class ShiftType:
    hours: float  # working time (paid)
    break_min: int  # unpaid break in the middle

    @property
    def span_min(self) -> int:
        return int(self.hours * 60) + self.break_min


def default_types(lengths: list[float]) -> list[ShiftType]:
    """Break rules: 1 hour for 8 h or more, 30 minutes from 4 h (Labour Standards Act, art. 54)."""
    return [ShiftType(h, 60 if h >= 8 else 30 if h > 4 else 0) for h in lengths]


def _coverage(t: ShiftType, interval_min: int) -> list[int]:
    """Which intervals of the shift's span are worked (1) or on break (0)."""
    span = t.span_min // interval_min
    work = [1] * span
    if t.break_min:
        b = t.break_min // interval_min
        mid = (span - b) // 2
        for k in range(mid, mid + b):
            work[k] = 0
    return work


def schedule(required: list[int], *, interval_min: int, types: list[ShiftType],
             starts: list[datetime] | None = None, time_limit_s: float = 20.0) -> dict:
    """Shifts covering `required` agents per interval; returns the shifts (with start, end, hours,
    agents), the coverage per interval, and paid agent-hours next to the plan's own agent-hours."""
    if not required:
        raise ValueError("the staffing plan is empty")
    if any(t.span_min % interval_min or t.break_min % interval_min for t in types):
        raise ValueError("shift lengths and breaks must be whole intervals")
    n = len(required)
    columns, meta = [], []
    for ti, t in enumerate(types):
        pattern = _coverage(t, interval_min)
        for s in range(n):
            col = np.zeros(n)
            end = min(n, s + len(pattern))
            col[s:end] = pattern[: end - s]
            if not col.any():
                continue
            columns.append(col)
            meta.append((ti, s))
    a = np.array(columns).T  # intervals × shifts
    cost = np.array([types[ti].hours for ti, _ in meta])
    req = np.asarray(required, dtype=float)
    res = milp(c=cost, constraints=LinearConstraint(a, lb=req, ub=np.inf), integrality=np.ones(len(meta)),
               bounds=Bounds(0, np.inf), options={"time_limit": time_limit_s, "mip_rel_gap": 1e-4})
    if res.x is None:
        raise ValueError(f"no shift schedule found ({res.message})")
    x = np.round(res.x).astype(int)
    coverage = (a @ x).astype(int)
    shifts: list[dict[str, Any]] = []
    for (ti, s), k in zip(meta, x, strict=True):
        if k <= 0:
            continue
        t = types[ti]
        row: dict[str, Any] = {"start_index": s, "hours": t.hours, "break_min": t.break_min, "agents": int(k)}
        if starts:
            row["start"] = starts[s].isoformat()
            row["end"] = (starts[s] + timedelta(minutes=t.span_min)).isoformat()
        shifts.append(row)
    plan_hours = sum(required) * interval_min / 60
    paid = float(cost @ x)
    return {"shifts": shifts, "coverage": coverage.tolist(), "paid_agent_hours": round(paid, 2),
            "required_agent_hours": round(plan_hours, 2),
            "overstaffing_pct": round((paid / plan_hours - 1) * 100, 2) if plan_hours else 0.0,
            "optimal": bool(res.status == 0)}
