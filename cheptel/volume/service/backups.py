"""Backups: create (full or incremental), read, update, delete, restore, the admin's
status actions (cinder/backup/api.py).

A backup is the volume's file (or a snapshot's) as compressed chunks with a manifest on
this host's disk (cheptel.backends.backup_files, through the BlockStore), or, with
CHEPTEL_BACKUP_STORE=object-store, the same files kept as objects of the project's
container in the built-in object store (backup_objects: `objects` below). As for
snapshots, a write records its intent (`creating`, `deleting`, `restoring`) and commits;
the copy runs after the commit in its own transaction (materialize, finish_delete,
finish_restore), and `recover` finishes at every start what a crash interrupted.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStore, BlockStoreError
from cheptel.errors import BadRequest, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeBackup, VolumeSnapshot
from cheptel.volume.service import listing, quotas, snapshots, volumes
from cheptel.volume.service.backup_objects import FILE_CONTAINER, ObjectBackups, for_deps

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

AZ = "nova"
DELETABLE = ("available", "error")
# cinder/api/schemas/admin_actions.py reset_status (backups)
RESET_STATUSES = ("available", "error")


def get_visible(db: Session, creds: Creds, backup_id: str) -> VolumeBackup:
    """The backup, if the caller's project owns it (or the caller is an admin): else 404."""
    b = db.get(VolumeBackup, backup_id) if len(backup_id) <= 36 else None
    if b is None or not (creds.is_admin or b.project_id == creds.project_id):
        raise NotFound(f"Backup {backup_id} could not be found.")
    return b


def has_children(db: Session, backup_id: str) -> bool:
    return db.scalar(select(VolumeBackup.id).where(
        VolumeBackup.parent_id == backup_id).limit(1)) is not None


def create(db: Session, creds: Creds, volume: Volume, snap: VolumeSnapshot | None,
           body: dict[str, Any], now: float, container: str = FILE_CONTAINER
           ) -> VolumeBackup:
    """A `creating` backup of `volume` (or of its snapshot `snap`); the volume (or the
    snapshot) says `backing-up` until the copy is made. Cinder's checks, in its order."""
    incremental = volumes.as_bool(body.get("incremental", False))
    force = volumes.as_bool(body.get("force", False))
    if snap is not None:
        if snap.volume_id != volume.id:
            raise BadRequest(f"Invalid volume: Volume {volume.id} does not match with "
                             f"snapshot.volume_id {snap.volume_id}.")
        if snap.status != "available":
            raise BadRequest(f"Invalid snapshot: Snapshot to be backed up must be "
                             f"available, but the current status is \"{snap.status}\".")
    elif volume.status not in ("available", "in-use"):
        raise BadRequest(f"Invalid volume: Volume to be backed up must be available or "
                         f"in-use, but the current status is \"{volume.status}\".")
    elif volume.status == "in-use" and not force:
        raise BadRequest("Invalid volume: Backing up an in-use volume must use the force "
                         "flag.")
    az = body.get("availability_zone") or AZ
    if az != AZ:
        raise BadRequest(f"Availability zone '{az}' is invalid.")
    if creds.project_id is None:  # (api/common.caller already refuses such a token)
        raise BadRequest("Malformed request url")
    quotas.check_backup(db, creds.project_id, volume.size)
    parent = None
    if incremental:
        done = [b for b in db.scalars(select(VolumeBackup).where(
            VolumeBackup.volume_id == volume.id).where(
            VolumeBackup.project_id == creds.project_id))
            if b.status == "available" and (snap is None or b.data_timestamp
                                             < snap.created_at)]
        if not done:
            raise BadRequest("Invalid backup: No backups available to do an incremental "
                             "backup.")
        parent = max(done, key=lambda b: (b.data_timestamp, b.created_at))
    backup = VolumeBackup(
        id=str(uuid.uuid4()), project_id=creds.project_id, user_id=creds.user_id,
        volume_id=volume.id, snapshot_id=snap.id if snap else None,
        name=body.get("name"), description=body.get("description"),
        container=body.get("container") or container, status="creating",
        fail_reason=None, size=volume.size, object_count=0,
        parent_id=parent.id if parent else None, availability_zone=az,
        meta=dict(body.get("metadata") or {}),
        source_status=snap.status if snap else volume.status, restore_volume_id=None,
        volume_meta={"metadata": dict(volume.meta), "bootable": volume.bootable,
                     "image_meta": volume.image_meta},
        data_timestamp=snap.created_at if snap else now, created_at=now, updated_at=None)
    if snap is not None:
        snap.status, snap.updated_at = "backing-up", now
    else:
        volume.status, volume.updated_at = "backing-up", now
    db.add(backup)
    db.flush()
    return backup


def update(db: Session, backup: VolumeBackup, body: dict[str, Any], with_metadata: bool,
           now: float) -> None:
    for key in ("name", "description"):
        if key in body:
            setattr(backup, key, body[key])
    if with_metadata and body.get("metadata") is not None:
        backup.meta = dict(body["metadata"])
    backup.updated_at = now
    db.flush()


def mark_deleting(db: Session, backup: VolumeBackup, now: float, force: bool = False
                  ) -> None:
    """`deleting`, if the status allows (Cinder's delete: available or error; forced,
    also creating and restoring are refused here, since the copy is this process's)."""
    if not force and backup.status not in DELETABLE:
        raise BadRequest("Invalid backup: Backup status must be available or error")
    if force and backup.status not in (*DELETABLE, "deleting", "error_deleting"):
        raise BadRequest(f"Invalid backup: Backup status must be available or error, "
                         f"not {backup.status}, to force delete it here.")
    if has_children(db, backup.id):
        raise BadRequest("Invalid backup: Incremental backups exist for this backup.")
    backup.status, backup.updated_at = "deleting", now
    db.flush()


def reset_status(db: Session, backup: VolumeBackup, status: str, now: float) -> None:
    if status not in RESET_STATUSES:
        raise BadRequest(f"Invalid input received: Backup status {status[:32]} is "
                         f"invalid, valid statuses are: available, error.")
    backup.status, backup.updated_at = status, now
    db.flush()


def restore(db: Session, creds: Creds, backup: VolumeBackup, volume_id: str | None,
            name: str | None, now: float) -> Volume:
    """Mark the backup `restoring` into `volume_id` (or a new volume of its size) and
    the volume `restoring-backup`; the data is written after commit (finish_restore)."""
    if backup.status != "available":
        raise BadRequest("Invalid backup: Backup status must be available")
    if volume_id is None:
        volume = volumes.create(db, creds, {
            "size": backup.size, "name": name or f"restore_backup_{backup.id}",
            "description": "auto-created_from_restore_from_backup"}, now)
        volume.status = "available"  # its file is the restore's to make
    else:
        volume = volumes.get_visible(db, creds, volume_id)
    if volume.status != "available":
        raise BadRequest("Invalid volume: Volume to be restored to must be available")
    if backup.size > volume.size:
        raise BadRequest(f"Invalid volume: volume size {volume.size} is too small to "
                         f"restore backup of size {backup.size}.")
    volume.status, volume.updated_at = "restoring-backup", now
    backup.status, backup.restore_volume_id, backup.updated_at = "restoring", volume.id, now
    db.flush()
    return volume


# --- export and import of records ----------------------------------------------------

# what Tempest checks an exported record names (a module of cinder.backup.drivers); the
# layout is cheptel's own, on local disk, as Cinder's posix driver keeps its own
SERVICE = "cinder.backup.drivers.posix"
RECORD_FIELDS = ("id", "volume_id", "snapshot_id", "name", "description", "container",
                 "size", "object_count", "parent_id", "availability_zone",
                 "data_timestamp", "created_at")


def export_record(backup: VolumeBackup) -> dict[str, str]:
    if backup.status != "available":
        raise BadRequest(f"Invalid backup: Backup status must be available and not "
                         f"{backup.status}.")
    record = {k: getattr(backup, k) for k in RECORD_FIELDS}
    record["metadata"] = dict(backup.meta)
    record["volume_meta"] = dict(backup.volume_meta)
    record["data"] = backup.id  # the directory holding its chunks and manifest
    url = base64.b64encode(json.dumps(record, sort_keys=True).encode()).decode()
    return {"backup_service": SERVICE, "backup_url": url}


def import_record(db: Session, creds: Creds, service: str, url: str, now: float
                  ) -> VolumeBackup:
    """A `creating` backup of the record's data (linked into place after commit)."""
    try:
        record = json.loads(base64.b64decode(url, validate=True))
    except (ValueError, binascii.Error):
        raise BadRequest("Invalid input received: Can't parse backup record.") from None
    if service != SERVICE:
        raise BadRequest(f"Invalid input received: Unsupported backup service "
                         f"{service[:64]}.")
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or \
            not 0 < len(record["id"]) <= 36:
        raise BadRequest("Invalid input received: Provided backup record is missing an "
                         "id")
    if not isinstance(record.get("size"), int) or isinstance(record["size"], bool):
        raise BadRequest("Invalid input received: Provided backup record is missing size "
                         "attribute")
    source = record.get("data")
    if not isinstance(source, str) or not 0 < len(source) <= 36:
        raise BadRequest("Invalid input received: Provided backup record names no data.")
    if db.get(VolumeBackup, record["id"]) is not None:
        raise BadRequest("Invalid backup: Backup already exists in database.")
    if creds.project_id is None:
        raise BadRequest("Malformed request url")

    def text(key: str, limit: int = 255) -> str | None:
        value = record.get(key)
        return value[:limit] if isinstance(value, str) else None

    parent = text("parent_id", 36)
    meta = record.get("metadata")
    stamp = record.get("data_timestamp")
    backup = VolumeBackup(
        id=record["id"], project_id=creds.project_id, user_id=creds.user_id,
        volume_id=text("volume_id", 36) or "", snapshot_id=text("snapshot_id", 36),
        name=text("name"), description=text("description"),
        container=text("container"), status="creating", fail_reason=None,
        size=max(0, record["size"]), object_count=0,
        parent_id=parent if parent and db.get(VolumeBackup, parent) else None,
        availability_zone=AZ,
        meta={str(k)[:255]: str(v)[:255] for k, v in meta.items()}
        if isinstance(meta, dict) else {},
        source_status=None, restore_volume_id=None, imported_from=source,
        volume_meta=_volume_meta(record.get("volume_meta")),
        data_timestamp=float(stamp) if isinstance(stamp, (int, float)) else now,
        created_at=now, updated_at=None)
    db.add(backup)
    db.flush()
    return backup


def _volume_meta(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    meta, image = raw.get("metadata"), raw.get("image_meta")
    return {"metadata": {str(k)[:255]: str(v)[:255] for k, v in meta.items()}
            if isinstance(meta, dict) else {},
            "bootable": raw.get("bootable") is True,
            "image_meta": image if isinstance(image, dict) else None}


def _import(db: Session, blocks: BlockStore, backup: VolumeBackup, now: float,
            store: ObjectBackups | None) -> None:
    assert backup.imported_from is not None
    staged: list[str] = []
    try:
        if store is not None:
            staged = store.stage(db, backup.imported_from)
        backup.object_count = blocks.import_backup(backup.imported_from, backup.id)
        if store is not None:
            store.publish(db, backup, now)
        backup.status, backup.fail_reason = "available", None
    except BlockStoreError as exc:
        log.warning("backup %s: import failed: %s", backup.id, exc)
        backup.status, backup.fail_reason = "error", str(exc)
    finally:
        if store is not None:
            store.unstage(staged)
    backup.imported_from, backup.updated_at = None, now
    db.flush()


# --- listing -------------------------------------------------------------------------

# cinder/etc/cinder/resource_filters.json ("backup")
FILTERS = {"name", "status", "volume_id"}
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count",
          "all_tenants", "project_id"}
SORT_KEYS = {"id", "name", "display_name", "status", "size", "created_at", "updated_at",
             "volume_id", "project_id", "user_id", "description", "display_description",
             "data_timestamp"}
ATTR = {"display_name": "name", "display_description": "description"}


@dataclass
class Page:
    backups: list[VolumeBackup]
    more: bool
    count: int


def _attr_key(attr: str, b: VolumeBackup) -> tuple[bool, Any]:
    value = getattr(b, attr)
    return (value is None, value if value is not None else 0)


def list_backups(db: Session, creds: Creds, query: dict[str, str],
                 all_tenants: bool) -> Page:
    unknown = set(query) - FILTERS - PAGING
    if unknown and not creds.is_admin:
        raise BadRequest(f"Invalid filters {', '.join(sorted(unknown))[:200]} are found "
                         f"in query options.")
    limit, offset = listing._int(query, "limit"), listing._int(query, "offset") or 0
    order = listing._sort(query, SORT_KEYS, ATTR)
    stmt = select(VolumeBackup)
    if not all_tenants:
        stmt = stmt.where(VolumeBackup.project_id == creds.project_id)
    elif query.get("project_id"):
        stmt = stmt.where(VolumeBackup.project_id == query["project_id"])
    filters = {k: v for k, v in query.items() if k in FILTERS}
    found = [b for b in db.scalars(stmt)
             if all(getattr(b, k) == v for k, v in filters.items())]
    for attr, desc in reversed(order):
        found.sort(key=partial(_attr_key, attr), reverse=desc)
    count = len(found)
    marker = query.get("marker")
    if marker is not None:
        ids = [b.id for b in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[offset:]
    size = min(limit, listing.MAX_LIMIT) if limit is not None else listing.MAX_LIMIT
    page = found[:size]
    return Page(page, bool(page) and len(page) >= size, count)


# --- the host side (after commit, and at start) ---------------------------------------

def _give_back(db: Session, backup: VolumeBackup, now: float) -> None:
    """The volume (or snapshot) gets back the status it had before `backing-up`."""
    if backup.snapshot_id:
        snap = db.get(VolumeSnapshot, backup.snapshot_id)
        if snap is not None and snap.status == "backing-up":
            snap.status, snap.updated_at = backup.source_status or "available", now
        return
    volume = db.get(Volume, backup.volume_id)
    if volume is not None and volume.status == "backing-up":
        volume.status, volume.updated_at = backup.source_status or "available", now


def materialize(deps: Deps, backup_id: str) -> None:
    """Copy a `creating` backup's volume, then say `available` (or `error`, and why)."""
    with deps.sessions() as db, db.begin():
        backup = db.get(VolumeBackup, backup_id)
        if backup is None or backup.status != "creating":
            return
        _make(db, deps.blocks, backup, deps.clock(), for_deps(deps))


def _make(db: Session, blocks: BlockStore, backup: VolumeBackup, now: float,
          store: ObjectBackups | None) -> None:
    if backup.imported_from is not None:
        _import(db, blocks, backup, now, store)
        return
    volume = db.get(Volume, backup.volume_id)
    staged: list[str] = []
    try:
        if volume is None:
            raise BlockStoreError(f"volume {backup.volume_id} is gone")
        if store is not None and backup.parent_id:  # the parent's manifest, read here
            staged = store.stage(db, backup.parent_id)
        if backup.snapshot_id:
            backup.object_count = blocks.backup("snapshot", backup.snapshot_id, backup.id,
                                                backup.parent_id)
        else:
            with snapshots.reading(volume.id):
                backup.object_count = blocks.backup(
                    "volume", volume.id, backup.id, backup.parent_id,
                    snapshots.mount_point(db, blocks, volume))
        if store is not None:
            store.publish(db, backup, now)
        backup.status, backup.fail_reason = "available", None
    except BlockStoreError as exc:
        log.warning("backup %s: creation failed: %s", backup.id, exc)
        backup.status, backup.fail_reason = "error", str(exc)
    finally:
        if store is not None:
            store.unstage(staged)
    _give_back(db, backup, now)
    backup.updated_at = now
    db.flush()


def finish_restore(deps: Deps, backup_id: str) -> None:
    """Write a `restoring` backup into its volume: both `available` again, or the volume
    `error_restoring` (and why), as Cinder's backup manager."""
    with deps.sessions() as db, db.begin():
        backup = db.get(VolumeBackup, backup_id)
        if backup is None or backup.status != "restoring":
            return
        _restore(db, deps.blocks, backup, deps.clock(), for_deps(deps))


def _restore(db: Session, blocks: BlockStore, backup: VolumeBackup, now: float,
             store: ObjectBackups | None) -> None:
    volume = db.get(Volume, backup.restore_volume_id or "")
    if volume is not None and volume.status == "restoring-backup":
        staged: list[str] = []
        try:
            if store is not None:
                staged = store.stage(db, backup.id)
            with snapshots.reading(volume.id):
                blocks.restore_backup(backup.id, volume.id, volume.size)
            volume.status, volume.error_message = "available", None
            saved = backup.volume_meta or {}
            volume.meta = {**volume.meta, **(saved.get("metadata") or {})}
            if saved.get("bootable"):
                volume.bootable = True
            if saved.get("image_meta"):
                volume.image_meta = dict(saved["image_meta"])
        except BlockStoreError as exc:
            log.warning("backup %s: restore into %s failed: %s", backup.id, volume.id, exc)
            volume.status, volume.error_message = "error_restoring", str(exc)
        finally:
            if store is not None:
                store.unstage(staged)
        volume.updated_at = now
    backup.status, backup.restore_volume_id, backup.updated_at = "available", None, now
    db.flush()


def finish_delete(deps: Deps, backup_id: str) -> None:
    with deps.sessions() as db, db.begin():
        backup = db.get(VolumeBackup, backup_id)
        if backup is None or backup.status != "deleting":
            return
        _remove(db, deps.blocks, backup, deps.clock(), for_deps(deps))


def _remove(db: Session, blocks: BlockStore, backup: VolumeBackup, now: float,
            store: ObjectBackups | None) -> None:
    try:
        blocks.delete_backup(backup.id)
        if store is not None:
            store.remove(db, backup)
    except BlockStoreError as exc:
        log.warning("backup %s: deletion failed: %s", backup.id, exc)
        backup.status, backup.fail_reason, backup.updated_at = "error_deleting", str(exc), now
        db.flush()
        return
    db.delete(backup)
    db.flush()


def recover(db: Session, blocks: BlockStore, now: float,
            store: ObjectBackups | None = None) -> list[str]:
    """At start (after the volumes' and snapshots' recovery): make the `creating`
    backups again, redo the `restoring` ones, remove the `deleting` ones, the half-made
    directories and the backups no row owns."""
    notes = [f"backup storage: removed half-made {name}" for name in blocks.sweep_backups()]
    rows = {b.id: b for b in db.scalars(select(VolumeBackup).order_by(
        VolumeBackup.created_at))}
    for backup in rows.values():
        if backup.status == "creating":
            _make(db, blocks, backup, now, store)
        elif backup.status == "restoring":
            _restore(db, blocks, backup, now, store)
        elif backup.status == "deleting":
            _remove(db, blocks, backup, now, store)
    for orphan in sorted(blocks.backup_ids() - set(rows)):
        blocks.delete_backup(orphan)
        notes.append(f"backup storage: removed {orphan}, which no backup owns")
    return notes
