"""One registry per app: the control plane's own series, and the collectors that read
the cloud at scrape time (the services' and the servers')."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.registry import Collector

# request latency: a millisecond API up to a long upload
LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
T = TypeVar("T")
PASS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "cheptel_http_requests", "API requests answered, by service, route and status",
            ("service", "method", "route", "code"), registry=r)
        self.latency = Histogram(
            "cheptel_http_request_duration_seconds", "API request latency, by route",
            ("service", "method", "route"), buckets=LATENCY, registry=r)
        self.scans = Histogram(
            "cheptel_reconcile_scan_duration_seconds",
            "The periodic pass's scan of each converger (drift, orphans, unfinished work)",
            ("service",), buckets=PASS, registry=r)
        self.found = Counter(
            "cheptel_reconcile_repairs",
            "Keys a periodic scan found to converge again (drift or unfinished work)",
            ("service",), registry=r)
        self.converges = Counter(
            "cheptel_reconcile_converges", "Converge runs, by service and outcome",
            ("service", "outcome"), registry=r)
        self.converge_time = Histogram(
            "cheptel_reconcile_converge_duration_seconds", "One key's converge run",
            ("service",), buckets=PASS, registry=r)
        self.queue = Gauge("cheptel_reconcile_queue_depth",
                           "Keys waiting to be converged", registry=r)
        self.last_pass = Gauge("cheptel_reconcile_last_pass_timestamp_seconds",
                               "When the last periodic pass ended (POSIX seconds)",
                               registry=r)

        # facts one scrape reads once though several services' series need them (the
        # engine's host_info): per thread, as concurrent scrapes run in their own
        self._scrape = threading.local()

    def register(self, collector: Collector) -> None:
        self.registry.register(collector)

    @contextmanager
    def scrape(self) -> Iterator[None]:
        """One scrape: what `once` reads meanwhile is read once."""
        self._scrape.memo = {}
        try:
            yield
        finally:
            del self._scrape.memo

    def once(self, key: str, read: Callable[[], T]) -> T:
        """`read()`, once per scrape under `key`; outside a scrape, at every call."""
        memo: dict[str, object] | None = getattr(self._scrape, "memo", None)
        if memo is None:
            return read()
        if key not in memo:
            memo[key] = read()
        return cast(T, memo[key])
