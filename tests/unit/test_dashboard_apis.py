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
