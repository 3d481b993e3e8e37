"""What compute needs from the image service: bootable images and snapshots.

Glance's tables are read through cheptel.image.service; files through cheptel.image.store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.image import store
from cheptel.image.models import Image, ImageProperty
from cheptel.image.service import data
from cheptel.image.service import images as glance
from cheptel.policy import Creds
from cheptel.spool import hash_file

if TYPE_CHECKING:
    from cheptel.app import Deps

BOOTABLE = {("docker", None), ("bare", "raw")}  # (container_format, disk_format or any)


@dataclass(frozen=True)
class BootImage:
    id: str
    min_ram: int
    min_disk: int


@dataclass(frozen=True)
class BootSource:
    path: Path
    container_format: str
    error: str = ""


def engine_repository(cloud_id: str) -> str:
    """The engine repository of a cloud's images: its own, so that clouds sharing an
    engine never share (nor remove) an image, even one of the same id (busybox's is the
    same in every cloud), and `cheptel teardown` finds them by the cloud id."""
    return f"cheptel-image-{cloud_id}"


def local_ref(cloud_id: str, image_id: str) -> str:
    """The tag of an image once loaded into the container engine."""
    return f"{engine_repository(cloud_id)}:{image_id}"


def for_boot(db: Session, creds: Creds, image_ref: str | None) -> BootImage:
    """An image the caller may boot (or rebuild to): visible and active, else 400."""
    ref = (image_ref or "").rsplit("/", 1)[-1]
    try:
        image = glance.get_visible(db, creds, ref)
    except (NotFound, ValueError):
        raise BadRequest(f"Image {ref} could not be found.") from None
    if image.status != "active":
        raise BadRequest(f"Image {ref} is not active.")
    return BootImage(id=image.id, min_ram=image.min_ram or 0, min_disk=image.min_disk or 0)


def boot_source(deps: Deps, image_id: str) -> BootSource:
    """Where the image's data is and how to load it, or why it cannot boot."""
    with deps.sessions() as db:
        image = db.get(Image, image_id)
        if image is None or image.status != "active":
            return BootSource(Path(), "", f"Image {image_id} is no longer available.")
        fmt = (image.container_format, image.disk_format)
    path = store.path(deps.settings.data_dir, image_id)
    if (fmt[0], None) not in BOOTABLE and fmt not in BOOTABLE:
        return BootSource(path, fmt[0] or "", f"Image {image_id} has container_format "
                          f"{fmt[0]} and disk_format {fmt[1]}: cheptel boots container_format "
                          f"docker, or bare with disk_format raw (a root filesystem tar).")
    if not path.exists():
        return BootSource(path, fmt[0] or "", f"Image {image_id} has no data.")
    return BootSource(path, fmt[0] or "")


def new_snapshot(db: Session, creds: Creds, server: Any, name: str, metadata: dict,
                 now: float) -> str:
    """A queued private image in the server's project, filled in by finish_snapshot()."""
    props = {**metadata, "image_type": "snapshot", "instance_uuid": server.id,
             "base_image_ref": server.image_id, "owner_user_name": creds.user_name}
    return _saving_image(db, now, server, name, props)


def _saving_image(db: Session, now: float, server: Any, name: str, props: dict) -> str:
    image = glance.create(db, now, server.project_id, glance.NewImage(
        {"name": name, "container_format": "docker", "disk_format": "raw",
         "visibility": "private", "min_ram": 0, "min_disk": 0}, props, []))
    image.status = "saving"
    return image.id


def finish_snapshot(deps: Deps, image_id: str, archive: Path) -> None:
    """Store a `docker save` archive as the snapshot's data and make it active."""
    spooled = hash_file(archive)
    with deps.sessions() as db, db.begin():
        image = db.get(Image, image_id)
        if image is not None:  # else deleted meanwhile: the archive goes with its temp dir
            data.register(db, deps.settings.data_dir, image, spooled, deps.clock())


def fail_snapshot(deps: Deps, image_id: str | None) -> None:
    """A snapshot that could not be taken leaves no image behind."""
    if not image_id:
        return
    after: list = []
    with deps.sessions() as db, db.begin():
        image = db.get(Image, image_id)
        if image is not None:
            glance.delete_image(db, deps.settings.data_dir, image, after)
    for hook in after:
        hook()


def image_property(db: Session, image_id: str, name: str) -> str | None:
    """One property of an image, if it has it."""
    return db.scalar(select(ImageProperty.value).where(
        ImageProperty.image_id == image_id, ImageProperty.name == name))


def auto_disk_config(db: Session, image_id: str) -> str | None:
    """The image's auto_disk_config property (Nova's OS-DCF:diskConfig default), if any."""
    return image_property(db, image_id, "auto_disk_config")


def new_backup(db: Session, creds: Creds, server: Any, name: str, backup_type: str,
               metadata: dict, now: float) -> str:
    """A queued private image of image_type backup (Nova's createBackup), filled in by
    finish_snapshot(); rotate_backups() then keeps the newest of its backup_type."""
    props = {**metadata, "image_type": "backup", "backup_type": backup_type,
             "instance_uuid": server.id, "user_id": creds.user_id,
             "base_image_ref": server.image_id, "owner_user_name": creds.user_name}
    return _saving_image(db, now, server, name, props)


def _with_property(name: str, value: str):  # type: ignore[no-untyped-def]
    return select(ImageProperty.image_id).where(ImageProperty.name == name,
                                                ImageProperty.value == value)


def rotate_backups(deps: Deps, server_id: str, backup_type: str, rotation: int) -> list[str]:
    """Delete a server's backups of one backup_type beyond the newest `rotation` (Nova's
    _rotate_backups); returns the ids deleted. A protected image stays."""
    after: list = []
    gone = []
    with deps.sessions() as db, db.begin():
        q = (select(Image).where(Image.id.in_(_with_property("instance_uuid", server_id)),
                                 Image.id.in_(_with_property("image_type", "backup")),
                                 Image.id.in_(_with_property("backup_type", backup_type)))
             .order_by(Image.created_at.desc(), Image.id.desc()))
        for image in list(db.scalars(q))[rotation:]:
            if not image.protected:
                gone.append(image.id)
                glance.delete_image(db, deps.settings.data_dir, image, after)
    for hook in after:
        hook()
    return gone
