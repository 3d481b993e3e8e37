"""An in-memory BlockStore for unit tests: the promises of cheptel.backends.blockstore.

Failures can be injected: `fail` maps an operation name ("create", "delete", "extend",
"snapshot", "delete_snapshot", "create_from", "copy", "thaw", "read", "backup",
"restore", "delete_backup", "import_backup") to the message its next
calls raise as BlockStoreError; `busy` holds the (server, device) mounts a process holds
(detach raises Busy unless lazy).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from cheptel.backends.blockstore import SOURCE_KINDS, BlockStoreError, Busy


class FakeBlockStore:
    def __init__(self) -> None:
        self.volumes: dict[str, int] = {}  # id -> size in GiB (complete volumes)
        self.partial: set[str] = set()  # what a crash left half-made
        self.fail: dict[str, str] = {}
        # (server, device) -> (volume id, read-only)
        self.mounted: dict[tuple[str, str], tuple[str, bool]] = {}
        self.busy: set[tuple[str, str]] = set()
        self.dirs: set[str] = set()
        self.prepared = False
        self.contents: dict[str, list[str]] = {}  # id -> the files fill() wrote
        self.snapshots: dict[str, int] = {}  # id -> size in GiB (complete snapshots)
        self.partial_snapshots: set[str] = set()
        self.freezes: list[tuple[str, str]] = []  # ("freeze" | "thaw", mount point)
        # id -> (source volume or snapshot id, size in GiB, parent id, files fill() wrote)
        self.backups: dict[str, tuple[str, int, str | None, list[str]]] = {}
        self.partial_backups: set[str] = set()

    def _check(self, op: str) -> None:
        if op in self.fail:
            raise BlockStoreError(self.fail[op])

    def create(self, volume_id: str, size_gib: int) -> None:
        self._check("create")
        self.partial.discard(volume_id)
        self.volumes.setdefault(volume_id, size_gib)

    def delete(self, volume_id: str) -> None:
        self._check("delete")
        self.partial.discard(volume_id)
        self.volumes.pop(volume_id, None)

    def extend(self, volume_id: str, size_gib: int) -> None:
        self._check("extend")
        if volume_id not in self.volumes:
            raise BlockStoreError(f"volume {volume_id} has no file")
        self.volumes[volume_id] = max(self.volumes[volume_id], size_gib)

    def ids(self) -> set[str]:
        return set(self.volumes)

    def sweep(self) -> list[str]:
        gone = sorted(self.partial)
        self.partial.clear()
        return gone

    def prepare(self) -> None:
        self.prepared = True

    def server_dir(self, server_id: str) -> Path:
        self.dirs.add(server_id)
        return Path("/fake-mnt") / server_id

    def remove_server_dir(self, server_id: str) -> None:
        if not any(s == server_id for s, _ in self.mounted):
            self.dirs.discard(server_id)

    def attach(self, volume_id: str, server_id: str, device: str, readonly: bool) -> None:
        self._check("attach")
        if volume_id not in self.volumes:
            raise BlockStoreError(f"volume {volume_id} has no file")
        self.dirs.add(server_id)
        self.mounted.setdefault((server_id, device), (volume_id, readonly))

    def detach(self, server_id: str, device: str, lazy: bool = False) -> None:
        self._check("detach")
        if (server_id, device) in self.busy and not lazy:
            raise Busy(f"{server_id}/{device} is in use by a process of the server")
        self.busy.discard((server_id, device))
        self.mounted.pop((server_id, device), None)

    def free_loops(self, volume_id: str) -> list[str]:
        return []  # the fake has no loop devices: mounts are all it keeps

    def mounts(self) -> dict[tuple[str, str], str]:
        return {key: volume for key, (volume, _) in self.mounted.items()}

    def device_of(self, server_id: str, device: str) -> str | None:
        """A loop device per mount, numbered by the order of the mounts."""
        keys = list(self.mounted)
        key = (server_id, device)
        return f"/dev/loop{keys.index(key)}" if key in keys else None

    def release(self) -> list[str]:
        done = [f"detached {s}/{d}" for s, d in self.mounted]
        self.mounted.clear()
        self.prepared = False
        return done

    def fill(self, volume_id: str, writer: Callable[[Path], None]) -> None:
        self._check("fill")
        if volume_id not in self.volumes:
            raise BlockStoreError(f"volume {volume_id} has no file")
        with tempfile.TemporaryDirectory() as tmp:
            writer(Path(tmp))
            self.contents[volume_id] = sorted(
                str(p.relative_to(tmp)) for p in Path(tmp).rglob("*") if p.is_file())

    def read(self, volume_id: str, reader: Callable[[Path], None]) -> None:
        """The volume's files (those fill() wrote, empty) in a directory for `reader`."""
        self._check("read")
        if volume_id not in self.volumes:
            raise BlockStoreError(f"volume {volume_id} has no file")
        with tempfile.TemporaryDirectory() as tmp:
            for name in self.contents.get(volume_id, []):
                (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / name).touch()
            reader(Path(tmp))

    # --- snapshots, and volumes made from a snapshot or a volume --------------------

    def _copying(self, frozen_at: Path | None) -> None:
        if frozen_at is None:
            self._check("copy")
            return
        self.freezes.append(("freeze", str(frozen_at)))
        try:
            self._check("copy")
        finally:
            self.freezes.append(("thaw", str(frozen_at)))
            self._check("thaw")

    def snapshot(self, volume_id: str, snapshot_id: str,
                 frozen_at: Path | None = None) -> None:
        self._check("snapshot")
        if snapshot_id in self.snapshots:
            return
        if volume_id not in self.volumes:
            raise BlockStoreError(f"the source file {volume_id}.img is missing")
        self._copying(frozen_at)
        self.partial_snapshots.discard(snapshot_id)
        self.snapshots[snapshot_id] = self.volumes[volume_id]

    def delete_snapshot(self, snapshot_id: str) -> None:
        self._check("delete_snapshot")
        self.snapshots.pop(snapshot_id, None)
        self.partial_snapshots.discard(snapshot_id)

    def snapshot_ids(self) -> set[str]:
        return set(self.snapshots)

    def sweep_snapshots(self) -> list[str]:
        gone = sorted(self.partial_snapshots)
        self.partial_snapshots.clear()
        return gone

    def create_from(self, volume_id: str, source_kind: str, source_id: str,
                    size_gib: int, frozen_at: Path | None = None) -> None:
        self._check("create_from")
        if source_kind not in SOURCE_KINDS:
            raise BlockStoreError(f"unknown source kind {source_kind[:32]!r}")
        if volume_id not in self.volumes:
            sources = self.snapshots if source_kind == "snapshot" else self.volumes
            if source_id not in sources:
                raise BlockStoreError(f"the source file {source_id}.img is missing")
            self._copying(frozen_at)
            self.partial.discard(volume_id)
            self.volumes[volume_id] = sources[source_id]
        self.extend(volume_id, size_gib)

    # --- backups ---------------------------------------------------------------------

    def backup(self, source_kind: str, source_id: str, backup_id: str,
               parent_id: str | None, frozen_at: Path | None = None) -> int:
        self._check("backup")
        if backup_id in self.backups:
            return 1
        store = self.snapshots if source_kind == "snapshot" else self.volumes
        if source_id not in store:
            raise BlockStoreError(f"the source file {source_id}.img is missing")
        if parent_id is not None and parent_id not in self.backups:
            raise BlockStoreError(f"backup {parent_id} has no readable manifest")
        self._copying(frozen_at)
        self.partial_backups.discard(backup_id)
        contents = self.contents.get(source_id, []) if source_kind == "volume" else []
        self.backups[backup_id] = (source_id, store[source_id], parent_id, list(contents))
        return 1

    def restore_backup(self, backup_id: str, volume_id: str, size_gib: int) -> None:
        self._check("restore")
        entry = self.backups.get(backup_id)
        if entry is None:
            raise BlockStoreError(f"backup {backup_id} has no readable manifest")
        parent = entry[2]
        while parent is not None:  # the chain must be whole, as the chunks' owners
            if parent not in self.backups:
                raise BlockStoreError(f"backup {backup_id}: a chunk is missing (in "
                                      f"backup {parent})")
            parent = self.backups[parent][2]
        self.volumes[volume_id] = max(entry[1], size_gib)
        self.contents[volume_id] = list(entry[3])

    def delete_backup(self, backup_id: str) -> None:
        self._check("delete_backup")
        self.partial_backups.discard(backup_id)
        self.backups.pop(backup_id, None)

    def import_backup(self, source_id: str, backup_id: str) -> int:
        self._check("import_backup")
        if backup_id not in self.backups:
            if source_id not in self.backups:
                raise BlockStoreError(f"backup {source_id} has no readable manifest")
            self.backups[backup_id] = self.backups[source_id]
        return 1

    def backup_ids(self) -> set[str]:
        return set(self.backups)

    def sweep_backups(self) -> list[str]:
        gone = sorted(f"{b}.part" for b in self.partial_backups)
        self.partial_backups.clear()
        return gone
