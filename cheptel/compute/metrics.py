"""Compute's series, as openstack-exporter's nova exporter names and labels them
(exporters/nova.go): flavors, zones, servers and their statuses, the hypervisor's
capacity, the services, each project's limits, quotas and usage; then cheptel's own
`cheptel_server_*`: each running server's usage as its container's cgroup counts it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.engine import EngineError
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
# the exporter's quota_* series (ListQuotas): each resource of a project's quota set
# detail, as `type` in_use, reserved and limit; the nova-network four as Nova showed them
# before 2.36 (unlimited, nothing used)
QUOTAS = ("cores", "instances", "key_pairs", "metadata_items", "ram", "server_groups",
          "server_group_members", "fixed_ips", "floating_ips", "security_group_rules",
          "security_groups", "injected_file_content_bytes", "injected_file_path_bytes",
          "injected_files")
SERVER = ("id", "name", "tenant_id")


def scraped_host(deps: Deps) -> hosts.Host:
    """The compute host as the engine reports it, asked once per scrape (compute's and
    placement's series both need it)."""
    return deps.metrics.once("compute-host", lambda: hosts.compute_host(
        deps.containers, deps.settings.data_dir, "127.0.0.1"))


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
    yield gauge(N, "server_local_gb", "server_local_gb", ("name", "id", "tenant_id"), (
        ((s.name, s.id, s.project_id),
         int((s.flavor or {}).get("disk", 0)) + int((s.flavor or {}).get("ephemeral", 0)))
        for s in servers))
    yield from _host(db, deps)
    yield from _limits(db)
    yield from _servers(deps, servers)


def _host(db: Session, deps: Deps) -> Iterator[Metric]:
    h = scraped_host(deps)
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
    details = [(p, {**{k: {"limit": v, "in_use": 0, "reserved": 0}
                       for k, v in quotas.LEGACY.items()}, **quotas.detail(db, p.id)})
               for p in projects]
    for resource in QUOTAS:
        yield gauge(N, f"quota_{resource}", f"quota_{resource}",
                    ("type", "tenant", "tenant_id"), (
            ((kind, p.name, p.id), detail[resource][kind])
            for p, detail in details for kind in ("in_use", "reserved", "limit")))


def _servers(deps: Deps, servers: list[Server]) -> Iterator[Metric]:
    """Each running server's usage as its container's cgroup counts it (the engine's
    one-shot stats); nothing for a server whose container is not running."""
    cpu = CounterMetricFamily("cheptel_server_cpu_seconds",
                              "CPU time of the server's processes", labels=SERVER)
    memory = GaugeMetricFamily("cheptel_server_memory_bytes",
                               "Working set of the server (without inactive page cache)",
                               labels=SERVER)
    limit = GaugeMetricFamily("cheptel_server_memory_limit_bytes",
                              "Memory limit of the server (its flavor's RAM)", labels=SERVER)
    disk = {d: CounterMetricFamily(f"cheptel_server_block_{d}_bytes",
                                   f"Bytes the server {d} on block devices", labels=SERVER)
            for d in ("read", "written")}
    net = {d: CounterMetricFamily(f"cheptel_server_network_{d}_bytes",
                                  f"Bytes the server's interface {d}",
                                  labels=(*SERVER, "interface"))
           for d in ("received", "transmitted")}
    for s in servers:
        try:
            stats = deps.containers.stats(f"cheptel-{s.id}")
        except EngineError:
            continue
        if stats is None or stats.status != "running":
            continue
        who = [s.id, s.name, s.project_id]
        if stats.cpu_total is not None:
            cpu.add_metric(who, stats.cpu_total / 1e9)
        if stats.memory_used is not None:
            memory.add_metric(who, stats.memory_used)
        if stats.memory_limit is not None:
            limit.add_metric(who, stats.memory_limit)
        for direction, value in (("read", stats.disk_read_bytes),
                                 ("written", stats.disk_write_bytes)):
            if value is not None:
                disk[direction].add_metric(who, value)
        for nic in stats.nics:
            for direction, value in (("received", nic.rx_bytes),
                                     ("transmitted", nic.tx_bytes)):
                if value is not None:
                    net[direction].add_metric([*who, nic.name], value)
    yield from (cpu, memory, limit, *disk.values(), *net.values())


METRICS = ServiceMetrics(N, collect)
