"""Emerging issues: which words (and categories) of the consultations are rising above the level
the center's history leads one to expect, record by record as they arrive (pure; no database).

The model. Each record is reduced to a set of features: its content words (`terms.extract_many`)
and its category. A feature's expected share of the records is learnt from the history (the
records older than the longest window, over the last `history_days`): the larger of its share
over the whole history and its share at the same hour of the day, each with half a record of
prior so a word never seen is not "impossible" — that is what makes the detector aware of the
time of day (a topic that is always common at night does not alarm at night) and careful while
the history is short (with 200 records behind it, an unseen word's share is 1/400, not zero).
The volume of the center itself needs no model: the expected count in a window is the share
times the records that actually arrived in that window.

At each arrival, for every feature of the new record and every window (15 minutes to 4 hours,
so a sharp burst is seen early and a slow one is still seen), the count in the window is
compared with its expectation: the alarm is raised when the Poisson probability of so many is
below `p_value`, the count is at least `min_count` and at least `min_ratio` times the
expectation. The p-value bound is a budget of false alarms: at ~1,000 records a day of ~10
features tested in 5 windows, 10⁻⁷ is ~0.005 alarms a day under the model's own assumption,
kept small because real streams are burstier than Poisson (one citizen writing three times).

An alert gathers the records of its window that carry the feature, the other features most
of those records share (its terms, by how far they exceed their expectation), the district
most of them name, and stays open while its features keep arriving: their records join it and
they do not raise a second alert until `quiet` has passed without them.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from scipy.special import pdtrc

WINDOWS = (timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2),
           timedelta(hours=4))
CATEGORY = "category:"  # a record's category, as a feature beside its words
PAIR = "\x1f"  # two words of one record together, as one feature
HOUR_PULL = 20  # records' worth of the overall share in each hour's own share
HOUR_DOUBT = 1.0


@dataclass(frozen=True)
class Record:
    id: str
    at: datetime  # aware
    text: str
    category: str = ""
    district: str = ""
    channel: str = ""


@dataclass
class Alert:
    label: str
    terms: list[str]
    first_seen: datetime
    detected_at: datetime
    district: str
    record_ids: list[str]  # its records as far as seen when it fired
    trigger: str  # the feature that raised it: later records with it join it
    features: set[str]  # its words (and category): kept quiet while it is open
    last_seen: datetime
    total: int  # its records so far, those that came after it fired included

    @property
    def count(self) -> int:
        return len(self.record_ids)

    def as_dict(self) -> dict:
        return {"label": self.label, "terms": self.terms, "first_seen": self.first_seen.isoformat(),
                "detected_at": self.detected_at.isoformat(), "count": self.count, "district": self.district,
                "record_ids": self.record_ids}


@dataclass(frozen=True)
class Params:
    p_value: float = 1e-7
    min_count: int = 3
    min_ratio: float = 4.0
    history_days: int = 28
    quiet: timedelta = timedelta(hours=12)  # an alert's features stay quiet this long after their last record
    term_share: float = 0.5  # a feature joins an alert's terms when it is on this share of its records
    district_share: float = 0.5  # the alert names a district most of its records (with one) name


def upper_share(count: float, total: float, z: float = 2.0) -> float:
    """A high estimate of a share seen `count` times in `total` (the upper end of the Wilson
    interval at `z`): what a short history cannot rule out, it does not call unusual."""
    if total <= 0:
        return 1.0
    return min(1.0, (count + z * z / 2 + z * math.sqrt(count * (total - count) / total + z * z / 4)) / (total + z * z))


def poisson_tail(k: int, expected: float) -> float:
    """P(X ≥ k) for X ~ Poisson(expected)."""
    return float(pdtrc(k - 1, expected)) if k > 0 else 1.0


class _Window:
    """The records of the last `span`, with each feature's count among them."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self.items: deque[tuple[datetime, Record, frozenset[str]]] = deque()
        self.counts: Counter[str] = Counter()

    def add(self, at: datetime, rec: Record, feats: frozenset[str]) -> None:
        self.items.append((at, rec, feats))
        self.counts.update(feats)

    def expire(self, now: datetime) -> Iterator[tuple[datetime, Record, frozenset[str]]]:
        while self.items and self.items[0][0] <= now - self.span:
            item = self.items.popleft()
            self.counts.subtract(item[2])
            for f in item[2]:
                if self.counts[f] <= 0:
                    del self.counts[f]
            yield item


class _History:
    """Feature counts over the records older than the longest window, overall and per hour of day."""

    def __init__(self, days: int) -> None:
        self.span = timedelta(days=days)
        self.items: deque[tuple[datetime, int, frozenset[str]]] = deque()
        self.total = 0
        self.by_hour = [0] * 24
        self.counts: Counter[str] = Counter()
        self.hour_counts: list[Counter[str]] = [Counter() for _ in range(24)]

    def add(self, at: datetime, feats: frozenset[str]) -> None:
        hour = at.hour
        self.items.append((at, hour, feats))
        self.total += 1
        self.by_hour[hour] += 1
        self.counts.update(feats)
        self.hour_counts[hour].update(feats)

    def forget_before(self, now: datetime) -> None:
        while self.items and self.items[0][0] <= now - self.span:
            _, hour, feats = self.items.popleft()
            self.total -= 1
            self.by_hour[hour] -= 1
            self.counts.subtract(feats)
            self.hour_counts[hour].subtract(feats)

    def share(self, feature: str, hour: int, recent: int = 0, recent_total: int = 0) -> float:
        """The feature's expected share at this hour; `recent` of `recent_total` records that are
        not history yet (younger than the longest window, older than the one tested) count too."""
        overall = upper_share(self.counts[feature] + recent, self.total + recent_total)
        # The hour's own share, drawn towards the overall one while that hour has few records.
        # While an hour has few records its level is unknown: up to (1 + HOUR_DOUBT) times the overall.
        seen = self.by_hour[hour]
        at_hour = (self.hour_counts[hour][feature] + HOUR_PULL * overall) / (seen + HOUR_PULL)
        at_hour *= 1 + HOUR_DOUBT * HOUR_PULL / (seen + HOUR_PULL)
        return max(overall, at_hour)


class Detector:
    """Feed records in time order; each call returns the alerts that record raised."""

    def __init__(self, features: Callable[[Record], frozenset[str]], params: Params | None = None,
                 windows: Iterable[timedelta] = WINDOWS) -> None:
        self.features = features
        self.params = params or Params()
        self.windows = [_Window(w) for w in sorted(windows)]
        self.history = _History(self.params.history_days)
        self.open: list[Alert] = []
        self.alerts: list[Alert] = []
        self.last: datetime | None = None

    def feed(self, rec: Record) -> list[Alert]:
        at = rec.at
        if self.last is not None and at < self.last:
            raise ValueError(f"record {rec.id!r} arrives before the one fed before it")
        self.last = at
        feats = self.features(rec)
        for i, win in enumerate(self.windows):
            for old_at, _old, old_feats in win.expire(at):
                if i == len(self.windows) - 1:  # out of the longest window: history from now on
                    self.history.add(old_at, old_feats)
            win.add(at, rec, feats)
        self.history.forget_before(at)
        self._close_quiet(at)

        raised: list[Alert] = []
        for alert in self.open:  # a record with the feature that raised an open alert joins it
            if alert.trigger in feats:
                alert.last_seen = at
                alert.total += 1
        # What an open alert is about does not raise another: a feature all of whose words it has.
        claimed = set().union(*(a.features for a in self.open)) if self.open else set()
        for feature in sorted(feats):
            if set(feature.split(PAIR)) <= claimed:
                continue
            window = self._firing(feature, at)
            if window is not None:
                alert = self._alert(feature, window, at)
                self.open.append(alert)
                self.alerts.append(alert)
                raised.append(alert)
                claimed |= alert.features
        return raised

    def _expected(self, feature: str, window: _Window, hour: int) -> float:
        longest = self.windows[-1]
        recent, recent_total = longest.counts[feature] - window.counts[feature], len(longest.items) - len(window.items)
        return len(window.items) * self.history.share(feature, hour, recent, recent_total)

    def _firing(self, feature: str, at: datetime) -> _Window | None:
        p = self.params
        for win in self.windows:
            k = win.counts[feature]
            if k < p.min_count:
                continue
            expected = self._expected(feature, win, at.hour)
            if k >= p.min_ratio * expected and poisson_tail(k, expected) < p.p_value:
                return win
        return None

    def _alert(self, feature: str, window: _Window, at: datetime) -> Alert:
        p = self.params
        records = [(a, r, f) for a, r, f in window.items if feature in f]
        together: Counter[str] = Counter()
        for _a, _r, f in records:
            together.update(f)
        lift = {}
        for other, k in together.items():
            if k >= p.term_share * len(records):
                expected = self._expected(other, window, at.hour)
                if k >= p.min_ratio * expected:
                    lift[other] = k / expected
        lift[feature] = max(lift.get(feature, 0.0), max(lift.values(), default=0.0)) + 1  # the one that fired first
        ranked = sorted(lift, key=lambda f: (-lift[f], f))
        terms = list(dict.fromkeys(t.removeprefix(CATEGORY) for f in ranked for t in f.split(PAIR)))
        districts = Counter(r.district for _a, r, _f in records if r.district)
        district = ""
        if districts:
            name, n = districts.most_common(1)[0]
            if n > p.district_share * len(records):
                district = name
        label = " · ".join(terms[:3]) + (f" ({district})" if district else "")
        return Alert(label=label, terms=terms[:8], first_seen=records[0][0], detected_at=at, district=district,
                     record_ids=[r.id for _a, r, _f in records], trigger=feature,
                     features={part for f in ranked for part in f.split(PAIR)}, last_seen=at, total=len(records))

    def _close_quiet(self, now: datetime) -> None:
        self.open = [a for a in self.open if now - a.last_seen < self.params.quiet]


def detect(records: Iterable[Record], features: Callable[[Record], frozenset[str]],
           params: Params | None = None) -> list[Alert]:
    """Every alert a stream of records raises, fed in time order."""
    detector = Detector(features, params)
    for rec in sorted(records, key=lambda r: r.at):
        detector.feed(rec)
    return detector.alerts
