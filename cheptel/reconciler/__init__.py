"""The reconciler: makes the container engine match the database, and repairs drift.

The API only records intent (a server row with a task_state) and kicks the reconciler.
Each service that has a converger declares it (Service.converger, in its spec.py); the
reconciler builds them from the services it is given and runs their work on a small
thread pool, one key (a server id; WHOLE for a converger of the whole dataplane) at a
time per converger, repeated kicks collapsing. A periodic pass (every `interval`
seconds, and at start) asks every converger what to do again (its scan: unfinished work,
drift, orphans) and kicks it; `wake` runs one sooner (compute's converger does on each of
the engine's events: a container of this cloud died, paused or went), at most one every
MIN_GAP seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.metrics.registry import Metrics
    from cheptel.service import Service

log = logging.getLogger("cheptel.reconciler")

WHOLE = "*"  # the key of a converger that converges everything at once (the network)
MIN_GAP = 0.5  # seconds between the starts of two passes when woken (events coalesce)


class Converger(Protocol):
    """What a service's converger does; built once per app by its factory
    (Service.converger: `(deps, reconciler) -> Converger`)."""

    def scan(self, first: bool) -> Iterable[str]:
        """Repair what needs no queue (orphans, drift) and return the keys to converge
        now; `first`: the pass right after a start."""

    def converge(self, key: str) -> bool:
        """Make the engine match the database for one key; True: converge it again (the
        intent moved on meanwhile). Never runs twice at once for the same key."""


C = TypeVar("C")


class Reconciler:
    def __init__(self, deps: Deps, services: Sequence[Service], interval: float = 5.0,
                 workers: int = 8, metrics: Metrics | None = None) -> None:
        self.deps = deps
        self.metrics = metrics or deps.metrics  # the app's (cheptel.metrics.registry)
        self.interval = interval
        # by service type, in the services' order (the periodic pass kicks in that order)
        self.convergers: dict[str, Converger] = {
            s.type: s.converger(deps, self) for s in services if s.converger is not None}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile")
        self._pending: set[tuple[str, str]] = set()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_stop: list[Callable[[], None]] = []
        self.metrics.queue.set_function(lambda: len(self._pending))

    def converger(self, kind: type[C]) -> C:
        """The converger of this class (one service's converger asking another's)."""
        found = [c for c in self.convergers.values() if isinstance(c, kind)]
        if not found:
            raise LookupError(f"no service declares a {kind.__name__}")
        return found[0]

    # -- work queue ------------------------------------------------------------------------

    def schedule(self, service_type: str, *keys: str) -> None:
        """Converge these keys of this service's converger soon (idempotent; repeated
        kicks collapse)."""
        for key in keys:
            job = (service_type, key)
            with self._mutex:
                if job in self._pending or self._stop.is_set():
                    continue
                self._pending.add(job)
            self._pool.submit(self._run, job)

    def kick(self, *server_ids: str) -> None:
        """Converge these servers soon (compute's converger)."""
        self.schedule("compute", *server_ids)

    def kick_network(self) -> None:
        """Rebuild the network dataplane soon (network's converger, one pass for all)."""
        self.schedule("network", WHOLE)

    def _run(self, job: tuple[str, str]) -> None:
        with self._mutex:
            lock = self._locks.setdefault(job, threading.Lock())
        with lock:
            # pending until it starts: kicks while it waits for the run under way are
            # this run's (one run waits at most, never a queue of the same job)
            with self._mutex:
                self._pending.discard(job)
            self._converge(job)

    def _converge(self, job: tuple[str, str]) -> None:
        metrics = self.metrics
        with metrics.converge_time.labels(job[0]).time():
            try:
                again = self.convergers[job[0]].converge(job[1])
                metrics.converges.labels(job[0], "ok").inc()
            except Exception:  # a bug must not kill the worker; the next pass retries
                log.exception("converging %s %s failed", *job)
                metrics.converges.labels(job[0], "error").inc()
                again = False
        if again:
            self.schedule(*job)

    # -- periodic pass ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.pass_once(first)
                first = False
            except Exception:
                log.exception("reconciler pass failed")
            if self._wake.wait(self.interval):  # woken (an engine event): soon, not at once
                self._stop.wait(max(0.0, started + MIN_GAP - time.monotonic()))
            self._wake.clear()

    def pass_once(self, first: bool = False) -> None:
        """Every converger's scan, its keys kicked; the first pass after a start also
        brings back servers whose containers a host restart stopped."""
        metrics = self.metrics
        for service_type, converger in self.convergers.items():
            with metrics.scans.labels(service_type).time():
                keys = list(converger.scan(first))
            if not first:  # after a start, everything is rebuilt: not a repair
                metrics.found.labels(service_type).inc(len(keys))
            self.schedule(service_type, *keys)
        metrics.last_pass.set(time.time())

    def wake(self) -> None:
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def started(self) -> bool:
        """Its periodic pass runs (`cheptel serve`; tests drive it by hand)."""
        return self._thread is not None and not self._stop.is_set()

    def sleep(self, seconds: float) -> bool:
        """Wait, unless it stops meanwhile: True when it stopped."""
        return self._stop.wait(seconds)

    def on_stop(self, fn: Callable[[], None]) -> None:
        """Call `fn` when the reconciler stops (a watcher's stream to close)."""
        self._on_stop.append(fn)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for fn in self._on_stop:
            fn()
        self._pool.shutdown(wait=True, cancel_futures=True)
