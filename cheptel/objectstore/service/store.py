"""Object bytes on disk: DATA_DIR/objects/<2 hex>/<file id>, one file per object version.

A PUT's body is spooled to DATA_DIR/tmp (cheptel.spool: same filesystem) and renamed
into place under a fresh file id before the row naming it commits: a crash mid-upload
leaves only a spool file (removed at the next start), a crash between the rename and the
commit an unreferenced file (removed at the next start by `sweep_orphans`). Readers open
the file while their transaction sees the row; an overwrite or delete unlinks the old file
only after its own commit, and an open file stays readable until closed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cheptel.spool import CHUNK, PREFIX, spool_directory


class ObjectFiles:
    def __init__(self, data_dir: Path):
        self.root = data_dir / "objects"
        self.spool = spool_directory(data_dir)

    def path(self, file_id: str) -> Path:
        return self.root / file_id[:2] / file_id

    def place(self, spooled: Path) -> str:
        """Move a complete spool file into place; -> its new file id."""
        file_id = uuid.uuid4().hex
        target = self.path(file_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(spooled, target)
        return file_id

    def copy(self, file_id: str) -> str:
        """A copy of a stored file under a new id (COPY, X-Copy-From, versions): a hard
        link (files are never changed in place: an overwrite is a new file), or a copy
        through the spool where links fail."""
        self.spool.mkdir(parents=True, exist_ok=True)
        temp = self.spool / f"{PREFIX}{uuid.uuid4().hex}"
        try:
            try:
                os.link(self.path(file_id), temp)
            except OSError:
                shutil.copyfile(self.path(file_id), temp)
            return self.place(temp)
        finally:
            temp.unlink(missing_ok=True)

    def adopt(self, path: Path) -> str:
        """A file from elsewhere in DATA_DIR stored under a new id (volume backups kept as
        objects): a hard link, or a copy through the spool where links fail. The source
        is left in place."""
        self.spool.mkdir(parents=True, exist_ok=True)
        temp = self.spool / f"{PREFIX}{uuid.uuid4().hex}"
        try:
            try:
                os.link(path, temp)
            except OSError:
                shutil.copyfile(path, temp)
            return self.place(temp)
        finally:
            temp.unlink(missing_ok=True)

    def link_out(self, file_id: str, target: Path) -> None:
        """A stored file seen at `target` too (a hard link, else a copy)."""
        try:
            os.link(self.path(file_id), target)
        except OSError:
            shutil.copyfile(self.path(file_id), target)

    def empty(self) -> str:
        self.spool.mkdir(parents=True, exist_ok=True)
        temp = self.spool / f"{PREFIX}{uuid.uuid4().hex}"
        temp.touch()
        return self.place(temp)

    def open(self, file_id: str) -> BinaryIO:
        return open(self.path(file_id), "rb")

    def remove(self, file_ids: Iterable[str]) -> None:
        for file_id in file_ids:
            self.path(file_id).unlink(missing_ok=True)

    def sweep_orphans(self, known: set[str]) -> int:
        """Remove the files no row names (a crash between rename and commit); -> count."""
        if not self.root.is_dir():
            return 0
        gone = 0
        for shard in self.root.iterdir():
            if not shard.is_dir():
                continue
            for f in shard.iterdir():
                if f.name not in known:
                    f.unlink(missing_ok=True)
                    gone += 1
        return gone


def read_range(fh: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes of an open file from `start`, a chunk at a time; closes it."""
    try:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        fh.close()
