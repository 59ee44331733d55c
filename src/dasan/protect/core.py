"""The protection policy's decisions, pure: what an agent's "warn" does next, and when a contact
ends for abuse (Occupational Safety and Health Act §41; Seoul 120: one strike for sexual
harassment, three for abuse)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    """One channel's rules (the center's default when a channel has none of its own)."""

    warnings_before_end: int = 2  # warning 1, warning 2, then the contact ends
    one_strike: frozenset[str] = field(default_factory=lambda: frozenset({"sexual"}))  # ends at once
    recovery_break_min: int = 10  # the agent's break after a contact ended for abuse
    auto_end: bool = False  # the system warns and ends by itself (otherwise only the agent does)
    # Repeat offenders: this many contacts ended for abuse within the window (0: never) send the
    # citizen's next contacts, for `offender_days`, to `offender_queue` with the warning first.
    offender_incidents: int = 2
    offender_window_days: int = 90
    offender_days: int = 30
    offender_queue: str = ""
    # The center's notice (abuse prohibited, contact recorded) opens each new text thread on this
    # channel (web chat shows it in the widget, calls hear it before the menu: both always).
    notice: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.offender_incidents <= 20:
            raise ValueError("incidents that make a repeat offender must be 0 (never) to 20")
        if not 1 <= self.offender_window_days <= 730:
            raise ValueError("the window for repeat offenders must be 1 to 730 days")
        if not 1 <= self.offender_days <= 365:
            raise ValueError("a repeat offender's period must be 1 to 365 days")
        if not 0 <= self.warnings_before_end <= 5:
            raise ValueError("warnings before the end must be 0 to 5")
        if not 0 <= self.recovery_break_min <= 240:
            raise ValueError("the recovery break must be 0 to 240 minutes")
        unknown = set(self.one_strike) - {"sexual", "threat", "insult", "profanity", "abusive"}
        if unknown:
            raise ValueError(f"unknown kinds of abuse: {', '.join(sorted(unknown))}")


def next_step(policy: Policy, warnings_given: int, kind: str | None, *, emergency: bool = False) -> str:
    """`warning_1`, `warning_2` … or `end`, for the agent's next "warn" on a contact that has had
    `warnings_given` warnings; `kind` is the abuse it answers: a one-strike kind ends the contact
    at once (its ending notice says why). The emergency "protect" always ends."""
    if emergency or (kind is not None and kind in policy.one_strike) or warnings_given >= policy.warnings_before_end:
        return "end"
    return f"warning_{warnings_given + 1}"


def warning_key(step: str) -> str:
    """The catalogue text a step sends the citizen (warnings past the second repeat the second)."""
    if step == "end":
        return "protect.ended"
    return "protect.warning_1" if step == "warning_1" else "protect.warning_2"


def is_repeat_offender(policy: Policy, incidents_in_window: int) -> bool:
    """Whether a citizen with this many contacts ended for abuse inside the policy's window is
    now a repeat offender."""
    return policy.offender_incidents > 0 and incidents_in_window >= policy.offender_incidents


def restricted_until(now: datetime, days: int, current: datetime | None) -> datetime:
    """The end of a repeat offender's period that starts (or is renewed) now: never shortened."""
    until = now + timedelta(days=days)
    return until if current is None or current < until else current
