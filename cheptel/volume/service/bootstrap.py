"""At every start: the `__DEFAULT__` volume type, what a crash left (volumes.recover,
snapshots.recover), and the shared mount root that attachments propagate through."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStoreError
from cheptel.volume.models import VolumeType
from cheptel.volume.service import (
    backends,
    backup_objects,
    backups,
    group_types,
    groups,
    messages,
    snapshots,
    uploads,
    volumes,
)
from cheptel.volume.service.types import DEFAULT_NAME

if TYPE_CHECKING:
    from cheptel.app import Deps


def on_start(db: Session, deps: Deps) -> list[str]:
    notes: list[str] = []
    if db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_NAME)) is None:
        db.add(VolumeType(id=str(uuid.uuid4()), name=DEFAULT_NAME,
                          description="Default Volume Type", is_public=True,
                          extra_specs={}, created_at=deps.clock()))
        db.flush()
    backends.ensure(db, deps.clock())
    notes += volumes.recover(db, deps.blocks, deps.clock())
    # after the volumes: a volume made from a `deleting` snapshot is made before it goes
    notes += snapshots.recover(db, deps.blocks, deps.clock())
    # after both: a backup's volume or snapshot is made by now
    notes += backups.recover(db, deps.blocks, deps.clock(), backup_objects.for_deps(deps))
    # after both: their members are made or removed by now
    group_types.ensure_default(db, deps.clock())
    notes += groups.recover(db, deps.clock())
    # an upload cut short: its image (requeued by the image service's start) goes
    notes += uploads.recover(db, deps)
    gone = messages.cleanup_expired(db, deps.clock())
    if gone:
        notes.append(f"volume messages: removed {gone} expired")
    try:  # before any server starts: its container binds a directory under it
        deps.blocks.prepare()
    except BlockStoreError as exc:
        notes.append(f"volume attachments will fail: cannot share the mount root: {exc}")
    return notes
