"""/metrics over the fake engine: who may scrape, the openstack-exporter series
matching what the APIs list, each running server's usage, the request counters and the
reconciler's series; a service whose series fail says `up 0` and the others still
answer."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cheptel.compute.metrics import STATUSES
from tests.unit.conftest import DEMO_PASSWORD, Api
from tests.unit.reconcile import Cloud


def _scrape(api: Api, token: str | None = None, bearer: bool = False) -> Any:
    token = token or api.admin()
    headers = {"Authorization": f"Bearer {token}"} if bearer else {"X-Auth-Token": token}
    return api.client.get("/metrics", headers=headers)


def _series(api: Api) -> dict[str, list[tuple[dict[str, str], float]]]:
    r = _scrape(api)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            found.setdefault(s.name, []).append((s.labels, s.value))
    return found


def _one(series: dict, metric: str, **labels: str) -> float:
    hits = [v for got, v in series.get(metric, [])
            if all(got.get(k) == want for k, want in labels.items())]
    assert len(hits) == 1, (metric, labels, series.get(metric))
    return float(hits[0])


def test_only_the_admin_and_the_metrics_role_scrape(api: Api) -> None:
    assert api.client.get("/metrics").status_code == 401
    assert _scrape(api, "not-a-token").status_code == 401
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    r = _scrape(api, demo)
    assert r.status_code == 403 and r.json()["error"]["code"] == 403
    assert _scrape(api, bearer=True).status_code == 200
    # a scraper's user with only the `metrics` role on a project
    h = {"X-Auth-Token": api.admin()}
    role = api.client.post("/identity/v3/roles", headers=h, json={"role": {"name": "metrics"}}
                           ).json()["role"]["id"]
    user = api.client.post("/identity/v3/users", headers=h, json={"user": {
        "name": "scraper", "password": "scraper-secret-1"}}).json()["user"]["id"]
    project = api.client.get("/identity/v3/projects?name=demo", headers=h).json()[
        "projects"][0]["id"]
    r = api.client.put(f"/identity/v3/projects/{project}/users/{user}/roles/{role}", headers=h)
    assert r.status_code == 204
    assert _scrape(api, api.token("scraper", "scraper-secret-1", "demo"), bearer=True
                   ).status_code == 200


def test_the_series_say_what_the_apis_list(rcloud: Cloud) -> None:
    api = rcloud.api
    sid = rcloud.active("m1")
    stopped = rcloud.active("m2")
    rcloud.act(stopped, "os-stop")
    rcloud.settle()
    assert rcloud.status(stopped) == "SHUTOFF"
    h = {"X-Auth-Token": api.admin()}
    series = _series(api)
    for name in ("nova", "neutron", "glance", "cinder", "identity"):
        assert _one(series, f"openstack_{name}_up") == 1
    assert _one(series, "openstack_nova_total_vms") == 2
    assert _one(series, "openstack_nova_server_status", id=sid, name="m1") == STATUSES.index(
        "ACTIVE")
    assert _one(series, "openstack_nova_server_status", id=stopped) == STATUSES.index(
        "SHUTOFF")
    assert sum(v for _, v in series["openstack_nova_running_vms"]) == 1
    flavors = api.client.get("/compute/v2.1/flavors", headers=h).json()["flavors"]
    assert _one(series, "openstack_nova_flavors") == len(flavors)
    networks = api.client.get("/network/v2.0/networks", headers=h).json()["networks"]
    assert _one(series, "openstack_neutron_networks") == len(networks)
    assert {labels["id"] for labels, _ in series["openstack_neutron_network"]} == {
        n["id"] for n in networks}
    images = api.client.get("/image/v2/images", headers=h).json()["images"]
    assert _one(series, "openstack_glance_images") == len(images)
    projects = api.client.get("/identity/v3/projects", headers=h).json()["projects"]
    assert _one(series, "openstack_identity_projects") == len(projects)
    demo_id = rcloud.show(sid)["tenant_id"]
    assert _one(series, "openstack_nova_limits_instances_used", tenant_id=demo_id) == 2
    assert _one(series, "openstack_nova_limits_vcpus_max", tenant_id=demo_id) == 20
    # the running server's usage, from its container; the stopped one has none
    assert _one(series, "cheptel_server_cpu_seconds_total", id=sid) == pytest.approx(1e-3)
    assert _one(series, "cheptel_server_memory_bytes", id=sid) == 2**20
    assert not [1 for labels, _ in series["cheptel_server_memory_bytes"]
                if labels["id"] == stopped]


def test_volumes_and_their_statuses(api: Api) -> None:
    demo = api.token("demo", DEMO_PASSWORD, "demo")
    project = api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": demo, "X-Subject-Token": demo}).json()["token"]["project"]["id"]
    for size in (1, 3):
        r = api.client.post(f"/volume/v3/{project}/volumes", headers={"X-Auth-Token": demo},
                            json={"volume": {"size": size}})
        assert r.status_code == 202, r.text
    series = _series(api)
    assert _one(series, "openstack_cinder_volumes") == 2
    sizes = sorted(v for labels, v in series["openstack_cinder_volume_gb"]
                   if labels["tenant_id"] == project)
    assert sizes == [1, 3]
    statuses = {labels["status"]: v
                for labels, v in series["openstack_cinder_volume_status_counter"]}
    assert sum(statuses.values()) == 2
    assert _one(series, "openstack_cinder_limits_volume_used_gb", tenant_id=project) == 4


def test_requests_are_counted_by_route(api: Api) -> None:
    h = {"X-Auth-Token": api.admin()}
    for _ in range(3):
        assert api.client.get("/compute/v2.1/flavors", headers=h).status_code == 200
    assert api.client.get("/compute/v2.1/flavors/nope", headers=h).status_code == 404
    series = _series(api)
    assert _one(series, "cheptel_http_requests_total", service="compute", method="GET",
                route="/v2.1/flavors", code="200") == 3
    assert _one(series, "cheptel_http_requests_total", service="compute", method="GET",
                route="/v2.1/flavors/{flavor_id}", code="404") == 1
    assert _one(series, "cheptel_http_request_duration_seconds_count", service="compute",
                method="GET", route="/v2.1/flavors") == 3


def test_the_reconcilers_series(rcloud: Cloud) -> None:
    rcloud.active()
    rcloud.pass_once()
    series = _series(rcloud.api)
    assert _one(series, "cheptel_reconcile_converges_total", service="compute",
                outcome="ok") >= 1
    assert _one(series, "cheptel_reconcile_scan_duration_seconds_count",
                service="compute") >= 1
    assert _one(series, "cheptel_reconcile_last_pass_timestamp_seconds") > 0
    assert _one(series, "cheptel_reconcile_queue_depth") == 0


def test_a_failing_service_says_down_and_the_others_answer(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from cheptel.image import metrics

    def broken(*args: Any) -> Any:
        raise RuntimeError("the images table is gone")

    monkeypatch.setattr(metrics, "select", broken)
    series = _series(api)
    assert _one(series, "openstack_glance_up") == 0
    assert "openstack_glance_images" not in series
    assert _one(series, "openstack_nova_up") == 1


def test_object_store_containers(api: Api) -> None:
    admin = api.admin()
    project = api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": admin, "X-Subject-Token": admin}).json()["token"]["project"]["id"]
    account = f"/object-store/v1/AUTH_{project}"
    h = {"X-Auth-Token": admin}
    assert api.client.put(f"{account}/photos", headers=h).status_code == 201
    assert api.client.put(f"{account}/empty", headers=h).status_code == 201
    for name, body in (("a.jpg", b"x" * 10), ("b.jpg", b"y" * 5)):
        assert api.client.put(f"{account}/photos/{name}", headers=h,
                              content=body).status_code == 201
    series = _series(api)
    assert _one(series, "openstack_object_store_up") == 1
    assert _one(series, "openstack_object_store_objects", container_name="photos",
                tenant_id=project) == 2
    assert _one(series, "openstack_object_store_bytes", container_name="photos") == 15
    assert _one(series, "openstack_object_store_objects", container_name="empty") == 0


def test_placement_inventory_and_allocations(rcloud: Cloud) -> None:
    sid = rcloud.active()
    series = _series(rcloud.api)
    assert _one(series, "openstack_placement_up") == 1
    totals = {labels["resourcetype"]: v for labels, v in
              series["openstack_placement_resource_total"]}
    info = rcloud.engine.host_info()
    assert totals["VCPU"] == info["vcpus"] and totals["MEMORY_MB"] == info["memory_mb"]
    flavor = rcloud.show(sid)["flavor"]
    assert _one(series, "openstack_placement_resource_usage", resourcetype="VCPU") == flavor[
        "vcpus"]
    assert _one(series, "openstack_placement_resource_provider_allocations", uuid=sid,
                resourcetype="MEMORY_MB") == flavor["ram"]
