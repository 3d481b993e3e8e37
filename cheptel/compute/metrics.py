"""Compute's series, as openstack-exporter's nova exporter names and labels them
(exporters/nova.go): flavors, zones, servers and their statuses, the hypervisor's
capacity, the services, each project's limits and usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute import views
from cheptel.compute.models import Flavor, Server
from cheptel.compute.service import hosts, quotas
from cheptel.identity.models import Project
from cheptel.metrics.families import ServiceMetrics, gauge, status_code, total

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "nova"
# the exporter's status numbers (knownServerStatuses): a server's value is its index
STATUSES = ("ACTIVE", "BUILD", "BUILD(spawning)", "DELETED", "ERROR", "HARD_REBOOT",
            "PASSWORD", "REBOOT", "REBUILD", "RESCUE", "RESIZE", "SHUTOFF", "SUSPENDED",
            "UNKNOWN", "VERIFY_RESIZE", "MIGRATING", "PAUSED", "REVERT_RESIZE", "SHELVED",
            "SHELVED_OFFLOADED", "SOFT_DELETED")
SERVER_LABELS = ("id", "status", "name", "tenant_id", "user_id", "address_ipv4",
                 "address_ipv6", "host_id", "hypervisor_hostname", "uuid",
                 "availability_zone", "flavor_id", "instance_libvirt")
HYPERVISOR = ("hostname", "availability_zone", "aggregates")
MIB, GIB = 2**20, 2**30


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    flavors = list(db.scalars(select(Flavor).order_by(Flavor.id)))
    yield total(N, "flavors", "flavors", len(flavors))
    yield gauge(N, "flavor", "flavor", ("id", "name", "vcpus", "ram", "disk", "is_public"),
                (((f.id, f.name, f.vcpus, f.ram, f.disk, f.is_public), 1) for f in flavors))
    yield total(N, "availability_zones", "availability_zones", 1)
    servers = list(db.scalars(select(Server).where(Server.deleted.is_(False))
                              .order_by(Server.created_at, Server.id)))
    yield total(N, "total_vms", "total_vms", len(servers))
    running: dict[tuple[str, str, str, str], int] = {}
    for s in servers:
        if views.status_of(s) == "ACTIVE":
            key = (s.host or "", s.availability_zone, "", s.project_id)
            running[key] = running.get(key, 0) + 1
    yield gauge(N, "running_vms", "running_vms", (*HYPERVISOR, "tenant_id"),
                running.items())
    yield gauge(N, "server_status", "server_status", SERVER_LABELS, (
        ((s.id, views.status_of(s), s.name, s.project_id, s.user_id, s.access_ipv4,
          s.access_ipv6, views.host_id(s), s.host or "", s.id, s.availability_zone,
          s.flavor_id, f"cheptel-{s.id}"), status_code(STATUSES, views.status_of(s)))
        for s in servers))
    yield from _host(db, deps)
    yield from _limits(db)


def _host(db: Session, deps: Deps) -> Iterator[Metric]:
    h = hosts.compute_host(deps.containers, deps.settings.data_dir, "127.0.0.1")
    used = hosts.usage(db, h.hostname)
    where = (h.hostname, hosts.ZONE, "")
    for name, value in (("current_workload", used.workload),
                        ("vcpus_available", h.vcpus), ("vcpus_used", used.vcpus),
                        ("memory_available_bytes", h.memory_mb * MIB),
                        ("memory_used_bytes", used.memory_mb * MIB),
                        ("local_storage_available_bytes", h.disk_gb * GIB),
                        ("local_storage_used_bytes", used.disk_gb * GIB),
                        ("free_disk_bytes", h.disk_free_gb * GIB)):
        yield gauge(N, name, name, HYPERVISOR, [(where, value)])
    yield gauge(N, "agent_state", "agent_state",
                ("id", "hostname", "service", "adminState", "zone", "disabledReason"),
                (((s.uuid, s.host, s.binary, "enabled", s.zone, ""), 1 if s.up else 0)
                 for s in hosts.services(h)))


def _limits(db: Session) -> Iterator[Metric]:
    """Each project's absolute limits and usage (the exporter's limits_*)."""
    projects = list(db.execute(select(Project.id, Project.name).order_by(Project.name)))
    rows = [(p, quotas.limits(db, p.id), quotas.server_usage(db, p.id, None))
            for p in projects]
    for name, key in (("vcpus", "cores"), ("memory", "ram"), ("instances", "instances")):
        yield gauge(N, f"limits_{name}_max", f"limits_{name}_max", ("tenant", "tenant_id"),
                    (((p.name, p.id), limit[key]) for p, limit, _ in rows))
        yield gauge(N, f"limits_{name}_used", f"limits_{name}_used", ("tenant", "tenant_id"),
                    (((p.name, p.id), used[key]) for p, _, used in rows))


METRICS = ServiceMetrics(N, collect)
