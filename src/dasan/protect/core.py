"""The protection policy's decisions, pure: what an agent's "warn" does next, and when a contact
ends for abuse (Occupational Safety and Health Act §41; Seoul 120: one strike for sexual
harassment, three for abuse)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    """One channel's rules (the center's default when a channel has none of its own)."""

    warnings_before_end: int = 2  # warning 1, warning 2, then the contact ends
    one_strike: frozenset[str] = field(default_factory=lambda: frozenset({"sexual"}))  # ends at once
    recovery_break_min: int = 10  # the agent's break after a contact ended for abuse
    auto_end: bool = False  # the system warns and ends by itself (otherwise only the agent does)

    def __post_init__(self) -> None:
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
