"""Login throttling (ASVS 2.2.1), pure: how long a login must wait, from the failed attempts
recorded for one account or one source address.

The first few failures are free (people mistype). After that each further attempt waits a
growing delay (1 s, 2 s, 4 s … up to a minute) counted from the last failure; at `lock_after`
failures within the window the account or address is locked for `lock_for`, and the right
password is refused until the lock ends. Attempts refused while waiting are not failures, so
they do not extend the lock; a success clears the account's failures, never the address's (one
valid account must not unlock an address that is guessing others)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    free: int = 4
    lock_after: int = 10
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if not 0 <= self.free < self.lock_after:
            raise ValueError("free must be ≥ 0 and below lock_after")
        if self.window <= timedelta(0) or self.lock_for <= timedelta(0) or self.first_delay <= timedelta(0):
            raise ValueError("window, lock_for and first_delay must be positive")
        if self.max_delay < self.first_delay:
            raise ValueError("max_delay must be at least first_delay")


@dataclass(frozen=True)
class Verdict:
    """`wait` is zero when an attempt may go ahead; `locked` says the wait is a lock (an audit
    entry and a message of its own), not one of the short delays."""

    wait: timedelta
    locked: bool
    failures: int

    @property
    def allowed(self) -> bool:
        return self.wait <= timedelta(0)

    @property
    def retry_after_s(self) -> int:
        """Whole seconds for the Retry-After header, at least 1 while refused."""
        if self.allowed:
            return 0
        return max(1, -int(-self.wait.total_seconds() // 1))


def recent(failures: Sequence[datetime], now: datetime, policy: Policy) -> list[datetime]:
    """The failures that count now: inside the window, or since the lock they started."""
    horizon = now - max(policy.window, policy.lock_for) - policy.window
    return sorted(f for f in failures if horizon < f <= now)


def verdict(failures: Sequence[datetime], now: datetime, policy: Policy = Policy()) -> Verdict:
    """How long an attempt at `now` must wait, given the failures recorded for one key."""
    seen = recent(failures, now, policy)
    # A lock: `lock_after` failures inside one window, the last of them less than `lock_for` ago.
    for i in range(len(seen) - policy.lock_after, -1, -1):
        run = seen[i:i + policy.lock_after]
        if run[-1] - run[0] <= policy.window:
            until = run[-1] + policy.lock_for
            if until > now:
                return Verdict(until - now, True, len(seen))
            break
    in_window = [f for f in seen if f > now - policy.window]
    n = len(in_window)
    if n <= policy.free:
        return Verdict(timedelta(0), False, n)
    delay = min(policy.max_delay, policy.first_delay * 2 ** min(n - policy.free - 1, 30))
    return Verdict(max(timedelta(0), in_window[-1] + delay - now), False, n)
