"""/metrics: the openstack-exporter quota series (Nova's, Neutron's and Cinder's per
type, named and labelled as exporters/*.go name them) say what the quota APIs say, and a
scrape asks the engine for the host's facts once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.reconcile import Cloud
from tests.unit.test_metrics import _one, _series


def _project(api: Any, token: str) -> str:
    r = api.client.get("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": token, "X-Subject-Token": token})
    return str(r.json()["token"]["project"]["id"])


def test_a_scrape_asks_the_engine_for_the_host_once(
        rcloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    rcloud.active()
    engine = rcloud.api.deps.containers
    calls: list[int] = []
    real = engine.host_info

    def counted() -> dict[str, Any]:
        calls.append(1)
        return real()

    monkeypatch.setattr(engine, "host_info", counted)
    series = _series(rcloud.api)
    assert calls == [1]
    # both its readers still have it: compute's hypervisor and placement's inventory
    assert _one(series, "openstack_nova_vcpus_available") == real()["vcpus"]
    assert _one(series, "openstack_placement_resource_total", resourcetype="VCPU") == real()[
        "vcpus"]
    _series(rcloud.api)
    assert calls == [1, 1]  # the next scrape reads it afresh


def test_nova_quotas_and_limits_per_project(rcloud: Cloud) -> None:
    api, admin = rcloud.api, rcloud.api.admin()
    demo = _project(api, rcloud.token)
    r = api.client.put(f"/compute/v2.1/os-quota-sets/{demo}", headers={
        "X-Auth-Token": admin}, json={"quota_set": {"cores": 7, "instances": 3}})
    assert r.status_code == 200, r.text
    sid = rcloud.active("q1")
    flavor = rcloud.show(sid)["flavor"]
    series = _series(api)
    labels = {"tenant": "demo", "tenant_id": demo}
    assert _one(series, "openstack_nova_quota_cores", type="limit", **labels) == 7
    assert _one(series, "openstack_nova_quota_cores", type="in_use", **labels) == flavor[
        "vcpus"]
    assert _one(series, "openstack_nova_quota_cores", type="reserved", **labels) == 0
    assert _one(series, "openstack_nova_quota_instances", type="in_use", **labels) == 1
    assert _one(series, "openstack_nova_quota_ram", type="in_use", **labels) == flavor["ram"]
    assert _one(series, "openstack_nova_quota_key_pairs", type="limit", **labels) == 100
    assert _one(series, "openstack_nova_quota_floating_ips", type="limit", **labels) == -1
    assert _one(series, "openstack_nova_limits_instances_max", **labels) == 3
    assert _one(series, "openstack_nova_limits_vcpus_used", **labels) == flavor["vcpus"]
    assert _one(series, "openstack_nova_limits_memory_used", **labels) == flavor["ram"]
    assert _one(series, "openstack_nova_limits_memory_max", **labels) == 51200
    assert _one(series, "openstack_nova_server_local_gb", id=sid, name="q1",
                tenant_id=demo) == flavor["disk"] + flavor.get("ephemeral", 0)
    # every project has its quota series, the admin's too
    assert {labels["tenant"] for labels, _ in series["openstack_nova_quota_cores"]} >= {
        "admin", "demo"}


def test_neutron_quotas_per_project(rcloud: Cloud) -> None:
    api, admin = rcloud.api, rcloud.api.admin()
    demo = _project(api, rcloud.token)
    labels = {"tenant": "demo", "tenant_id": demo}
    before = _one(_series(api), "openstack_neutron_quota_network", type="used", **labels)
    r = api.client.put(f"/network/v2.0/quotas/{demo}", headers={"X-Auth-Token": admin},
                       json={"quota": {"network": 4, "router": -1}})
    assert r.status_code == 200, r.text
    r = rcloud.neutron("POST", "/networks", {"network": {"name": "counted"}})
    assert r.status_code == 201, r.text
    series = _series(api)
    assert _one(series, "openstack_neutron_quota_network", type="used", **labels) == before + 1
    assert _one(series, "openstack_neutron_quota_network", type="limit", **labels) == 4
    assert _one(series, "openstack_neutron_quota_network", type="reserved", **labels) == 0
    assert _one(series, "openstack_neutron_quota_router", type="limit", **labels) == -1
    assert _one(series, "openstack_neutron_quota_port", type="limit", **labels) == 500
    for resource in ("subnet", "subnetpool", "floatingip", "security_group",
                     "security_group_rule", "rbac_policy"):
        assert _one(series, f"openstack_neutron_quota_{resource}", type="limit", **labels)


def test_cinder_quota_per_volume_type(rcloud: Cloud) -> None:
    api, admin = rcloud.api, rcloud.api.admin()
    demo = _project(api, rcloud.token)
    h = {"X-Auth-Token": admin}
    base = f"/volume/v3/{_project(api, admin)}"
    r = api.client.post(f"{base}/types", headers=h, json={"volume_type": {"name": "fast"}})
    assert r.status_code == 200, r.text
    r = api.client.put(f"{base}/os-quota-sets/{demo}", headers=h, json={"quota_set": {
        "gigabytes_fast": 5, "gigabytes": 40}})
    assert r.status_code == 200, r.text
    series = _series(api)
    labels = {"tenant": "demo", "tenant_id": demo}
    assert _one(series, "openstack_cinder_volume_type_quota_gigabytes", volume_type="fast",
                **labels) == 5
    assert _one(series, "openstack_cinder_volume_type_quota_gigabytes",
                volume_type="__DEFAULT__", **labels) == -1
    assert _one(series, "openstack_cinder_limits_volume_max_gb", **labels) == 40
    assert _one(series, "openstack_cinder_limits_volume_used_gb", **labels) == 0
