"""Placement's series, as openstack-exporter's placement exporter names and labels them
(exporters/placement.go): the compute host's inventory, ratios, reserved amounts and
usage by resource class, and each server's allocations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute.metrics import scraped_host
from cheptel.compute.models import Server
from cheptel.compute.service import hosts
from cheptel.metrics.families import ServiceMetrics, gauge
from cheptel.placement import views

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "placement"
LABELS = ("hostname", "resourcetype")


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    h = scraped_host(deps)  # the engine asked once a scrape, compute's series share it
    inventory = views.inventories(h)["inventories"]
    used = views.usages(hosts.usage(db, h.hostname))["usages"]
    for name, field in (("resource_total", "total"),
                        ("resource_allocation_ratio", "allocation_ratio"),
                        ("resource_reserved", "reserved")):
        yield gauge(N, name, name, LABELS,
                    (((h.hostname, rc), inv[field]) for rc, inv in inventory.items()))
    yield gauge(N, "resource_generation", "resource_generation", LABELS,
                (((h.hostname, rc), views.GENERATION) for rc in inventory))
    yield gauge(N, "resource_usage", "resource_usage", LABELS,
                (((h.hostname, rc), used.get(rc, 0)) for rc in inventory))
    servers = db.scalars(select(Server).where(Server.deleted.is_(False),
                                              Server.host == h.hostname))
    yield gauge(N, "resource_provider_allocations", "resource_provider_allocations",
                ("hostname", "uuid", "resourcetype"), (
        ((h.hostname, s.id, rc), amount) for s in servers for rc, amount in (
            ("VCPU", int(s.flavor.get("vcpus", 0))), ("MEMORY_MB", int(s.flavor.get("ram", 0))),
            ("DISK_GB", int(s.flavor.get("disk", 0)) + int(s.flavor.get("ephemeral", 0))))
        if rc in inventory))


METRICS = ServiceMetrics(N, collect)
