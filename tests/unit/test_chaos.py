"""`cheptel chaos`'s pieces in-process: the targets are the project's ACTIVE servers
only, the plan is repeatable and capped by the duration, the probe's outage arithmetic,
and a fault is never injected into a container of another cloud."""

from __future__ import annotations

import pytest

from cheptel import chaos
from cheptel.identity.models import Project
from tests.unit.reconcile import Cloud


def test_targets_plan_and_safety(rcloud: Cloud) -> None:
    mine = [rcloud.active(f"s{i}") for i in range(3)]
    rcloud.act(mine[2], "os-stop")
    rcloud.settle()
    with rcloud.deps.sessions() as db:
        project, found = chaos.targets(db, "demo", None)
        assert db.get(Project, project) is not None
        assert chaos.targets(db, "admin", None)[1] == []  # the admin's project: none
        with pytest.raises(ValueError):
            chaos.targets(db, "nope", None)
    assert [t.server_id for t in found] == mine[:2]  # the SHUTOFF one is not a target
    assert all(t.address is None for t in found)  # no floating IP: watched, not probed
    first = chaos.plan(found, ["pause", "kill"], duration=10, every=3, seed=5)
    assert [at for at, _, _ in first] == [3, 6, 9]
    assert first == chaos.plan(found, ["pause", "kill"], duration=10, every=3, seed=5)
    assert chaos.plan([], ["pause"], 10, 3, 1) == []

    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, "another-cloud")
    with pytest.raises(ValueError, match="no container of this cloud"):
        runner._inject(mine[0], "pause")
    assert rcloud.container_status(mine[0]) == "running"
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id)
    runner._inject(mine[0], "pause")
    assert rcloud.container_status(mine[0]) == "paused"


def test_probe_statistics() -> None:
    p = chaos.ProbeStats()
    for t, ok in ((0.0, True), (1.0, False), (1.5, False), (3.0, True), (4.0, False)):
        p.record(t, ok)
    p.close(4.5)
    assert (p.tried, p.failed, p.longest_outage) == (5, 3, 2.0)
    report = chaos.Report("demo", 10, ["pause"], [chaos.Target("a", "web", "1.2.3.4")])
    report.probes = {"a": p}
    report.injections = [chaos.Injection(1.0, "a", "pause", 0.4, 2.0)]
    text = report.text()
    assert "5 tried, 3 failed: 40.00% available" in text
    assert "pause web" in text and "noticed 0.4 s, answering again 2.0 s" in text
    assert report.as_dict()["requests"] == {"tried": 5, "failed": 3, "availability": 40.0}
