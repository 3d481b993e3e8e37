"""`cheptel chaos`'s pieces in-process: the targets are the project's ACTIVE servers
only, the plan is repeatable and capped by the duration, the probe's outage arithmetic,
a fault is never injected into a container of another cloud, and a netcut drops the
victim's addresses under this cloud's own prefix only, until it is restored (by its
timer, Ctrl-C, the next run or `cheptel teardown`)."""

from __future__ import annotations

from typing import Any

import pytest

from cheptel import chaos
from cheptel.backends.fake_firewall import FakeFirewall
from cheptel.backends.firewall import prefix_for
from cheptel.identity.models import Project
from cheptel.teardown import teardown
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

    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, "another-cloud", rcloud.firewall)
    with pytest.raises(ValueError, match="no container of this cloud"):
        runner._inject(mine[0], "pause")
    assert rcloud.container_status(mine[0]) == "running"
    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall)
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


def _runner(rcloud: Cloud, **kw: Any) -> chaos.Chaos:
    return chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                       rcloud.firewall, **kw)


def _fixed_ip(rcloud: Cloud, sid: str) -> str:
    return str(next(iter(rcloud.show(sid)["addresses"].values()))[0]["addr"])


def test_a_netcut_drops_the_victims_addresses_under_the_clouds_prefix(rcloud: Cloud) -> None:
    victim, other = rcloud.active("v", networks="auto"), rcloud.active("o", networks="auto")
    fw: FakeFirewall = rcloud.firewall
    prefix = prefix_for(rcloud.deps.cloud_id)
    ip, other_ip = _fixed_ip(rcloud, victim), _fixed_ip(rcloud, other)
    runner = _runner(rcloud, cut_for=300)
    runner._inject(victim, "netcut")
    assert fw.cut(ip) and not fw.cut(other_ip)
    assert list(fw.cuts) == [f"{prefix}CUT{chaos.cut_key(victim)}"]
    with pytest.raises(ValueError, match="already cut off"):
        runner._inject(victim, "netcut")
    assert runner.reconnect_all() == [victim]
    assert fw.cuts == {} and rcloud.status(victim) == "ACTIVE"

    # a server without an address has nothing to cut; another cloud's container is refused
    bare = rcloud.active("bare")
    with pytest.raises(ValueError, match="no address to cut"):
        runner._inject(bare, "netcut")
    stranger = chaos.Chaos(rcloud.deps.settings, rcloud.engine, "another-cloud", fw)
    with pytest.raises(ValueError, match="no container of this cloud"):
        stranger._inject(victim, "netcut")
    assert fw.cuts == {}


def test_a_netcut_never_touches_a_prefix_another_cloud_holds(rcloud: Cloud) -> None:
    victim = rcloud.active("v", networks="auto")
    fw: FakeFirewall = rcloud.firewall
    prefix = prefix_for(rcloud.deps.cloud_id)
    fw.release(prefix, rcloud.deps.cloud_id)
    fw.claim(prefix, "0" * 6 + "another")  # the same six digits drawn by another cloud
    with pytest.raises(ValueError, match="belongs to cloud"):
        _runner(rcloud)._inject(victim, "netcut")
    assert fw.cuts == {}


def test_teardown_removes_a_cut_a_killed_run_left(rcloud: Cloud) -> None:
    victim = rcloud.active("v", networks="auto")
    fw: FakeFirewall = rcloud.firewall
    _runner(rcloud, cut_for=300)._inject(victim, "netcut")  # its timer dies with the run
    assert fw.cut(_fixed_ip(rcloud, victim))
    teardown(rcloud.deps.cloud_id, rcloud.engine, fw)
    assert fw.cuts == {} and fw.owned_rules(prefix_for(rcloud.deps.cloud_id)) == 0


def test_a_run_restores_its_cuts_when_stopped_and_clears_a_previous_runs(
        rcloud: Cloud) -> None:
    victim = rcloud.active("v", networks="auto")
    fw: FakeFirewall = rcloud.firewall
    ip = _fixed_ip(rcloud, victim)
    with rcloud.deps.sessions() as db:
        project, found = chaos.targets(db, "demo", None)
    # a killed run's cut
    fw.cut_off(prefix_for(rcloud.deps.cloud_id), "000000000000", ["-d 10.9.9.9/32"])
    runner = _runner(rcloud, grace=0, cut_for=300)
    seen: list[bool] = []

    def say(line: str) -> None:
        if "netcut" in line:  # the cut is on: then Ctrl-C
            seen.append(fw.cut(ip) and not fw.cut("10.9.9.9"))
            runner.stop.set()

    report = runner.run(project, found, [(0.0, found[0], "netcut")], duration=60, port=80,
                        faults=["netcut"], say=say)
    assert seen == [True]
    assert fw.cuts == {}
    assert [(i.server_id, i.fault, i.detected_after) for i in report.injections] == [
        (victim, "netcut", None)]  # nothing in cheptel notices a cut
    assert f"network of {victim} restored early (run stopped)" in report.left
    assert "noticed never" in report.text()
