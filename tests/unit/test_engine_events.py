"""The engine's events wake the reconciler (cheptel.reconciler.events) over the fake
engine: a container of the cloud that stops running or goes wakes it at once; a stream
that ends (dockerd restarted) is opened again; a stop closes it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from cheptel.backends.engine import ContainerSpec, ImageConfig
from cheptel.backends.fake import FakeEngine
from cheptel.reconciler import events
from cheptel.reconciler.events import EngineWatcher


class Reconciler:
    """What the watcher uses of the reconciler, counting its wakes."""

    def __init__(self) -> None:
        self.woken = threading.Semaphore(0)
        self._stop = threading.Event()
        self._on_stop: list[Callable[[], None]] = []

    def wake(self) -> None:
        self.woken.release()

    def sleep(self, seconds: float) -> bool:
        return self._stop.wait(seconds)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def on_stop(self, fn: Callable[[], None]) -> None:
        self._on_stop.append(fn)

    def stop(self) -> None:
        self._stop.set()
        for fn in self._on_stop:
            fn()


def _container(engine: FakeEngine, name: str) -> None:
    engine.images["busybox"] = ImageConfig(entrypoint=None, command=["/bin/sh"])
    engine.create(ContainerSpec(name=name, image="busybox", hostname=name,
                                labels={"cheptel.cloud": "c1"}, memory_mb=64, vcpus=1))
    engine.start(name)


def _woken(r: Reconciler) -> bool:
    return r.woken.acquire(timeout=5)


def test_a_container_that_stops_running_or_goes_wakes_the_reconciler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "REOPEN_AFTER", 0.01)
    engine, r = FakeEngine(), Reconciler()
    _container(engine, "a")
    watcher = EngineWatcher(engine, "c1", r).start()  # type: ignore[arg-type]
    try:
        _until(lambda: bool(engine.watchers))
        engine.stop("a", 0)  # docker kill behind cheptel's back
        assert _woken(r)
        engine.start("a")  # a start is not an event
        assert not r.woken.acquire(timeout=0.1)
        engine.pause("a")
        assert _woken(r)
        engine.remove("a")  # docker rm -f
        assert _woken(r)
        # the engine restarted: its stream ended; the watcher opens another
        engine.watchers[0].close()
        _until(lambda: bool(engine.watchers))
        _container(engine, "b")
        engine.stop("b", 0)
        assert _woken(r)
        assert watcher.seen == 4
    finally:
        r.stop()
    _until(lambda: not watcher.alive)
    assert engine.watchers == []  # closed by the stop


def _until(predicate: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(500):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError("timed out")
