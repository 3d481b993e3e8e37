"""An in-memory BlockStore for unit tests: the promises of cheptel.backends.blockstore.

Failures can be injected: `fail` maps an operation name ("create", "delete", "extend",
"snapshot", "delete_snapshot", "create_from", "thaw") to the message its next calls raise
as BlockStoreError.
"""

from __future__ import annotations

from pathlib import Path

from cheptel.backends.blockstore import SOURCE_KINDS, BlockStoreError


class FakeBlockStore:
    def __init__(self) -> None:
        self.volumes: dict[str, int] = {}  # id -> size in GiB (complete volumes)
        self.partial: set[str] = set()  # what a crash left half-made
        self.fail: dict[str, str] = {}
        self.snapshots: dict[str, int] = {}  # id -> size in GiB (complete snapshots)
        self.partial_snapshots: set[str] = set()
        self.freezes: list[tuple[str, str]] = []  # ("freeze" | "thaw", mount point)

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
