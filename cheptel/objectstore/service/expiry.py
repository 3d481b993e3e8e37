"""The expirer: objects past their X-Delete-At are already invisible (every read filters
them); this sweep removes their rows and files for good. It runs as the object store's
converger, at each periodic pass of the reconciler (`scan`), and keeps no keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cheptel.objectstore.service import objects
from cheptel.objectstore.service.store import ObjectFiles

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler


def sweep(deps: Deps) -> int:
    """Delete the expired objects' rows, then their files; -> how many."""
    files = ObjectFiles(deps.settings.data_dir)
    total = 0
    while True:
        with deps.sessions() as db, db.begin():
            batch = objects.expired(db, deps.clock())
            gone = [objects.delete(db, row) for row in batch]
        files.remove(gone)
        total += len(gone)
        if len(batch) < 500:
            return total


class Expirer:
    def __init__(self, deps: Deps, reconciler: Reconciler) -> None:
        self.deps = deps

    def scan(self, first: bool = False) -> list[str]:
        sweep(self.deps)
        return []

    def converge(self, key: str) -> bool:
        return False
