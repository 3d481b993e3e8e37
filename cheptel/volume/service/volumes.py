"""Volumes: create, read, update, delete, metadata and the simple actions.

A write records intent in the database and commits; the backend then makes the host
match (materialize / finish_delete, run after the commit in their own transaction).
A crash between the two leaves a `creating` or `deleting` row, which `recover` (at every
start) drives to its end: a volume is never half-made, and no file outlives its row.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import GIB, BlockStore, BlockStoreError
from cheptel.errors import BadRequest, NotFound
from cheptel.image.service import images
from cheptel.policy import Creds
from cheptel.volume.models import (
    Volume,
    VolumeAttachment,
    VolumeBackup,
    VolumeSnapshot,
    VolumeType,
)
from cheptel.volume.service import quotas, snapshots, transfers, types

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

AZ = "nova"  # Cinder's default storage_availability_zone
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
TRUE = ("true", "True", "1", "yes", "on")


def as_bool(value: bool | str) -> bool:
    return value is True or (isinstance(value, str) and value in TRUE)


def get_visible(db: Session, creds: Creds, volume_id: str) -> Volume:
    """The volume, if the caller's project owns it (or the caller is an admin): else 404."""
    volume = db.get(Volume, volume_id) if len(volume_id) <= 36 else None
    if volume is None or not (creds.is_admin or volume.project_id == creds.project_id):
        raise NotFound(f"Volume {volume_id} could not be found.")
    return volume


def _check_sources(db: Session, creds: Creds, body: dict[str, Any]
                   ) -> tuple[VolumeSnapshot | None, Volume | None]:
    """Cinder looks every source up before anything else: an unknown one is its 404 (an
    unknown image its 400); then only one may be given, and it must be usable (an image's
    own checks: image_source). A backup that exists is refused: restore it instead."""
    snap = snapshots.get_visible(db, creds, body["snapshot_id"]) \
        if body.get("snapshot_id") else None
    source = get_visible(db, creds, body["source_volid"]) if body.get("source_volid") \
        else None
    if body.get("imageRef"):
        try:  # an image's URL names it by its last segment, as Cinder reads imageRef
            images.get_visible(db, creds, str(body["imageRef"]).rsplit("/", 1)[-1])
        except NotFound:
            raise BadRequest("Invalid image identifier or unable to access requested "
                             "image.") from None
    backup = db.get(VolumeBackup, body["backup_id"]) if body.get("backup_id") else None
    if body.get("backup_id") and (backup is None or not (
            creds.is_admin or backup.project_id == creds.project_id)):
        raise NotFound(f"Backup {body['backup_id']} could not be found.")
    given = [k for k, key in (("backup", "backup_id"), ("snapshot", "snapshot_id"),
                              ("imageRef", "imageRef"), ("source volume", "source_volid"))
             if body.get(key)]
    if len(given) > 1:  # cinder/utils.py check_exclusive_options
        raise BadRequest("Invalid input received: May specify only one of backup, "
                         "imageRef, snapshot, source volume")
    if backup is not None:  # 3.47: restore a backup through POST /backups/{id}/restore
        raise BadRequest("Volumes made from a backup at create are not supported by this "
                         "cloud yet: restore the backup (POST /backups/{id}/restore).")
    if snap is not None and snap.status != "available":
        raise BadRequest("Invalid snapshot: Originating snapshot status must be one of "
                         "'available' values")
    if source is not None and source.status not in ("available", "in-use"):
        raise BadRequest("Invalid volume: Originating source volume status must be one "
                         "of 'available, in-use' values")
    return snap, source


def _source_size(size: int | None, snap: VolumeSnapshot | None,
                 source: Volume | None) -> int:
    """The size asked, or the source's; never smaller than the source (Cinder's
    messages, cinder/volume/flows/api/create_volume.py _extract_size)."""
    if size is None:
        if source is not None:
            return source.size
        if snap is not None:
            return snap.volume_size
        raise BadRequest("Size of the volume is required unless a source is given.")
    if source is not None and size < source.size:
        raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be "
                         f"smaller than original volume size  {source.size}GB. They must "
                         f"be >= original volume size.")
    if source is None and snap is not None and size < snap.volume_size:
        raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be "
                         f"smaller than the snapshot size {snap.volume_size}GB. They "
                         f"must be >= original snapshot size.")
    return size


def _source_type(db: Session, snap: VolumeSnapshot | None,
                 source: Volume | None) -> VolumeType:
    """The source's type (a volume's before a snapshot's), else the default."""
    type_id = source.volume_type_id if source is not None else (
        snap.volume_type_id if snap is not None else None)
    vt = db.get(VolumeType, type_id) if type_id else None
    return vt if vt is not None else types.default(db)


def image_source(db: Session, creds: Creds, image_ref: str,
                 size: int | str | None) -> dict[str, Any]:
    """The volume_image_metadata of a volume made from this image, after Cinder's checks
    (an image's URL names it by its last segment, as Cinder reads imageRef)."""
    try:
        image = images.get_visible(db, creds, image_ref.rsplit("/", 1)[-1])
    except NotFound:
        raise BadRequest("Invalid image identifier or unable to access requested "
                         "image.") from None
    if image.status != "active":
        raise BadRequest(f"Invalid input received: Image {image.id} is not active.")
    if (image.container_format, image.disk_format) not in (("docker", image.disk_format),
                                                           ("bare", "raw")):
        raise BadRequest(f"Invalid input received: Image {image.id} has container_format "
                         f"{image.container_format} and disk_format {image.disk_format}: "
                         f"a volume is made from a docker image or a bare/raw root "
                         f"filesystem tar.")
    needed = max(-(-(image.size or 0) // GIB), 1)
    if size is not None and needed > int(size):
        raise BadRequest(f"Invalid input received: Size of specified image {needed}GB is "
                         f"larger than volume size {int(size)}GB.")
    if size is not None and image.min_disk > int(size):
        raise BadRequest(f"Invalid input received: Volume size {int(size)}GB cannot be "
                         f"smaller than the image minDisk size {image.min_disk}GB.")
    return {"image_id": image.id, "image_name": image.name, "checksum": image.checksum,
            "container_format": image.container_format, "disk_format": image.disk_format,
            "min_disk": str(image.min_disk), "min_ram": str(image.min_ram),
            "size": str(image.size or 0), "_size_gib": max(needed, image.min_disk)}


def copies_image(volume: Volume) -> bool:
    """Whether the volume is made by unpacking its image (from_image), rather than
    empty or copied from a snapshot or a volume (which carry the image's metadata on)."""
    return volume.image_meta is not None and not volume.snapshot_id and \
        not volume.source_volid


def create(db: Session, creds: Creds, body: dict[str, Any], now: float) -> Volume:
    vt = (types.by_name_or_id(db, creds, body["volume_type"]) if body.get("volume_type")
          else None)
    snap, source = _check_sources(db, creds, body)
    image_meta = (image_source(db, creds, str(body["imageRef"]), body.get("size"))
                  if body.get("imageRef") else None)
    if vt is None:
        vt = _source_type(db, snap, source)
    if image_meta is not None:
        size = int(body["size"]) if body.get("size") is not None else int(
            image_meta["_size_gib"])
        image_meta.pop("_size_gib")
    else:
        size = _source_size(None if body.get("size") is None else int(body["size"]),
                            snap, source)
    if body.get("multiattach"):
        raise BadRequest("Multiattach volumes are not supported by this cloud yet.")
    az = body.get("availability_zone") or AZ
    if az != AZ:
        raise BadRequest(f"Availability zone '{az}' is invalid.")
    if creds.project_id is None:  # (api/common.caller already refuses such a token)
        raise BadRequest("Malformed request url")
    quotas.check_volume(db, creds.project_id, vt, 1, size)
    origin = source or (db.get(Volume, snap.volume_id) if snap else None)
    bootable = False
    if origin is not None:  # Cinder copies the glance metadata and the bootable flag
        image_meta = dict(origin.image_meta) if origin.image_meta else None
        bootable = origin.bootable
    volume = Volume(id=str(uuid.uuid4()), project_id=creds.project_id, user_id=creds.user_id,
                    name=body.get("name", body.get("display_name")),
                    description=body.get("description", body.get("display_description")),
                    size=size, status="creating", availability_zone=az,
                    volume_type_id=vt.id, bootable=bootable, readonly=None,
                    meta=dict(body.get("metadata") or {}), image_meta=image_meta,
                    created_at=now, updated_at=None, snapshot_id=snap.id if snap else None,
                    source_volid=source.id if source else None)
    db.add(volume)
    db.flush()
    return volume


def volume_type(db: Session, volume: Volume) -> VolumeType | None:
    return db.get(VolumeType, volume.volume_type_id)


def update(db: Session, volume: Volume, body: dict[str, Any], now: float) -> Volume:
    for key, alias, attr in (("name", "display_name", "name"),
                             ("description", "display_description", "description")):
        if key in body or alias in body:
            setattr(volume, attr, body.get(key, body.get(alias)))
    if body.get("metadata") is not None:
        volume.meta = dict(body["metadata"])
    volume.updated_at = now
    db.flush()
    return volume


def mark_deleting(db: Session, volume: Volume, now: float, force: bool = False) -> None:
    """`deleting`, if the status allows. Forced, any status but the attached ones, as
    Cinder's os-force_delete (which checks attach_status only: `attaching` and `reserved`
    are not attached yet; their attachments go with the volume)."""
    if force:
        attached = volume.status in ("in-use", "detaching") or db.scalars(
            select(VolumeAttachment.id).where(VolumeAttachment.volume_id == volume.id,
                                              VolumeAttachment.status == "attached")).first()
        if attached or volume.group_id is not None:
            raise BadRequest("Invalid volume: Volume  must not be migrating, attached, "
                             "belong to a group, have snapshots, awaiting a transfer, or be "
                             "disassociated from snapshots after volume transfer.")
        volume.status, volume.updated_at = "deleting", now
        db.flush()
        return
    if volume.status not in DELETABLE or volume.group_id is not None:
        raise BadRequest(f"Invalid volume: Volume status must be available or error or "
                         f"error_restoring or error_extending or error_managing and must "
                         f"not be migrating, attached, belong to a group, have snapshots, "
                         f"awaiting a transfer, or be disassociated from snapshots after "
                         f"volume transfer. (status: {volume.status})")
    volume.status, volume.updated_at = "deleting", now
    db.flush()


# --- actions ---------------------------------------------------------------------------

def start_extend(db: Session, volume: Volume, new_size: int, now: float) -> None:
    """Record the new size and `extending`; the storage grows after commit (extend)."""
    if volume.status != "available":
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                         f"to extend, but current status is: {volume.status}.")
    if new_size <= volume.size:
        raise BadRequest(f"New size for extend must be greater than current size. "
                         f"(current: {volume.size}, extended: {new_size}).")
    vt = volume_type(db, volume)
    if vt is not None:
        quotas.check_volume(db, volume.project_id, vt, 0, new_size - volume.size)
    volume.size, volume.status, volume.updated_at = new_size, "extending", now
    db.flush()


def retype(db: Session, creds: Creds, volume: Volume, new_type: str, now: float) -> None:
    """Another type for a detached volume (nothing moves: one backend serves every type)."""
    vt = types.by_name_or_id(db, creds, new_type)
    if volume.status != "available":
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                         f"to retype, but current status is: {volume.status}.")
    if vt.id == volume.volume_type_id:
        raise BadRequest("Invalid input received: New volume type must be different "
                         "from the current one.")
    quotas.check_volume(db, volume.project_id, vt, 1, volume.size, per_type_only=True)
    volume.volume_type_id, volume.updated_at = vt.id, now
    db.flush()


def reset_status(db: Session, volume: Volume, status: str | None, now: float) -> None:
    if status is not None:
        volume.status = status
        volume.error_message = None
    volume.updated_at = now
    db.flush()


def set_bootable(db: Session, volume: Volume, bootable: bool, now: float) -> None:
    volume.bootable, volume.updated_at = bootable, now
    db.flush()


def set_readonly(db: Session, volume: Volume, readonly: bool, now: float) -> None:
    if volume.status != "available":
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available "
                         f"to update readonly flag, but current status is: "
                         f"{volume.status}.")
    volume.readonly, volume.updated_at = readonly, now
    db.flush()


# --- the host side (after commit, and at start) ---------------------------------------

def materialize(deps: Deps, volume_id: str) -> None:
    """Make a `creating` volume's storage, then say `available` (or `error`, and why).
    A volume made from an image is the volume converger's (from_image.fill)."""
    with deps.sessions() as db, db.begin():
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status != "creating" or copies_image(volume):
            return
        _make(db, deps.blocks, volume, deps.clock())


def _make(db: Session, blocks: BlockStore, volume: Volume, now: float) -> None:
    try:
        if volume.snapshot_id:
            blocks.create_from(volume.id, "snapshot", volume.snapshot_id, volume.size)
        elif volume.source_volid:  # a clone: the source is read whole, frozen if mounted
            with snapshots.reading(volume.source_volid):
                blocks.create_from(volume.id, "volume", volume.source_volid, volume.size,
                                   snapshots.mount_point(db, blocks, db.get(
                                       Volume, volume.source_volid)))
        else:
            blocks.create(volume.id, volume.size)
        volume.status, volume.error_message = "available", None
    except BlockStoreError as exc:
        log.warning("volume %s: creation failed: %s", volume.id, exc)
        volume.status, volume.error_message = "error", str(exc)
    volume.updated_at = now
    db.flush()


def extend(deps: Deps, volume_id: str) -> None:
    """Grow an `extending` volume to its recorded size: `available`, or `error_extending`."""
    with deps.sessions() as db, db.begin():
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status != "extending":
            return
        _grow(db, deps.blocks, volume, deps.clock())


def _grow(db: Session, blocks: BlockStore, volume: Volume, now: float) -> None:
    try:
        with snapshots.reading(volume.id):  # not while a snapshot or clone copies it
            blocks.extend(volume.id, volume.size)
        volume.status, volume.error_message = "available", None
    except BlockStoreError as exc:
        log.warning("volume %s: extend failed: %s", volume.id, exc)
        volume.status, volume.error_message = "error_extending", str(exc)
    volume.updated_at = now
    db.flush()


def finish_delete(deps: Deps, volume_id: str) -> None:
    """Remove a `deleting` volume's storage, then its row (or say `error_deleting`)."""
    with deps.sessions() as db, db.begin():
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status != "deleting":
            return
        _remove(db, deps.blocks, volume, deps.clock())


def _remove(db: Session, blocks: BlockStore, volume: Volume, now: float) -> None:
    try:
        for att in db.scalars(select(VolumeAttachment).where(  # a forced delete
                VolumeAttachment.volume_id == volume.id)):
            if att.server_id is not None and att.mount_name:
                blocks.detach(att.server_id, att.mount_name, lazy=True)
            db.delete(att)
        blocks.delete(volume.id)
    except BlockStoreError as exc:
        log.warning("volume %s: deletion failed: %s", volume.id, exc)
        volume.status, volume.error_message, volume.updated_at = "error_deleting", str(exc), now
        db.flush()
        return
    transfers.drop_for_volume(db, volume.id)
    db.delete(volume)
    db.flush()


def recover(db: Session, blocks: BlockStore, now: float) -> list[str]:
    """At start: finish what a crash interrupted; remove storage no row owns."""
    notes = [f"volume storage: removed half-made {name}" for name in blocks.sweep()]
    rows = {v.id: v for v in db.scalars(select(Volume))}
    for volume in rows.values():
        if volume.status in ("creating", "downloading") and copies_image(volume):
            continue  # made again from the image by the volume converger's first pass
        if volume.status == "creating":
            _make(db, blocks, volume, now)
        elif volume.status == "extending":
            _grow(db, blocks, volume, now)
        elif volume.status == "deleting":
            _remove(db, blocks, volume, now)
    for orphan in sorted(blocks.ids() - set(rows)):
        blocks.delete(orphan)
        notes.append(f"volume storage: removed {orphan}, which no volume owns")
    return notes
