"""The reconciler runs the convergers the services declare (Service.converger)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

import pytest

from cheptel.image.spec import SERVICE as IMAGE
from cheptel.metrics.registry import Metrics
from cheptel.objectstore.service.expiry import Expirer
from cheptel.reconciler import Reconciler
from cheptel.reconciler.network import NetworkConverger
from cheptel.reconciler.servers import ServerConverger
from cheptel.reconciler.stacks import StackConverger
from cheptel.reconciler.volumes import VolumeConverger
from cheptel.services import SERVICES
from tests.unit.reconcile import ManualPool


class Volumes:
    """A new service's converger: v1 needs two steps, v2 one, v3 is a bug."""

    def __init__(self, deps: Any, reconciler: Reconciler) -> None:
        self.deps, self.reconciler = deps, reconciler
        self.done: list[str] = []

    def scan(self, first: bool) -> list[str]:
        return ["v1", "v2"] + (["v3"] if first else [])

    def converge(self, key: str) -> bool:
        self.done.append(key)
        if key == "v3":
            raise RuntimeError("a bug")
        return key == "v1" and self.done.count("v1") == 1


def _reconciler() -> tuple[Reconciler, ManualPool]:
    volume = dataclasses.replace(IMAGE, type="block-storage", name="cinder",
                                 converger=Volumes)
    reconciler = Reconciler(deps=None, services=[IMAGE, volume],  # type: ignore[arg-type]
                            metrics=Metrics())
    reconciler._pool.shutdown()
    pool = ManualPool()
    reconciler._pool = pool  # type: ignore[assignment]
    return reconciler, pool


def test_a_declared_converger_is_built_scanned_and_run() -> None:
    reconciler, pool = _reconciler()
    volumes = reconciler.converger(Volumes)
    assert list(reconciler.convergers) == ["block-storage"]  # image declares none
    assert volumes.reconciler is reconciler
    reconciler.pass_once()
    pool.drain()
    assert volumes.done == ["v1", "v2", "v1"]  # v1 asked to be converged again


def test_kicks_collapse_and_a_failing_converge_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    reconciler, pool = _reconciler()
    volumes = reconciler.converger(Volumes)
    reconciler.schedule("block-storage", "v2", "v2")
    reconciler.schedule("block-storage", "v2")
    assert len(pool.queue) == 1
    with caplog.at_level(logging.ERROR, "cheptel.reconciler"):
        reconciler.pass_once(first=True)  # v2 already queued: v1, v3 added
        pool.drain()
    assert sorted(volumes.done) == ["v1", "v1", "v2", "v3"]
    assert "converging block-storage v3 failed" in caplog.text
    with pytest.raises(LookupError):
        reconciler.converger(ServerConverger)


class Slow:
    """A converger whose run of "net" blocks until released (a whole-network pass)."""

    def __init__(self, deps: Any, reconciler: Reconciler) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.runs = 0

    def scan(self, first: bool) -> list[str]:
        return []

    def converge(self, key: str) -> bool:
        self.runs += 1
        self.started.set()
        self.release.wait(10)
        return False


def test_kicks_during_a_run_make_one_more_run_not_one_each() -> None:
    """Kicks of a job while it runs are kept for one next run (they wait for the same
    lock): before, each kick's worker waited on it and ran the job again in turn (five
    boots at once ran the whole network pass five times over)."""
    slow = dataclasses.replace(IMAGE, type="network", name="neutron", converger=Slow)
    reconciler = Reconciler(deps=None, services=[slow],  # type: ignore[arg-type]
                            metrics=Metrics())
    converger = reconciler.converger(Slow)
    try:
        reconciler.schedule("network", "net")
        assert converger.started.wait(10)
        for _ in range(4):  # four kicks while it runs, each from its own request
            reconciler.schedule("network", "net")
            time.sleep(0.05)  # the kick's worker reaches the job's lock
        converger.release.set()
    finally:
        reconciler._pool.shutdown(wait=True)
    assert converger.runs == 2


def test_the_app_builds_the_convergers_the_services_declare(api: Any) -> None:
    convergers = api.deps.reconciler.convergers
    assert [s.type for s in SERVICES if s.converger] == list(convergers) == [
        "compute", "network", "block-storage", "object-store", "orchestration", "load-balancer"]
    assert isinstance(convergers["compute"], ServerConverger)
    assert isinstance(convergers["network"], NetworkConverger)
    assert isinstance(convergers["block-storage"], VolumeConverger)
    assert isinstance(convergers["object-store"], Expirer)
    assert isinstance(convergers["orchestration"], StackConverger)
