"""Compute quotas and limits through the unmodified `openstack` CLI and raw Nova calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute.nova_http import Nova, fault

NETWORK = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
FILES = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}
CORE = {"instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups",
        "server_group_members"}


@pytest.fixture(scope="module")
def project(compute_cloud: Cloud) -> Iterator[tuple[str, str, str]]:
    """A fresh project with a member user: (project id, user name, password)."""
    name, user = f"quota-{uuid.uuid4().hex[:8]}", f"quser-{uuid.uuid4().hex[:8]}"
    pid = compute_cloud.cli("project", "create", "--domain", "default", name)["id"]
    compute_cloud.cli("user", "create", "--domain", "default", "--project", name,
                      "--password", "pw-quota", user)
    compute_cloud.cli("role", "add", "--project", name, "--user", user, "member",
                      as_json=False)
    yield pid, user, "pw-quota"


def _rows(rows: list[dict]) -> dict[str, dict]:
    return {r["Resource"]: r for r in rows}


def test_limits_show_absolute(compute_cloud: Cloud, project: tuple[str, str, str]) -> None:
    rows = {r["Name"]: r["Value"] for r in compute_cloud.cli("limits", "show", "--absolute")}
    assert rows["max_total_instances"] == 10 and rows["max_total_ram_size"] == 51200
    assert rows["max_total_cores"] == 20 and rows["max_total_keypairs"] == 100
    assert rows["total_instances_used"] == 0 and rows["total_cores_used"] == 0
    other = {r["Name"]: r["Value"] for r in compute_cloud.cli(
        "limits", "show", "--absolute", "--project", project[0])}
    assert other["max_total_instances"] == 10


def test_quota_set_and_show(compute_cloud: Cloud, nova: Nova,
                            project: tuple[str, str, str]) -> None:
    pid, user, password = project
    compute_cloud.cli("quota", "set", "--instances", "3", "--cores", "7", pid, as_json=False)
    shown = _rows(compute_cloud.cli("quota", "show", "--compute", pid))
    assert shown["instances"]["Limit"] == 3 and shown["cores"]["Limit"] == 7
    assert shown["ram"]["Limit"] == 51200
    usage = _rows(compute_cloud.cli("quota", "show", "--compute", "--usage", pid))
    assert usage["instances"]["Limit"] == 3 and usage["instances"]["In Use"] == 0
    # the project's own user sees the same through /limits
    token = compute_cloud.token(user, password, _project_name(nova, pid))
    limits = nova.ok("GET", "/limits", token=token)["limits"]["absolute"]
    assert limits["maxTotalInstances"] == 3 and limits["maxTotalCores"] == 7
    assert nova.ok("GET", f"/limits?tenant_id={pid}")["limits"]["absolute"][
        "maxTotalInstances"] == 3
    fault(nova.call("GET", f"/limits?tenant_id={pid}", who="demo"), 403)
    # reset to the defaults: 202, and the defaults are back
    assert nova.call("DELETE", f"/os-quota-sets/{pid}").status_code == 202
    assert nova.ok("GET", f"/os-quota-sets/{pid}")["quota_set"]["instances"] == 10


def _project_name(nova: Nova, pid: str) -> str:
    r = nova.client.get(f"/identity/v3/projects/{pid}",
                        headers={"X-Auth-Token": nova.token("admin")})
    return r.json()["project"]["name"]


def test_quota_shapes_per_microversion(nova: Nova) -> None:
    demo = nova.project_id("demo")
    v21 = nova.ok("GET", f"/os-quota-sets/{demo}")["quota_set"]
    assert set(v21) == {"id"} | CORE | NETWORK | FILES and v21["id"] == demo
    assert v21["floating_ips"] == -1 and v21["injected_files"] == 5
    v236 = nova.ok("GET", f"/os-quota-sets/{demo}", version="2.36")["quota_set"]
    assert set(v236) == {"id"} | CORE | FILES
    v257 = nova.ok("GET", f"/os-quota-sets/{demo}", version="2.57")["quota_set"]
    assert set(v257) == {"id"} | CORE
    detail = nova.ok("GET", f"/os-quota-sets/{demo}/detail", version="2.57")["quota_set"]
    assert detail["instances"] == {"limit": 10, "in_use": 0, "reserved": 0}
    assert nova.ok("GET", f"/os-quota-sets/{demo}?usage=True",
                   version="2.57")["quota_set"] == detail
    defaults = nova.ok("GET", f"/os-quota-sets/{demo}/defaults", who="demo")["quota_set"]
    assert defaults["instances"] == 10 and defaults["id"] == demo
    limits21 = nova.ok("GET", "/limits")["limits"]
    assert limits21["rate"] == [] and limits21["absolute"]["maxImageMeta"] == 128
    assert "maxTotalFloatingIps" in limits21["absolute"]
    limits257 = nova.ok("GET", "/limits", version="2.57")["limits"]["absolute"]
    assert set(limits257) == {"maxServerMeta", "maxTotalCores", "maxTotalInstances",
                              "maxTotalKeypairs", "maxTotalRAMSize", "maxServerGroups",
                              "maxServerGroupMembers", "totalCoresUsed",
                              "totalInstancesUsed", "totalRAMUsed", "totalServerGroupsUsed"}


def test_quota_update_rules(nova: Nova, project: tuple[str, str, str]) -> None:
    pid = project[0]
    path = f"/os-quota-sets/{pid}"
    updated = nova.ok("PUT", path, json={"quota_set": {"instances": "4", "ram": -1}})
    assert "id" not in updated["quota_set"]
    assert updated["quota_set"]["instances"] == 4 and updated["quota_set"]["ram"] == -1
    for bad in ({"instances": -2}, {"instances": "many"}, {"unknown": 1},
                {"instances": 2**31}, {"instances": "-5"}):
        fault(nova.call("PUT", path, json={"quota_set": bad}), 400)
    fault(nova.call("PUT", path, json={"quota": {"instances": 1}}), 400)
    fault(nova.call("PUT", path, version="2.36", json={"quota_set": {"floating_ips": 1}}), 400)
    fault(nova.call("PUT", path, version="2.57", json={"quota_set": {"injected_files": 1}}),
          400)
    assert nova.ok("PUT", path, json={"quota_set": {"floating_ips": 3}})["quota_set"][
        "floating_ips"] == 3
    fault(nova.call("PUT", "/os-quota-sets/no-such-project",
                    json={"quota_set": {"instances": 1}}), 400)
    fault(nova.call("PUT", path, who="demo", json={"quota_set": {"instances": 100}}), 403)
    fault(nova.call("DELETE", path, who="demo"), 403)
    nova.ok("DELETE", path, 202)


def test_quota_read_policy(nova: Nova) -> None:
    demo, admin = nova.project_id("demo"), nova.project_id("admin")
    assert nova.ok("GET", f"/os-quota-sets/{demo}", who="demo")["quota_set"]["id"] == demo
    fault(nova.call("GET", f"/os-quota-sets/{admin}", who="demo"), 403)
    fault(nova.call("GET", f"/os-quota-sets/{admin}/detail", who="demo"), 403)
    fault(nova.call("GET", "/os-quota-class-sets/default", who="demo"), 403)


def test_usage_counts_keypairs_and_server_groups(nova: Nova) -> None:
    demo = nova.project_id("demo")
    group = nova.ok("POST", "/os-server-groups", who="demo", json={"server_group": {
        "name": "usage", "policies": ["affinity"]}})["server_group"]["id"]
    try:
        detail = nova.ok("GET", f"/os-quota-sets/{demo}/detail", who="demo")["quota_set"]
        assert detail["server_groups"]["in_use"] >= 1
        absolute = nova.ok("GET", "/limits", who="demo")["limits"]["absolute"]
        assert absolute["totalServerGroupsUsed"] == detail["server_groups"]["in_use"]
    finally:
        assert nova.call("DELETE", f"/os-server-groups/{group}", who="demo").status_code == 204


def test_quota_class_default_changes_defaults(nova: Nova) -> None:
    path = "/os-quota-class-sets/default"
    before = nova.ok("GET", path, version="2.57")["quota_class_set"]
    assert before["id"] == "default" and set(before) == {"id"} | CORE
    assert "server_groups" not in nova.ok("GET", path)["quota_class_set"]  # before 2.50
    assert "floating_ips" not in nova.ok("GET", path, version="2.50")["quota_class_set"]
    try:
        changed = nova.ok("PUT", path, version="2.57",
                          json={"quota_class_set": {"metadata_items": 64}})
        assert changed["quota_class_set"]["metadata_items"] == 64
        assert "id" not in changed["quota_class_set"]
        demo = nova.project_id("demo")
        assert nova.ok("GET", f"/os-quota-sets/{demo}/defaults")["quota_set"][
            "metadata_items"] == 64
        assert nova.ok("GET", "/limits")["limits"]["absolute"]["maxServerMeta"] == 64
        fault(nova.call("PUT", path, version="2.57",
                        json={"quota_class_set": {"floating_ips": 1}}), 400)
    finally:
        nova.ok("PUT", path, version="2.57",
                json={"quota_class_set": {"metadata_items": before["metadata_items"]}})


def test_per_user_quotas(compute_cloud: Cloud, nova: Nova,
                         project: tuple[str, str, str]) -> None:
    """?user_id=: a user's own limits within the project (Nova's project_user_quotas):
    shown over the project's, bounded by them, enforced on boot, reset by DELETE."""
    pid, user, password = project
    uid, q = nova.user_id(user), f"/os-quota-sets/{pid}"
    nova.ok("PUT", q, json={"quota_set": {"instances": 5, "cores": 20}})
    mine = nova.ok("PUT", f"{q}?user_id={uid}", json={"quota_set": {
        "instances": 1, "ram": 2048}})["quota_set"]
    assert (mine["instances"], mine["ram"], mine["cores"]) == (1, 2048, 20)
    assert nova.ok("GET", f"{q}?user_id={uid}")["quota_set"]["instances"] == 1
    assert nova.ok("GET", q)["quota_set"]["instances"] == 5
    detail = nova.ok("GET", f"{q}/detail?user_id={uid}")["quota_set"]["instances"]
    assert detail == {"limit": 1, "in_use": 0, "reserved": 0}
    for too_much in (6, -1):
        fault(nova.call("PUT", f"{q}?user_id={uid}",
                        json={"quota_set": {"instances": too_much}}), 400)

    name = nova.client.get(f"/identity/v3/projects/{pid}", headers={
        "X-Auth-Token": nova.token()}).json()["project"]["name"]
    token = compute_cloud.token(user, password, name)
    image = nova.client.get("/image/v2/images", params={"name": "busybox"}, headers={
        "X-Auth-Token": token}).json()["images"][0]["id"]
    body = {"server": {"name": "per-user", "imageRef": image, "flavorRef": "1",
                       "networks": "none"}}
    first = nova.ok("POST", "/servers", 202, token=token, version="2.90", json=body)
    r = nova.call("POST", "/servers", token=token, version="2.90", json=body)
    assert "Quota exceeded for instances" in fault(r, 403)
    nova.call("DELETE", f"/servers/{first['server']['id']}", token=token)

    assert nova.call("DELETE", f"{q}?user_id={uid}").status_code == 202
    assert nova.ok("GET", f"{q}?user_id={uid}")["quota_set"]["instances"] == 5
