"""OS::Nova::Flavor (an admin's: a member's stack fails with Nova's 403) and
OS::Nova::ServerGroup over the in-process cloud: made through Nova's routes, read back,
extra specs updated in place, bad properties as Heat's errors, deleted with the stack."""

from __future__ import annotations

from typing import Any

from tests.unit.orchestration import heat, quiet
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_test_resource import outputs

FLAVOR: dict[str, Any] = {
    "heat_template_version": "2016-04-08",
    "parameters": {"specs": {"type": "json", "default": {"hw:cpu_policy": "shared"}}},
    "resources": {
        "flavor": {"type": "OS::Nova::Flavor", "properties": {
            "ram": 256, "vcpus": 2, "disk": 1, "extra_specs": {"get_param": "specs"}}},
        "group": {"type": "OS::Nova::ServerGroup", "properties": {
            "name": "spread", "policies": ["anti-affinity"]}}},
    "outputs": {"specs": {"value": {"get_attr": ["flavor", "extra_specs"]}},
                "public": {"value": {"get_attr": ["flavor", "is_public"]}},
                "flavor": {"value": {"get_resource": "flavor"}},
                "group": {"value": {"get_resource": "group"}},
                "policies": {"value": {"get_attr": ["group", "show", "policies"]}}},
}


def _stack(cloud: Cloud, name: str, token: str) -> dict[str, Any]:
    return dict(heat(cloud, "GET", f"/stacks/{name}", token=token).json()["stack"])


def test_flavor_and_server_group(rcloud: Cloud) -> None:
    quiet(rcloud)
    admin = rcloud.api.admin()
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "hw", "template": FLAVOR},
             token=admin)
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = _stack(rcloud, "hw", admin)
    assert s["stack_status"] == "CREATE_COMPLETE", s["stack_status_reason"]
    out = outputs(s)
    assert out["specs"] == {"hw:cpu_policy": "shared"} and out["public"] is True
    assert out["policies"] == ["anti-affinity"]
    flavor = rcloud.nova("GET", f"/flavors/{out['flavor']}").json()["flavor"]
    assert (flavor["ram"], flavor["vcpus"], flavor["disk"]) == (256, 2, 1)
    assert flavor["name"].startswith("hw-flavor-")
    r = heat(rcloud, "PATCH", f"/stacks/hw/{s['id']}", {
        "parameters": {"specs": {"hw:mem_page_size": "large"}}}, token=admin)
    assert r.status_code == 202, r.text
    rcloud.settle()
    s = _stack(rcloud, "hw", admin)
    assert s["stack_status"] == "UPDATE_COMPLETE", s["stack_status_reason"]
    assert outputs(s)["specs"] == {"hw:mem_page_size": "large"}
    assert outputs(s)["flavor"] == out["flavor"]  # in place
    assert heat(rcloud, "DELETE", f"/stacks/hw/{s['id']}", token=admin).status_code == 204
    rcloud.settle()
    assert rcloud.nova("GET", f"/flavors/{out['flavor']}").status_code == 404
    groups = rcloud.api.client.get("/compute/v2.1/os-server-groups?all_projects=1",
                                   headers={"X-Auth-Token": admin}).json()
    assert out["group"] not in [g["id"] for g in groups["server_groups"]]


def test_a_members_flavor_fails_with_novas_403(rcloud: Cloud) -> None:
    quiet(rcloud)
    r = heat(rcloud, "POST", "/stacks", {"stack_name": "mine", "disable_rollback": True,
                                         "template": FLAVOR})
    assert r.status_code == 201, r.text
    rcloud.settle()
    s = heat(rcloud, "GET", "/stacks/mine").json()["stack"]
    assert s["stack_status"] == "CREATE_FAILED"
    assert "Forbidden" in s["stack_status_reason"]


def test_bad_properties(rcloud: Cloud) -> None:
    for resource, message in [
            ({"type": "OS::Nova::Flavor", "properties": {"ram": 0}},
             "properties.ram: 0 is out of range"),
            ({"type": "OS::Nova::Flavor", "properties": {"vcpus": 1}},
             "Property ram not assigned"),
            ({"type": "OS::Nova::Flavor", "properties": {"ram": 1, "tenants": ["x"]}},
             "Cannot assign tenants to a public flavor"),
            ({"type": "OS::Nova::ServerGroup", "properties": {"policies": ["nearby"]}},
             "\"nearby\" is not an allowed value")]:
        r = heat(rcloud, "POST", "/stacks", {"stack_name": "x", "template": {
            "heat_template_version": "2016-04-08", "resources": {"r": resource}}})
        assert r.status_code == 400, r.text
        assert message in r.json()["error"]["message"]
