"""Block device mappings at boot (BDMv2): boot from a volume, and volumes attached at boot.

`plan` reads the request's mappings as Nova's API does (nova/block_device.py,
nova/compute/api.py _check_and_transform_bdm) and checks each source before any row is
written; `make` then writes, per server, the volumes to create (from an image, or blank)
and one attachment row per mapping, `reserved` until the server converger has the volume
ready and asks the host to mount it. The root volume is /dev/vda: the server's container
chroots into it (cheptel/reconciler/servers.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest
from cheptel.policy import Creds
from cheptel.volume.models import Volume, VolumeAttachment, VolumeType
from cheptel.volume.service import attachments, snapshots, volumes
from cheptel.volume.service import quotas as volume_quotas
from cheptel.volume.service import types as volume_types

ROOT_DEVICE = "/dev/vda"


@dataclass
class Mapping:
    source: str  # image | volume | blank
    boot_index: int | None
    size: int | None  # GiB, for a volume this boot creates
    uuid: str | None  # the image or the volume
    delete_on_termination: bool
    device: str | None
    tag: str | None
    image_meta: dict[str, Any] | None = None


def _bool(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("1", "t", "true", "on", "y",
                                                             "yes")


def _index(value: object) -> int | None:
    if value is None or value == "" or str(value).strip().lower() == "none":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise BadRequest(f"Invalid input for field/attribute boot_index. Value: {value}. "
                         f"'{value}' is not valid under any of the given schemas") from None


def wants_volumes(bdms: list[dict[str, Any]]) -> bool:
    return any(b.get("destination_type") == "volume" or b.get("source_type") in (
        "volume", "snapshot", "blank") for b in bdms)


def plan(db: Session, creds: Creds, bdms: list[dict[str, Any]],
         count: int) -> list[Mapping]:
    """The volume mappings of a create request, checked (Nova's 400s); [] if none."""
    out: list[Mapping] = []
    for b in bdms:
        source, dest = b.get("source_type"), b.get("destination_type")
        if dest != "volume" and source not in ("volume", "snapshot"):
            continue  # image -> local: the ordinary image boot
        index = _index(b.get("boot_index"))
        size = b.get("volume_size")
        size = int(str(size)) if size not in (None, "") else None
        if size is not None and size <= 0:
            raise BadRequest(f"Invalid input for field/attribute volume_size. Value: "
                             f"{size}. {size} is less than the minimum of 1")
        m = Mapping(source=str(source), boot_index=index, size=size, uuid=b.get("uuid"),
                    delete_on_termination=_bool(b.get("delete_on_termination", False)),
                    device=b.get("device_name") or None, tag=b.get("tag"))
        if source == "snapshot":
            snap = snapshots.get_visible(db, creds, str(m.uuid or ""))
            if snap.status != "available":
                raise BadRequest(f"Invalid snapshot: Originating snapshot status must be "
                                 f"one of 'available' values (status: {snap.status})")
            if m.size is not None and m.size < snap.volume_size:
                raise BadRequest(f"Invalid input received: Volume size '{m.size}'GB cannot "
                                 f"be smaller than the snapshot size {snap.volume_size}GB. "
                                 f"They must be >= original snapshot size.")
            m.size = m.size or snap.volume_size
        if source == "image":
            if not m.uuid:
                raise BadRequest("Block Device Mapping is Invalid: image source needs a "
                                 "uuid.")
            m.image_meta = volumes.image_source(db, creds, m.uuid, size)
            m.size = m.size or int(m.image_meta.pop("_size_gib"))
            m.image_meta.pop("_size_gib", None)
        elif source == "volume":
            if count > 1:
                raise BadRequest("Unable to launch multiple instances with a single "
                                 "configured volume.")
            volume = volumes.get_visible(db, creds, str(m.uuid or ""))
            if volume.status != "available":
                raise BadRequest(f"Invalid volume: volume '{volume.id}' status must be "
                                 f"'available'. Currently in '{volume.status}'")
            if index == 0 and not volume.bootable:  # Nova's InvalidBDMVolumeNotBootable
                raise BadRequest(f"Block Device {volume.id} is not bootable.")
        elif source == "blank":
            if not size:
                raise BadRequest("Block Device Mapping is Invalid: blank volumes need a "
                                 "volume_size.")
        out.append(m)
    roots = [m for m in out if m.boot_index == 0]
    if len(roots) > 1:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance "
                         "and image/block device mapping combination is not valid.")
    if roots and roots[0].source == "blank":
        raise BadRequest("Block Device Mapping is Invalid: a blank volume cannot be booted.")
    devices = [m.device for m in out if m.device]
    if len(devices) != len(set(devices)):
        raise BadRequest("Block Device Mapping is Invalid: Device name used more than once.")
    return out


def boots_from_volume(mappings: list[Mapping]) -> bool:
    return any(m.boot_index == 0 for m in mappings)


def make(db: Session, creds: Creds, server_id: str, mappings: list[Mapping],
         now: float) -> list[str]:
    """The server's volumes and attachment rows; returns the volumes to make now."""
    assert creds.project_id is not None
    taken: set[str | None] = {ROOT_DEVICE, *(m.device for m in mappings if m.device)}
    to_make = []
    for m in sorted(mappings, key=lambda m: (m.boot_index != 0, m.boot_index or 0)):
        if m.source == "volume":
            volume = volumes.get_visible(db, creds, str(m.uuid))
            if volume.status != "available":  # taken by a server of the same request
                raise BadRequest(f"Invalid volume: volume '{volume.id}' status must be "
                                 f"'available'. Currently in '{volume.status}'")
        else:
            snap = snapshots.get_visible(db, creds, str(m.uuid)) if m.source == "snapshot" \
                else None
            origin = db.get(Volume, snap.volume_id) if snap else None
            vt = db.get(VolumeType, snap.volume_type_id) if snap else None
            vt = vt or volume_types.default(db)
            volume_quotas.check_volume(db, creds.project_id, vt, 1, int(m.size or 1))
            if origin is not None:  # Cinder copies the glance metadata and the flag
                m.image_meta = dict(origin.image_meta) if origin.image_meta else None
            volume = Volume(
                id=str(uuid.uuid4()), project_id=creds.project_id, user_id=creds.user_id,
                name="", description=None, size=int(m.size or 1), status="creating",
                availability_zone=volumes.AZ, volume_type_id=vt.id,
                bootable=bool(origin and origin.bootable), readonly=None, meta={},
                image_meta=dict(m.image_meta or {}) or None, created_at=now,
                updated_at=None, snapshot_id=snap.id if snap else None)
            db.add(volume)
            to_make.append(volume.id)
        if m.boot_index == 0:
            device = ROOT_DEVICE
        else:
            device = m.device or attachments.first_free(taken)
            taken.add(device)
        db.add(VolumeAttachment(
            id=str(uuid.uuid4()), volume_id=volume.id, server_id=server_id,
            project_id=volume.project_id, bdm_uuid=str(uuid.uuid4()), device=device,
            mode="ro" if volume.readonly else "rw", status="reserved", tag=m.tag,
            delete_on_termination=m.delete_on_termination, boot_index=m.boot_index,
            host_name=None, connector=None, busy_passes=0, created_at=now,
            attached_at=None, updated_at=now))
        if volume.status == "available":
            volume.status, volume.updated_at = "reserved", now
        db.flush()
    return to_make
