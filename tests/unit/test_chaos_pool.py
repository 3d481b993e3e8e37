"""`cheptel chaos --pool` in-process: the victims are the named project's ACTIVE servers
whose fixed addresses are the pool's members (never another project's server holding a
member's address, never a pool of another project); the probe is the load balancer's VIP
through its floating IP, on its listener's port; a fault is noticed when the member is
ERROR in the pool and back when it is ONLINE; the report says so."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cheptel import chaos
from cheptel.chaos_pool import pool_targets
from tests.unit.loadbalancer import made
from tests.unit.reconcile import Cloud


def _ok(r: Any, status: int = 201) -> dict:
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def _net(cloud: Cloud, name: str) -> dict:
    (net,) = _ok(cloud.neutron("GET", f"/networks?name={name}"), 200)["networks"]
    return net  # type: ignore[no-any-return]


def _port(cloud: Cloud, sid: str) -> dict:
    (port,) = _ok(cloud.neutron("GET", f"/ports?device_id={sid}"), 200)["ports"]
    return port  # type: ignore[no-any-return]


def _service(rcloud: Cloud) -> tuple[list[str], dict, dict, dict[str, str]]:
    """Two web servers on `private` behind a load balancer (listener on 8080, an HTTP
    monitor) whose VIP has a floating IP, and a stopped third member: (servers, balancer,
    pool, server id -> member id)."""
    private = _net(rcloud, "private")
    webs = [rcloud.active(f"web{i}", networks=[{"uuid": private["id"]}]) for i in range(3)]
    rcloud.act(webs[2], "os-stop")
    rcloud.settle()
    subnet = private["subnets"][0]
    lb = made(rcloud, "loadbalancers", {"name": "front", "vip_subnet_id": subnet})
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 8080})
    pool = made(rcloud, "pools", {"listener_id": lis["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN"})
    members = {sid: made(rcloud, f"pools/{pool['id']}/members", {
        "address": _port(rcloud, sid)["fixed_ips"][0]["ip_address"], "protocol_port": 80,
        "subnet_id": subnet})["id"] for sid in webs}
    made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "HTTP", "delay": 1,
                                    "timeout": 1, "max_retries": 1})
    return webs, lb, pool, members


def test_the_pools_members_of_the_project_and_its_vip(rcloud: Cloud) -> None:
    webs, lb, pool, members = _service(rcloud)
    # a member naming an address the admin's server holds on the admin's own network
    # (the same range): never a victim
    demo, rcloud.token = rcloud.token, rcloud.api.admin()
    private = _net(rcloud, "private")
    cidr = _ok(rcloud.neutron("GET", f"/subnets/{private['subnets'][0]}"), 200)[
        "subnet"]["cidr"]
    mine = _ok(rcloud.neutron("POST", "/networks", {"network": {"name": "adm"}}))["network"]
    _ok(rcloud.neutron("POST", "/subnets", {"subnet": {"network_id": mine["id"],
                                                       "cidr": cidr, "ip_version": 4}}))
    address = cidr.rsplit(".", 1)[0] + ".77"
    admins = rcloud.active("admins", networks=[{"uuid": mine["id"], "fixed_ip": address}])
    rcloud.token = demo
    made(rcloud, f"pools/{pool['id']}/members", {"address": address, "protocol_port": 80})
    with rcloud.deps.sessions() as db:
        project, found, where = pool_targets(db, "demo", pool["id"])
        # the admin's project has no such pool: refused, as an unknown one
        with pytest.raises(ValueError, match="no pool"):
            pool_targets(db, "admin", pool["id"])
        with pytest.raises(ValueError, match="no pool"):
            pool_targets(db, "demo", "no-such-pool")
    assert sorted(t.server_id for t in found) == sorted(webs[:2])  # not the SHUTOFF one
    assert admins not in where.members and all(t.address is None for t in found)
    assert where.members == {sid: members[sid] for sid in webs[:2]}
    assert (where.port, where.floating_ip, where.address) == (8080, None, lb["vip_address"])

    public = _net(rcloud, "public")
    fip = _ok(rcloud.neutron("POST", "/floatingips", {"floatingip": {
        "floating_network_id": public["id"], "port_id": lb["vip_port_id"]}}))["floatingip"]
    with rcloud.deps.sessions() as db:
        where = pool_targets(db, "demo", pool["id"])[2]
    assert where.address == where.floating_ip == fip["floating_ip_address"]


def test_a_run_probes_the_vip_and_watches_the_members(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    _, lb, pool, members = _service(rcloud)
    with rcloud.deps.sessions() as db:
        project, found, where = pool_targets(db, "demo", pool["id"])
    victims = [t.server_id for t in found]
    probed: list[tuple[str, int]] = []
    up = threading.Event()
    up.set()

    def probe(address: str, port: int, timeout: float = 1.0) -> bool:
        probed.append((address, port))
        return up.is_set()

    monkeypatch.setattr(chaos, "_probe", probe)
    balancers = rcloud.deps.balancers
    health = rcloud.deps.reconciler.convergers["load-balancer"].read_health

    def member(sid: str, status: str) -> None:  # HAProxy's check, read back
        balancers.member_status[members[sid]] = status
        health(lb["id"])

    def say(line: str) -> None:
        if " pause " in line:  # the member fails its checks, the service answers not
            up.clear()
            member(victims[0], "DOWN")
            threading.Timer(0.4, lambda: (up.set(), member(victims[0], "UP"))).start()
        elif " kill " in line:  # killed: DOWN for good; the others answer for it
            member(victims[1], "DOWN")

    runner = chaos.Chaos(rcloud.deps.settings, rcloud.engine, rcloud.deps.cloud_id,
                         rcloud.firewall, grace=3.0)
    report = runner.run(project, found, [(0.0, found[0], "pause"), (0.8, found[1], "kill")],
                        duration=1.6, port=8080, faults=["pause", "kill"], say=say, pool=where)
    assert set(probed) == {(lb["vip_address"], 8080)}  # the VIP only, never a member
    lb_probe = report.probes[chaos.THROUGH_LB]
    assert list(report.probes) == [chaos.THROUGH_LB] and lb_probe.tried == report.tried
    assert 0 < report.failed < report.tried and 0 < lb_probe.longest_outage < 2.5
    paused, killed = report.injections
    assert paused.detected_after is not None and paused.detected_after < 1.0
    assert paused.recovered_after is not None and 0.3 < paused.recovered_after < 2.5
    assert killed.detected_after is not None and killed.recovered_after is None
    assert rcloud.container_status(victims[1]) == "exited"
    text = report.text()
    assert f"through load balancer front ({lb['vip_address']}:8080)" in text
    assert "member ERROR" in text and "not back" in text and "ONLINE again" in text
    saved = report.as_dict()
    assert saved["pool"]["pool_id"] == pool["id"] and saved["pool"]["address"] == lb[
        "vip_address"]


def test_the_command_plans_a_pool_run_and_refuses_what_it_cannot_probe(
        rcloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    from cheptel.cli import main

    webs, lb, pool, _ = _service(rcloud)
    base = ["chaos", "--data-dir", str(rcloud.deps.settings.data_dir), "--project", "demo",
            "--faults", "kill", "--duration", "10", "--every", "4", "--dry-run"]
    assert main([*base, "--pool", pool["id"]]) == 0
    out = capsys.readouterr().out
    assert f"probing port 8080 of load balancer front at {lb['vip_address']} (2 of" in out
    assert out.count("(a member)") == 2 and rcloud.container_status(webs[0]) == "running"
    assert main([*base, "--pool", pool["id"], "--group", "g"]) == 2
    assert main([*base, "--pool", pool["id"], "--project", "admin"]) == 2
    assert "no pool" in capsys.readouterr().err
    # a pool no listener sends to: only an explicit --port says where to probe
    alone = made(rcloud, "pools", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                   "lb_algorithm": "ROUND_ROBIN"})
    assert main([*base, "--pool", alone["id"]]) == 2
    assert "give --port" in capsys.readouterr().err
    assert main([*base, "--pool", alone["id"], "--port", "81"]) == 0
    assert "probing port 81 of load balancer front" in capsys.readouterr().out
