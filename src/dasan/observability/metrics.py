"""The process's Prometheus metrics, and the backlogs read from the database at scrape time.

Counters and histograms live in this process (prometheus-client). Under `dasan serve --workers N`
the workers share a port, so the CLI sets PROMETHEUS_MULTIPROC_DIR and a scrape of any worker
sums them all (prometheus-client's multiprocess mode). Backlogs (contacts waiting, offers out,
outbox) are the database's, the same from every process: they are counted when scraped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

# Latency buckets from 1 ms (an intake message) to 30 s (a cold index build).
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

T = TypeVar("T", Counter, Gauge, Histogram)


def _metric(kind: type[T], name: str, doc: str, labels: tuple[str, ...] = (), **kw: Any) -> T:
    """The process's metric of that name: made once, found again if this module is imported anew
    (prometheus-client's registry outlives a re-import and refuses a second registration)."""
    existing = REGISTRY._names_to_collectors.get(name)  # noqa: SLF001 (no public lookup exists)
    if isinstance(existing, kind):
        return existing
    return kind(name, doc, labels, **kw)


REQUEST_SECONDS = _metric(Histogram, "dasan_http_request_duration_seconds", "HTTP requests by route template",
                          ("method", "route", "status"), buckets=_BUCKETS)
WEBSOCKETS = _metric(Gauge, "dasan_websocket_connections", "Open websocket connections", ("path",),
                     multiprocess_mode="livesum")
INTAKE = _metric(Counter, "dasan_intake_messages", "Inbound messages by channel and outcome", ("channel", "outcome"))
GROUP_COMMIT_BATCH = _metric(Histogram, "dasan_group_commit_batch_size", "Jobs committed together by a writer",
                             ("writer",), buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
WORKER_ROUND_SECONDS = _metric(Histogram, "dasan_worker_round_seconds",
                               "One round of a background loop (dispatcher, outbox)", ("worker",), buckets=_BUCKETS)
BOT_TURN_SECONDS = _metric(Histogram, "dasan_bot_turn_seconds", "The bot's turn for one citizen message",
                           buckets=_BUCKETS)
SEARCH_SECONDS = _metric(Histogram, "dasan_search_seconds", "One knowledge search", buckets=_BUCKETS)
INTAKE_IN_FLIGHT = _metric(Gauge, "dasan_intake_in_flight", "Intake requests being answered (the intake backlog)",
                           multiprocess_mode="livesum")
REFUSED = _metric(Counter, "dasan_intake_refused", "Intake requests refused past capacity (503, 451)", ("kind",))


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    """Observe how long the block took."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        (histogram.labels(**labels) if labels else histogram).observe(time.perf_counter() - t0)


class BacklogCollector(Collector):
    """Backlogs counted in the database when scraped (`count` returns {name: {labels: value}})."""

    def __init__(self, count) -> None:
        self._count = count

    def collect(self) -> Iterator[Any]:
        found = self._count()
        specs = {
            "dasan_contacts": ("Open contacts by status (bot, queued, offered, active)", "status"),
            "dasan_outbox_backlog": ("Outbound messages not yet handed to their gateway, by channel", "channel"),
        }
        for name, (doc, label) in specs.items():
            family = GaugeMetricFamily(name, doc, labels=[label])
            for key, value in sorted(found.get(name, {}).items()):
                family.add_metric([key], value)
            yield family
        family = GaugeMetricFamily("dasan_offers_waiting", "Contacts offered to an agent, not yet accepted")
        family.add_metric([], found.get("dasan_contacts", {}).get("offered", 0))
        yield family


def render(backlogs: BacklogCollector) -> bytes:
    """The exposition text: this process's (or every worker's) metrics, then the backlogs."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(backlogs)
    return own + generate_latest(extra)
