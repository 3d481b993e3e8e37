"""Snapshots: create, read, update, delete, metadata, the admin's status actions.

A snapshot is a copy of its volume's file (cheptel.backends.file_blocks: a reflink where
the data directory's filesystem has them, a sparse copy elsewhere). As for volumes, a
write records its intent (`creating`, `deleting`) and commits; the copy or removal runs
after the commit in its own transaction (materialize / finish_delete), and `recover`
finishes at every start what a crash interrupted.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStore, BlockStoreError
from cheptel.errors import BadRequest, NotFound
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeAttachment, VolumeSnapshot, VolumeType
from cheptel.volume.service import listing, quotas

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

# cinder/objects/fields.py SnapshotStatus.ALL (os-reset_status takes any of them)
STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
            "error_deleting", "unmanaging", "backing-up", "restoring")
DELETABLE = ("available", "error")
# os-update_snapshot_status: the transitions Cinder allows (snapshot_actions.py)
STATUS_MAP = {"creating": ("creating", "available", "error"),
              "deleting": ("deleting", "error_deleting")}


def get_visible(db: Session, creds: Creds, snapshot_id: str) -> VolumeSnapshot:
    """The snapshot, if the caller's project owns it (or the caller is an admin): else 404."""
    snap = db.get(VolumeSnapshot, snapshot_id) if len(snapshot_id) <= 36 else None
    if snap is None or not (creds.is_admin or snap.project_id == creds.project_id):
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    return snap


def of_volume(db: Session, volume_id: str) -> list[VolumeSnapshot]:
    return list(db.scalars(select(VolumeSnapshot).where(
        VolumeSnapshot.volume_id == volume_id).order_by(VolumeSnapshot.created_at)))


def create(db: Session, creds: Creds, volume: Volume, body: dict[str, Any],
           in_use_ok: bool, now: float) -> VolumeSnapshot:
    """A `creating` snapshot of `volume` (the copy follows after commit). `in_use_ok`:
    force=true, or microversion 3.66 and later. Cinder's checks and messages, in its
    order (cinder/volume/api.py create_snapshot_in_db)."""
    if volume.status == "maintenance":
        raise BadRequest("Invalid volume: The snapshot cannot be created when the volume "
                         "is in maintenance mode.")
    if volume.status == "error":
        raise BadRequest("Invalid volume: The snapshot cannot be created when the volume "
                         "is in error status.")
    valid = ("available", "in-use") if in_use_ok else ("available",)
    if volume.status not in valid:
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be "
                         f"{', '.join(valid)}, but current status is: {volume.status}.")
    if creds.project_id is None:  # (api/common.caller already refuses such a token)
        raise BadRequest("Malformed request url")
    vt = db.get(VolumeType, volume.volume_type_id)
    quotas.check_snapshot(db, creds.project_id, vt.name if vt else None, volume.size)
    snap = VolumeSnapshot(
        id=str(uuid.uuid4()), project_id=creds.project_id, user_id=creds.user_id,
        volume_id=volume.id, name=body.get("name", body.get("display_name")),
        description=body.get("description", body.get("display_description")),
        status="creating", progress="0%", error_message=None, volume_size=volume.size,
        volume_type_id=volume.volume_type_id, meta=dict(body.get("metadata") or {}),
        created_at=now, updated_at=None)
    db.add(snap)
    db.flush()
    return snap


def _in_use_message(force: bool) -> str:
    status = "" if force else ("status must be available or error or error_restoring or "
                               "error_extending or error_managing and ")
    return (f"Invalid volume: Volume {status}must not be migrating, attached, belong to a "
            f"group, have snapshots, awaiting a transfer, or be disassociated from "
            f"snapshots after volume transfer.")


def before_volume_delete(db: Session, creds: Creds, volume: Volume, cascade: bool,
                         force: bool, now: float) -> list[str]:
    """A volume with snapshots is not deleted (Cinder's 400), unless `cascade`: then its
    snapshots, all `available` or `error` (or already `deleting`) and, for a non-admin,
    all of the caller's project, are marked `deleting` too. Returns their ids. Neither is
    a volume whose clone or a volume from one of its snapshots is being made."""
    snaps = of_volume(db, volume.id)
    copying = db.scalar(select(Volume.id).where(Volume.status == "creating").where(
        (Volume.source_volid == volume.id) | Volume.snapshot_id.in_([s.id for s in snaps])
    ).limit(1))
    if copying is not None:
        raise BadRequest(f"Invalid volume: Volume {volume.id} is being copied to volume "
                         f"{copying}.")
    if not snaps:
        return []
    if not cascade:
        raise BadRequest(_in_use_message(force))
    if any(s.status not in (*DELETABLE, "deleting") for s in snaps) or (
            not creds.is_admin and any(s.project_id != creds.project_id for s in snaps)):
        raise BadRequest(_in_use_message(force))
    for s in snaps:
        s.status, s.updated_at = "deleting", now
    db.flush()
    return [s.id for s in snaps]


def update(db: Session, snap: VolumeSnapshot, body: dict[str, Any], now: float) -> None:
    for key, alias, attr in (("name", "display_name", "name"),
                             ("description", "display_description", "description")):
        if key in body or alias in body:
            setattr(snap, attr, body.get(key, body.get(alias)))
    snap.updated_at = now
    db.flush()


def mark_deleting(db: Session, snap: VolumeSnapshot, now: float, force: bool = False) -> None:
    """`deleting`, if the status allows (forced: any status, as os-force_delete)."""
    if not force and (snap.status not in DELETABLE or snap.group_snapshot_id is not None):
        raise BadRequest("Invalid snapshot: Snapshot status must be available or error "
                         "and must not be part of a group.")
    copying = db.scalar(select(Volume.id).where(Volume.snapshot_id == snap.id).where(
        Volume.status == "creating").limit(1))
    if copying is not None:
        raise BadRequest(f"Invalid snapshot: Snapshot {snap.id} is being copied to volume "
                         f"{copying}.")
    snap.status, snap.updated_at = "deleting", now
    db.flush()


def reset_status(db: Session, snap: VolumeSnapshot, status: str, now: float) -> None:
    if status.lower() not in STATUSES:
        raise BadRequest(f"Snapshot status: {status[:32]} is invalid, valid statuses are: "
                         f"{', '.join(STATUSES)}.")
    snap.status, snap.error_message, snap.updated_at = status.lower(), None, now
    db.flush()


def update_status(db: Session, snap: VolumeSnapshot, status: str, progress: str | None,
                  now: float) -> None:
    """os-update_snapshot_status: the transitions a volume driver may report."""
    if snap.status not in STATUS_MAP:
        raise BadRequest(f"Snapshot status {snap.status} not allowed for "
                         f"update_snapshot_status")
    if status not in STATUS_MAP[snap.status]:
        raise BadRequest(f"Provided snapshot status {status[:32]} not allowed for "
                         f"snapshot with status {snap.status}.")
    if progress:
        digits = progress[:-1]
        if not (progress.endswith("%") and digits.isdigit() and 0 <= int(digits) <= 100):
            raise BadRequest("Invalid input received: progress must be an integer "
                             "percentage between 0 and 100")
        snap.progress = progress
    snap.status, snap.updated_at = status, now
    db.flush()


# --- listing -------------------------------------------------------------------------

# cinder/etc/cinder/resource_filters.json ("snapshot")
FILTERS = {"name", "status", "volume_id", "metadata", "availability_zone",
           "consumes_quota"}
PAGING = {"limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count",
          "all_tenants", "project_id"}
SORT_KEYS = {"id", "name", "display_name", "status", "size", "volume_size", "created_at",
             "updated_at", "volume_id", "project_id", "user_id", "description",
             "display_description"}
ATTR = {"display_name": "name", "size": "volume_size", "display_description": "description"}


@dataclass
class Page:
    snapshots: list[VolumeSnapshot]
    more: bool  # a full page: the listing links to the next (as the volume listing)
    count: int  # every snapshot the filters match (3.45 with_count)


def _matches(s: VolumeSnapshot, filters: dict[str, str]) -> bool:
    for key, want in filters.items():
        if key == "metadata":
            meta = listing._metadata(want)
            if any(s.meta.get(k) != val for k, val in meta.items()):
                return False
        elif key == "availability_zone":
            if want != "nova":  # every volume, so every snapshot, is in nova
                return False
        elif key == "consumes_quota":
            if want.strip().lower() not in ("true", "1", "yes", "on"):
                return False
        elif getattr(s, key) != want:
            return False
    return True


def _attr_key(attr: str, s: VolumeSnapshot) -> tuple[bool, Any]:
    value = getattr(s, attr)
    return (value is None, value if value is not None else 0)


def list_snapshots(db: Session, creds: Creds, query: dict[str, str],
                   all_tenants: bool) -> Page:
    """The caller's snapshots (every project's with all_tenants), filtered and paged."""
    unknown = set(query) - FILTERS - PAGING
    if unknown and not creds.is_admin:
        raise BadRequest(f"Invalid filters {', '.join(sorted(unknown))[:200]} are found "
                         f"in query options.")
    limit, offset = listing._int(query, "limit"), listing._int(query, "offset") or 0
    order = listing._sort(query, SORT_KEYS, ATTR)
    stmt = select(VolumeSnapshot)
    if not all_tenants:
        stmt = stmt.where(VolumeSnapshot.project_id == creds.project_id)
    elif query.get("project_id"):
        stmt = stmt.where(VolumeSnapshot.project_id == query["project_id"])
    filters = {k: v for k, v in query.items() if k in FILTERS}
    found = [s for s in db.scalars(stmt) if _matches(s, filters)]
    for attr, desc in reversed(order):
        found.sort(key=partial(_attr_key, attr), reverse=desc)
    count = len(found)
    marker = query.get("marker")
    if marker is not None:
        ids = [s.id for s in found]
        if marker not in ids:
            raise NotFound(f"Marker {marker[:64]} could not be found.")
        found = found[ids.index(marker) + 1:]
    found = found[offset:]
    size = min(limit, listing.MAX_LIMIT) if limit is not None else listing.MAX_LIMIT
    page = found[:size]
    return Page(page, bool(page) and len(page) >= size, count)


# --- the host side (after commit, and at start) ---------------------------------------

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextmanager
def reading(volume_id: str) -> Iterator[None]:
    """Held while a volume's file is copied (a snapshot, a clone) or grown, so that a copy
    never reads a file being resized (Cinder's volume manager locks the same way)."""
    with _locks_guard:
        lock = _locks.setdefault(volume_id, threading.Lock())
    with lock:
        yield

def mount_point(db: Session, blocks: BlockStore, volume: Volume | None) -> Path | None:
    """Where an attached volume's filesystem is mounted read-write on this host (its
    attachment's DATA_DIR/mnt/<server>/<device>, if the host shows it mounted there), to
    be frozen around the copy; None for a detached volume, or one attached read-only."""
    if volume is None:
        return None
    mounted = None
    for att in db.scalars(select(VolumeAttachment).where(
            VolumeAttachment.volume_id == volume.id).where(
            VolumeAttachment.server_id.is_not(None)).where(VolumeAttachment.mode == "rw")):
        assert att.server_id is not None
        device = att.mount_name
        mounted = blocks.mounts() if mounted is None else mounted
        if device and mounted.get((att.server_id, device)) == volume.id:
            return blocks.server_dir(att.server_id) / device
    return None


def materialize(deps: Deps, snapshot_id: str) -> None:
    """Copy a `creating` snapshot's volume, then say `available` (or `error`, and why)."""
    with deps.sessions() as db, db.begin():
        snap = db.get(VolumeSnapshot, snapshot_id)
        if snap is None or snap.status != "creating":
            return
        _make(db, deps.blocks, snap, deps.clock())


def _make(db: Session, blocks: BlockStore, snap: VolumeSnapshot, now: float) -> None:
    volume = db.get(Volume, snap.volume_id)
    try:
        if volume is None:
            raise BlockStoreError(f"volume {snap.volume_id} is gone")
        with reading(volume.id):
            blocks.snapshot(volume.id, snap.id, mount_point(db, blocks, volume))
        snap.status, snap.progress, snap.error_message = "available", "100%", None
    except BlockStoreError as exc:
        log.warning("snapshot %s: creation failed: %s", snap.id, exc)
        snap.status, snap.error_message = "error", str(exc)
    snap.updated_at = now
    db.flush()


def finish_delete(deps: Deps, snapshot_id: str) -> None:
    """Remove a `deleting` snapshot's file, then its row (or say `error_deleting`)."""
    with deps.sessions() as db, db.begin():
        snap = db.get(VolumeSnapshot, snapshot_id)
        if snap is None or snap.status != "deleting":
            return
        _remove(db, deps.blocks, snap, deps.clock())


def _remove(db: Session, blocks: BlockStore, snap: VolumeSnapshot, now: float) -> None:
    try:
        blocks.delete_snapshot(snap.id)
    except BlockStoreError as exc:
        log.warning("snapshot %s: deletion failed: %s", snap.id, exc)
        snap.status, snap.error_message, snap.updated_at = "error_deleting", str(exc), now
        db.flush()
        return
    db.delete(snap)
    db.flush()


def recover(db: Session, blocks: BlockStore, now: float) -> list[str]:
    """At start (after the volumes' recovery): finish what a crash interrupted, remove
    the half-made copies and the snapshot files no row owns."""
    notes = [f"snapshot storage: removed half-made {name}"
             for name in blocks.sweep_snapshots()]
    rows = {s.id: s for s in db.scalars(select(VolumeSnapshot))}
    for snap in rows.values():
        if snap.status == "creating":
            _make(db, blocks, snap, now)
        elif snap.status == "deleting":
            _remove(db, blocks, snap, now)
    for orphan in sorted(blocks.snapshot_ids() - set(rows)):
        blocks.delete_snapshot(orphan)
        notes.append(f"snapshot storage: removed {orphan}, which no snapshot owns")
    return notes
