"""Availability zones, hypervisors, compute services and server groups through the
unmodified `openstack` CLI and raw Nova calls."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute.nova_http import Nova, fault

CAPACITY = {"vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used",
            "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
            "disk_available_least", "cpu_info"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_availability_zones(compute_cloud: Cloud, nova: Nova) -> None:
    zones = {z["Zone Name"]: z["Zone Status"]
             for z in compute_cloud.cli("availability", "zone", "list", "--compute")}
    assert zones["nova"] == "available"
    demo = compute_cloud.cli("availability", "zone", "list", "--compute", cloud="cheptel-demo")
    assert [z["Zone Name"] for z in demo] == ["nova"]
    assert nova.ok("GET", "/os-availability-zone", who="demo") == {"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]}
    detail = nova.ok("GET", "/os-availability-zone/detail")["availabilityZoneInfo"]
    hosts = {z["zoneName"]: z["hosts"] for z in detail}
    (compute_host,) = hosts["nova"].values()
    assert compute_host["nova-compute"]["available"] is True
    (control,) = hosts["internal"].values()
    assert set(control) == {"nova-scheduler", "nova-conductor"}
    fault(nova.call("GET", "/os-availability-zone/detail", who="demo"), 403)


def test_hypervisor_cli(compute_cloud: Cloud) -> None:
    (hyp,) = compute_cloud.cli("hypervisor", "list")
    assert hyp["Hypervisor Type"] == "docker" and hyp["State"] == "up"
    uuid.UUID(hyp["ID"])
    shown = compute_cloud.cli("hypervisor", "show", hyp["Hypervisor Hostname"])
    assert shown["id"] == hyp["ID"] and shown["status"] == "enabled"
    assert shown["aggregates"] == []
    stats = compute_cloud.cli("hypervisor", "stats", "show")
    assert stats["count"] == 1 and stats["vcpus"] >= 1 and stats["memory_mb"] > 0
    assert compute_cloud.cli("hypervisor", "list", cloud="cheptel-demo",
                             check=False).returncode != 0


def test_hypervisor_shapes_per_microversion(nova: Nova) -> None:
    old = nova.ok("GET", "/os-hypervisors/detail")["hypervisors"][0]
    assert old["id"] == 1 and isinstance(old["cpu_info"], str)
    assert CAPACITY <= set(old) and old["service"]["id"] == 3
    assert nova.ok("GET", "/os-hypervisors/1")["hypervisor"]["hypervisor_type"] == "docker"
    fault(nova.call("GET", "/os-hypervisors/two"), 404)
    assert isinstance(nova.ok("GET", "/os-hypervisors/detail", version="2.28")
                      ["hypervisors"][0]["cpu_info"], dict)
    new = nova.ok("GET", "/os-hypervisors/detail", version="2.53")["hypervisors"][0]
    hid = new["id"]
    uuid.UUID(hid)
    uuid.UUID(new["service"]["id"])
    assert nova.ok("GET", f"/os-hypervisors/{hid}", version="2.53")["hypervisor"]["id"] == hid
    fault(nova.call("GET", "/os-hypervisors/1", version="2.53"), 400)
    fault(nova.call("GET", f"/os-hypervisors/{uuid.uuid4()}", version="2.53"), 404)
    latest = nova.ok("GET", f"/os-hypervisors/{hid}", version="2.88")["hypervisor"]
    assert not CAPACITY & set(latest) and "uptime" in latest
    fault(nova.call("GET", "/os-hypervisors/statistics", version="2.88"), 404)
    fault(nova.call("GET", f"/os-hypervisors/{hid}/uptime", version="2.88"), 404)
    name = new["hypervisor_hostname"]
    found = nova.ok("GET", f"/os-hypervisors?hypervisor_hostname_pattern={name}&with_servers=1",
                    version="2.75")["hypervisors"]
    assert [h["id"] for h in found] == [hid] and isinstance(found[0]["servers"], list)
    fault(nova.call("GET", "/os-hypervisors?hypervisor_hostname_pattern=zz-none-zz",
                    version="2.53"), 404)
    fault(nova.call("GET", "/os-hypervisors?bogus=1", version="2.53"), 400)
    assert nova.ok("GET", f"/os-hypervisors/{name}/search")["hypervisors"][0]["id"] == 1
    fault(nova.call("GET", f"/os-hypervisors/{name}/search", version="2.53"), 404)
    page = nova.ok("GET", "/os-hypervisors?limit=1", version="2.53")
    assert len(page["hypervisors"]) == 1 and "hypervisors_links" not in page
    assert nova.ok("GET", f"/os-hypervisors?marker={hid}", version="2.53")["hypervisors"] == []
    fault(nova.call("GET", "/os-hypervisors", who="demo"), 403)


def test_compute_services(compute_cloud: Cloud, nova: Nova) -> None:
    listed = {s["Binary"]: s for s in compute_cloud.cli("compute", "service", "list")}
    assert set(listed) == {"nova-scheduler", "nova-conductor", "nova-compute"}
    assert listed["nova-compute"]["Zone"] == "nova"
    assert listed["nova-scheduler"]["Zone"] == "internal"
    assert all(s["Status"] == "enabled" and s["State"] == "up" for s in listed.values())
    host = listed["nova-compute"]["Host"]
    only = compute_cloud.cli("compute", "service", "list", "--service", "nova-compute",
                             "--host", host)
    assert [s["Binary"] for s in only] == ["nova-compute"]
    old = nova.ok("GET", "/os-services?binary=nova-compute")["services"]
    assert old[0]["id"] == 3 and "forced_down" not in old[0]
    new = nova.ok("GET", "/os-services?binary=nova-compute", version="2.53")["services"][0]
    uuid.UUID(new["id"])
    assert new["forced_down"] is False
    path = f"/os-services/{new['id']}"
    assert nova.ok("PUT", path, version="2.53", json={"status": "enabled"})["service"][
        "status"] == "enabled"
    fault(nova.call("PUT", path, version="2.53", json={"status": "disabled"}), 501)
    fault(nova.call("PUT", path, version="2.53", json={"status": "off"}), 400)
    fault(nova.call("PUT", f"/os-services/{uuid.uuid4()}", version="2.53",
                    json={"status": "enabled"}), 404)
    fault(nova.call("DELETE", path, version="2.53"), 501)
    fault(nova.call("DELETE", "/os-services/abc", version="2.53"), 400)
    fault(nova.call("GET", "/os-services", who="demo"), 403)


def test_server_group_cli(compute_cloud: Cloud) -> None:
    name = unique("grp")
    made = compute_cloud.cli("server", "group", "create", "--policy", "anti-affinity", name,
                             cloud="cheptel-demo")
    assert made["policy"] == "anti-affinity" and made["members"] == []
    listed = compute_cloud.cli("server", "group", "list", cloud="cheptel-demo")
    assert name in [g["Name"] for g in listed]
    shown = compute_cloud.cli("server", "group", "show", name, cloud="cheptel-demo")
    assert shown["id"] == made["id"]
    assert name not in [g["Name"] for g in compute_cloud.cli("server", "group", "list")]
    everyone = compute_cloud.cli("server", "group", "list", "--all-projects", "--long")
    assert made["id"] in [g["ID"] for g in everyone]
    compute_cloud.cli("server", "group", "delete", name, cloud="cheptel-demo", as_json=False)
    assert name not in [g["Name"] for g in compute_cloud.cli("server", "group", "list",
                                                             cloud="cheptel-demo")]


def test_server_group_shapes_and_rules(nova: Nova) -> None:
    old = nova.ok("POST", "/os-server-groups", who="demo", json={"server_group": {
        "name": "old", "policies": ["affinity"]}})["server_group"]
    assert set(old) == {"id", "name", "policies", "members", "metadata"}
    assert old["policies"] == ["affinity"] and old["metadata"] == {}
    new = nova.ok("POST", "/os-server-groups", who="demo", version="2.64", json={
        "server_group": {"name": "new", "policy": "anti-affinity",
                         "rules": {"max_server_per_host": "2"}}})["server_group"]
    assert new["rules"] == {"max_server_per_host": 2} and "policies" not in new
    assert {"project_id", "user_id"} <= set(new)
    shown = nova.ok("GET", f"/os-server-groups/{old['id']}", who="demo", version="2.64")
    assert shown["server_group"]["policy"] == "affinity"
    assert shown["server_group"]["rules"] == {}
    assert nova.call("GET", f"/os-server-groups/{new['id']}").status_code == 200  # admin
    fault(nova.call("GET", f"/os-server-groups/{uuid.uuid4()}"), 404)
    page = nova.ok("GET", "/os-server-groups?limit=1&offset=1", who="demo")["server_groups"]
    assert len(page) == 1
    for gid in (old["id"], new["id"]):
        assert nova.call("DELETE", f"/os-server-groups/{gid}", who="demo").status_code == 204
    fault(nova.call("DELETE", f"/os-server-groups/{old['id']}", who="demo"), 404)


@pytest.mark.parametrize(("version", "group"), [
    ("2.1", {"name": "g", "policies": ["soft-affinity"]}),  # soft-* only from 2.15
    ("2.15", {"name": "g", "policies": ["affinity", "anti-affinity"]}),
    ("2.15", {"name": "g", "policies": []}),
    ("2.15", {"name": "g", "policy": "affinity"}),  # `policy` only from 2.64
    ("2.64", {"name": "g", "policies": ["affinity"]}),
    ("2.64", {"name": "g", "policy": "closeness"}),
    ("2.64", {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}),
    ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}}),
    ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"other": 1}}),
    ("2.64", {"name": "", "policy": "affinity"}),
    ("2.64", {"policy": "affinity"}),
])
def test_server_group_bad_input_is_a_400(nova: Nova, version: str, group: dict) -> None:
    fault(nova.call("POST", "/os-server-groups", who="demo", version=version,
                    json={"server_group": group}), 400)


def test_server_group_quota_and_privacy(compute_cloud: Cloud, nova: Nova) -> None:
    project, user = unique("sgq"), unique("sgq-user")
    compute_cloud.cli("project", "create", "--domain", "default", project)
    compute_cloud.cli("user", "create", "--domain", "default", "--project", project,
                      "--password", "pw-sgq", user)
    compute_cloud.cli("role", "add", "--project", project, "--user", user, "member",
                      as_json=False)
    compute_cloud.cli("quota", "set", "--server-groups", "1", project, as_json=False)
    token = compute_cloud.token(user, "pw-sgq", project)
    body = {"server_group": {"name": "one", "policies": ["affinity"]}}
    gid = nova.ok("POST", "/os-server-groups", token=token, json=body)["server_group"]["id"]
    msg = fault(nova.call("POST", "/os-server-groups", token=token, json=body), 403)
    assert msg == "Quota exceeded, too many server groups."
    fault(nova.call("GET", f"/os-server-groups/{gid}", who="demo"), 404)  # as Nova
    fault(nova.call("DELETE", f"/os-server-groups/{gid}", who="demo"), 404)
    assert gid not in [g["id"] for g in nova.ok("GET", "/os-server-groups?all_projects=1",
                                                 who="demo")["server_groups"]]
    assert gid in [g["id"] for g in nova.ok("GET", "/os-server-groups?all_projects=1")
                   ["server_groups"]]
    assert nova.call("DELETE", f"/os-server-groups/{gid}", token=token).status_code == 204
