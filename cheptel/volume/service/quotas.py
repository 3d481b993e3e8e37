"""Volume quotas: limits per project (defaults unless set), usage counted from the rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import NotFound, PayloadTooLarge
from cheptel.volume.models import (
    Volume,
    VolumeBackup,
    VolumeGroup,
    VolumeQuota,
    VolumeQuotaClass,
    VolumeSnapshot,
    VolumeType,
)

DEFAULTS = {"volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
            "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1}
PER_TYPE = ("volumes", "gigabytes", "snapshots")


def class_limits(db: Session, class_name: str = "default") -> dict[str, int]:
    """A quota class's limits: the built-in defaults (-1 for each type's), then what
    os-quota-class-sets set; the `default` class is every project's default."""
    out = dict(DEFAULTS)
    for name in db.scalars(select(VolumeType.name).order_by(VolumeType.name)):
        for r in PER_TYPE:
            out[f"{r}_{name}"] = -1
    for q in db.scalars(select(VolumeQuotaClass).where(
            VolumeQuotaClass.class_name == class_name)):
        if q.resource in out:  # a type deleted since keeps its row, unshown
            out[q.resource] = q.hard_limit
    return out


def defaults(db: Session) -> dict[str, int]:
    return class_limits(db, "default")


def set_class_limits(db: Session, class_name: str, changes: dict[str, int]
                     ) -> dict[str, int]:
    known = class_limits(db, class_name)
    for resource, value in changes.items():
        if resource not in known:
            continue  # a per-type key of no type: Cinder ignores it
        row = db.get(VolumeQuotaClass, (class_name, resource))
        if row is None:
            db.add(VolumeQuotaClass(class_name=class_name, resource=resource,
                                    hard_limit=value))
        else:
            row.hard_limit = value
    db.flush()
    return class_limits(db, class_name)


def limits(db: Session, project_id: str) -> dict[str, int]:
    out = defaults(db)
    for q in db.scalars(select(VolumeQuota).where(VolumeQuota.project_id == project_id)):
        out[q.resource] = q.hard_limit
    return out


def usage(db: Session, project_id: str) -> dict[str, int]:
    """What the project holds now: counted from its volume, snapshot and backup rows, never from
    counters. A snapshot's size counts in `gigabytes` too (Cinder's no_snapshot_gb_quota
    is False by default)."""
    count, size = db.execute(select(func.count(), func.coalesce(func.sum(Volume.size), 0))
                             .where(Volume.project_id == project_id)).one()
    used = {r: 0 for r in defaults(db)}
    used["volumes"], used["gigabytes"] = int(count), int(size)
    rows = db.execute(select(VolumeType.name, func.count(), func.sum(Volume.size))
                      .join(Volume, Volume.volume_type_id == VolumeType.id)
                      .where(Volume.project_id == project_id).group_by(VolumeType.name))
    for name, n, gb in rows:
        used[f"volumes_{name}"], used[f"gigabytes_{name}"] = int(n), int(gb or 0)
    _add_snapshots(db, project_id, used)
    n, gb = db.execute(select(func.count(), func.coalesce(func.sum(VolumeBackup.size), 0))
                       .where(VolumeBackup.project_id == project_id)).one()
    used["backups"], used["backup_gigabytes"] = int(n), int(gb)
    used["groups"] = int(db.scalar(select(func.count()).select_from(VolumeGroup).where(
        VolumeGroup.project_id == project_id)) or 0)
    return used


def set_limits(db: Session, project_id: str, changes: dict[str, int]) -> dict[str, int]:
    known = defaults(db)
    for resource, value in changes.items():
        if resource not in known:
            continue  # a per-type key of no type: Cinder ignores it
        row = db.get(VolumeQuota, (project_id, resource))
        if row is None:
            db.add(VolumeQuota(project_id=project_id, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value
    db.flush()
    return limits(db, project_id)


def reset(db: Session, project_id: str) -> None:
    for row in db.scalars(select(VolumeQuota).where(VolumeQuota.project_id == project_id)):
        db.delete(row)
    db.flush()


def check_volume(db: Session, project_id: str, vt: VolumeType, new_volumes: int,
                 new_gigabytes: int, per_type_only: bool = False) -> None:
    """413 when adding volumes/gigabytes would pass a limit (Cinder's messages);
    `per_type_only`: a volume changing type, counted against the new type's limits."""
    lim, used = limits(db, project_id), usage(db, project_id)
    per_volume = lim["per_volume_gigabytes"]
    if per_volume >= 0 and new_gigabytes > per_volume and new_volumes:
        raise PayloadTooLarge(f"VolumeSizeExceedsLimit: Requested volume size "
                              f"{new_gigabytes}G is larger than maximum allowed limit "
                              f"{per_volume}G.")
    for suffix in ((f"_{vt.name}",) if per_type_only else ("", f"_{vt.name}")):
        vol_key, gb_key = f"volumes{suffix}", f"gigabytes{suffix}"
        if new_volumes and 0 <= lim[vol_key] < used[vol_key] + new_volumes:
            raise PayloadTooLarge(f"VolumeLimitExceeded: Maximum number of volumes allowed "
                                  f"({lim[vol_key]}) exceeded for quota '{vol_key}'.")
        if 0 <= lim[gb_key] < used[gb_key] + new_gigabytes:
            raise PayloadTooLarge(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed {gb_key} quota. Requested {new_gigabytes}G, quota is "
                f"{lim[gb_key]}G and {used[gb_key]}G has been consumed.")


def require_project(db: Session, project_id: str) -> None:
    """The quota target must be a project of this cloud (no rows for ids of nothing)."""
    from cheptel.identity.models import Project

    if len(project_id) > 64 or db.get(Project, project_id) is None:
        raise NotFound(f"Project {project_id} could not be found.")


def _add_snapshots(db: Session, project_id: str, used: dict[str, int]) -> None:
    """`snapshots`, `snapshots_<type>`, and their sizes in `gigabytes(_<type>)`."""
    rows = db.execute(select(VolumeType.name, func.count(), func.coalesce(
        func.sum(VolumeSnapshot.volume_size), 0))
        .join(VolumeSnapshot, VolumeSnapshot.volume_type_id == VolumeType.id)
        .where(VolumeSnapshot.project_id == project_id).group_by(VolumeType.name))
    total = db.execute(select(func.count(), func.coalesce(
        func.sum(VolumeSnapshot.volume_size), 0)).where(
        VolumeSnapshot.project_id == project_id)).one()
    used["snapshots"] = int(total[0])
    used["gigabytes"] = used.get("gigabytes", 0) + int(total[1])
    for name, n, gb in rows:
        used[f"snapshots_{name}"] = int(n)
        used[f"gigabytes_{name}"] = used.get(f"gigabytes_{name}", 0) + int(gb)


def check_snapshot(db: Session, project_id: str, type_name: str | None,
                   gigabytes: int) -> None:
    """413 when one more snapshot of `gigabytes` would pass a limit: the snapshot counts
    first, then the gigabytes, in total and for the volume's type (Cinder's order and
    messages, cinder/quota_utils.py process_reserve_over_quota)."""
    lim, used = limits(db, project_id), usage(db, project_id)
    suffixes = ("",) if type_name is None else ("", f"_{type_name}")
    for suffix in suffixes:
        key = f"snapshots{suffix}"
        if 0 <= lim.get(key, -1) < used.get(key, 0) + 1:
            raise PayloadTooLarge(f"SnapshotLimitExceeded: Maximum number of snapshots "
                                  f"allowed ({lim[key]}) exceeded")
    for suffix in suffixes:
        key = f"gigabytes{suffix}"
        if 0 <= lim.get(key, -1) < used.get(key, 0) + gigabytes:
            raise PayloadTooLarge(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed {key} quota. Requested {gigabytes}G, quota is {lim[key]}G and "
                f"{used.get(key, 0)}G has been consumed.")


def check_backup(db: Session, project_id: str, gigabytes: int) -> None:
    """413 when one more backup of `gigabytes` would pass a limit (Cinder's messages,
    cinder/quota_utils.py process_reserve_over_quota)."""
    lim, used = limits(db, project_id), usage(db, project_id)
    if 0 <= lim["backups"] < used["backups"] + 1:
        raise PayloadTooLarge(f"BackupLimitExceeded: Maximum number of backups allowed "
                              f"({lim['backups']}) exceeded")
    if 0 <= lim["backup_gigabytes"] < used["backup_gigabytes"] + gigabytes:
        raise PayloadTooLarge(
            f"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed "
            f"Backup gigabytes quota. Requested {gigabytes}G, quota is "
            f"{lim['backup_gigabytes']}G and {used['backup_gigabytes']}G has been "
            f"consumed.")
