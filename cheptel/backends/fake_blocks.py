"""An in-memory BlockStore for unit tests: the promises of cheptel.backends.blockstore.

Failures can be injected: `fail` maps an operation name ("create", "delete", "extend")
to the message its next calls raise as BlockStoreError.
"""

from __future__ import annotations

from cheptel.backends.blockstore import BlockStoreError


class FakeBlockStore:
    def __init__(self) -> None:
        self.volumes: dict[str, int] = {}  # id -> size in GiB (complete volumes)
        self.partial: set[str] = set()  # what a crash left half-made
        self.fail: dict[str, str] = {}

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
