"""Metadata of a volume or a snapshot (a JSON object in its row): set (merged or
replaced) and delete one key, as Cinder's metadata APIs of both do."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from cheptel.errors import NotFound


class WithMetadata(Protocol):
    id: str
    meta: dict[str, Any]
    updated_at: float | None


def set_items(db: Session, row: WithMetadata, meta: dict[str, str], replace: bool,
              now: float) -> dict[str, str]:
    row.meta = dict(meta) if replace else {**row.meta, **meta}
    row.updated_at = now
    db.flush()
    return dict(row.meta)


def delete_item(db: Session, row: WithMetadata, kind: str, key: str, now: float) -> None:
    """`kind`: Volume or Snapshot, as Cinder's 404 names it."""
    if key not in row.meta:
        raise NotFound(f"{kind} {row.id} has no metadata with key {key}.")
    row.meta = {k: v for k, v in row.meta.items() if k != key}
    row.updated_at = now
    db.flush()
