"""Image data: upload (queued -> saving -> active), download, and repair at start.

An upload runs in three short transactions (see cheptel.web.Stream): begin() marks the
image `saving`, the body is spooled to disk with no transaction open, then finish()
records size and digests and renames the spool file into place, or abort() puts the
image back to `queued` and leaves no file. A crash mid-upload is repaired by recover().
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, Forbidden, Gone
from cheptel.image import store
from cheptel.image.models import Image
from cheptel.policy import Creds
from cheptel.spool import Spooled

HASH_ALGO = "sha512"
READABLE = ("active", "deactivated")


def begin_upload(image: Image, now: float) -> None:
    """Claim the image for one upload: only a queued image with both formats set."""
    if image.status != "queued":
        raise Conflict(f"Image status transition from {image.status} to saving is not "
                       f"allowed")
    missing = [k for k in ("disk_format", "container_format") if not getattr(image, k)]
    if missing:
        noun = "Property" if len(missing) == 1 else "Properties"
        raise BadRequest(f"{noun} {', '.join(missing)} must be set prior to saving data.")
    image.status = "saving"
    image.updated_at = now


def finish_upload(db: Session, data_dir: Path, image_id: str, spooled: Spooled,
                  now: float) -> Image:
    image = db.get(Image, image_id)
    if image is None:
        raise Gone(f"Image {image_id} could not be found after upload. The image may have "
                   f"been deleted during the upload.")
    if image.status != "saving":
        raise Conflict(f"Image status transition from {image.status} to active is not "
                       f"allowed")
    return register(db, data_dir, image, spooled, now)


def register(db: Session, data_dir: Path, image: Image, spooled: Spooled, now: float) -> Image:
    """Make a complete spooled file the image's data; the image becomes active.

    The file is renamed into place last, so that the commit which follows is the only step
    left; if that commit fails, abort_upload() (or recover() after a crash) removes it.
    """
    image.size = spooled.size
    image.virtual_size = spooled.size if image.disk_format == "raw" else None
    image.checksum = spooled.md5
    image.os_hash_algo = HASH_ALGO
    image.os_hash_value = spooled.sha512
    image.status = "active"
    image.updated_at = now
    db.flush()
    store.adopt(data_dir, image.id, spooled.path)
    return image


def abort_upload(db: Session, data_dir: Path, image_id: str, now: float) -> None:
    """An upload failed or was cut short: back to queued, no data, no file."""
    image = db.get(Image, image_id)
    if image is None or image.status != "saving":
        return
    _requeue(image, now)
    store.remove(data_dir, image.id)


def _requeue(image: Image, now: float) -> None:
    image.status = "queued"
    image.size = image.virtual_size = None
    image.checksum = image.os_hash_algo = image.os_hash_value = None
    image.updated_at = now


def open_for_download(data_dir: Path, creds: Creds, image: Image) -> BinaryIO | None:
    """The image's data, opened; None when it has none (Glance answers 204)."""
    if image.status == "deactivated" and not creds.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is "
                        "forbidden.")
    if image.status not in READABLE:
        return None
    return store.open_data(data_dir, image.id)


def recover(db: Session, data_dir: Path, now: float) -> list[str]:
    """At start: requeue uploads a crash interrupted, delete files that have no image."""
    notes = []
    for image in db.scalars(select(Image).where(Image.status == "saving")):
        _requeue(image, now)
        store.remove(data_dir, image.id)
        notes.append(f"image {image.id}: upload interrupted by a restart, back to queued")
    db.flush()
    known = set(db.scalars(select(Image.id)))
    for orphan in store.stored_ids(data_dir) - known:
        store.remove(data_dir, orphan)
    return notes
