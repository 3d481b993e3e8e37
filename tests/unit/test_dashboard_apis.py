"""The APIs Horizon calls that the other services' tests do not reach: what the browser
test found missing (docs/dashboard.md lists them)."""

from __future__ import annotations

from typing import Any

from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api, MakeApi


def domain_login(api: Api, user: str, password: str) -> Any:
    return api.call("POST", "/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"id": "default"}}}},
        "scope": {"domain": {"id": "default"}}}})


def test_admin_has_a_role_on_the_default_domain(api: Api) -> None:
    # Horizon asks a domain-scoped token at login; with none, no Identity > Domains panel
    r = domain_login(api, "admin", ADMIN_PASSWORD)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert token["domain"] == {"id": "default", "name": "Default"}
    assert "admin" in {role["name"] for role in token["roles"]}
    # the demo member has none
    assert domain_login(api, "demo", DEMO_PASSWORD).status_code == 401


def namespaces(api: Api, token: str, resource_type: str) -> list[dict]:
    r = api.client.get(f"/image/v2/metadefs/namespaces?resource_types={resource_type}",
                       headers={"X-Auth-Token": token})
    assert r.status_code == 200, r.text
    return list(r.json()["namespaces"])


def test_standard_metadefs_are_there_for_every_resource_type_horizon_reads(api: Api) -> None:
    # Horizon's metadata editors and wizard fetch the namespaces of a resource type in
    # parallel, and fail when there is none
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    for resource_type in ("OS::Glance::Image", "OS::Nova::Flavor", "OS::Cinder::Volume",
                          "OS::Nova::Server"):
        found = namespaces(api, demo, resource_type)
        assert found, resource_type
        assert all(ns["visibility"] == "public" and ns["protected"] for ns in found)
    r = api.client.get("/image/v2/metadefs/namespaces/OS::OperatingSystem/properties/os_distro",
                       headers={"X-Auth-Token": demo})
    assert r.status_code == 200 and r.json()["type"] == "string"
    # protected: not deleted by mistake, not even by the admin
    r = api.client.delete("/image/v2/metadefs/namespaces/OS::OperatingSystem",
                          headers={"X-Auth-Token": api.admin()})
    assert r.status_code == 403


def test_standard_metadefs_are_loaded_into_an_empty_catalogue_only(make_api: MakeApi) -> None:
    api = make_api()
    admin = api.admin()
    before = {ns["namespace"] for ns in namespaces(api, admin, "OS::Glance::Image")}
    api2 = make_api()  # a restart on the same data: nothing loaded twice
    after = namespaces(api2, api2.admin(), "OS::Glance::Image")
    assert sorted(ns["namespace"] for ns in after) == sorted(before)


def project_id(api: Api, token: str) -> str:
    r = api.call("GET", "/auth/tokens", token, **{"X-Subject-Token": token})
    return str(r.json()["token"]["project"]["id"])


def test_volume_types_panel_reads_qos_specs_and_encryption(api: Api) -> None:
    admin = api.admin()
    base = f"/volume/v3/{project_id(api, admin)}"
    h = {"X-Auth-Token": admin}
    r = api.client.get(base + "/qos-specs", headers=h)
    assert (r.status_code, r.json()) == (200, {"qos_specs": []})
    vtypes = api.client.get(base + "/types", headers=h).json()["volume_types"]
    assert vtypes
    r = api.client.get(f"{base}/types/{vtypes[0]['id']}/encryption", headers=h)
    assert (r.status_code, r.json()) == (200, {})
    r = api.client.get(f"{base}/types/{'0' * 32}/encryption", headers=h)
    assert r.status_code == 404 and "itemNotFound" in r.json()
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    r = api.client.get(f"/volume/v3/{project_id(api, demo)}/qos-specs",
                       headers={"X-Auth-Token": demo})
    assert r.status_code == 403


def placement(api: Api, path: str, token: str | None, version: str = "1.14") -> Any:
    headers = {"OpenStack-API-Version": f"placement {version}"}
    if token:
        headers["X-Auth-Token"] = token
    return api.client.get("/placement" + path, headers=headers)


def test_placement_shows_the_compute_host_for_the_hypervisors_panel(api: Api) -> None:
    admin = api.admin()
    r = placement(api, "/resource_providers", admin)
    assert r.status_code == 200, r.text
    assert r.headers["openstack-api-version"] == "placement 1.14"
    (rp,) = r.json()["resource_providers"]
    hyper = api.client.get("/compute/v2.1/os-hypervisors/detail", headers={
        "X-Auth-Token": admin, "OpenStack-API-Version": "compute 2.53"}).json()["hypervisors"][0]
    # the compute node's provider has the hypervisor's uuid and name, as in Nova
    assert (rp["uuid"], rp["name"]) == (hyper["id"], hyper["hypervisor_hostname"])
    assert rp["parent_provider_uuid"] is None and rp["root_provider_uuid"] == rp["uuid"]
    inv = placement(api, f"/resource_providers/{rp['uuid']}/inventories", admin).json()
    assert inv["inventories"]["VCPU"]["total"] == hyper["vcpus"]
    assert inv["inventories"]["MEMORY_MB"]["total"] == hyper["memory_mb"]
    used = placement(api, f"/resource_providers/{rp['uuid']}/usages", admin).json()
    assert used["usages"]["VCPU"] == hyper["vcpus_used"]
    assert placement(api, "/", None).json()["versions"][0]["max_version"] == "1.39"


def test_placement_refuses_as_placement_does(api: Api) -> None:
    admin = api.admin()
    r = placement(api, f"/resource_providers/{'f' * 32}/usages", admin)
    assert r.status_code == 404
    assert r.json()["errors"][0]["status"] == 404
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    r = placement(api, "/resource_providers", demo)
    assert r.status_code == 403 and r.json()["errors"][0]["status"] == 403
    assert placement(api, "/resource_providers", None).status_code == 401
    r = placement(api, "/resource_providers", admin, "1.99")
    assert r.status_code == 406 and r.json()["errors"][0]["status"] == 406
    assert placement(api, "/resource_providers", admin, "one").status_code == 400
