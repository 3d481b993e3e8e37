"""`cheptel image import-docker REF`: register an image of the local Docker Engine.

The engine writes `docker save REF` into the spool directory; the archive becomes the
data of a new public image with container_format `docker` (compute boots it with
`docker load`). Runs beside a serving cloud: it only needs the database and data dir.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from cheptel.backends.engine import Engine
from cheptel.errors import PayloadTooLarge
from cheptel.image.models import Image
from cheptel.image.service import bootstrap, data, images
from cheptel.spool import PREFIX, Spooled, hash_file, spool_directory


def import_docker(sessions: sessionmaker, data_dir: Path, engine: Engine, ref: str,
                  name: str | None, cap: int, clock: Callable[[], float]) -> Image:
    """Save REF from the engine and register it; raises EngineError if there is no REF."""
    directory = spool_directory(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / f"{PREFIX}docker-{uuid.uuid4().hex}"  # swept at start if left
    try:
        engine.save_image(ref, archive)
        spooled = hash_file(archive)
        if spooled.size > cap:
            raise PayloadTooLarge(f"{ref} is {spooled.size} bytes, over the image size cap "
                                  f"of {cap}.")
        with sessions() as db, db.begin():
            return _register(db, data_dir, ref, name, spooled, clock())
    finally:
        archive.unlink(missing_ok=True)


def _register(db: Session, data_dir: Path, ref: str, name: str | None, spooled: Spooled,
              now: float) -> Image:
    new = images.NewImage({"name": name or ref, "visibility": "public",
                           "container_format": "docker", "disk_format": "raw"},
                          {"docker_ref": ref}, [])
    image = images.create(db, now, bootstrap.admin_project(db), new)
    return data.register(db, data_dir, image, spooled, now)
