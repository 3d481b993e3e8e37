"""Load balancing's series, as openstack-exporter's loadbalancer exporter names and labels
them (exporters/loadbalancer.go): each load balancer's status (the exporter's number for
its operating_status) and its HAProxy's statistics, each pool's status (the number for its
provisioning_status), and the amphorae: cheptel has none (a load balancer is a HAProxy in
a namespace), so `total_amphorae` is 0 and `amphora_status` has no sample, which is what
the exporter gives for an Octavia whose amphora list is empty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.loadbalancer.models import LoadBalancer, Pool
from cheptel.loadbalancer.service.stats import of_loadbalancer
from cheptel.metrics.families import ServiceMetrics, gauge, status_code, total

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "loadbalancer"
# the exporter's tables: a status's number is its index (-1 for one it does not know)
OPERATING = ("ONLINE", "DRAINING", "OFFLINE", "ERROR", "NO_MONITOR")
AMPHORA = ("BOOTING", "ALLOCATED", "READY", "PENDING_CREATE", "PENDING_DELETE", "DELETED",
           "ERROR")
POOL = ("ACTIVE", "DELETED", "ERROR", "PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE")
# the exporter's HAProxy figures: a gauge, then counters it names without `_total`
# (a Go const metric); prometheus_client would add `_total` to a counter family, so these
# are gauges to keep the exporter's names, which its dashboards query
STATS = ("active_connections", "bytes_in", "bytes_out", "request_errors",
         "total_connections")


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    # what an admin's list shows (the exporter lists all projects')
    lbs = list(db.scalars(select(LoadBalancer).where(
        LoadBalancer.provisioning_status != "DELETED").order_by(
        LoadBalancer.created_at, LoadBalancer.id)))
    yield total(N, "total_loadbalancers", "total_loadbalancers", len(lbs))
    yield gauge(N, "loadbalancer_status", "loadbalancer_status", (
        "id", "name", "project_id", "operating_status", "provisioning_status", "provider",
        "vip_address"), (
        ((lb.id, lb.name, lb.project_id, lb.operating_status, lb.provisioning_status,
          lb.provider, lb.vip_address), status_code(OPERATING, lb.operating_status))
        for lb in lbs))
    stats = [(lb, of_loadbalancer(db, deps, lb)) for lb in lbs]
    for name in STATS:
        yield gauge(N, f"loadbalancer_{name}", f"loadbalancer_{name}",
                    ("id", "name", "project_id"),
                    (((lb.id, lb.name, lb.project_id), s[name]) for lb, s in stats))
    yield total(N, "total_amphorae", "total_amphorae", 0)
    yield gauge(N, "amphora_status", "amphora_status", (
        "id", "loadbalancer_id", "compute_id", "status", "role", "lb_network_ip", "ha_ip",
        "cert_expiration"))
    pools = list(db.scalars(select(Pool).where(Pool.provisioning_status != "DELETED")
                            .order_by(Pool.created_at, Pool.id)))
    yield total(N, "total_pools", "total_pools", len(pools))
    # `loadbalancers`: the exporter joins the pool's balancer ids with commas (one here)
    yield gauge(N, "pool_status", "pool_status", (
        "id", "provisioning_status", "name", "loadbalancers", "protocol", "lb_algorithm",
        "operating_status", "project_id"), (
        ((p.id, p.provisioning_status, p.name, p.loadbalancer_id, p.protocol,
          p.lb_algorithm, p.operating_status, p.project_id),
         status_code(POOL, p.provisioning_status)) for p in pools))


METRICS = ServiceMetrics(N, collect)
