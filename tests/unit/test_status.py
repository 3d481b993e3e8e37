"""`cheptel status` read in-process from a cloud's data dir over the fake engine: what
it counts, what makes it unhealthy (no serve, a serve that does not answer, an engine
down, work stuck in a transitional status)."""

from __future__ import annotations

from typing import Any

from cheptel.backends.fake import FakeEngine
from cheptel.runlock import hold_serving
from cheptel.status import STUCK_AFTER, gather
from tests.unit.reconcile import Cloud


class DownEngine(FakeEngine):
    def host_info(self) -> dict[str, Any]:
        raise ConnectionError("Cannot connect to the Docker daemon")


def test_counts_and_the_reasons_it_is_unhealthy(rcloud: Cloud) -> None:
    settings = rcloud.deps.settings
    sid = rcloud.active("a")
    rcloud.active("b")
    report = gather(settings, rcloud.engine, now=rcloud.deps.clock())
    assert report.counts["servers"] == {"ACTIVE": 2}
    assert report.engine_up and report.stuck == []
    assert report.problems == ["no `cheptel serve` holds this data directory"]
    assert report.disk["images"] > 0  # the busybox image's file

    lock = hold_serving(settings.data_dir)  # a serve holds it, but nothing listens
    try:
        report = gather(settings, DownEngine(), now=rcloud.deps.clock())
    finally:
        lock.close()
    assert report.serving and not report.answering
    assert any("does not answer" in p for p in report.problems)
    assert any("container engine: unreachable (Cannot connect" in p for p in report.problems)

    rcloud.act(sid, "os-stop")  # a stop the engine never carries out: stuck, later
    report = gather(settings, rcloud.engine, now=rcloud.deps.clock() + STUCK_AFTER + 1)
    assert [s.split()[:2] for s in report.stuck] == [["server", sid]]
    assert "UNHEALTHY" in report.text() and f"stuck: server {sid}" in report.text()


def test_load_balancers_by_provisioning_status_and_stuck_when_pending(rcloud: Cloud) -> None:
    from tests.unit.loadbalancer import made

    subnet = rcloud.neutron("GET", "/networks?name=private").json()["networks"][0][
        "subnets"][0]
    made(rcloud, "loadbalancers", {"name": "done", "vip_subnet_id": subnet})
    pending = made(rcloud, "loadbalancers", {"name": "pending", "vip_subnet_id": subnet},
                   settle=False)  # PENDING_CREATE until the reconciler's next pass
    settings, now = rcloud.deps.settings, rcloud.deps.clock()
    report = gather(settings, rcloud.engine, now=now)
    assert report.counts["balancers"] == {"ACTIVE": 1, "PENDING_CREATE": 1}
    assert report.stuck == [] and "balancers  1 ACTIVE, 1 PENDING_CREATE" in report.text()
    report = gather(settings, rcloud.engine, now=now + STUCK_AFTER + 1)
    assert [s.split()[:4] for s in report.stuck] == [
        ["load", "balancer", pending["id"], "PENDING_CREATE"]]
    assert f"stuck: load balancer {pending['id']}" in report.text()
    rcloud.settle()
    report = gather(settings, rcloud.engine, now=now + STUCK_AFTER + 1)
    assert report.counts["balancers"] == {"ACTIVE": 2} and report.stuck == []
