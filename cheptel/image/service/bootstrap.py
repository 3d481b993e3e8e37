"""At every start: repair interrupted uploads, and make sure the default image exists.

The default image is `busybox`: public, container_format bare, disk_format raw, data a
root filesystem tar built from the host's static busybox (see rootfs.py). It has a fixed
id, so a restart finds it and does nothing; if it is missing (first start, or an operator
deleted it) it is registered again, and if its file was lost the deterministic build
puts identical bytes back.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.identity.models import Project
from cheptel.image import store
from cheptel.image.models import Image
from cheptel.image.service import data, images, metadef_defaults, rootfs
from cheptel.spool import spool_chunks

if TYPE_CHECKING:
    from cheptel.app import Deps

BUSYBOX_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "cheptel:image:busybox"))
BUSYBOX_NAME = "busybox"


def admin_project(db: Session) -> str | None:
    return db.scalar(select(Project.id).where(Project.name == "admin",
                                              Project.domain_id == "default"))


def bootstrap(db: Session, data_dir: Path, now: float,
              busybox: Path = rootfs.BUSYBOX) -> list[str]:
    """Idempotent; returns notes for the operator (what was repaired, what is missing)."""
    notes = data.recover(db, data_dir, now)
    image = db.get(Image, BUSYBOX_ID)
    if image is not None and (image.status != "active"
                              or store.path(data_dir, image.id).exists()):
        return notes
    try:
        tar = rootfs.build(busybox)
    except (OSError, rootfs.NotStatic, subprocess.SubprocessError) as exc:
        notes.append(f"no default image: {exc} (on Debian: apt-get install busybox-static)")
        return notes
    spooled = spool_chunks([tar], store.spool_dir(data_dir), len(tar))
    try:
        if image is None:
            image = images.create(db, now, admin_project(db), images.NewImage(
                {"id": BUSYBOX_ID, "name": BUSYBOX_NAME, "visibility": "public",
                 "container_format": "bare", "disk_format": "raw", "min_ram": 0,
                 "min_disk": 0}, {"os_distro": "busybox"}, []))
            notes.append(f"registered the default image {BUSYBOX_NAME} ({image.id})")
        else:
            notes.append(f"restored the data of the default image {BUSYBOX_NAME}")
        data.register(db, data_dir, image, spooled, now)
    finally:
        spooled.discard()  # a no-op once register() has moved it into place
    return notes


def on_start(db: Session, deps: Deps) -> list[str]:
    """The image service's bootstrap (every start)."""
    notes = metadef_defaults.load(db, admin_project(db), deps.clock())
    return notes + bootstrap(db, deps.settings.data_dir, deps.clock())
