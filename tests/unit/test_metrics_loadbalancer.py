"""/metrics: openstack-exporter's loadbalancer series (exporters/loadbalancer.go) say
what Octavia's API says: each balancer's status numbered by its operating_status, its
HAProxy's statistics, each pool numbered by its provisioning_status, and no amphorae."""

from __future__ import annotations

from cheptel.backends.balancer import ListenerStats
from tests.unit.loadbalancer import made, octavia, show, subnet
from tests.unit.reconcile import Cloud
from tests.unit.test_metrics import _one, _series


def test_balancers_pools_and_stats_as_the_exporter_gives_them(rcloud: Cloud) -> None:
    series = _series(rcloud.api)
    assert _one(series, "openstack_loadbalancer_up") == 1
    assert _one(series, "openstack_loadbalancer_total_loadbalancers") == 0
    lb = made(rcloud, "loadbalancers", {"name": "web", "vip_subnet_id": subnet(rcloud)})
    lis = made(rcloud, "listeners", {"loadbalancer_id": lb["id"], "protocol": "HTTP",
                                     "protocol_port": 80})
    pool = made(rcloud, "pools", {"listener_id": lis["id"], "protocol": "HTTP",
                                  "lb_algorithm": "ROUND_ROBIN", "name": "p"})
    member = made(rcloud, f"pools/{pool['id']}/members",
                  {"address": "10.9.0.10", "protocol_port": 8080})
    made(rcloud, "healthmonitors", {"pool_id": pool["id"], "type": "HTTP", "delay": 2,
                                    "timeout": 1, "max_retries": 2})
    rcloud.deps.balancers.stats[lis["id"]] = ListenerStats(
        bytes_in=1200, bytes_out=3400, active_connections=2, total_connections=9,
        request_errors=1)
    doc = show(rcloud, "loadbalancers", lb["id"])
    labels = {"id": lb["id"], "name": "web", "project_id": lb["project_id"],
              "provider": "amphora", "vip_address": doc["vip_address"]}
    series = _series(rcloud.api)
    assert _one(series, "openstack_loadbalancer_total_loadbalancers") == 1
    assert _one(series, "openstack_loadbalancer_loadbalancer_status", operating_status="ONLINE",
                provisioning_status="ACTIVE", **labels) == 0
    short = {k: labels[k] for k in ("id", "name", "project_id")}
    for name, want in (("bytes_in", 1200), ("bytes_out", 3400), ("active_connections", 2),
                       ("total_connections", 9), ("request_errors", 1)):
        assert _one(series, f"openstack_loadbalancer_loadbalancer_{name}", **short) == want
    assert _one(series, "openstack_loadbalancer_total_pools") == 1
    assert _one(series, "openstack_loadbalancer_pool_status", id=pool["id"], name="p",
                provisioning_status="ACTIVE", operating_status="ONLINE",
                loadbalancers=lb["id"], protocol="HTTP", lb_algorithm="ROUND_ROBIN",
                project_id=lb["project_id"]) == 0
    # no amphora: the count is 0 and the status series has no sample
    assert _one(series, "openstack_loadbalancer_total_amphorae") == 0
    assert "openstack_loadbalancer_amphora_status" not in series

    # a member failing its checks: the balancer DEGRADED, which the exporter's table
    # does not know (-1); its pool's number follows provisioning_status (PENDING_UPDATE 4)
    rcloud.deps.balancers.member_status[member["id"]] = "DOWN"
    rcloud.deps.reconciler.convergers["load-balancer"].read_health(lb["id"])
    r = octavia(rcloud, "PUT", f"/pools/{pool['id']}", {"pool": {"name": "q"}})
    assert r.status_code == 200, r.text
    series = _series(rcloud.api)
    assert _one(series, "openstack_loadbalancer_loadbalancer_status",
                operating_status="DEGRADED", id=lb["id"]) == -1
    assert _one(series, "openstack_loadbalancer_pool_status", id=pool["id"],
                provisioning_status="PENDING_UPDATE") == 4
    rcloud.settle()
    r = octavia(rcloud, "DELETE", f"/loadbalancers/{lb['id']}?cascade=true")
    assert r.status_code == 204, r.text
    rcloud.settle()
    series = _series(rcloud.api)
    assert _one(series, "openstack_loadbalancer_total_loadbalancers") == 0
    assert _one(series, "openstack_loadbalancer_total_pools") == 0
    assert "openstack_loadbalancer_loadbalancer_status" not in series
