"""Legacy object versioning (swift/common/middleware/versioned_writes/legacy.py): a
container with `X-Versions-Location: <archive>` (stack mode) or `X-History-Location:
<archive>` (history mode) keeps the versions an overwrite replaces in the archive
container (same account), named `<3 hex digits: the name's length><name>/<X-Timestamp>`.

- An overwrite (PUT, COPY onto it) archives the current version first.
- A DELETE in stack mode restores the newest archived version (and removes it from the
  archive); with none, the object is deleted. In history mode the current version is
  archived, then deleted.
The archive container must exist (else 412, nothing written), as Swift's copy into it
would fail. Archiving is done with the server's rights: whoever may write the object may
archive it (Swift checks the caller's write access to the archive too: a gap).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.objectstore.errors import PreconditionFailed
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.service import containers, listing, objects
from cheptel.objectstore.service.objects import Written
from cheptel.objectstore.service.store import ObjectFiles

STACK, HISTORY = "x-versions-location", "x-history-location"
INFO = {"versioned_writes": {"allowed_flags": [STACK, HISTORY]}}


def _archive_of(db: Session, container: SwiftContainer) -> tuple[str, SwiftContainer] | None:
    for mode in (STACK, HISTORY):
        name = container.sysmeta.get(mode)
        if name:
            target = containers.find(db, container.project_id, str(name))
            if target is None:
                raise PreconditionFailed(f"The versions container {name} does not exist")
            return mode, target
    return None


def prefix(name: str) -> str:
    return f"{len(name.encode('utf-8')):03x}{name}/"


def archive(db: Session, files: ObjectFiles, container: SwiftContainer, row: SwiftObject,
            now: float) -> list[str]:
    """Before `row` is overwritten: keep it in the archive; -> files replaced there."""
    found = _archive_of(db, container)
    if found is None:
        return []
    _, target = found
    version = f"{prefix(row.name)}{row.updated_at:016.5f}"
    written = objects.copy(db, files, row, target, version, {}, now)
    return [written.replaced_file] if written.replaced_file else []


def delete(db: Session, files: ObjectFiles, container: SwiftContainer, row: SwiftObject,
           now: float) -> list[str]:
    """A versioned DELETE; -> the files to remove after the commit."""
    found = _archive_of(db, container)
    if found is None:
        return [objects.delete(db, row)]
    mode, target = found
    if mode == HISTORY:
        gone = archive(db, files, container, row, now)
        return [*gone, objects.delete(db, row)]
    newest = objects.list_objects(db, target, listing.Query(prefix=prefix(row.name), limit=1,
                                                           reverse=True), now)
    if not newest or not isinstance(newest[0], SwiftObject):
        return [objects.delete(db, row)]
    version = newest[0]
    restored: Written = objects.copy(db, files, version, container, row.name, {}, now)
    restored.row.updated_at = version.updated_at
    return [f for f in (restored.replaced_file, objects.delete(db, version)) if f]
