"""What compute needs from the image service: an image's file, formats and checksum.

    info = boot.find(db, data_dir, image_id, creds)   # creds None: no visibility check
    info.bootable, info.path, info.container_format, info.checksum, info.min_ram ...

Bootable images are container_format `docker` (a `docker save` archive: `docker load`)
and container_format `bare` with disk_format `raw` (a root filesystem tar:
`docker import`). Other formats are stored and served, but no server boots from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from cheptel.errors import NotFound
from cheptel.image import store
from cheptel.image.models import Image
from cheptel.image.service import images
from cheptel.policy import Creds


def is_bootable(container_format: str | None, disk_format: str | None) -> bool:
    return container_format == "docker" or (container_format == "bare"
                                             and disk_format == "raw")


@dataclass(frozen=True)
class BootInfo:
    """A snapshot of one image, for a server create or the reconciler."""

    id: str
    name: str | None
    status: str
    container_format: str | None
    disk_format: str | None
    checksum: str | None  # md5 hex
    os_hash_value: str | None  # sha512 hex
    size: int | None
    min_ram: int  # MiB
    min_disk: int  # GiB
    path: Path  # DATA_DIR/images/<id>; exists when status is active or deactivated
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def bootable(self) -> bool:
        return is_bootable(self.container_format, self.disk_format)


def find(db: Session, data_dir: Path, image_id: str, creds: Creds | None = None) -> BootInfo:
    """The image by id: NotFound if missing, or (with creds) not visible to the caller."""
    image = (images.get_visible(db, creds, image_id) if creds is not None
             else db.get(Image, image_id))
    if image is None:
        raise NotFound(f"No image found with ID {image_id}")
    loaded = images.load_one(db, image)
    return BootInfo(id=image.id, name=image.name, status=image.status,
                    container_format=image.container_format, disk_format=image.disk_format,
                    checksum=image.checksum, os_hash_value=image.os_hash_value,
                    size=image.size, min_ram=image.min_ram, min_disk=image.min_disk,
                    path=store.path(data_dir, image.id), properties=loaded.properties)
