"""Volumes' storage: the interface and its promises (the real store is
cheptel.backends.file_blocks, sparse files holding ext4; the fake cheptel.backends.fake_blocks).

A volume is DATA_DIR/volumes/<id>.img, a sparse file of the volume's size with an ext4
filesystem in it, made by `truncate` and `mkfs.ext4` (docs/volume.md; the measurements
are in the storage design notes). Attaching it to a server is a loop device mounted at
MNT/<server>/<device> (device: vdb, vdc, ...); MNT (DATA_DIR/mnt) is made a shared mount
at start, and each server's container has its MNT/<server> bound read-only at
/mnt/volumes with `rslave` propagation, so a mount made on the host later appears inside
the running container at /mnt/volumes/<device>, writable unless attached read-only.

What every BlockStore guarantees (FakeBlockStore keeps the same promises in memory):
- create(id, size) either leaves a complete volume or nothing: the file is made under a
  temporary name and renamed into place only once its filesystem is written; it is
  idempotent (an existing complete volume is kept as it is).
- delete(id) is idempotent: no volume, nothing to do.
- extend(id, size) grows a detached volume's file and filesystem; never shrinks.
- ids() lists the complete volumes; sweep() removes what a crash left half-made.
- attach(id, server, device, readonly) is idempotent (already mounted there: nothing);
  detach(server, device, lazy) too, and raises Busy while a process inside holds the
  filesystem (lazy: detached at once for the server, the kernel frees it when the last
  user goes); mounts() gives (server, device) -> volume id for every mount under MNT.
- snapshot(volume_id, snapshot_id, frozen_at) copies a volume's file whole to
  DATA_DIR/snapshots/<id>.img (`cp --reflink=auto --sparse=always`: a reflink where the
  filesystem has them, a sparse copy elsewhere), under a temporary name renamed once
  complete; with `frozen_at` (the mount point of an attached volume) the filesystem is
  frozen (`fsfreeze -f`) around the copy and always thawed after. Idempotent.
- create_from(volume_id, "snapshot" | "volume", source_id, size) makes a volume as a
  copy of a snapshot or of another volume (the same copy), then grows it to `size` if
  that is larger (as extend). Idempotent; a crash leaves at most a temporary file.
- delete_snapshot(id) is idempotent; snapshot_ids() lists the complete snapshots;
  sweep_snapshots() removes the temporary files of interrupted snapshots.
- backup(source_kind, source_id, backup_id, parent_id, frozen_at) writes a volume's (or
  a snapshot's) file as compressed chunks with a manifest under DATA_DIR/backups/<id>/
  (cheptel.backends.backup_files: incremental over `parent_id`, all-zero chunks
  skipped), frozen as a snapshot is; returns the chunks written. Idempotent; a crash
  leaves at most a `.part` directory, which sweep_backups() removes.
- restore_backup(backup_id, volume_id, size_gib) replaces the volume's file by the
  backup's data (every chunk's sha256 checked first), then grows it to `size_gib`.
- delete_backup(id) is idempotent; backup_ids() lists the complete backups;
  import_backup(source, id) makes backup `id` of backup `source`'s data (hard links).
Failures raise BlockStoreError with a message fit for an operator.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

GIB = 1024**3
SUFFIX = ".img"
PARTIAL = ".part"
SOURCE_KINDS = ("snapshot", "volume")  # what create_from copies


class BlockStoreError(Exception):
    """A backend operation failed; the message says what the host answered."""


class Busy(BlockStoreError):
    """A detach found the filesystem in use by a process of the server."""


class BlockStore(Protocol):
    def create(self, volume_id: str, size_gib: int) -> None: ...
    def delete(self, volume_id: str) -> None: ...
    def extend(self, volume_id: str, size_gib: int) -> None: ...
    def ids(self) -> set[str]: ...
    def sweep(self) -> list[str]: ...
    # attaching (the host side): MNT shared at start, one directory per server
    def prepare(self) -> None: ...
    def server_dir(self, server_id: str) -> Path: ...
    def remove_server_dir(self, server_id: str) -> None: ...
    def attach(self, volume_id: str, server_id: str, device: str, readonly: bool) -> None: ...
    def detach(self, server_id: str, device: str, lazy: bool = False) -> None: ...
    # the volume's loop devices nothing mounts, freed (what a crash between losetup and
    # mount, or between umount and losetup -d, leaves)
    def free_loops(self, volume_id: str) -> list[str]: ...
    def mounts(self) -> dict[tuple[str, str], str]: ...
    # the block device a server's mount is on (front-end QoS limits it), if mounted
    def device_of(self, server_id: str, device: str) -> str | None: ...
    # write into a detached volume's filesystem (an image unpacked into it)
    def fill(self, volume_id: str, writer: Callable[[Path], None]) -> None: ...
    # a detached volume mounted read-only for `reader` (an upload to an image), then not
    def read(self, volume_id: str, reader: Callable[[Path], None]) -> None: ...
    # teardown: every mount and loop device under MNT gone, MNT itself unmounted
    def release(self) -> list[str]: ...
    # snapshots and volumes made from a source (see the end of this module)
    def snapshot(self, volume_id: str, snapshot_id: str,
                 frozen_at: Path | None = None) -> None: ...
    def delete_snapshot(self, snapshot_id: str) -> None: ...
    def snapshot_ids(self) -> set[str]: ...
    def sweep_snapshots(self) -> list[str]: ...
    def create_from(self, volume_id: str, source_kind: str, source_id: str,
                    size_gib: int, frozen_at: Path | None = None) -> None: ...
    def backup(self, source_kind: str, source_id: str, backup_id: str,
               parent_id: str | None, frozen_at: Path | None = None) -> int: ...
    def restore_backup(self, backup_id: str, volume_id: str, size_gib: int) -> None: ...
    def delete_backup(self, backup_id: str) -> None: ...
    def import_backup(self, source_id: str, backup_id: str) -> int: ...
    def backup_ids(self) -> set[str]: ...
    def sweep_backups(self) -> list[str]: ...
