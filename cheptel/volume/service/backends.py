"""This host as Cinder's services and pools see it: cinder-scheduler on `cheptel`,
cinder-volume on `cheptel@file` (its one pool `cheptel@file#file`, the volume view's
`os-vol-host-attr:host`). Both run in this process, so they are up while it answers;
an admin may disable one (kept in volume_services) or freeze the volume one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.volume.models import Volume, VolumeService, VolumeSnapshot

HOST = "cheptel"
BACKEND = "file"
VOLUME_HOST = f"{HOST}@{BACKEND}"
POOL = f"{VOLUME_HOST}#{BACKEND}"
SERVICES = (("cinder-scheduler", HOST), ("cinder-volume", VOLUME_HOST))
GIB = 1024 ** 3


def ensure(db: Session, now: float) -> None:
    """At start: the two services' rows (their state survives a restart)."""
    for binary, host in SERVICES:
        if db.get(VolumeService, (binary, host)) is None:
            db.add(VolumeService(binary=binary, host=host, disabled=False, frozen=False,
                                 updated_at=now))
    db.flush()


def _host_matches(host: str, want: str) -> bool:
    """Cinder's host filter: `h` matches `h`, `h@backend` and `h@backend#pool`."""
    return host == want or host.startswith(want + "@") or host.startswith(want + "#")


def list_services(db: Session, host: str | None, binary: str | None) -> list[VolumeService]:
    rows = db.scalars(select(VolumeService).order_by(VolumeService.binary)).all()
    return [s for s in rows if (host is None or _host_matches(s.host, host))
            and (binary is None or s.binary == binary)]


def set_enabled(db: Session, host: str, binary: str, enabled: bool,
                reason: str | None, now: float) -> VolumeService:
    svc = db.get(VolumeService, (binary, host))
    if svc is None:
        raise NotFound("Unknown service")
    svc.disabled, svc.disabled_reason, svc.updated_at = not enabled, reason, now
    db.flush()
    return svc


def set_frozen(db: Session, host: str, frozen: bool, now: float) -> None:
    """freeze/thaw: the cinder-volume services of `host` (Cinder's 400 if none)."""
    found = [s for s in list_services(db, host, "cinder-volume")]
    if not found:
        raise BadRequest(f"No service found with host={host[:255]}.")
    for svc in found:
        svc.frozen, svc.updated_at = frozen, now
    db.flush()


@dataclass
class Usage:
    project: str
    count: int
    gigabytes: int
    snapshots: int = 0
    snapshot_gigabytes: int = 0


def host_usage(db: Session, host: str) -> list[Usage]:
    """os-hosts/{host}: the volumes of the cinder-volume host, in total and by project;
    404 unless `host` names an enabled cinder-volume service, as Cinder."""
    svc = db.get(VolumeService, ("cinder-volume", host))
    if svc is None or svc.disabled:
        raise NotFound(f"Host {host[:255]} could not be found.")
    rows = db.execute(select(Volume.project_id, func.count(), func.coalesce(
        func.sum(Volume.size), 0)).group_by(Volume.project_id)).all()
    snaps = {str(p): (int(n), int(gb)) for p, n, gb in db.execute(select(
        VolumeSnapshot.project_id, func.count(), func.coalesce(func.sum(
            VolumeSnapshot.volume_size), 0)).group_by(VolumeSnapshot.project_id))}
    projects = sorted({str(r[0]) for r in rows} | set(snaps))
    volumes = {str(p): (int(n), int(gb)) for p, n, gb in rows}
    out = [Usage(p, *volumes.get(p, (0, 0)), *snaps.get(p, (0, 0))) for p in projects]
    total = Usage("(total)", sum(u.count for u in out), sum(u.gigabytes for u in out),
                  sum(u.snapshots for u in out), sum(u.snapshot_gigabytes for u in out))
    return [total, *out]


@dataclass
class Pool:
    name: str
    total_gb: float
    free_gb: float
    allocated_gb: int


def pool(db: Session, data_dir: Path) -> Pool:
    """The one pool: the size and free space of the disk holding the data directory."""
    where = data_dir if data_dir.exists() else Path("/")
    disk = shutil.disk_usage(where)
    allocated = db.scalar(select(func.coalesce(func.sum(Volume.size), 0))) or 0
    return Pool(POOL, round(disk.total / GIB, 2), round(disk.free / GIB, 2), int(allocated))
