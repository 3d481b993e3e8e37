"""GET /servers/{id}/diagnostics and POST /os-server-external-events, as Nova answers
them, on the real engine: diagnostics read the server's container (its memory limit, the
MAC of its port, real counters), only while it runs; events are answered one by one
(200/207, each with its code) and leave the instance actions Nova records."""

from __future__ import annotations

import uuid

from tests.integration.compute import support
from tests.integration.compute.nova_http import Nova, fault
from tests.integration.compute.test_server_admin_actions import act, actions_of
from tests.integration.compute.test_server_attributes import V, boot, delete, refs, unique, wait

EVENTS = "/os-server-external-events"


def _private(nova: Nova) -> str:
    return nova.client.get("/network/v2.0/networks", params={"name": "private"},
                           headers={"X-Auth-Token": nova.token("demo")}).json()[
        "networks"][0]["id"]


def test_diagnostics_read_the_running_container(nova: Nova) -> None:
    sid = boot(nova, "diag", networks=[{"uuid": _private(nova)}])["id"]
    server = wait(nova, sid, "ACTIVE")
    flavor = server["flavor"]  # 2.47+: the flavor's copy, ram and vcpus
    port = nova.ok("GET", f"/servers/{sid}/os-interface", who="demo")["interfaceAttachments"][0]

    d = nova.ok("GET", f"/servers/{sid}/diagnostics", version="2.48")
    assert (d["state"], d["driver"], d["hypervisor"], d["hypervisor_os"]) == (
        "running", "libvirt", "docker", "linux")
    limit = support.container(sid).attrs["HostConfig"]["Memory"]
    assert d["memory_details"]["maximum"] == limit // 2**20 == flavor["ram"]
    assert 0 <= d["memory_details"]["used"] <= d["memory_details"]["maximum"]
    assert d["num_cpus"] == flavor["vcpus"] and d["config_drive"] is False  # not asked
    assert d["cpu_details"] and sum(c["time"] for c in d["cpu_details"]) > 0
    assert d["num_nics"] == len(d["nic_details"]) == 1
    nic = d["nic_details"][0]
    assert nic["mac_address"] == port["mac_addr"]
    assert isinstance(nic["rx_packets"], int) and nic["rx_rate"] is None
    assert d["num_disks"] == len(d["disk_details"]) == 1
    assert isinstance(d["uptime"], int) and 0 <= d["uptime"] < 600

    legacy = nova.ok("GET", f"/servers/{sid}/diagnostics", version="2.47")
    assert legacy["memory"] == limit // 1024 and "eth0_rx" in legacy and "state" not in legacy

    # admin only, after the server is found: the owner is refused, a stranger sees nothing
    fault(nova.call("GET", f"/servers/{sid}/diagnostics", who="demo", version="2.48"), 403)
    fault(nova.call("GET", f"/servers/{uuid.uuid4().hex}/diagnostics", version="2.48"), 404)

    # only a running guest answers (Nova's compute checks the power state)
    assert act(nova, sid, {"pause": None}, who="demo").status_code == 202
    wait(nova, sid, "PAUSED")
    assert "power state paused" in fault(
        nova.call("GET", f"/servers/{sid}/diagnostics", version="2.48"), 409)
    act(nova, sid, {"unpause": None}, who="demo")
    wait(nova, sid, "ACTIVE")
    act(nova, sid, {"os-stop": None}, who="demo")
    wait(nova, sid, "SHUTOFF")
    assert "power state shutdown" in fault(
        nova.call("GET", f"/servers/{sid}/diagnostics", version="2.1"), 409)
    delete(nova, sid)


def _events(nova: Nova, events: list[dict], version: str = V, token: str | None = None,
            status: int | None = None) -> list[dict]:
    r = nova.call("POST", EVENTS, version=version, token=token, json={"events": events})
    if status is not None:
        assert r.status_code == status, r.text
    return r.json()["events"]


def test_external_events_are_answered_one_by_one(nova: Nova) -> None:
    sid = boot(nova, "events")["id"]
    wait(nova, sid, "ACTIVE")
    stranger = str(uuid.uuid4())
    (ok,) = _events(nova, [{"name": "network-changed", "server_uuid": sid}], status=200)
    assert ok == {"name": "network-changed", "server_uuid": sid, "status": "completed",
                  "code": 200}
    dashed = str(uuid.UUID(sid))  # any uuid spelling names the server
    got = _events(nova, [{"name": "network-vif-plugged", "server_uuid": dashed, "tag": "p",
                          "status": "in-progress"},
                         {"name": "network-vif-deleted", "server_uuid": stranger},
                         {"name": "power-update", "server_uuid": sid}], status=207)
    assert [(e["code"], e["status"]) for e in got] == [(200, "completed"), (404, "failed"),
                                                        (400, "failed")]
    assert got[0]["tag"] == "p" and got[1]["server_uuid"] == stranger
    # nothing accepted: still a 207 (Nova's fix of bug 1855752), not a 404
    _events(nova, [{"name": "network-changed", "server_uuid": stranger}], status=207)

    # the names Nova's schema accepts at each microversion
    body = [{"name": "power-update", "server_uuid": sid, "tag": "POWER_OFF"}]
    fault(nova.call("POST", EVENTS, version="2.75", json={"events": body}), 400)
    fault(nova.call("POST", EVENTS, version="2.50", json={"events": [
        {"name": "volume-extended", "server_uuid": sid, "tag": "v"}]}), 400)
    for bad in ([], [{"name": "network-changed"}], [{"name": "nope", "server_uuid": sid}],
                [{"name": "network-changed", "server_uuid": "not-a-uuid"}],
                [{"name": "network-changed", "server_uuid": sid, "status": "done"}],
                [{"name": "network-changed", "server_uuid": sid, "tag": "t" * 256}],
                [{"name": "network-changed", "server_uuid": sid, "extra": 1}]):
        fault(nova.call("POST", EVENTS, version=V, json={"events": bad}), 400)

    # power-update and volume-extended leave the instance actions Nova records; a power
    # state cannot be pushed to a container engine (as to any Nova driver but ironic)
    assert _events(nova, body, status=200)[0]["code"] == 200
    _events(nova, [{"name": "volume-extended", "server_uuid": sid, "tag": "vol"}], status=200)
    recorded = actions_of(nova, sid)
    assert recorded["stop"]["message"] == "Error" and recorded["extend_volume"]
    assert wait(nova, sid, "ACTIVE")["OS-EXT-STS:power_state"] == 1
    assert support.container(sid).status == "running"
    delete(nova, sid)


def test_an_event_for_a_server_on_no_host_is_422(nova: Nova) -> None:
    """Two members of an anti-affinity group cannot both fit the one host: they end in
    ERROR on no host, and their events cannot be delivered."""
    image, flavor = refs(nova)
    group = nova.ok("POST", "/os-server-groups", who="demo", json={"server_group": {
        "name": unique("ev-aa"), "policies": ["anti-affinity"]}})["server_group"]["id"]
    name = unique("ev-aa")
    nova.ok("POST", "/servers", 202, who="demo", version=V, json={
        "server": {"name": name, "imageRef": image, "flavorRef": flavor, "networks": "none",
                   "min_count": 2}, "os:scheduler_hints": {"group": group}})

    def failed() -> list[dict] | None:
        listed = nova.ok("GET", f"/servers/detail?all_tenants=1&name={name}",
                         version=V)["servers"]
        return listed if listed and all(s["status"] == "ERROR" for s in listed) else None
    servers = support.wait_for(failed, 60, "the members in ERROR")
    assert all(s["OS-EXT-SRV-ATTR:host"] is None for s in servers)
    got = _events(nova, [{"name": "network-changed", "server_uuid": s["id"]}
                         for s in servers], status=207)
    assert [(e["code"], e["status"]) for e in got] == [(422, "failed")] * len(servers)
    for s in servers:
        delete(nova, s["id"])


def test_the_service_role_sends_events_a_member_cannot(nova: Nova) -> None:
    """Nova's default: admin or the service role (what Neutron and Cinder hold)."""
    admin = nova.cloud.sdk("cheptel")
    name = unique("ev-svc")
    project = admin.identity.create_project(name=name, domain_id="default")
    user = admin.identity.create_user(name=name, password="pw-" + name, domain_id="default")
    admin.identity.assign_project_role_to_user(project, user,
                                               admin.identity.find_role("service"))
    service = nova.cloud.token(name, "pw-" + name, name)
    sid = boot(nova, "ev-svc")["id"]
    wait(nova, sid, "ACTIVE")
    event = [{"name": "network-changed", "server_uuid": sid}]
    assert _events(nova, event, token=service, status=200)[0]["code"] == 200
    fault(nova.call("POST", EVENTS, who="demo", version=V, json={"events": event}), 403)
    delete(nova, sid)
