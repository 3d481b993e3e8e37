"""Backups kept as objects of the built-in object store (CHEPTEL_BACKUP_STORE=object-store),
where Cinder's swift driver keeps them: in a container of the backup's project
(`volumebackups` unless the request named one), one object per file of the backup,
named `volume_<volume id>/backup_<backup id>/<file>` (`manifest.json` and one
`<index>.zz` per chunk: cheptel.backends.backup_files' format).

The chunks are made as always, under the file volume backend's DATA_DIR/backups; once a
backup is complete, publish() hard-links its files into the object store (DATA_DIR/objects,
the same filesystem: nothing is copied) and writes their rows in the backup's own
transaction, then removes the local directory. A crash before that commit leaves the
backup `creating` (remade at the next start) and, at most, object files no row names (the
object store's start removes them). Reading a backup (a restore, an incremental backup
over it, an import) stages it, and every backup its manifest takes chunks from, back as a
local directory of hard links, removed after (unstage). A backup still in the local
directory (made before the setting) is read from there as before; deleting a backup
removes both. The objects are the project's own: its users see them (`swift list
volumebackups`) and count them in the account's usage; one deleted or changed by hand
fails the restore, naming the chunk (every chunk's sha256 is checked).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.backup_files import MANIFEST, PART
from cheptel.backends.blockstore import BlockStore, BlockStoreError
from cheptel.backends.file_blocks import FileBlockStore
from cheptel.config import Settings
from cheptel.errors import CheptelError
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.service import containers, objects
from cheptel.objectstore.service.store import ObjectFiles
from cheptel.volume.models import VolumeBackup

if TYPE_CHECKING:
    from cheptel.app import Deps

CONTAINER = "volumebackups"  # Cinder's backup_swift_container
FILE_CONTAINER = "backups"  # what the local store has always recorded


def default_container(settings: Settings) -> str:
    """The container a new backup records when the request names none."""
    return CONTAINER if settings.backup_store == "object-store" else FILE_CONTAINER


def prefix(backup: VolumeBackup) -> str:
    return f"volume_{backup.volume_id}/backup_{backup.id}/"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ObjectBackups:
    files: ObjectFiles  # the built-in object store's bodies
    directory: Path  # the block store's backup directory (where chunks are made)

    def _container(self, db: Session, backup: VolumeBackup, now: float,
                   create: bool) -> SwiftContainer | None:
        name = backup.container or CONTAINER
        found = containers.find(db, backup.project_id, name)
        if found is None and create:
            try:
                containers.put(db, backup.project_id, name, {}, now)
            except CheptelError as exc:
                raise BlockStoreError(f"container {name[:64]!r}: {exc.message}") from exc
            found = containers.find(db, backup.project_id, name)
        return found

    def _objects(self, db: Session, backup: VolumeBackup) -> list[SwiftObject]:
        container = self._container(db, backup, 0.0, create=False)
        if container is None:
            return []
        return list(db.scalars(select(SwiftObject).where(
            SwiftObject.container_id == container.id,
            SwiftObject.name.startswith(prefix(backup), autoescape=True))))

    def publish(self, db: Session, backup: VolumeBackup, now: float) -> None:
        """The complete local backup becomes objects of its project's container."""
        local = self.directory / backup.id
        if not (local / MANIFEST).exists():
            raise BlockStoreError(f"backup {backup.id} has no readable manifest")
        container = self._container(db, backup, now, create=True)
        assert container is not None
        try:
            for path in sorted(local.iterdir()):
                md5, size = _md5(path), path.stat().st_size
                file_id = self.files.adopt(path)
                written = objects.write(db, container, prefix(backup) + path.name, file_id,
                                        size, md5, "application/octet-stream", {}, {}, None,
                                        now)
                if written.replaced_file:  # a backup made again after a crash
                    self.files.remove([written.replaced_file])
            shutil.rmtree(local)
        except OSError as exc:
            raise BlockStoreError(f"cannot keep backup {backup.id} as objects: "
                                  f"{exc.strerror or exc}") from exc

    def stage(self, db: Session, backup_id: str) -> list[str]:
        """Make the backup, and every backup its chunks come from, readable in the local
        directory; -> the ids staged here (unstage them after)."""
        staged: list[str] = []
        todo, seen = [backup_id], set()
        try:
            while todo:
                bid = todo.pop()
                if bid in seen:
                    continue
                seen.add(bid)
                local = self.directory / bid
                if not (local / MANIFEST).exists():
                    row = db.get(VolumeBackup, bid)
                    found = self._objects(db, row) if row is not None else []
                    if not found:
                        continue  # the read fails, naming what is missing
                    part = self.directory / (bid + PART)
                    shutil.rmtree(part, ignore_errors=True)
                    part.mkdir(parents=True)
                    for obj in found:
                        self.files.link_out(obj.file_id, part / obj.name.rsplit("/", 1)[1])
                    os.replace(part, local)
                    staged.append(bid)
                doc = json.loads((local / MANIFEST).read_text())
                todo += [entry["backup"] for entry in doc.get("chunks", {}).values()]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.unstage(staged)
            raise BlockStoreError(f"cannot read backup {backup_id} from the object store: "
                                  f"{exc}") from exc
        return staged

    def unstage(self, staged: list[str]) -> None:
        for bid in staged:
            shutil.rmtree(self.directory / bid, ignore_errors=True)

    def remove(self, db: Session, backup: VolumeBackup) -> None:
        """The backup's objects, rows and files (the files at once: a failed commit
        leaves the backup `deleting`, and the deletion is done again at the next start)."""
        gone = [objects.delete(db, obj) for obj in self._objects(db, backup)]
        self.files.remove(gone)


def for_deps(deps: Deps) -> ObjectBackups | None:
    """The object store's side of backups, when the settings keep them there."""
    return using(deps.settings, deps.blocks)


def using(settings: Settings, blocks: BlockStore) -> ObjectBackups | None:
    """None: backups stay files; ValueError: the settings cannot keep them as objects."""
    if settings.backup_store != "object-store":
        return None
    if not isinstance(blocks, FileBlockStore):  # refused at start (the bootstrap asks first)
        raise ValueError("CHEPTEL_BACKUP_STORE=object-store needs the file volume backend "
                         "(the chunks are made as files, then kept as objects)")
    return ObjectBackups(ObjectFiles(settings.data_dir), blocks.backup_directory)
