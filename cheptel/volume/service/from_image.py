"""Volumes made from an image: the image's root filesystem unpacked onto the volume.

The request records a `creating` volume with its volume_image_metadata; the volume
converger makes the file, says `downloading`, has the container engine load the image
and export its root filesystem into the mounted volume, then says `available` and
bootable (or `error`, and why). Interrupted by a crash, it starts over at the next pass.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStoreError
from cheptel.backends.engine import EngineError
from cheptel.compute import images
from cheptel.volume.models import Volume
from cheptel.volume.service import attachments, volumes

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)


def pending(db: Session) -> list[str]:
    return sorted(v.id for v in db.scalars(select(Volume).where(
        Volume.status.in_(("creating", "downloading")), Volume.image_meta.is_not(None),
        Volume.snapshot_id.is_(None), Volume.source_volid.is_(None))))


def _set(deps: Deps, volume_id: str, expected: tuple[str, ...], **values: object) -> bool:
    with deps.sessions() as db, db.begin():
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status not in expected:
            return False
        for key, value in values.items():
            setattr(volume, key, value)
        volume.updated_at = deps.clock()
        return True


def fill(deps: Deps, volume_id: str) -> None:
    with deps.sessions() as db:
        volume = db.get(Volume, volume_id)
        if volume is None or not volumes.copies_image(volume) or volume.status not in (
                "creating", "downloading"):
            return
        size, image_id = volume.size, str((volume.image_meta or {})["image_id"])
    if not _set(deps, volume_id, ("creating", "downloading"), status="downloading"):
        return
    ref = images.local_ref(deps.cloud_id, image_id)
    try:
        deps.blocks.delete(volume_id)  # from scratch: a crash may have left half a copy
        deps.blocks.create(volume_id, size)
        if not deps.containers.image_present(ref):
            source = images.boot_source(deps, image_id)
            if source.error:
                raise EngineError(source.error)
            deps.containers.load_image(ref, source.path, source.container_format)
        deps.blocks.fill(volume_id, lambda root: deps.containers.export_rootfs(ref, root))
    except (BlockStoreError, EngineError) as exc:
        log.warning("volume %s: copying image %s failed: %s", volume_id, image_id, exc)
        _set(deps, volume_id, ("downloading",), status="error",
             error_message=f"copying image {image_id} failed: {exc}")
        attachments.kick_builders(deps, volume_id)
        return
    _set(deps, volume_id, ("downloading",), status="available", bootable=True,
         error_message=None)
    attachments.kick_builders(deps, volume_id)
