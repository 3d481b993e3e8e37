"""Flavors through the unmodified `openstack` CLI, openstacksdk and raw Nova calls."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute.nova_http import Nova, fault

DEVSTACK = {"m1.tiny": ("1", 512, 1, 1), "m1.small": ("2", 2048, 20, 1),
            "m1.medium": ("3", 4096, 40, 2), "m1.large": ("4", 8192, 80, 4),
            "m1.xlarge": ("5", 16384, 160, 8), "m1.nano": ("42", 128, 1, 1),
            "m1.micro": ("84", 192, 1, 1)}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_default_flavors_are_devstacks(compute_cloud: Cloud) -> None:
    listed = {f["Name"]: f for f in compute_cloud.cli("flavor", "list")}
    for name, (fid, ram, disk, vcpus) in DEVSTACK.items():
        f = listed[name]
        assert (f["ID"], f["RAM"], f["Disk"], f["VCPUs"], f["Is Public"]) == (
            fid, ram, disk, vcpus, True)
    shown = compute_cloud.cli("flavor", "show", "m1.tiny")
    assert shown["ram"] == 512 and shown["os-flavor-access:is_public"] is True


def test_private_flavor_with_project_and_property(compute_cloud: Cloud) -> None:
    name = unique("priv")
    created = compute_cloud.cli("flavor", "create", "--private", "--project", "demo",
                                "--ram", "256", "--disk", "1", "--vcpus", "1",
                                "--property", "hw:cpu_policy=shared", name)
    assert created["os-flavor-access:is_public"] is False
    assert created["properties"] == {"hw:cpu_policy": "shared"}
    shown = compute_cloud.cli("flavor", "show", name)
    demo_id = compute_cloud.cli("project", "show", "demo")["id"]
    assert shown["access_project_ids"] == [demo_id]
    # demo was given access: it sees the flavor; admin's public listing is public-only
    assert name in [f["Name"] for f in compute_cloud.cli("flavor", "list", cloud="cheptel-demo")]
    assert compute_cloud.cli("flavor", "show", name, cloud="cheptel-demo")["id"] == created["id"]
    assert name in [f["Name"] for f in compute_cloud.cli("flavor", "list", "--all")]
    # take the access away: demo no longer sees it at all
    compute_cloud.cli("flavor", "unset", "--project", "demo", name, as_json=False)
    assert name not in [f["Name"] for f in compute_cloud.cli("flavor", "list", "--all",
                                                             cloud="cheptel-demo")]
    proc = compute_cloud.cli("flavor", "show", name, cloud="cheptel-demo", check=False)
    assert proc.returncode != 0
    compute_cloud.cli("flavor", "delete", name, as_json=False)


def test_private_flavor_invisible_to_other_projects(compute_cloud: Cloud, nova: Nova) -> None:
    name = unique("hidden")
    fid = compute_cloud.cli("flavor", "create", "--private", "--ram", "128", "--disk", "0",
                            "--vcpus", "1", name)["id"]
    assert name not in [f["Name"] for f in compute_cloud.cli("flavor", "list", "--all",
                                                             cloud="cheptel-demo")]
    fault(nova.call("GET", f"/flavors/{fid}", who="demo"), 404)
    fault(nova.call("GET", f"/flavors/{fid}/os-extra_specs", who="demo"), 404)
    private = nova.ok("GET", "/flavors?is_public=false")["flavors"]
    assert [f["id"] for f in private if f["id"] == fid] == [fid]
    assert all(f["id"] != fid for f in nova.ok("GET", "/flavors")["flavors"])
    assert fid in [f["id"] for f in nova.ok("GET", "/flavors/detail?is_public=None")["flavors"]]
    fault(nova.call("GET", "/flavors?is_public=maybe"), 400)
    compute_cloud.cli("flavor", "delete", fid, as_json=False)


def test_flavor_set_property_and_delete(compute_cloud: Cloud) -> None:
    name = unique("props")
    compute_cloud.cli("flavor", "create", "--ram", "64", "--disk", "0", "--vcpus", "1",
                      "--ephemeral", "2", "--swap", "16", name)
    compute_cloud.cli("flavor", "set", "--property", "quota:cpu_shares=512",
                      "--property", "k=v", name, as_json=False)
    shown = compute_cloud.cli("flavor", "show", name)
    assert shown["properties"] == {"quota:cpu_shares": "512", "k": "v"}
    assert shown["OS-FLV-EXT-DATA:ephemeral"] == 2 and shown["swap"] == 16
    compute_cloud.cli("flavor", "unset", "--property", "k", name, as_json=False)
    assert compute_cloud.cli("flavor", "show", name)["properties"] == {"quota:cpu_shares": "512"}
    compute_cloud.cli("flavor", "delete", name, as_json=False)
    assert compute_cloud.cli("flavor", "show", name, check=False).returncode != 0


def test_sdk_flavors(compute_cloud: Cloud) -> None:
    conn = compute_cloud.sdk()
    tiny = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
    assert (tiny.id, tiny.ram, tiny.vcpus, tiny.disk) == ("1", 512, 1, 1)
    name = unique("sdk")
    made = conn.compute.create_flavor(name=name, ram=96, vcpus=1, disk=0, is_public=True)
    assert conn.compute.get_flavor(made.id).name == name
    conn.compute.create_flavor_extra_specs(made, {"a": "1"})
    assert conn.compute.fetch_flavor_extra_specs(made).extra_specs == {"a": "1"}
    assert name in [f.name for f in conn.compute.flavors()]
    conn.compute.delete_flavor(made)
    assert conn.compute.find_flavor(name) is None


def test_create_conflicts_and_admin_only(nova: Nova) -> None:
    name = unique("dup")
    body = {"flavor": {"name": name, "ram": 64, "vcpus": 1, "disk": 0, "id": name}}
    assert nova.ok("POST", "/flavors", json=body)["flavor"]["id"] == name
    assert "already exists" in fault(nova.call("POST", "/flavors", json=body), 409)
    other = {"flavor": {**body["flavor"], "name": unique("dup2")}}
    assert "ID" in fault(nova.call("POST", "/flavors", json=other), 409)
    fault(nova.call("POST", "/flavors", who="demo", json={"flavor": {
        "name": unique("x"), "ram": 64, "vcpus": 1, "disk": 0}}), 403)
    fault(nova.call("DELETE", f"/flavors/{name}", who="demo"), 403)
    fault(nova.call("POST", f"/flavors/{name}/os-extra_specs", who="demo",
                    json={"extra_specs": {"a": "b"}}), 403)
    assert nova.call("DELETE", f"/flavors/{name}").status_code == 202
    fault(nova.call("DELETE", f"/flavors/{name}"), 404)


@pytest.mark.parametrize("flavor", [
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": 0, "bogus": 1},
    {"name": "bad", "ram": 0, "vcpus": 1, "disk": 0},
    {"name": "bad", "ram": "0", "vcpus": 1, "disk": 0},
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": -1},
    {"name": "bad", "ram": 64, "vcpus": 1},
    {"name": " bad", "ram": 64, "vcpus": 1, "disk": 0},
    {"name": "", "ram": 64, "vcpus": 1, "disk": 0},
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": 0, "id": " x"},
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": 0, "rxtx_factor": 0},
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": 0, "os-flavor-access:is_public": "perhaps"},
    {"name": "bad", "ram": 64, "vcpus": 1, "disk": 0, "description": "only from 2.55"},
])
def test_create_bad_input_is_a_400(nova: Nova, flavor: dict) -> None:
    fault(nova.call("POST", "/flavors", json={"flavor": flavor}), 400)
    fault(nova.call("POST", "/flavors", json={"flavor": flavor, "extra": 1}), 400)
    assert "bad" not in [f["name"] for f in nova.ok("GET", "/flavors?is_public=None")["flavors"]]


def test_microversion_shapes(nova: Nova) -> None:
    v21 = nova.ok("GET", "/flavors/1")["flavor"]
    assert v21["swap"] == "" and "description" not in v21 and "extra_specs" not in v21
    assert v21["rxtx_factor"] == 1.0 and v21["OS-FLV-DISABLED:disabled"] is False
    v255 = nova.ok("GET", "/flavors/1", version="2.55")["flavor"]
    assert v255["description"] is None and "extra_specs" not in v255
    v261 = nova.ok("GET", "/flavors/1", version="2.61")["flavor"]
    assert v261["swap"] == "" and isinstance(v261["extra_specs"], dict)
    assert nova.ok("GET", "/flavors/1", version="2.75")["flavor"]["swap"] == 0
    brief = nova.ok("GET", "/flavors", version="2.55")["flavors"][0]
    assert set(brief) == {"id", "name", "links", "description"}
    assert set(nova.ok("GET", "/flavors")["flavors"][0]) == {"id", "name", "links"}


def test_description_update_from_2_55(nova: Nova) -> None:
    name = unique("desc")
    made = nova.ok("POST", "/flavors", version="2.55", json={"flavor": {
        "name": name, "ram": 64, "vcpus": 1, "disk": 0, "description": "first"}})["flavor"]
    assert made["description"] == "first"
    path = f"/flavors/{made['id']}"
    fault(nova.call("PUT", path, version="2.54", json={"flavor": {"description": "x"}}), 404)
    fault(nova.call("PUT", path, version="2.55", json={"flavor": {"name": "x"}}), 400)
    changed = nova.ok("PUT", path, version="2.55", json={"flavor": {"description": "second"}})
    assert changed["flavor"]["description"] == "second"
    nova.ok("DELETE", path, 202)


def test_paging_and_filters(nova: Nova) -> None:
    first = nova.ok("GET", "/flavors/detail?limit=2")
    assert [f["id"] for f in first["flavors"]] == ["1", "2"]
    link = first["flavors_links"][0]
    assert link["rel"] == "next"
    query = parse_qs(urlsplit(link["href"]).query)
    assert query["marker"] == ["2"] and query["limit"] == ["2"]
    second = nova.ok("GET", "/flavors/detail?limit=2&marker=2")
    assert [f["id"] for f in second["flavors"]] == ["3", "4"]
    fault(nova.call("GET", "/flavors?marker=no-such-flavor"), 400)
    big = nova.ok("GET", "/flavors/detail?minRam=8192&minDisk=80")["flavors"]
    assert {"4", "5"} <= {f["id"] for f in big} and "3" not in {f["id"] for f in big}
    by_ram = nova.ok("GET", "/flavors/detail?sort_key=memory_mb&sort_dir=desc")["flavors"]
    assert [f["ram"] for f in by_ram] == sorted((f["ram"] for f in by_ram), reverse=True)
    fault(nova.call("GET", "/flavors?sort_key=colour"), 400)
    fault(nova.call("GET", "/flavors?minRam=lots"), 400)
    fault(nova.call("GET", "/flavors?unknown=1", version="2.75"), 400)
    assert nova.call("GET", "/flavors?unknown=1", version="2.74").status_code == 200


def test_extra_specs_and_access_api(nova: Nova) -> None:
    name = unique("specs")
    fid = nova.ok("POST", "/flavors", json={"flavor": {
        "name": name, "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False}})["flavor"]["id"]
    specs = f"/flavors/{fid}/os-extra_specs"
    assert nova.ok("POST", specs, json={"extra_specs": {"a": "1", "b": 2}}) == {
        "extra_specs": {"a": "1", "b": 2}}
    assert nova.ok("GET", specs) == {"extra_specs": {"a": "1", "b": "2"}}
    assert nova.ok("GET", f"{specs}/b") == {"b": "2"}
    assert nova.ok("PUT", f"{specs}/a", json={"a": "z"}) == {"a": "z"}
    fault(nova.call("PUT", f"{specs}/a", json={"b": "z"}), 400)
    fault(nova.call("POST", specs, json={"extra_specs": {"bad/key": "x"}}), 400)
    assert nova.call("DELETE", f"{specs}/a").status_code == 200
    fault(nova.call("GET", f"{specs}/a"), 404)
    shown = nova.ok("GET", f"/flavors/{fid}", version="2.61")["flavor"]
    assert shown["extra_specs"] == {"b": "2"}
    demo = nova.project_id("demo")
    action = f"/flavors/{fid}/action"
    added = nova.ok("POST", action, json={"addTenantAccess": {"tenant": demo}})
    assert added == {"flavor_access": [{"flavor_id": fid, "tenant_id": demo}]}
    fault(nova.call("POST", action, json={"addTenantAccess": {"tenant": demo}}), 409)
    fault(nova.call("POST", action, json={"addTenantAccess": {"tenant": "nope"}}), 400)
    fault(nova.call("POST", action, json={"fly": {}}), 400)
    assert nova.ok("GET", f"/flavors/{fid}", who="demo")["flavor"]["id"] == fid
    assert nova.ok("GET", f"{specs}", who="demo") == {"extra_specs": {"b": "2"}}
    fault(nova.call("GET", f"/flavors/{fid}/os-flavor-access", who="demo"), 403)
    nova.ok("POST", action, json={"removeTenantAccess": {"tenant": demo}})
    fault(nova.call("POST", action, json={"removeTenantAccess": {"tenant": demo}}), 404)
    fault(nova.call("GET", f"/flavors/{fid}", who="demo"), 404)
    fault(nova.call("GET", "/flavors/1/os-flavor-access"), 404)  # public: no list
    fault(nova.call("POST", "/flavors/1/action", version="2.7",
                    json={"addTenantAccess": {"tenant": demo}}), 409)
    nova.ok("DELETE", f"/flavors/{fid}", 202)
