"""An SVG plot of a staffing plan: forecast against actual volume, required against scheduled
agents. Plain SVG (no plotting library): opens in any browser and embeds in reports."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

W, PANEL, LEFT, RIGHT, TOP, GAP = 1200, 220, 60, 20, 30, 50


def _panel(y0: float, series: list[tuple[str, str, list[float | None], bool]], n: int, title: str,
           ticks: list[tuple[int, str]]) -> list[str]:
    top = max([1.0] + [v for _, _, vals, _ in series for v in vals if v is not None])
    x = lambda i: LEFT + (W - LEFT - RIGHT) * i / max(n, 1)  # noqa: E731
    y = lambda v: y0 + PANEL * (1 - v / top)  # noqa: E731
    out = [f'<text x="{LEFT}" y="{y0 - 8}" class="title">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{y0}" width="{W - LEFT - RIGHT}" height="{PANEL}" class="frame"/>']
    for frac in (0, 0.5, 1):
        v = top * frac
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v:.0f}</text>')
    for i, label in ticks:
        out.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y0}" y2="{y0 + PANEL}" class="grid"/>')
        out.append(f'<text x="{x(i) + 3:.1f}" y="{y0 + PANEL + 14}" class="axis">{escape(label)}</text>')
    for k, (name, colour, vals, step) in enumerate(series):
        pts = []
        for i, val in enumerate(vals):
            if val is None:
                continue
            if step:
                pts += [f"{x(i):.1f},{y(val):.1f}", f"{x(i + 1):.1f},{y(val):.1f}"]
            else:
                pts.append(f"{x(i + 0.5):.1f},{y(val):.1f}")
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
        lx = W - RIGHT - 170 * (len(series) - k)
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{y0 - 12}" y2="{y0 - 12}" stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text x="{lx + 22}" y="{y0 - 8}" class="axis">{escape(name)}</text>')
    return out


def plan_svg(starts: list[datetime], forecast: list[float], required: list[int], scheduled: list[int] | None = None,
             actual: list[float] | None = None, *, title: str = "Dasan staffing plan") -> str:
    """Two panels over the plan's intervals: calls (forecast, actual) and agents (required, scheduled)."""
    n = len(starts)
    ticks = [(i, s.strftime("%a %d %H:%M")) for i, s in enumerate(starts) if s.hour == 0 and s.minute == 0]
    calls: list[tuple[str, str, list[float | None], bool]] = [("forecast", "#2f81f7", list(forecast), False)]
    if actual is not None:
        calls.append(("actual", "#cf222e", list(actual), False))
    agents: list[tuple[str, str, list, bool]] = [("required (Erlang)", "#1a7f37", list(required), True)]
    if scheduled is not None:
        agents.append(("scheduled (shifts)", "#8250df", list(scheduled), True))
    h = TOP + 2 * PANEL + 2 * GAP + 20
    body = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" '
            f'font-family="sans-serif" font-size="12">',
            "<style>.frame{fill:none;stroke:#d0d7de}.grid{stroke:#eaeef2}.axis{fill:#57606a}"
            ".title{font-weight:bold;fill:#24292f}</style>",
            f'<text x="{LEFT}" y="16" class="title">{escape(title)}</text>']
    body += _panel(TOP + 20, calls, n, "calls per interval", ticks)
    body += _panel(TOP + 20 + PANEL + GAP, agents, n, "agents", ticks)
    body.append("</svg>")
    return "\n".join(body)
