"""Block storage's series, as openstack-exporter's cinder exporter names and labels them
(exporters/cinder.go): volumes and snapshots, each volume's size and status, the
services, the pool's capacity, each project's limits and per-type gigabyte quotas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.identity.models import Project
from cheptel.metrics.families import ServiceMetrics, gauge, total
from cheptel.volume.models import (
    Volume,
    VolumeAttachment,
    VolumeService,
    VolumeSnapshot,
    VolumeType,
)
from cheptel.volume.service import backends, quotas
from cheptel.volume.service.scheduler import CAPABILITIES

if TYPE_CHECKING:
    from cheptel.app import Deps

N = "cinder"
# the exporter's status numbers (knownVolumeStatuses)
STATUSES = ("creating", "available", "reserved", "attaching", "detaching", "in-use",
            "maintenance", "deleting", "awaiting-transfer", "error", "error_deleting",
            "backing-up", "restoring-backup", "error_backing-up", "error_restoring",
            "error_extending", "downloading", "uploading", "retyping", "extending")
NAMESPACE = uuid.UUID("6c0c2a5e-4f2b-5d3e-9a59-63686570746c")


def collect(db: Session, deps: Deps) -> Iterator[Metric]:
    volumes = list(db.scalars(select(Volume).order_by(Volume.created_at, Volume.id)))
    type_names = {str(i): str(n) for i, n in db.execute(select(VolumeType.id,
                                                                 VolumeType.name))}
    servers: dict[str, str] = {}
    for a in db.scalars(select(VolumeAttachment).order_by(VolumeAttachment.created_at)):
        servers.setdefault(a.volume_id, a.server_id or "")
    yield total(N, "volumes", "volumes", len(volumes))
    yield total(N, "snapshots", "snapshots",
                int(db.scalar(select(func.count()).select_from(VolumeSnapshot)) or 0))
    yield gauge(N, "volume_gb", "volume_gb", (
        "id", "name", "status", "availability_zone", "bootable", "tenant_id", "user_id",
        "volume_type", "server_id"), (
        ((v.id, v.name, v.status, v.availability_zone, v.bootable, v.project_id, v.user_id,
          type_names.get(v.volume_type_id, ""), servers.get(v.id, "")), v.size)
        for v in volumes))
    counts = dict.fromkeys(STATUSES, 0)
    for v in volumes:
        if v.status in counts:
            counts[v.status] += 1
    yield gauge(N, "volume_status_counter", "volume_status_counter", ("status",),
                (((s,), n) for s, n in counts.items()))
    yield gauge(N, "agent_state", "agent_state", (
        "uuid", "hostname", "service", "adminState", "zone", "disabledReason"), (
        ((uuid.uuid5(NAMESPACE, f"volume-service:{s.host}:{s.binary}"), s.host, s.binary,
          "disabled" if s.disabled else "enabled", "nova", s.disabled_reason), 1)
        for s in db.scalars(select(VolumeService).order_by(VolumeService.binary))))
    pool = backends.pool(db, deps.settings.data_dir)
    where = ((pool.name, CAPABILITIES["volume_backend_name"], CAPABILITIES["vendor_name"]),)
    labels = ("name", "volume_backend_name", "vendor_name")
    yield gauge(N, "pool_capacity_free_gb", "pool_capacity_free_gb", labels,
                [(where[0], pool.free_gb)])
    yield gauge(N, "pool_capacity_total_gb", "pool_capacity_total_gb", labels,
                [(where[0], pool.total_gb)])
    projects = list(db.execute(select(Project.id, Project.name).order_by(Project.name)))
    rows = [(p, quotas.limits(db, p.id), quotas.usage(db, p.id)) for p in projects]
    for name, key in (("volume", "gigabytes"), ("backup", "backup_gigabytes")):
        yield gauge(N, f"limits_{name}_max_gb", f"limits_{name}_max_gb",
                    ("tenant", "tenant_id"),
                    (((p.name, p.id), limit[key]) for p, limit, _ in rows))
        yield gauge(N, f"limits_{name}_used_gb", f"limits_{name}_used_gb",
                    ("tenant", "tenant_id"),
                    (((p.name, p.id), used[key]) for p, _, used in rows))
    # a per-type quota is `gigabytes_<type>` in the project's quota set (-1: unlimited)
    yield gauge(N, "volume_type_quota_gigabytes", "volume_type_quota_gigabytes",
                ("tenant", "tenant_id", "volume_type"), (
        ((p.name, p.id, key.removeprefix("gigabytes_")), value)
        for p, limit, _ in rows for key, value in sorted(limit.items())
        if key.startswith("gigabytes_")))


METRICS = ServiceMetrics(N, collect)
