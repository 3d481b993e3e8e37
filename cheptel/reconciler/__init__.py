"""The reconciler: makes the container engine match the database, and repairs drift.

The API only records intent (a server row with a task_state) and kicks the reconciler.
Work runs on a small thread pool, one server at a time per id; a periodic pass (every
`interval` seconds, and at start) re-kicks unfinished work, detects drift (a container
stopped or removed behind cheptel's back) and removes labelled containers without a row.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from cheptel.backends.engine import ContainerStats
from cheptel.compute.models import Server
from cheptel.reconciler.network import NetworkConverger
from cheptel.reconciler.servers import ServerConverger, container_name

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.reconciler")


class Reconciler:
    def __init__(self, deps: Deps, interval: float = 5.0, workers: int = 8) -> None:
        self.deps = deps
        self.interval = interval
        self.servers = ServerConverger(deps, self)
        self.network = NetworkConverger(deps)
        self._network_pending = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile")
        self._pending: set[str] = set()
        self._locks: dict[str, threading.Lock] = {}
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- work queue ------------------------------------------------------------------------

    def kick(self, *server_ids: str) -> None:
        """Converge these servers soon (idempotent; repeated kicks collapse)."""
        for sid in server_ids:
            with self._mutex:
                if sid in self._pending or self._stop.is_set():
                    continue
                self._pending.add(sid)
            self._pool.submit(self._run, sid)

    def _run(self, sid: str) -> None:
        with self._mutex:
            self._pending.discard(sid)
            lock = self._locks.setdefault(sid, threading.Lock())
        with lock:
            try:
                again = self.servers.converge(sid)
            except Exception:  # a bug must not kill the worker; the next pass retries
                log.exception("converging server %s failed", sid)
                again = False
        if again:
            self.kick(sid)

    def kick_network(self) -> None:
        """Rebuild the network dataplane soon (repeated kicks collapse into one pass)."""
        with self._mutex:
            if self._network_pending or self._stop.is_set():
                return
            self._network_pending = True
        self._pool.submit(self._run_network)

    def _run_network(self) -> None:
        with self._mutex:
            self._network_pending = False
        try:
            self.network.converge()
        except Exception:
            log.exception("converging the network failed")

    # -- periodic pass ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.pass_once(first)
                first = False
            except Exception:
                log.exception("reconciler pass failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def pass_once(self, first: bool = False) -> None:
        """Re-kick unfinished work, repair drift, remove orphans; the first pass after a
        start also brings back servers whose containers a host restart stopped."""
        self.kick(*self.servers.scan(first))
        self.kick_network()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def console_output(self, server: Server, tail: int | None) -> str:
        return self.servers.console_output(server, tail)

    def container_stats(self, server: Server) -> ContainerStats | None:
        """A usage reading of the server's container (diagnostics); None if it is gone.
        May raise the engine's EngineError."""
        return self.servers.engine.stats(container_name(server.id))
