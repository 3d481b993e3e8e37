"""Uploading a volume to an image (os-volume_upload_image; cinder/volume/api.py
copy_volume_to_image): the image is a tar of the volume's filesystem, container_format
`bare`, disk_format `raw`, which is what cheptel boots.

The request checks the volume (`available`: Cinder's enable_force_upload is off by
default, so `force` is ignored and an `in-use` volume refused), records a queued image
in the volume's project and an upload row, and says `uploading`. The volume converger
then mounts the volume read-only, tars it (numeric owners) into the spool directory,
registers the tar as the image's data (active) and gives the volume back its status.
A failure deletes the image and records a user message; a crash is undone at the next
start (recover): the image deleted, the volume back.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStoreError
from cheptel.common import iso
from cheptel.errors import BadRequest, CheptelError
from cheptel.image.models import Image
from cheptel.image.service import data
from cheptel.image.service import images as glance
from cheptel.spool import PREFIX, hash_file, spool_directory
from cheptel.volume.models import Volume, VolumeType, VolumeUpload
from cheptel.volume.service import messages

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)

CONTAINER_FORMAT, DISK_FORMAT = "bare", "raw"
TRUE = ("1", "t", "true", "on", "y", "yes")
FALSE = ("0", "f", "false", "off", "n", "no")


def strict_bool(value: Any, name: str) -> bool:
    """oslo's bool_from_string(strict=True): anything else is a 400."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise BadRequest(f"Unrecognized value '{str(value)[:64]}', acceptable values are: "
                     f"'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', "
                     f"'yes'")


def start(db: Session, volume: Volume, params: dict[str, Any], with_visibility: bool,
          request_id: str, now: float) -> tuple[Image, str]:
    """Check, record the queued image and the upload, say `uploading`. -> (image, the
    volume's status before)."""
    strict_bool(params.get("force", "False"), "force")  # ignored: enable_force_upload off
    protected = strict_bool(params.get("protected", "False"), "protected") \
        if with_visibility else False
    visibility = str(params.get("visibility") or "private") if with_visibility \
        else "private"
    if volume.status != "available":
        raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available")
    container = params.get("container_format", CONTAINER_FORMAT)
    disk = params.get("disk_format", DISK_FORMAT)
    if (container, disk) != (CONTAINER_FORMAT, DISK_FORMAT):
        raise BadRequest(f"Invalid input received: container_format {container} and "
                         f"disk_format {disk} cannot be made here: a volume is uploaded "
                         f"as container_format bare, disk_format raw (a tar of its root "
                         f"filesystem).")
    image = glance.create(db, now, volume.project_id, glance.NewImage(
        {"name": params["image_name"], "container_format": CONTAINER_FORMAT,
         "disk_format": DISK_FORMAT, "visibility": visibility, "protected": protected,
         "min_disk": 0, "min_ram": 0}, {}, []))
    previous = volume.status
    db.add(VolumeUpload(volume_id=volume.id, image_id=image.id, previous_status=previous,
                        request_id=request_id, created_at=now))
    volume.status, volume.updated_at = "uploading", now
    db.flush()
    return image, previous


def answer(volume: Volume, vt: VolumeType | None, image: Image) -> dict[str, Any]:
    """Cinder's os-volume_upload_image body (copy_volume_to_image's response)."""
    def _t(ts: float | None) -> str | None:
        text = iso(ts)
        return text[:-1] if text else None
    vtype = None if vt is None else {
        "id": vt.id, "name": vt.name, "description": vt.description,
        "is_public": vt.is_public, "extra_specs": dict(vt.extra_specs or {}),
        "qos_specs_id": vt.qos_specs_id, "created_at": _t(vt.created_at), "updated_at": None,
        "deleted": False, "deleted_at": None}
    return {"id": volume.id, "updated_at": _t(volume.updated_at), "status": "uploading",
            "display_description": volume.description, "size": volume.size,
            "volume_type": vtype, "image_id": image.id,
            "container_format": image.container_format, "disk_format": image.disk_format,
            "image_name": image.name, "protected": image.protected,
            "visibility": image.visibility}


def pending(db: Session) -> list[str]:
    return sorted(db.scalars(select(VolumeUpload.volume_id)))


def _tar(root: Path, out: Path) -> None:
    try:
        subprocess.run(["tar", "--numeric-owner", "--exclude=./lost+found", "-C", str(root),
                        "-cf", str(out), "."], check=True, capture_output=True, text=True,
                       timeout=3600)
    except FileNotFoundError as exc:
        raise BlockStoreError("tar is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise BlockStoreError(f"tar failed: {(exc.stderr or '').strip()[:300]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise BlockStoreError("tar timed out") from exc


def _drop_image(db: Session, data_dir: Path, image_id: str, now: float,
                after: list[Any]) -> None:
    """The image of an upload that will not finish: deleted (`killed` if protected)."""
    image = db.get(Image, image_id)
    if image is None or image.status == "active":
        return
    if image.protected:
        glance.set_status(image, "killed", now)
    else:
        glance.delete_image(db, data_dir, image, after)


def _end(db: Session, deps: Deps, upload: VolumeUpload, failed: str | None) -> None:
    """Give the volume back its status and drop the upload; if it failed, the image
    goes and a user message says so (copy volume to image: failed to upload)."""
    now = deps.clock()
    after: list[Any] = []
    volume = db.get(Volume, upload.volume_id)
    if failed is not None:
        _drop_image(db, deps.settings.data_dir, upload.image_id, now, after)
        if volume is not None:
            messages.record(db, volume.project_id, upload.request_id,
                            messages.COPY_VOLUME_TO_IMAGE, messages.FAILED_TO_UPLOAD_VOLUME,
                            volume.id, now)
    if volume is not None and volume.status == "uploading":
        volume.status, volume.updated_at = upload.previous_status, now
        volume.error_message = failed if failed is not None else volume.error_message
    db.delete(upload)
    db.flush()
    for hook in after:
        hook()


def run(deps: Deps, volume_id: str) -> None:
    """The converger's part: tar the volume into the image, then finish (or fail)."""
    with deps.sessions() as db, db.begin():
        upload = db.get(VolumeUpload, volume_id)
        if upload is None:
            return
        volume, image = db.get(Volume, volume_id), db.get(Image, upload.image_id)
        if volume is None or volume.status != "uploading" or image is None or \
                image.status not in ("queued", "saving"):  # deleted, reset, or gone
            _end(db, deps, upload, "the upload was abandoned" if image is None or
                 image.status != "active" else None)
            return
        image_id = image.id
        glance.set_status(image, "saving", deps.clock())
    spool = spool_directory(deps.settings.data_dir)
    part = spool / f"{PREFIX}volume-{volume_id}.tar"
    failed: str | None = None
    try:
        spool.mkdir(parents=True, exist_ok=True)
        part.unlink(missing_ok=True)
        deps.blocks.read(volume_id, lambda root: _tar(root, part))
        spooled = hash_file(part)
    except (BlockStoreError, OSError) as exc:
        failed = f"uploading to image {image_id} failed: {exc}"
        log.warning("volume %s: %s", volume_id, failed)
    with deps.sessions() as db, db.begin():
        upload = db.get(VolumeUpload, volume_id)
        image = db.get(Image, image_id)
        if failed is None and image is not None and image.status == "saving":
            try:
                data.register(db, deps.settings.data_dir, image, spooled, deps.clock())
            except (CheptelError, OSError) as exc:
                failed = f"storing image {image_id} failed: {exc}"
        elif failed is None:
            failed = f"image {image_id} was deleted during the upload"
        if upload is not None:
            _end(db, deps, upload, failed)
    part.unlink(missing_ok=True)


def recover(db: Session, deps: Deps) -> list[str]:
    """At start: an upload a crash interrupted is undone (the image deleted, or killed if
    protected; the volume back to its status). Run after the image service's recovery."""
    notes = []
    now = deps.clock()
    after: list[Any] = []
    for upload in list(db.scalars(select(VolumeUpload))):
        _drop_image(db, deps.settings.data_dir, upload.image_id, now, after)
        volume = db.get(Volume, upload.volume_id)
        if volume is not None and volume.status == "uploading":
            volume.status, volume.updated_at = upload.previous_status, now
        db.delete(upload)
        notes.append(f"volume {upload.volume_id}: upload to image {upload.image_id} "
                     f"interrupted by a restart, undone")
    db.flush()
    for hook in after:
        hook()
    return notes
