"""The engine's events, as they come: a container of this cloud that died (killed,
crashed, stopped behind cheptel's back), was paused or went wakes the reconciler's
periodic pass at once, so its drift is repaired (a server recorded SHUTOFF, a pause
undone) and a self-healing group's member replaced in that same pass, instead of at the
next one up to `interval` seconds later. The periodic pass stays the safety net: an
event missed while the engine restarts is found by it. The container's name is told
first (`notice`): Docker may send the event before its listing shows the container
stopped, so compute's scan asks the engine about that container itself.

One thread per reconciler (started by compute's converger once the periodic pass runs),
reading `Engine.watch`'s stream; when the stream ends (dockerd restarted) it is opened
again a second later; `Reconciler.stop` closes it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from cheptel.backends.engine import Engine, EngineError, EventStream

if TYPE_CHECKING:
    from cheptel.reconciler import Reconciler

log = logging.getLogger("cheptel.reconciler.events")

REOPEN_AFTER = 1.0  # seconds before a stream that ended is opened again


class EngineWatcher:
    def __init__(self, engine: Engine, cloud: str, reconciler: Reconciler,
                 notice: Callable[[str], None] = lambda name: None) -> None:
        self.engine, self.cloud, self.reconciler = engine, cloud, reconciler
        self.notice = notice  # told each container's name before the wake
        self._stream: EventStream | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="engine-events", daemon=True)
        self.seen = 0  # events read (for tests and the curious)

    def start(self) -> EngineWatcher:
        self.reconciler.on_stop(self.close)
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self.reconciler.stopped:
            try:
                stream = self.engine.watch(self.cloud)
            except EngineError as exc:
                log.info("the engine's events: %s", exc)
            else:
                with self._lock:
                    self._stream = stream
                if self.reconciler.stopped:  # stopped while it was being opened
                    stream.close()
                for name in stream:
                    self.seen += 1
                    self.notice(name)
                    self.reconciler.wake()
                with self._lock:
                    self._stream = None
            if self.reconciler.sleep(REOPEN_AFTER):
                return

    def close(self) -> None:
        with self._lock:
            if self._stream is not None:
                self._stream.close()
