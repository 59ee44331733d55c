"""Happy-call sampling (pure): which closed contacts are surveyed.

Each closed contact that can be surveyed is drawn at random, with a chance that starts at the
configured share and leans towards whatever keeps the running share on target: behind, a little
more likely; ahead, a little less (`SLACK` contacts' worth of correction). So the share holds to
within a few contacts at any volume (1,000 contacts at 30 % give 300 ± ~3), yet no agent can
tell which of their contacts will be surveyed."""

from __future__ import annotations

SLACK = 20.0
LOW_SCORE = 2  # a score of 1 or 2 (of 5) asks for a catch-call


def chance(share: float, considered: int, sampled: int) -> float:
    """The chance the next contact is surveyed, after `sampled` of `considered` were."""
    if not 0.0 <= share <= 1.0:
        raise ValueError("the share is between 0 and 1")
    if share in (0.0, 1.0):
        return share
    behind = share * (considered + 1) - sampled  # contacts owed to the share, counting this one
    return min(1.0, max(0.0, share + (behind - share) / SLACK))


def survey_route(channel: str, has_phone: bool) -> str | None:
    """How a contact's survey reaches the citizen: in its own thread (`thread`: SMS, web chat,
    e-mail, a social platform), as an SMS to the caller (`sms`: a call or a video call, when the
    citizen has a phone number), or not at all."""
    if channel in ("sms", "webchat", "email") or channel.startswith("sns-"):
        return "thread"
    if channel in ("voice", "video") and has_phone:
        return "sms"
    return None
